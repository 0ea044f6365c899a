// The real workflows/backup*.asl.json definitions, executed by the local ASL
// interpreter against the embedded local cloud.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRunSummary } from '../../src/domain/backup.ts';
import { DATABASE_KIND_TAG, DATABASE_TAG, DEPLOYMENT_TAG, MANAGED_TAG } from '../../src/domain/tags.ts';
import type { ReportStore } from '../../src/ports/report-store.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import {
  COPY_KEY,
  COPY_REGION,
  createTestCloud,
  SOURCE_REGION,
  type TestCloud,
} from '../support/local-cloud.ts';

let test: TestCloud;

beforeAll(async () => {
  test = await createTestCloud([
    { id: 'orders', kind: 'instance' },
    { id: 'billing', kind: 'cluster' },
    { id: 'scratch', kind: 'instance', tags: { backup: 'never' } },
  ]);
});

afterAll(async () => {
  await test?.cleanup();
});

afterEach(() => {
  test.cloud.faults.clear();
});

async function backUp(
  day: string,
  options: Parameters<TestCloud['runner']>[0] = {},
  databaseIds: string[] = [],
) {
  test.setNow(`${day}T02:00:00Z`);
  return (await test.runner(options).run('backup', { databaseIds }, `backup-${day}`)) as BackupRunSummary;
}

const byId = (summary: BackupRunSummary, id: string) =>
  summary.databases.find((database) => database.id === id);

describe('the backup workflow', () => {
  it('snapshots every protected database and copies each snapshot to the copy region', async () => {
    const summary = await backUp('2026-11-02');

    expect(summary.status).toBe('OK');
    expect(summary.databases.map((database) => database.id).sort()).toEqual(['billing', 'orders']);
    for (const id of ['orders', 'billing']) {
      expect(byId(summary, id)?.snapshots).toEqual([
        { region: SOURCE_REGION, id: `restorable-${id}-2026-11-02`, status: 'available' },
        { region: COPY_REGION, id: `restorable-${id}-2026-11-02`, status: 'available' },
      ]);
    }
    const copy = await test.dependencies
      .rds(COPY_REGION)
      .describeSnapshot({ kind: 'cluster', id: 'restorable-billing-2026-11-02' });
    expect(copy?.status).toBe('available');
    expect(copy?.tags[MANAGED_TAG]).toBe('true');
    expect(copy?.tags[DEPLOYMENT_TAG]).toBe('prod-eu-west-1');
    expect(copy?.kmsKeyId).toBe('alias/restorable-test');
    // Counted before the run's own snapshots: one per database, and its copy.
    expect(summary.snapshotQuotas).toEqual(
      [SOURCE_REGION, COPY_REGION].flatMap((region) => [
        {
          region,
          kind: 'instance',
          quota: 'ManualSnapshots',
          added: 1,
          removed: 0,
          status: 'fits',
          used: 0,
          max: 100,
          headroom: 99,
        },
        {
          region,
          kind: 'cluster',
          quota: 'ManualClusterSnapshots',
          added: 1,
          removed: 0,
          status: 'fits',
          used: 0,
          max: 100,
          headroom: 99,
        },
      ]),
    );
    expect(summary.findings).toEqual([]);
  });

  it('leaves unprotected databases alone', async () => {
    const snapshots = await test.dependencies
      .rds(SOURCE_REGION)
      .listSnapshots({ database: { kind: 'instance', id: 'scratch' } });
    expect(snapshots).toEqual([]);
  });

  it('writes an evidence record per database', async () => {
    const keys = await test.dependencies.reports.list('evidence/backups/2026-11-02/');
    expect(keys).toEqual([
      'evidence/backups/2026-11-02/billing/backup-2026-11-02.json',
      'evidence/backups/2026-11-02/orders/backup-2026-11-02.json',
    ]);
    const record = JSON.parse(
      Buffer.from((await test.dependencies.reports.get(keys[1] ?? '')) ?? []).toString(),
    );
    expect(record).toMatchObject({
      schemaVersion: 1,
      id: 'orders',
      status: 'OK',
      runId: 'backup-2026-11-02',
    });
  });

  it('reuses the snapshot of the day when run again the same day', async () => {
    const before = await test.dependencies.rds(SOURCE_REGION).listSnapshots();
    const again = await backUp('2026-11-02');

    expect(again.status).toBe('OK');
    expect(await test.dependencies.rds(SOURCE_REGION).listSnapshots()).toHaveLength(before.length);
    expect(await test.dependencies.rds(COPY_REGION).listSnapshots()).toHaveLength(before.length);
    expect(byId(again, 'orders')?.snapshots[0]?.id).toBe('restorable-orders-2026-11-02');
  });

  it('backs up only the databases asked for', async () => {
    const summary = await backUp('2026-11-03', {}, ['orders']);
    expect(summary.databases.map((database) => database.id)).toEqual(['orders']);
  });

  it('ends PARTIAL when one database fails, and still backs up the others', async () => {
    test.cloud.faults.add({ operation: 'createSnapshot', effect: 'fail', database: 'orders' });
    const alerts: string[] = [];

    const summary = await backUp('2026-11-04', { onAlert: (alert) => alerts.push(alert.subject) });

    expect(summary.status).toBe('PARTIAL');
    expect(byId(summary, 'orders')?.status).toBe('FAILED');
    expect(byId(summary, 'orders')?.error).toContain('SnapshotFailedError');
    expect(byId(summary, 'billing')?.status).toBe('OK');
    expect(alerts).toEqual(['restorable backup backup-2026-11-04: PARTIAL']);
  });

  it('says what failed when a database’s own execution fails: the step’s error and message, not States.TaskFailed', async () => {
    const { reports } = test.dependencies;
    const refusing: ReportStore = {
      get: (key) => reports.get(key),
      list: (prefix) => reports.list(prefix),
      delete: (key) => reports.delete(key),
      putIfAbsent: (key, body, contentType) => reports.putIfAbsent(key, body, contentType),
      put: async (key, body, contentType) => {
        if (key.startsWith('evidence/backups/2026-11-10/orders/')) {
          throw Object.assign(new Error(`access denied to ${key}`), { name: 'AccessDenied' });
        }
        return reports.put(key, body, contentType);
      },
    };
    test.setNow('2026-11-10T02:00:00Z');
    const runner = new LocalWorkflowRunner({ dependencies: { ...test.dependencies, reports: refusing } });

    const summary = (await runner.run(
      'backup',
      { databaseIds: [] },
      'backup-2026-11-10',
    )) as BackupRunSummary;

    expect(byId(summary, 'orders')?.status).toBe('FAILED');
    expect(byId(summary, 'orders')?.error).toBe(
      'AccessDenied: access denied to evidence/backups/2026-11-10/orders/backup-2026-11-10.json',
    );
    expect(byId(summary, 'billing')?.status).toBe('OK');
  });

  it('takes another snapshot when the day’s snapshot had failed', async () => {
    const summary = await backUp('2026-11-04');
    expect(byId(summary, 'orders')?.status).toBe('OK');
    expect(byId(summary, 'orders')?.snapshots[0]?.id).toBe('restorable-orders-2026-11-04-retake-2');
  });

  it('retries throttled calls at a later step and then succeeds', async () => {
    test.cloud.faults.add({ operation: 'createSnapshot', effect: 'throttle', database: 'billing', times: 2 });

    const summary = await backUp('2026-11-05');

    expect(summary.status).toBe('OK');
    // Both throttles were met, and the third try took the day's snapshot.
    expect(test.cloud.faults.active()).toEqual([]);
    expect(byId(summary, 'billing')?.snapshots[0]?.id).toBe('restorable-billing-2026-11-05');
    const snapshots = await test.dependencies
      .rds(SOURCE_REGION)
      .listSnapshots({ database: { kind: 'cluster', id: 'billing' } });
    expect(snapshots.filter((snapshot) => snapshot.id.includes('2026-11-05'))).toHaveLength(1);
  });

  it('marks a database PARTIAL when its copy fails, keeping the source snapshot', async () => {
    test.cloud.faults.add({ operation: 'copySnapshot', effect: 'error', database: 'billing' });

    const summary = await backUp('2026-11-06');

    expect(summary.status).toBe('PARTIAL');
    expect(byId(summary, 'billing')?.status).toBe('PARTIAL');
    expect(byId(summary, 'billing')?.snapshots).toEqual([
      { region: SOURCE_REGION, id: 'restorable-billing-2026-11-06', status: 'available' },
      { region: COPY_REGION, id: '', status: 'failed' },
    ]);
    expect(byId(summary, 'billing')?.error).toContain(`copy to ${COPY_REGION}: CloudServiceError`);
    expect(byId(summary, 'orders')?.status).toBe('OK');
  });

  it('never adopts a snapshot of the same name that the tool did not make', async () => {
    await test.dependencies.rds(SOURCE_REGION).createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'restorable-orders-2026-11-07',
      tags: { owner: 'someone-else' },
    });

    const summary = await backUp('2026-11-07');

    expect(byId(summary, 'orders')?.status).toBe('FAILED');
    expect(byId(summary, 'orders')?.error).toContain('SnapshotAlreadyExistsError');
    expect(byId(summary, 'billing')?.status).toBe('OK');
  });
});

describe('the backup workflow beside another deployment in the account', () => {
  // Another deployment (the default one of eu-central-1, whose copies land in
  // eu-west-1) names its snapshots as this one does: same database id, same day.
  const theirs = { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: 'prod-eu-central-1' };

  it("never adopts another deployment's snapshot of the day, though it has the same name and database", async () => {
    await test.dependencies.rds(SOURCE_REGION).createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'restorable-orders-2026-11-08',
      tags: { ...theirs, [DATABASE_TAG]: 'orders', [DATABASE_KIND_TAG]: 'instance' },
    });

    const summary = await backUp('2026-11-08');

    expect(byId(summary, 'orders')?.status).toBe('FAILED');
    expect(byId(summary, 'orders')?.error).toContain('SnapshotAlreadyExistsError');
    const planted = await test.dependencies
      .rds(SOURCE_REGION)
      .describeSnapshot({ kind: 'instance', id: 'restorable-orders-2026-11-08' });
    expect(planted?.tags[DEPLOYMENT_TAG]).toBe('prod-eu-central-1');
  });

  it("never adopts another deployment's copy of the day in a copy region", async () => {
    const source = await test.dependencies
      .rds(SOURCE_REGION)
      .describeSnapshot({ kind: 'cluster', id: 'restorable-billing-2026-11-06' });
    await test.dependencies.rds(COPY_REGION).copySnapshot({
      kind: 'cluster',
      sourceSnapshotArn: source?.arn ?? '',
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'restorable-billing-2026-11-09',
      sourceEncrypted: source?.encrypted ?? true,
      kmsKeyId: COPY_KEY,
      tags: { ...theirs, [DATABASE_TAG]: 'billing', [DATABASE_KIND_TAG]: 'cluster' },
    });

    const summary = await backUp('2026-11-09');

    expect(byId(summary, 'billing')?.status).toBe('PARTIAL');
    expect(byId(summary, 'billing')?.error).toContain(`copy to ${COPY_REGION}: SnapshotAlreadyExistsError`);
    expect(byId(summary, 'orders')?.status).toBe('OK');
  });
});
