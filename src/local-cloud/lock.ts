// The exclusive lock on a state directory: `<stateDir>/lock` holds the pid of
// the process using it. The file is created atomically with its content (a
// hard link of a complete temporary file), so it is never seen empty. A lock
// whose process is gone (a crash, a kill) is stale and taken over; two
// processes taking over the same stale lock at the very same moment is the one
// race this does not settle. A caller may wait for a busy lock: it polls
// the lock file until its holder releases it or is gone.
import { readFile, unlink } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
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

/**
 * Another live process holds the state directory: nothing was done, and the
 * same command can run once it is done (the CLI exits 75, or waits with --wait).
 */
export class StateDirBusyError extends Error {
  readonly stateDir: string;
  readonly lockFile: string;
  readonly holderPid: number;

  constructor(stateDir: string, lockFile: string, holderPid: number, waitedSeconds?: number) {
    super(
      `the state directory ${stateDir} is in use by process ${holderPid} (lock file ${lockFile})` +
        (waitedSeconds === undefined
          ? '; nothing was done: run the command again once it is done, or with --wait to wait for it'
          : `; waited ${waitedSeconds} s for it, nothing was done`),
    );
    this.name = 'StateDirBusyError';
    this.stateDir = stateDir;
    this.lockFile = lockFile;
    this.holderPid = holderPid;
  }
}

export interface LockWaitOptions {
  /** How long to wait for a busy lock (Infinity: as long as it takes); 0 or absent: not at all. */
  readonly seconds?: number;
  /** Told once, when the lock is busy and the wait begins. */
  readonly onWait?: (busy: StateDirBusyError) => void;
  /** Ends the wait: throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/** How often a waiting process looks at the lock file again. */
const LOCK_POLL_MS = 200;

export class StateDirLock {
  readonly path: string;
  readonly #pid: number;
  #released = false;

  private constructor(path: string, pid: number) {
    this.path = path;
    this.#pid = pid;
  }

  /**
   * Takes the lock for this process, waiting for a busy one as `wait` says.
   * Throws StateDirBusyError, naming the holder's pid, when another live
   * process still holds it, and at once when this process holds it through
   * another open (waiting for itself would never end).
   */
  static async acquire(path: string, stateDir: string, wait: LockWaitOptions = {}): Promise<StateDirLock> {
    const seconds = wait.seconds ?? 0;
    const deadline = Date.now() + seconds * 1000;
    let told = false;
    for (;;) {
      wait.signal?.throwIfAborted();
      try {
        return await StateDirLock.#tryAcquire(path, stateDir);
      } catch (error) {
        if (!(error instanceof StateDirBusyError) || seconds <= 0) throw error;
        if (Date.now() >= deadline) throw new StateDirBusyError(stateDir, path, error.holderPid, seconds);
        if (!told) wait.onWait?.(error);
        told = true;
      }
      await delay(LOCK_POLL_MS, undefined, wait.signal === undefined ? {} : { signal: wait.signal }).catch(
        (error: unknown) => {
          throw wait.signal?.aborted === true ? wait.signal.reason : error;
        },
      );
    }
  }

  static async #tryAcquire(path: string, stateDir: string): Promise<StateDirLock> {
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
      if (holder === pid) {
        throw new Error(
          `the state directory ${stateDir} is in use by this process (${pid}), through another open (lock file ${path})`,
        );
      }
      if (isAlive(holder)) throw new StateDirBusyError(stateDir, path, holder);
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
