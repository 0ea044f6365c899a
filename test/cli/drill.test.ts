// `restorable drill` as operators run it, on a local cloud: the JSON contract,
// exit codes, bad input that creates nothing, status after a drill, and a CLI
// killed in the middle of a drill whose sandbox the next drill removes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli.ts';

let workDir: string;
let stateDir: string;
const at = (time: string) => ['--state-dir', stateDir, '--now', time];
const sandboxesDir = () => join(stateDir, 'regions', 'eu-central-1', 'sandboxes');
const sandboxRecords = async () =>
  (await readdir(sandboxesDir()).catch(() => [])).filter((name) => name.endsWith('.json'));

interface DrillJson {
  verdict: string;
  database: string;
  snapshot: string;
  region: string;
  rtoSeconds: number;
  rpoSeconds: number;
  checks: { name: string; status: string; detail: string }[];
  report: { json: string; html: string };
}

/** The one drill of a drill run's document, which has the same shape for one database and several. */
function onlyDrill(run: CliRun): DrillJson {
  const document = run.json<{ verdict: string; drills: DrillJson[]; backlog: unknown }>();
  expect(document.drills).toHaveLength(1);
  expect(document.backlog).toBeNull();
  const [drill] = document.drills;
  if (drill === undefined) throw new Error('no drill in the document');
  expect(document.verdict).toBe(drill.verdict);
  return drill;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-drill-cli-'));
  stateDir = join(workDir, 'state');
  // Seeded 14 hours before the backup: the RPO measured is 14 h, well inside the 26 h target.
  await runCli('local', 'init', ...at('2026-11-19T12:00:00Z'));
  await runCli('local', 'seed', ...at('2026-11-19T12:00:00Z'));
  expect((await runCli('backup', ...at('2026-11-20T02:00:00Z'))).code).toBe(0);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('restorable drill', () => {
  it('drills a database and prints the JSON contract', async () => {
    const run = await runCli('drill', '--db', 'orders', '--json', ...at('2026-11-20T06:00:00Z'));

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = onlyDrill(run);
    expect(result).toMatchObject({
      verdict: 'pass',
      database: 'orders',
      snapshot: 'restorable-orders-2026-11-20',
      region: 'eu-central-1',
    });
    expect(result.rtoSeconds).toBeGreaterThanOrEqual(0);
    expect(result.rtoSeconds).toBeLessThan(120);
    expect(result.rpoSeconds).toBeGreaterThanOrEqual(14 * 3600);
    expect(result.rpoSeconds).toBeLessThan(14 * 3600 + 60);
    expect(result.checks.map((check) => check.name)).toEqual([
      'restore',
      'connect',
      'consistency',
      'assertion: every order has at least one line',
      'inventory',
      'freshness',
      'recovery-time',
      'teardown',
    ]);
    expect(result.checks.every((check) => check.status === 'pass')).toBe(true);
    expect(existsSync(result.report.json)).toBe(true);
    expect(existsSync(result.report.html)).toBe(true);
    expect(await sandboxRecords()).toEqual([]);
  });

  it('shows the last drill in status', async () => {
    const run = await runCli('status', '--json', ...at('2026-11-20T07:00:00Z'));
    const orders = run
      .json<{ databases: { id: string; lastDrill: { verdict: string; rtoSeconds: number } | null }[] }>()
      .databases.find((database) => database.id === 'orders');
    expect(orders?.lastDrill).toMatchObject({ verdict: 'pass', snapshot: 'restorable-orders-2026-11-20' });
    const table = await runCli('status', ...at('2026-11-20T07:00:00Z'));
    expect(table.stdout).toMatch(/orders .* PASS 2026-11-20 06:00, RTO \d+ s/);
  });

  it.each([
    [['--db', 'nope'], '--db nope: not a protected database'],
    [['--db', 'orders', '--snapshot', 'restorable-orders-1999-01-01'], 'SnapshotNotFoundError'],
    [['--snapshot', 'restorable-orders-2026-11-20'], '--snapshot needs --db'],
    [['--db', 'orders', '--region', 'us-west-2'], '--region us-west-2: not a region the tool writes to'],
  ])('exits 2 for %j and creates no sandbox', async (flags, message) => {
    const run = await runCli('drill', ...flags, ...at('2026-11-20T08:00:00Z'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(await sandboxRecords()).toEqual([]);
  });

  it('exits 1 when the drill fails, and still tears the sandbox down', async () => {
    const previous = process.env.RESTORABLE_FAULTS;
    process.env.RESTORABLE_FAULTS = JSON.stringify([{ operation: 'restoreSandbox', effect: 'fail' }]);
    try {
      const run = await runCli('drill', '--db', 'billing', '--json', ...at('2026-11-20T09:00:00Z'));
      expect(run.code).toBe(1);
      const result = onlyDrill(run);
      expect(result.verdict).toBe('fail');
      expect(result.checks[0]).toMatchObject({
        name: 'restore',
        status: 'error',
        detail: expect.stringContaining('SandboxFailedError'),
      });
      expect(result.checks.at(-1)).toMatchObject({ name: 'teardown', status: 'pass' });
    } finally {
      if (previous === undefined) delete process.env.RESTORABLE_FAULTS;
      else process.env.RESTORABLE_FAULTS = previous;
    }
    expect(await sandboxRecords()).toEqual([]);
  });

  it('removes the sandbox of a drill whose CLI was killed, at the next drill', async () => {
    const child = spawn(
      process.execPath,
      ['bin/restorable.js', 'drill', '--db', 'orders', ...at('2026-11-20T10:00:00Z')],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    while ((await sandboxRecords()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await sandboxRecords()).toHaveLength(1);

    const next = await runCli('drill', '--db', 'orders', '--json', ...at('2026-11-20T11:00:00Z'));

    expect(next.code).toBe(0);
    expect(await sandboxRecords()).toEqual([]);
    const sweeps = await readdir(join(stateDir, 'reports', 'evidence', 'sweeps', '2026-11-20'));
    expect(sweeps).toHaveLength(1);
  });

  it('runs the sweeper on its own', async () => {
    const run = await runCli('sweep', '--json', ...at('2026-11-20T12:00:00Z'));
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({ deleted: [], notYet: [], remaining: 0 });
  });
});
