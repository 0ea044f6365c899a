// What in a state directory belongs to the local cloud. A state directory may
// sit among a user's own files (or `--state-dir` may name a directory full of
// them by mistake), so the local cloud only ever touches the root entries of
// STATE_DIR_ENTRIES: it refuses to create a cloud in a directory that holds
// anything else and is not already a cloud, a reset deletes those entries and
// no others, and the removal of a crash's temporary files looks only inside
// the cloud's own directories (every account's). LocalCloud.open runs both deletions with the
// state directory's lock held, so no live writer can own what they remove.
import { readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, isTempFile, readDirIfExists, temporaryFileTarget } from './files.ts';
import { STATE_DIR_ENTRIES, type StateLayout } from './layout.ts';
import { listAccountIds, listDatabaseIds, listRegionNames } from './records.ts';

/** What a state directory holds, judged by the names in its root. */
export type StateDirContents = 'empty' | 'local-cloud' | 'foreign';

/** A directory with entries of its own that is not a local cloud: the local cloud will not move in. */
export class ForeignStateDirError extends Error {
  readonly stateDir: string;

  constructor(stateDir: string) {
    super(
      `the state directory ${stateDir} is not empty and is not a restorable local cloud (it has no cloud.json); ` +
        'refusing to create a local cloud in it: use an empty or new directory',
    );
    this.name = 'ForeignStateDirError';
    this.stateDir = stateDir;
  }
}

const ROOT_ENTRY_NAMES: ReadonlySet<string> = new Set(Object.values(STATE_DIR_ENTRIES));

/** A temporary file of one of the root's own files (cloud.json or the lock, as they were being written). */
function isRootTemporary(name: string): boolean {
  const target = temporaryFileTarget(name);
  return target !== undefined && ROOT_ENTRY_NAMES.has(target);
}

/**
 * `local-cloud` when the root holds cloud.json; `empty` when it holds nothing
 * or only what a creation interrupted before cloud.json was written leaves
 * behind (the lock, temporary files of the root's files); else `foreign`.
 * Other entries of the cloud's own (regions/, reports/) do not count for a
 * cloud without cloud.json: a user's own `reports` folder looks the same.
 */
export function classifyStateDir(names: readonly string[]): StateDirContents {
  if (names.includes(STATE_DIR_ENTRIES.cloudFile)) return 'local-cloud';
  const leftByCreation = (name: string) => name === STATE_DIR_ENTRIES.lockFile || isRootTemporary(name);
  return names.every(leftByCreation) ? 'empty' : 'foreign';
}

export async function inspectStateDir(layout: StateLayout): Promise<StateDirContents> {
  try {
    return classifyStateDir(await readdir(layout.root));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'empty';
    throw error;
  }
}

/**
 * Deletes what the local cloud keeps in the state directory, except the lock,
 * which the caller must hold. Entries that are not the cloud's stay.
 */
export async function resetStateDir(layout: StateLayout): Promise<void> {
  const { cloudFile, lockFile } = STATE_DIR_ENTRIES;
  const contents = Object.values(STATE_DIR_ENTRIES).filter((name) => name !== cloudFile && name !== lockFile);
  // cloud.json last: until it goes the directory still reads as a local cloud,
  // so a reset that was interrupted can be run again.
  for (const name of [...contents, cloudFile]) {
    await rm(join(layout.root, name), { recursive: true, force: true });
  }
}

/**
 * Removes the temporary files that writes interrupted by a crash left behind,
 * wherever the local cloud writes them: in the root (only those of the root's
 * own files), in each region's (of every account) kms, snapshots, sandboxes and database
 * directories, and anywhere in the report store. The caller must hold the
 * lock. PGlite's data directories are PGlite's own and are not looked into.
 */
export async function removeTemporaryFiles(layout: StateLayout): Promise<void> {
  // Not the lock's: another process writes its lock attempt as a temporary
  // file before it holds the lock, and must find it there to link it.
  await removeTemporariesIn(
    layout.root,
    (name) => isRootTemporary(name) && temporaryFileTarget(name) !== STATE_DIR_ENTRIES.lockFile,
    false,
  );
  const accounts = [layout, ...(await listAccountIds(layout)).map((id) => layout.forAccount(id))];
  for (const account of accounts) {
    for (const region of await listRegionNames(account)) {
      const dirs = [account.kmsDir(region), account.snapshotsDir(region), account.sandboxesDir(region)];
      for (const id of await listDatabaseIds(account, region)) dirs.push(account.databaseDir(region, id));
      for (const dir of dirs) await removeTemporariesIn(dir, isTempFile, false);
    }
  }
  await removeTemporariesIn(layout.reportsDir, isTempFile, true);
  await removeTemporariesIn(layout.deploymentsDir, isTempFile, true);
}

async function removeTemporariesIn(
  dir: string,
  isTemporary: (name: string) => boolean,
  recursive: boolean,
): Promise<void> {
  for (const entry of await readDirIfExists(dir)) {
    const path = join(dir, entry.name);
    if (entry.isFile() && isTemporary(entry.name)) {
      await unlink(path).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
    } else if (recursive && entry.isDirectory()) {
      await removeTemporariesIn(path, isTemporary, true);
    }
  }
}
