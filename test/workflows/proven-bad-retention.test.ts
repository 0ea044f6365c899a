// A corrupted copy, found by a drill, is never kept as the last good copy:
// the real drill and prune workflows, run by the local ASL interpreter on the
// embedded local cloud, after daily backups that then stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillRunSummary } from '../../src/cli/services/drill.ts';
import type { PruneRunResult } from '../../src/cli/services/prune.ts';
import { PROVEN_BAD_TAG } from '../../src/domain/tags.ts';
import { corruptSnapshotArchive } from '../../src/local-cloud/faults.ts';
import { parseDrillReport } from '../../src/reports/drill-report.ts';
import {
  COPY_REGION,
  createTestCloud,
  SOURCE_REGION,
  type TestCloud,
  testConfig,
  testConfigOf,
} from '../support/local-cloud.ts';

let test: TestCloud;
let drill: DrillRunSummary;
const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}`;
const snapshotOf = (n: number) => `restorable-orders-${day(n)}`;

const snapshotIds = async (region: string) =>
  (await test.dependencies.rds(region).listSnapshots()).map((snapshot) => snapshot.id).sort();

beforeAll(async () => {
  // After nine days without a backup the prune deletes 14 of the 16
  // snapshots: past the mass-deletion brake, which this case is not about.
  const databases = [{ id: 'orders', kind: 'instance' as const }];
  test = await createTestCloud(databases, {
    ...testConfigOf(databases),
    retention: { ...testConfig.retention, maxDeletionShare: 1 },
  });
  for (let n = 1; n <= 8; n++) {
    test.setNow(`${day(n)}T02:00:00Z`);
    await test.runner().run('backup', {}, `backup-${day(n)}`);
  }
  // The newest copy in the copy region is damaged on disk, and its drill finds it.
  await corruptSnapshotArchive(test.stateDir, COPY_REGION, snapshotOf(8));
  test.setNow(`${day(8)}T05:00:00Z`);
  drill = (await test.runner().run('drill', { databaseId: 'orders' }, `drill-${day(8)}`)) as DrillRunSummary;
});

afterAll(async () => {
  await test?.cleanup();
});

describe('a snapshot a drill proved bad', () => {
  it('fails the drill on the snapshot itself, which the report records as proven bad', async () => {
    const [outcome] = drill.drills;
    expect(outcome).toMatchObject({ verdict: 'fail', snapshot: snapshotOf(8), region: COPY_REGION });
    const [key] = (await test.dependencies.reports.list('drills/orders/')).filter((name) =>
      name.endsWith('.json'),
    );
    const body = await test.dependencies.reports.get(key ?? '');
    const report = parseDrillReport(Buffer.from(body ?? []).toString('utf8'));
    expect(report.snapshot.provenBad).toMatch(/^restore failed: .*SnapshotCorruptedError/);
  });

  it('is tagged with the drill that proved it bad, and only it', async () => {
    const copy = await test.dependencies
      .rds(COPY_REGION)
      .describeSnapshot({ kind: 'instance', id: snapshotOf(8) });
    expect(copy?.tags[PROVEN_BAD_TAG]).toBe(drill.drills[0]?.drillId);
    const others = (await test.dependencies.rds(COPY_REGION).listSnapshots()).filter(
      (snapshot) => snapshot.id !== snapshotOf(8),
    );
    expect(others.every((snapshot) => snapshot.tags[PROVEN_BAD_TAG] === undefined)).toBe(true);
    const original = await test.dependencies
      .rds(SOURCE_REGION)
      .describeSnapshot({ kind: 'instance', id: snapshotOf(8) });
    expect(original?.tags[PROVEN_BAD_TAG]).toBeUndefined();
  });

  it('is not drilled again by default: the next drill takes the newest good copy', async () => {
    test.setNow(`${day(8)}T06:00:00Z`);
    const next = (await test
      .runner()
      .run('drill', { databaseId: 'orders' }, `drill-${day(8)}-again`)) as DrillRunSummary;
    expect(next.drills[0]).toMatchObject({ snapshot: snapshotOf(7), region: COPY_REGION });
    // Restored and intact; its freshness is another matter (the test data is not updated daily).
    expect(
      next.drills[0]?.checks?.filter((check) => ['restore', 'consistency'].includes(check.name)),
    ).toEqual([
      expect.objectContaining({ name: 'restore', status: 'pass' }),
      expect.objectContaining({ name: 'consistency', status: 'pass' }),
    ]);
  });

  it('is never kept as the last good copy when backups stop: the newest intact copy is, and both are named', async () => {
    // Nine days without a backup: every snapshot is past the 7-day retention.
    test.setNow(`${day(17)}T04:00:00Z`);
    const prune = (await test.runner().run('prune', {}, `prune-${day(17)}`)) as PruneRunResult;

    expect(await snapshotIds(COPY_REGION)).toEqual([snapshotOf(7)]);
    expect(await snapshotIds(SOURCE_REGION)).toEqual([snapshotOf(8)]);
    expect(prune.deleted).toContainEqual(
      expect.objectContaining({ region: COPY_REGION, snapshot: snapshotOf(8), reason: 'expired-proven-bad' }),
    );
    const violation = prune.findings.find(
      (finding) =>
        finding.kind === 'newest-snapshot-expired' && finding.resource === `${COPY_REGION}/${snapshotOf(7)}`,
    );
    expect(violation?.severity).toBe('violation');
    expect(prune.status).toBe('FAILED');
  });
});
