// One fresh PostgreSQL data directory for every local cloud the suite makes.
// initdb costs seconds of CPU in each process that creates a database, and its
// output depends on the PGlite build alone: it is made once per PGlite version,
// kept in the temporary directory, and each test process reads it from there.
// The clouds then create every database as they create all but their first
// one outside tests: by loading a fresh data directory (cloud.ts). CLI runs
// in child processes have no source and still run initdb themselves.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TARBALL_TYPE = 'application/x-tar';

let template: Promise<Blob> | undefined;

/** The fresh data directory's tarball, read from the temporary directory or made there first. */
export function sharedDataDirTemplate(): Promise<Blob> {
  template ??= readOrMake();
  return template;
}

async function readOrMake(): Promise<Blob> {
  const manifest = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  const file = join(tmpdir(), `restorable-test-pgdata-pglite-${version}.tar`);
  const cached = await readFile(file).catch(() => undefined);
  if (cached !== undefined) return new Blob([cached], { type: TARBALL_TYPE });

  const { PGlite } = await import('@electric-sql/pglite');
  const scratch = await mkdtemp(join(tmpdir(), 'restorable-test-initdb-'));
  try {
    const db = await PGlite.create({ dataDir: join(scratch, 'pgdata') });
    const tarball = await db.dumpDataDir('none');
    await db.close();
    // Written whole then renamed, so a process that reads it never sees part of one;
    // of processes that make it at once, the last rename wins and each is a fresh data directory.
    const partial = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(partial, new Uint8Array(await tarball.arrayBuffer()));
    await rename(partial, file);
    return tarball;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
