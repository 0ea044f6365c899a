// A multi-day replay through the command line, as an operator would run it:
// --now stepping day by day, the backup at 02:00 and the prune at 03:00 (the
// deployed schedules also prune after the backup).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG_PATH } from '../../src/config/load.ts';
import { runCli } from '../support/cli.ts';

let workDir: string;
let stateDir: string;
const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}`;
const at = (n: number, hour = '02') => ['--state-dir', stateDir, '--now', `${day(n)}T${hour}:00:00Z`];

interface PruneJson {
  dryRun: boolean;
  deleted: { database: string; region: string; snapshot: string; ageHours: number; reason: string }[];
  kept: number;
  findings: { kind: string; resource: string; detail: string }[];
}

async function snapshotsIn(n: number, region: string) {
  const status = await runCli('status', '--json', ...at(n, '03'));
  const { databases } = status.json<{
    databases: { id: string; regions: Record<string, { snapshots: number; oldestAgeHours: number }> }[];
  }>();
  return Object.fromEntries(databases.map((database) => [database.id, database.regions[region]]));
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-prune-cli-'));
  stateDir = join(workDir, 'state');
  await runCli('local', 'init', ...at(1));
  await runCli('local', 'seed', ...at(1));
  for (let n = 1; n <= 9; n++) {
    expect((await runCli('backup', ...at(n))).code).toBe(0);
    const prune = await runCli('prune', '--json', ...at(n, '03'));
    expect(prune.code).toBe(0);
    expect(prune.json<PruneJson>().deleted).toHaveLength(n >= 8 ? 4 : 0);
  }
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('restorable prune, replayed day by day', () => {
  it('ends with today’s snapshot and the six days before it in both regions, nothing older than 7 days', async () => {
    for (const region of ['eu-west-1', 'eu-central-1']) {
      const kept = await snapshotsIn(9, region);
      expect(kept).toEqual({
        billing: { snapshots: 7, newestAgeHours: 1, oldestAgeHours: 145 },
        orders: { snapshots: 7, newestAgeHours: 1, oldestAgeHours: 145 },
      });
    }
  });

  it('prints the plan with --dry-run and deletes nothing', async () => {
    const dry = await runCli('prune', '--dry-run', '--json', ...at(10, '03'));

    expect(dry.code).toBe(0);
    const plan = dry.json<PruneJson>();
    expect(plan.dryRun).toBe(true);
    expect(
      plan.deleted
        .map((row) => `${row.region} ${row.database} ${row.snapshot} ${row.ageHours} ${row.reason}`)
        .sort(),
    ).toEqual([
      `eu-central-1 billing restorable-billing-${day(3)} 169 expired`,
      `eu-central-1 orders restorable-orders-${day(3)} 169 expired`,
      `eu-west-1 billing restorable-billing-${day(3)} 169 expired`,
      `eu-west-1 orders restorable-orders-${day(3)} 169 expired`,
    ]);
    expect(plan.kept).toBe(24);
    expect(await snapshotsIn(9, 'eu-west-1')).toMatchObject({
      orders: { snapshots: 7 },
      billing: { snapshots: 7 },
    });
  });

  it('shows people what it would delete', async () => {
    const dry = await runCli('prune', '--dry-run', ...at(10, '03'));
    expect(dry.stderr).not.toContain('would delete');
    expect(dry.stdout).toContain('(dry run: nothing deleted): would delete 4, kept 24');
    expect(dry.stdout).toMatch(/eu-west-1\s+restorable-orders-2026-11-03\s+169\.0 h\s+expired/);
  });

  it('exits 1 and names the database when its backups stop, keeping its last good snapshot', async () => {
    // Deleting 24 of the 28 snapshots is past the mass-deletion brake, which
    // this case is not about: the run is allowed all of them.
    const configFile = join(workDir, 'no-brake.yml');
    const demo = await readFile(DEMO_CONFIG_PATH, 'utf8');
    await writeFile(configFile, demo.replace('retention:\n', 'retention:\n  maxDeletionShare: 1\n'));
    const weekLater = ['--state-dir', stateDir, '--now', `${day(20)}T02:00:00Z`, '--config', configFile];
    const run = await runCli('prune', '--json', ...weekLater);

    expect(run.code).toBe(1);
    const result = run.json<PruneJson>();
    expect(result.deleted).toHaveLength(24);
    expect(result.kept).toBe(4);
    expect(result.findings.map((finding) => `${finding.kind} ${finding.resource}`).sort()).toEqual([
      'backup-overdue eu-central-1/billing',
      'backup-overdue eu-central-1/orders',
      'backup-overdue eu-west-1/billing',
      'backup-overdue eu-west-1/orders',
      `newest-snapshot-expired eu-central-1/restorable-billing-${day(9)}`,
      `newest-snapshot-expired eu-central-1/restorable-orders-${day(9)}`,
      `newest-snapshot-expired eu-west-1/restorable-billing-${day(9)}`,
      `newest-snapshot-expired eu-west-1/restorable-orders-${day(9)}`,
    ]);
  });
});
