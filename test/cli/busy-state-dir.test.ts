// A state directory that another live process holds is not a failed job: the
// command does nothing and exits 75 (EX_TEMPFAIL, "try again later") with a
// message naming the holder, and with --wait it waits for the lock instead.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';

let workDir: string;
let stateDir: string;
let holder: ChildProcess;
const lockFile = () => join(stateDir, 'lock');
const at = ['--now', '2026-11-22T02:00:00Z'];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-busy-'));
  stateDir = join(workDir, 'state');
  expect((await runCli('local', 'init', '--state-dir', stateDir, ...at)).code).toBe(0);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

// A live process that holds the lock, as a command running in another shell would.
beforeEach(async () => {
  holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1_000)'], { stdio: 'ignore' });
  if (holder.pid === undefined) throw new Error('could not start a process to hold the lock');
  await writeFile(lockFile(), `${holder.pid}\n`);
});

afterEach(async () => {
  holder.kill('SIGKILL');
  await unlink(lockFile()).catch(() => undefined);
});

describe('a command on a busy state directory', () => {
  it('exits 75, naming the process that holds it, and does nothing', async () => {
    const before = (await readdir(stateDir, { recursive: true })).sort();

    const run = await runCli('backup', '--state-dir', stateDir, ...at);

    expect(run.code).toBe(75);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `restorable: the state directory ${stateDir} is in use by process ${holder.pid} (lock file ${lockFile()})`,
    );
    expect(run.stderr).toContain('run the command again once it is done, or with --wait');
    expect((await readdir(stateDir, { recursive: true })).sort()).toEqual(before);
    expect(await readFile(lockFile(), 'utf8')).toBe(`${holder.pid}\n`);
  });

  it('with --json, prints the error object of StateDirBusyError', async () => {
    const run = await runCli('status', '--json', '--state-dir', stateDir, ...at);

    expect(run.code).toBe(75);
    expect(run.json()).toEqual({
      error: {
        name: 'StateDirBusyError',
        message: expect.stringContaining(
          `the state directory ${stateDir} is in use by process ${holder.pid}`,
        ),
      },
    });
  });
});

describe('--wait', () => {
  it('waits for the lock, then runs the command and releases the lock', async () => {
    const cli = startCli('status', '--wait', '--json', '--state-dir', stateDir, ...at);

    await cli.stderrLine(new RegExp(`in use by process ${holder.pid}; waiting for it$`));
    // The other process finishes: its lock goes.
    await unlink(lockFile());
    const run = await cli.done;

    expect(run.code, run.stderr).toBe(0);
    expect(run.json()).toEqual({ databases: [] });
    expect(existsSync(lockFile())).toBe(false);
  });

  it('takes over the lock of a holder that is gone meanwhile', async () => {
    const cli = startCli('status', '--wait=600', '--state-dir', stateDir, ...at);

    await cli.stderrLine(/waiting for it \(at most 600 s\)$/);
    holder.kill('SIGKILL');
    const run = await cli.done;

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^database +kind +engine/);
  });

  it('=SECONDS gives up after that long with exit 75, having done nothing', async () => {
    const run = await runCli('status', '--wait=1', '--state-dir', stateDir, ...at);

    expect(run.code).toBe(75);
    expect(run.stderr).toContain(`in use by process ${holder.pid}`);
    expect(run.stderr).toContain('waited 1 s for it, nothing was done');
    expect(await readFile(lockFile(), 'utf8')).toBe(`${holder.pid}\n`);
  });
});
