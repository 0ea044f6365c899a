// The real workflows/prune.asl.json, executed by the local ASL interpreter
// against the embedded local cloud, after backups replayed day by day.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PruneRunResult } from '../../src/cli/services/prune.ts';
import { writeLease } from '../../src/reports/drill-leases.ts';
import { COPY_REGION, createTestCloud, SOURCE_REGION, type TestCloud } from '../support/local-cloud.ts';
import { deleteInOneBatch } from '../support/prune-batches.ts';

let test: TestCloud;

const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}`;

async function backUpAndPrune(n: number, dryRun = false): Promise<PruneRunResult> {
  test.setNow(`${day(n)}T02:00:00Z`);
  const runner = test.runner();
  await runner.run('backup', {}, `backup-${day(n)}`);
  return (await runner.run('prune', { dryRun }, `prune-${day(n)}`)) as PruneRunResult;
}

const snapshotIds = async (region: string) =>
  (await test.dependencies.rds(region).listSnapshots()).map((snapshot) => snapshot.id).sort();

beforeAll(async () => {
  test = await createTestCloud([{ id: 'orders', kind: 'instance' }]);
  for (let n = 1; n <= 9; n++) await backUpAndPrune(n);
});

afterAll(async () => {
  await test?.cleanup();
});

describe('the prune workflow', () => {
  it('keeps exactly the retention period of snapshots in every region', async () => {
    const expected = [2, 3, 4, 5, 6, 7, 8, 9].map((n) => `restorable-orders-${day(n)}`);
    expect(await snapshotIds(SOURCE_REGION)).toEqual(expected);
    expect(await snapshotIds(COPY_REGION)).toEqual(expected);
  });

  it('plans the next deletions on a dry run and changes nothing', async () => {
    test.setNow(`${day(10)}T02:00:00Z`);
    await test.runner().run('backup', {}, `backup-${day(10)}`);
    const before = { source: await snapshotIds(SOURCE_REGION), copy: await snapshotIds(COPY_REGION) };
    const logsBefore = await test.dependencies.reports.list('evidence/prunes/');

    const run = (await test.runner().run('prune', { dryRun: true }, 'prune-dry')) as PruneRunResult;

    expect(run.dryRun).toBe(true);
    expect(run.deleted.map((row) => `${row.region}/${row.snapshot}`).sort()).toEqual([
      `${COPY_REGION}/restorable-orders-${day(2)}`,
      `${SOURCE_REGION}/restorable-orders-${day(2)}`,
    ]);
    expect(run.log).toBeNull();
    // Each region holds 9 days of orders; the next backup adds one after the one deletion.
    for (const region of [SOURCE_REGION, COPY_REGION]) {
      expect(run.snapshotQuotas).toContainEqual({
        region,
        kind: 'instance',
        quota: 'ManualSnapshots',
        added: 1,
        removed: 1,
        status: 'fits',
        used: 9,
        max: 100,
        headroom: 91,
      });
    }
    expect({ source: await snapshotIds(SOURCE_REGION), copy: await snapshotIds(COPY_REGION) }).toEqual(
      before,
    );
    expect(await test.dependencies.reports.list('evidence/prunes/')).toEqual(logsBefore);
  });

  it('deletes them for real and writes the deletion log as evidence', async () => {
    const run = (await test.runner().run('prune', {}, `prune-${day(10)}`)) as PruneRunResult;

    expect(run.status).toBe('OK');
    expect(run.deleted).toHaveLength(2);
    expect(await snapshotIds(SOURCE_REGION)).not.toContain(`restorable-orders-${day(2)}`);
    const log = JSON.parse(
      Buffer.from(
        (await test.dependencies.reports.get(`evidence/prunes/${day(10)}/prune-${day(10)}.json`)) ?? [],
      ).toString(),
    );
    expect(log).toMatchObject({
      schemaVersion: 1,
      runId: `prune-${day(10)}`,
      dryRun: false,
      retentionDays: 7,
      snapshotQuotas: run.snapshotQuotas,
    });
    expect(run.snapshotQuotas.length).toBeGreaterThan(0);
    expect(log.deleted[0]).toMatchObject({
      database: 'orders',
      snapshot: `restorable-orders-${day(2)}`,
      reason: 'expired',
      status: 'deleted',
      deletedAt: `${day(10)}T02:00:00.000Z`,
    });
    expect(log.deleted[0].ageHours).toBe(192);
  });

  describe('checks the policy again at delete time', () => {
    const forged = (n: number) => ({
      database: 'orders',
      kind: 'instance' as const,
      region: SOURCE_REGION,
      snapshot: `restorable-orders-${day(n)}`,
      arn: `arn:aws:rds:${SOURCE_REGION}:000000000000:snapshot:restorable-orders-${day(n)}`,
      ageHours: 999,
      reason: 'expired' as const,
    });
    const deleteForged = async (n: number, runId = 'forged', dependencies = test.dependencies) =>
      (await deleteInOneBatch(dependencies, { runId, runStartedAt: `${day(10)}T03:00:00Z` }, [forged(n)]))[0];

    it('refuses a snapshot younger than the deployed retention, whatever the request says', async () => {
      test.setNow(`${day(10)}T03:00:00Z`);
      // The forged plan says 999 hours old; the live state says 1 day.
      expect(await deleteForged(9)).toEqual({
        status: 'refused',
        detail: 'it is not older than the 7-day retention',
      });
      expect(await snapshotIds(SOURCE_REGION)).toContain(`restorable-orders-${day(9)}`);
    });

    it('refuses a snapshot a drill holds a lease on, then deletes it once the lease ends', async () => {
      test.setNow(`${day(10)}T03:00:00Z`);
      await writeLease(test.dependencies.reports, {
        snapshotArn: forged(3).arn,
        drillId: 'drill-orders-forged',
        expiresAt: `${day(10)}T05:00:00.000Z`,
        deployment: 'prod-eu-west-1',
      });
      expect(await deleteForged(3)).toEqual({ status: 'refused', detail: 'a restore drill is using it' });
      expect(await snapshotIds(SOURCE_REGION)).toContain(`restorable-orders-${day(3)}`);

      test.setNow(`${day(10)}T06:00:00Z`);
      expect(await deleteForged(3)).toMatchObject({ status: 'deleted' });
      expect(await snapshotIds(SOURCE_REGION)).not.toContain(`restorable-orders-${day(3)}`);
    });

    it('counts a snapshot already gone as deleted by the run that logged its intent, so a re-run after a crash completes', async () => {
      expect(await deleteForged(3)).toMatchObject({
        status: 'deleted',
        detail: 'already gone when the deletion was retried',
      });
      expect(await deleteForged(3, 'another-run')).toMatchObject({ status: 'already-gone' });
    });

    it("refuses another deployment's snapshot, however far past that deployment's own retention", async () => {
      test.setNow(`${day(10)}T03:00:00Z`);
      const base = test.dependencies.config;
      const staging = {
        ...base,
        aws: { ...base.aws, stage: 'staging' },
        retention: { ...base.retention, days: 1 },
      };

      const fate = await deleteForged(5, 'forged', { ...test.dependencies, config: staging });

      expect(fate).toEqual({
        status: 'refused',
        detail: 'not a snapshot made by restorable deployment staging-eu-west-1',
      });
      expect(await snapshotIds(SOURCE_REGION)).toContain(`restorable-orders-${day(5)}`);
    });
  });

  it('exits with findings when a foreign snapshot is older than the policy, and leaves it alone', async () => {
    test.setNow(`${day(1)}T00:00:00Z`);
    await test.dependencies.rds(SOURCE_REGION).createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'manual-by-dba',
      tags: {},
    });
    await test.dependencies.rds(SOURCE_REGION).describeSnapshot({ kind: 'instance', id: 'manual-by-dba' });
    test.setNow(`${day(10)}T03:00:00Z`);

    const run = (await test.runner().run('prune', {}, 'prune-audit')) as PruneRunResult;

    expect(run.status).toBe('FAILED');
    expect(run.findings).toEqual([
      expect.objectContaining({
        kind: 'unmanaged-snapshot-expired',
        resource: `${SOURCE_REGION}/manual-by-dba`,
      }),
    ]);
    expect(await snapshotIds(SOURCE_REGION)).toContain('manual-by-dba');
  });

  describe('a snapshot RDS says is busy (InvalidDBSnapshotState)', () => {
    const busy = (times?: number) =>
      test.cloud.faults.add({
        operation: 'deleteSnapshot',
        effect: 'busy',
        database: 'orders',
        ...(times === undefined ? {} : { times }),
      });

    /** Backs up on day `n` and prunes: the prune deletes day n − 8's snapshots, past the 7 days. */
    async function pruneOn(n: number) {
      test.setNow(`${day(n)}T02:00:00Z`);
      await test.runner().run('backup', {}, `backup-${day(n)}`);
      const tries: unknown[] = [];
      const runner = test.runner({
        onEvent: (event) => {
          if (event.type === 'task' && event.state === 'DeleteBatch') tries.push(event.input);
        },
      });
      try {
        return {
          run: (await runner.run('prune', {}, `prune-${day(n)}`)) as PruneRunResult,
          tries: tries.length,
        };
      } finally {
        test.cloud.faults.clear();
      }
    }

    it('is tried again within the run, after a pause, and deleted', async () => {
      busy(2);

      const { run, tries } = await pruneOn(12);

      expect(tries).toBe(2);
      expect(run.failed).toEqual([]);
      expect(run.deleted.map((row) => `${row.region}/${row.snapshot}`).sort()).toEqual(
        [COPY_REGION, SOURCE_REGION].map((region) => `${region}/restorable-orders-${day(4)}`).sort(),
      );
      expect(await snapshotIds(SOURCE_REGION)).not.toContain(`restorable-orders-${day(4)}`);
    });

    it('is left for the next run when still busy after the last try, reported and never counted as deleted', async () => {
      busy();

      const { run, tries } = await pruneOn(13);

      expect(tries).toBe(5);
      expect(run.deleted).toEqual([]);
      expect(run.deletedTotal ?? 0).toBe(0);
      expect(run.failed).toHaveLength(2);
      for (const row of run.failed) {
        expect(row).toMatchObject({ snapshot: `restorable-orders-${day(5)}` });
        expect(row.error).toContain('still busy after 5 tries');
        expect(row.error).toContain('left for the next run');
      }
      expect(run.status).toBe('FAILED');
      expect(await snapshotIds(SOURCE_REGION)).toContain(`restorable-orders-${day(5)}`);
    });
  });
});
