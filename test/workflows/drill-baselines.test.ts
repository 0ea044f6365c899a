// What a drill compares with, through the real drill workflows on a local
// cloud: the inventory of the drill of an older-or-equal snapshot, and the
// newest row at that drill, which tells an idle database from a stale backup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillRunSummary } from '../../src/cli/services/drill.ts';
import type { DrillReport } from '../../src/domain/drill.ts';
import { parseDrillReport } from '../../src/reports/drill-report.ts';
import { createTestCloud, SOURCE_REGION, type TestCloud } from '../support/local-cloud.ts';

let test: TestCloud;

async function backUp(day: string) {
  test.setNow(`${day}T02:00:00Z`);
  await test.runner().run('backup', {}, `backup-${day}`);
}

/** Adds `count` rows after the existing ones, all written at `writtenAt`. */
async function writeRows(databaseId: string, count: number, writtenAt: string) {
  await test.cloud.withDatabase(SOURCE_REGION, databaseId, (db) =>
    db.exec(`insert into items select (select max(id) from items) + g, '${writtenAt}'::timestamptz
             from generate_series(1, ${count}) g`),
  );
}

async function drill(time: string, databaseId: string, snapshotId?: string) {
  test.setNow(time);
  const request = snapshotId === undefined ? { databaseId } : { databaseId, snapshotId };
  const summary = (await test.runner().run('drill', request, `drill-${databaseId}`)) as DrillRunSummary;
  const outcome = summary.drills[0];
  const key = `drills/${databaseId}/${time.slice(0, 10)}/${outcome?.drillId}.json`;
  const body = await test.dependencies.reports.get(key);
  if (body === undefined) throw new Error(`no drill report at ${key}`);
  return parseDrillReport(Buffer.from(body).toString('utf8'));
}

const checkOf = (report: DrillReport, name: string) => report.checks.find((check) => check.name === name);

beforeAll(async () => {
  test = await createTestCloud([
    { id: 'orders', kind: 'instance' },
    { id: 'billing', kind: 'instance' },
  ]);
});

afterAll(async () => {
  await test?.cleanup();
});

describe('the inventory baseline', () => {
  let newestFirst: DrillReport;
  let newerSnapshotDrill: DrillReport;

  it('is never a drill of a newer snapshot: an older snapshot is not said to have shrunk', async () => {
    await backUp('2026-11-02');
    await writeRows('orders', 200, '2026-11-02T12:00:00Z');
    await backUp('2026-11-03');
    newestFirst = await drill('2026-11-03T05:00:00Z', 'orders');
    expect(newestFirst).toMatchObject({ verdict: 'pass', snapshot: { id: 'restorable-orders-2026-11-03' } });

    const older = await drill('2026-11-03T05:10:00Z', 'orders', 'restorable-orders-2026-11-02');

    expect(checkOf(older, 'inventory')).toMatchObject({
      status: 'pass',
      detail:
        '1 schemas, 1 tables, 100 rows; no earlier passing drill of a snapshot as old or older: baseline recorded',
    });
    expect(older.previousDrill).toBeNull();
    expect(older.verdict).toBe('pass');
  });

  it('is the drill of the same snapshot when it was drilled before', async () => {
    await writeRows('orders', 10, '2026-11-03T12:00:00Z');
    await backUp('2026-11-04');
    newerSnapshotDrill = await drill('2026-11-04T05:00:00Z', 'orders');

    const again = await drill('2026-11-04T05:10:00Z', 'orders', 'restorable-orders-2026-11-03');

    expect(again.previousDrill?.drillId).toBe(newestFirst.drillId);
    expect(checkOf(again, 'inventory')?.detail).toBe(
      '1 schemas, 1 tables, 300 rows; +0 rows since the previous drill',
    );
  });

  it('stays the newer snapshot’s drill after a drill of an older snapshot', async () => {
    const later = await drill('2026-11-04T05:20:00Z', 'orders');

    expect(later.snapshot.id).toBe('restorable-orders-2026-11-04');
    expect(later.previousDrill?.drillId).toBe(newerSnapshotDrill.drillId);
    expect(checkOf(later, 'inventory')?.detail).toBe(
      '1 schemas, 1 tables, 310 rows; +0 rows since the previous drill',
    );
  });
});

describe('the RPO check', () => {
  let first: DrillReport;

  it('applies the target at the first drill, and records the newest row', async () => {
    // billing has not been written since its rows of 2026-11-01T01:59, before the first backup.
    first = await drill('2026-11-04T06:00:00Z', 'billing', 'restorable-billing-2026-11-02');

    expect(checkOf(first, 'freshness')).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('RPO 24.0 h (target 26.0 h)'),
    });
    expect(first.timings.newestRowAt).toBe('2026-11-01T01:59:00.000Z');
  });

  it('passes a snapshot of an idle database beyond the target, saying so and giving the age', async () => {
    const idle = await drill('2026-11-04T06:10:00Z', 'billing');

    expect(idle.snapshot.id).toBe('restorable-billing-2026-11-04');
    expect(checkOf(idle, 'freshness')).toEqual({
      name: 'freshness',
      status: 'pass',
      detail:
        'newest row 2026-11-01T01:59:00.000Z (the freshness query), snapshot 2026-11-04T02:00:00.000Z: RPO 72.0 h (target 26.0 h); ' +
        `no rows written since drill ${first.drillId} at 2026-11-02T02:00:00.000Z: ` +
        'the database was idle; the snapshot holds its newest data',
      durationMs: 0,
    });
    expect(idle.timings.rpoSeconds).toBe(72 * 3600 + 60);
    expect(idle.verdict).toBe('pass');
  });

  it('still fails a stale snapshot of a database written since the previous drill', async () => {
    await writeRows('billing', 5, '2026-11-04T12:00:00Z');
    await backUp('2026-11-06');

    const stale = await drill('2026-11-06T05:00:00Z', 'billing');

    expect(checkOf(stale, 'freshness')).toMatchObject({
      status: 'fail',
      detail:
        'newest row 2026-11-04T12:00:00.000Z (the freshness query), snapshot 2026-11-06T02:00:00.000Z: RPO 38.0 h (target 26.0 h)',
    });
    expect(stale.verdict).toBe('fail');
  });
});
