// The exclusive lock on a state directory: `<stateDir>/lock` holds the pid of
// the process using it. The file is created atomically with its content (a
// hard link of a complete temporary file), so it is never seen empty. A lock
// whose process is gone (a crash, a kill) is stale and taken over; two
// processes taking over the same stale lock at the very same moment is the one
// race this does not settle.
import { readFile, unlink } from 'node:fs/promises';
import { errorCode, readFileIfExists, writeFileExclusive } from './files.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errorCode(error) === 'EPERM';
  }
}

function parsePid(content: string): number | undefined {
  const text = content.trim();
  if (!/^\d+$/.test(text)) return undefined;
  const pid = Number(text);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

export class StateDirLock {
  readonly path: string;
  readonly #pid: number;
  #released = false;

  private constructor(path: string, pid: number) {
    this.path = path;
    this.#pid = pid;
  }

  /**
   * Takes the lock for this process. Throws, naming the holder's pid, when a
   * live process (this one included, through another open) holds it.
   */
  static async acquire(path: string, stateDir: string): Promise<StateDirLock> {
    const pid = process.pid;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await writeFileExclusive(path, `${pid}\n`)) return new StateDirLock(path, pid);
      const content = await readFileIfExists(path);
      if (content === undefined) continue; // released meanwhile: try again
      const holder = parsePid(content.toString('utf8'));
      if (holder === undefined) {
        throw new Error(
          `the state directory ${stateDir} is locked by ${path}, which does not hold a process id; ` +
            'remove that file if no restorable process is using the directory',
        );
      }
      if (isAlive(holder)) {
        const who = holder === pid ? `this process (${pid}), through another open` : `process ${holder}`;
        throw new Error(
          `the state directory ${stateDir} is in use by ${who} (lock file ${path}); ` +
            'stop it or use another state directory',
        );
      }
      // Stale: its process is gone. Remove it and try again.
      await unlink(path).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
    }
    throw new Error(`could not take the lock ${path} of the state directory ${stateDir}: it keeps changing`);
  }

  /** Removes the lock file if it still names this process. Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      const content = await readFile(this.path, 'utf8');
      if (parsePid(content) === this.#pid) await unlink(this.path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }
}
