// One bad evidence file never stops a run: a damaged drill report, backup
// record or local snapshot record is named where it matters (status, the
// compliance report, the drill report) and kept to the database it belongs
// to, and is never bad usage (exit 2). Each test damages its own copy of one
// local cloud with a backup of both databases and a drill of orders.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { copyOfSeededCloud } from '../support/seeded-clouds.ts';

let workDir: string;
let fixtureDir: string;
let copies = 0;
const GARBLED = '{"schemaVersion": 1, "drillId": ';

interface StatusJson {
  databases: {
    id: string;
    regions: Record<string, { snapshots: number }>;
    lastDrill: { drillId: string; verdict: string } | null;
    unreadable?: { path: string; reason: string }[];
  }[];
}

interface ReportJson {
  status: string;
  controls: { id: string; status: string; databases: { id: string; status: string; detail: string }[] }[];
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-corrupt-'));
  // Seeded on 2026-11-19 and backed up at 2026-11-20T02:00Z, then a drill.
  fixtureDir = await copyOfSeededCloud('backedUp', join(workDir, 'fixture'));
  const at = (time: string) => ['--state-dir', fixtureDir, '--now', time];
  expect((await runCli('drill', '--db', 'orders', ...at('2026-11-20T06:00:00Z'))).code).toBe(0);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function copyOfFixture(): Promise<{ stateDir: string; at: (time: string) => string[] }> {
  copies += 1;
  const stateDir = join(workDir, `copy-${copies}`);
  await cp(fixtureDir, stateDir, { recursive: true });
  return { stateDir, at: (time) => ['--state-dir', stateDir, '--now', time] };
}

/** `report --json` over the fixture's one day (its backup and drill), just after the drill. */
function reportOfTheFixtureDay(at: (time: string) => string[]) {
  return runCli(
    'report',
    '--json',
    '--from',
    '2026-11-20',
    '--to',
    '2026-11-20',
    ...at('2026-11-20T07:00:00Z'),
  );
}

/** Damages the one JSON file of a folder of the state directory, and returns its path. */
async function garbleOnlyJsonIn(stateDir: string, ...folder: string[]): Promise<string> {
  const dir = join(stateDir, ...folder);
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  expect(names).toHaveLength(1);
  const path = join(dir, names[0] ?? '');
  await writeFile(path, GARBLED);
  return path;
}

const controlOf = (report: ReportJson, id: string) => report.controls.find((control) => control.id === id);
const database = (status: StatusJson, id: string) => status.databases.find((entry) => entry.id === id);

describe('a drill report that does not read', () => {
  it('is a line of status, in the row of its database only, and status exits 1', async () => {
    const { stateDir, at } = await copyOfFixture();
    const path = await garbleOnlyJsonIn(stateDir, 'reports', 'drills', 'orders', '2026-11-20');

    const run = await runCli('status', '--json', ...at('2026-11-20T07:00:00Z'));

    expect(run.code, run.stderr).toBe(1);
    const status = run.json<StatusJson>();
    expect(database(status, 'orders')?.unreadable).toEqual([
      {
        path: expect.stringContaining('drills/orders/2026-11-20/'),
        reason: expect.stringMatching(/not valid JSON/),
      },
    ]);
    expect(database(status, 'orders')?.lastDrill).toBeNull();
    expect(database(status, 'billing')).not.toHaveProperty('unreadable');
    expect(database(status, 'billing')?.regions['eu-west-1']?.snapshots).toBe(1);

    const text = await runCli('status', ...at('2026-11-20T07:00:00Z'));
    expect(text.stderr).toContain(
      `restorable: orders: ${path.replace(`${stateDir}/reports/`, '')} is unreadable`,
    );
  });

  it('fails the compliance report on evidence integrity for its database, exit 1, never bad usage', async () => {
    const { stateDir, at } = await copyOfFixture();
    await garbleOnlyJsonIn(stateDir, 'reports', 'drills', 'orders', '2026-11-20');

    const run = await reportOfTheFixtureDay(at);

    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toContain('--help');
    const report = run.json<ReportJson>();
    expect(report.status).toBe('non-compliant');
    expect(
      [...(controlOf(report, 'evidence-readable')?.databases ?? [])].sort((a, b) => b.id.localeCompare(a.id)),
    ).toEqual([
      {
        id: 'orders',
        status: 'fail',
        detail: expect.stringMatching(
          /^drills\/orders\/2026-11-20\/drill-orders-.*\.json is unreadable: drill report is not valid JSON/,
        ),
      },
      { id: 'billing', status: 'pass', detail: expect.any(String) },
    ]);
    // billing's own controls are computed as if nothing had happened.
    expect(
      controlOf(report, 'daily-backup')?.databases.find((result) => result.id === 'billing')?.status,
    ).toBe('pass');
  });

  it('is skipped as the baseline of the next drill, which runs, passes and says so in its report', async () => {
    const { stateDir, at } = await copyOfFixture();
    const path = await garbleOnlyJsonIn(stateDir, 'reports', 'drills', 'orders', '2026-11-20');

    const run = await runCli('drill', '--db', 'orders', '--json', ...at('2026-11-20T08:00:00Z'));

    expect(run.code, run.stdout + run.stderr).toBe(0);
    const [drill] = run.json<{
      drills: { verdict: string; checks: { name: string; detail: string }[]; report: { json: string } }[];
    }>().drills;
    if (drill === undefined) throw new Error('the drill run lists no drill');
    expect(drill.verdict).toBe('pass');
    expect(drill.checks.find((check) => check.name === 'inventory')?.detail).toContain(
      `skipped unreadable earlier reports as baseline: ${path.replace(`${stateDir}/reports/`, '')}`,
    );
    expect(JSON.parse(await readFile(drill.report.json, 'utf8'))).toMatchObject({ previousDrill: null });
  });
});

describe('a backup record that does not read', () => {
  it('is named by the compliance report against its database, with exit 1 and no crash', async () => {
    const { stateDir, at } = await copyOfFixture();
    await garbleOnlyJsonIn(stateDir, 'reports', 'evidence', 'backups', '2026-11-20', 'orders');

    const run = await reportOfTheFixtureDay(at);

    expect(run.code, run.stderr).toBe(1);
    const results = controlOf(run.json<ReportJson>(), 'evidence-readable')?.databases;
    expect(results?.map((result) => `${result.id}: ${result.status}`).sort()).toEqual([
      'billing: pass',
      'orders: fail',
    ]);
    expect(results?.find((result) => result.id === 'orders')?.detail).toMatch(
      /^evidence\/backups\/2026-11-20\/orders\/.*\.json is unreadable: backup-record is not valid JSON/,
    );
  });
});

describe('a local snapshot record that does not read', () => {
  it('is left out of listings, so every database backs up, and status names it in its database row', async () => {
    const { stateDir, at } = await copyOfFixture();
    const record = join(stateDir, 'regions', 'eu-west-1', 'snapshots', 'restorable-orders-2026-11-20.json');
    await writeFile(record, GARBLED);

    const backup = await runCli('backup', '--json', ...at('2026-11-21T02:00:00Z'));

    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const databases = backup.json<{ databases: { id: string; status: string }[] }>().databases;
    expect(databases.map(({ id, status }) => `${id}: ${status}`).sort()).toEqual([
      'billing: OK',
      'orders: OK',
    ]);

    const status = await runCli('status', '--json', ...at('2026-11-21T03:00:00Z'));
    expect(status.code).toBe(1);
    expect(database(status.json<StatusJson>(), 'orders')?.unreadable).toEqual([
      { path: record, reason: expect.stringMatching(/^local cloud metadata is not valid JSON/) },
    ]);
    expect(database(status.json<StatusJson>(), 'billing')).not.toHaveProperty('unreadable');
  });

  it('gives an error naming the file when that very snapshot is asked for by id', async () => {
    const { stateDir, at } = await copyOfFixture();
    const record = join(
      stateDir,
      'regions',
      'eu-central-1',
      'snapshots',
      'restorable-orders-2026-11-20.json',
    );
    await writeFile(record, GARBLED);

    const run = await runCli(
      'drill',
      '--db',
      'orders',
      '--snapshot',
      'restorable-orders-2026-11-20',
      ...at('2026-11-20T08:00:00Z'),
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `CorruptEvidenceError: ${record} is corrupt: local cloud metadata is not valid JSON`,
    );
  });
});
