// Ctrl-C (SIGINT) or SIGTERM while a command runs stops it cleanly: a drill
// tears its sandbox down and releases the state directory before exiting 130
// or 143, and a backup stops where it was, so that the next run completes the
// day. The command runs as an operator runs it, in a process of its own, and
// the signal comes at a known point: a `pause` fault holds the run there and
// says so on stderr.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../src/local-cloud/faults.ts';
import { runCli } from '../support/cli.ts';
import { copyOfSeededCloud } from '../support/seeded-clouds.ts';

const SOURCE_REGION = 'eu-west-1';
const COPY_REGION = 'eu-central-1';

let workDir: string;
let fixtureDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-interrupt-'));
  // Seeded on 2026-11-19 and backed up at 2026-11-20T02:00Z.
  fixtureDir = await copyOfSeededCloud('backedUp', join(workDir, 'fixture'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function copyOfFixture(name: string): Promise<string> {
  const dir = join(workDir, name);
  await cp(fixtureDir, dir, { recursive: true });
  return dir;
}

const files = async (dir: string) =>
  (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.json'));
const sandboxRecords = (stateDir: string, region: string) =>
  files(join(stateDir, 'regions', region, 'sandboxes'));
const snapshotsOfDay = async (stateDir: string, region: string, day: string) =>
  (await files(join(stateDir, 'regions', region, 'snapshots'))).filter((name) => name.includes(day)).sort();

interface Interrupted {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** What `atPause` returned, looked at while the run was held. */
  readonly seenAtPause: unknown;
}

/**
 * Runs the CLI in a process of its own with `faults`, waits until it says it
 * is paused, lets `atPause` look at the state, sends `signal`, and resolves
 * with how the process ended.
 */
function interruptAtPause(
  argv: readonly string[],
  faults: FaultRule[],
  signal: NodeJS.Signals,
  atPause: () => Promise<unknown>,
): Promise<Interrupted> {
  const child = spawn(process.execPath, ['bin/restorable.js', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RESTORABLE_FAULTS: JSON.stringify(faults) },
  });
  let stderr = '';
  let seenAtPause: unknown;
  let signalled = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (signalled || !stderr.includes('(injected fault)\n')) return;
    signalled = true;
    void atPause().then((seen) => {
      seenAtPause = seen;
      child.kill(signal);
    });
  });
  return new Promise((resolve) =>
    child.once('close', (code, ended) => resolve({ code, signal: ended, stderr, seenAtPause })),
  );
}

describe('a drill interrupted while it verifies its sandbox', () => {
  it.each([
    ['SIGINT' as const, 130],
    ['SIGTERM' as const, 143],
  ])('on %s tears the sandbox down, releases the lock and exits %i', async (signal, exitCode) => {
    const stateDir = await copyOfFixture(`drill-${signal}`);

    const ended = await interruptAtPause(
      ['drill', '--db', 'orders', '--state-dir', stateDir, '--now', '2026-11-20T06:00:00Z'],
      [{ operation: 'connectSandbox', effect: 'pause' }],
      signal,
      () => sandboxRecords(stateDir, COPY_REGION),
    );

    expect(ended.seenAtPause).toEqual([expect.stringMatching(/^rsbx-orders-/)]);
    expect(ended.signal).toBeNull();
    expect(ended.code, ended.stderr).toBe(exitCode);
    expect(ended.stderr).toMatch(
      new RegExp(`restorable: deleted the sandbox ${COPY_REGION}/rsbx-orders-\\S+ of the interrupted drill`),
    );
    expect(ended.stderr).toContain(`restorable: interrupted by ${signal}; stopped after cleaning up`);
    expect(await sandboxRecords(stateDir, COPY_REGION)).toEqual([]);
    expect(existsSync(join(stateDir, 'lock'))).toBe(false);
  });
});

describe('a backup interrupted before its copies', () => {
  it('stops with exit 130, and the next run completes the day in every region', async () => {
    const stateDir = await copyOfFixture('backup');
    const day = '2026-11-21';

    const ended = await interruptAtPause(
      ['backup', '--state-dir', stateDir, '--now', `${day}T02:00:00Z`],
      [{ operation: 'copySnapshot', effect: 'pause', database: 'orders' }],
      'SIGINT',
      async () => ({
        source: await snapshotsOfDay(stateDir, SOURCE_REGION, day),
        copies: await snapshotsOfDay(stateDir, COPY_REGION, day),
      }),
    );

    expect(ended.code, ended.stderr).toBe(130);
    expect(ended.seenAtPause).toMatchObject({
      source: expect.arrayContaining(['restorable-orders-2026-11-21.json']),
    });
    expect(await snapshotsOfDay(stateDir, COPY_REGION, day)).not.toContain(
      'restorable-orders-2026-11-21.json',
    );
    expect(existsSync(join(stateDir, 'lock'))).toBe(false);

    const next = await runCli('backup', '--json', '--state-dir', stateDir, '--now', `${day}T02:30:00Z`);

    expect(next.code, next.stderr).toBe(0);
    expect(next.json()).toMatchObject({ status: 'OK' });
    for (const region of [SOURCE_REGION, COPY_REGION]) {
      expect(await snapshotsOfDay(stateDir, region, day)).toEqual([
        'restorable-billing-2026-11-21.json',
        'restorable-orders-2026-11-21.json',
      ]);
    }
  });
});
