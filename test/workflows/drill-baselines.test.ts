// What a drill compares with, through the real drill workflows on a local
// cloud: the inventory of the drill of an older-or-equal snapshot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillRunSummary } from '../../src/cli/commands/drill.ts';
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
