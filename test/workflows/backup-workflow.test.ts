// The real workflows/backup*.asl.json definitions, executed by the local ASL
// interpreter against the embedded local cloud.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackupRunSummary } from '../../src/domain/backup.ts';
import { UNCHANGED_LOOKS } from '../../src/domain/backup-queue.ts';
import { METRIC, type MetricPoint } from '../../src/domain/metrics.ts';
import { DATABASE_KIND_TAG, DATABASE_TAG, DEPLOYMENT_TAG, MANAGED_TAG } from '../../src/domain/tags.ts';
import type { ReportStore } from '../../src/ports/report-store.ts';
import {
  readLatestBackupRun,
  writeBackupQueue,
  writeLatestBackupRun,
} from '../../src/reports/backup-queue.ts';
import { backupQueueKey } from '../../src/reports/store/layout.ts';
import type { ExecutionMeasure } from '../../src/workflow-runner/execution-limits.ts';
import {
  type Definition,
  LocalWorkflowRunner,
  loadDefinition,
} from '../../src/workflow-runner/local-runner.ts';
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

describe('the backup run’s child executions', () => {
  /** backup-rounds with `rounds` steps a child instead of 1000, so that a small run needs several children. */
  function roundsOf(rounds: number): Definition {
    const definition = loadDefinition('backup-rounds');
    const start = definition.States.StartRounds as unknown as { Parameters: Record<string, string> };
    return {
      ...definition,
      States: {
        ...definition.States,
        StartRounds: {
          ...definition.States.StartRounds,
          Parameters: { ...start.Parameters, 'lastRound.$': `States.MathAdd($.round, ${rounds})` },
        } as unknown as Definition['States'][string],
      },
    };
  }

  function measuredRunner(
    definitions: Record<string, Definition>,
    measures: ExecutionMeasure[],
    rounds: number[],
  ) {
    return new LocalWorkflowRunner({
      dependencies: test.dependencies,
      definitions,
      onExecutionMeasured: (measure) => measures.push(measure),
      onEvent: (event) => {
        if (event.type === 'step' && event.state === 'AdvanceBackup')
          rounds.push((event.output as { round: number }).round);
      },
    });
  }

  it('names each child from the run and its first round, and numbers the rounds across children', async () => {
    test.setNow('2026-11-20T02:00:00Z');
    const measures: ExecutionMeasure[] = [];
    const rounds: number[] = [];

    const summary = (await measuredRunner({ 'backup-rounds': roundsOf(1) }, measures, rounds).run(
      'backup',
      {},
      'backup-2026-11-20',
    )) as BackupRunSummary;

    expect(summary.status).toBe('OK');
    const children = measures.filter((measure) => measure.workflow === 'backup-rounds');
    expect(children.length).toBeGreaterThan(2);
    // One step a child: the rounds go on from child to child, never from 1 again.
    expect(rounds).toEqual(children.map((_, index) => index + 1));
    expect(children.map((child) => child.executionName)).toEqual(
      children.map((_, index) => `backup-2026-11-20-rounds-from-${index + 1}`),
    );
    for (const child of children) expect(child.executionName.length).toBeLessThanOrEqual(80);
  });

  it('goes on from the next name when the child of a name has closed (a retried or redriven start)', async () => {
    test.setNow('2026-11-21T02:00:00Z');
    const measures: ExecutionMeasure[] = [];
    const rounds: number[] = [];
    // One runner for both, as one account: the first child of the run's name is known, and closed.
    const runner = measuredRunner({}, measures, rounds);
    await runner.run('backup', {}, 'backup-2026-11-21');
    measures.length = 0;
    rounds.length = 0;

    const summary = (await runner.run('backup', {}, 'backup-2026-11-21')) as BackupRunSummary;

    expect(summary.status).toBe('OK');
    expect(
      measures.filter((measure) => measure.workflow === 'backup-rounds').map((m) => m.executionName),
    ).toEqual(['backup-2026-11-21-rounds-from-1001']);
    expect(rounds[0]).toBe(1001);
  });
});

describe('a backup run that starts while an earlier one is in progress', () => {
  /** Plants an earlier run's queue of two databases, none done, and names it the latest run. */
  async function plantEarlierRun(runId: string, startedAt: string, lastStepAt: string, settled = 0) {
    const reports = test.dependencies.reports;
    await writeBackupQueue(reports, {
      schemaVersion: 1,
      runId,
      startedAt,
      sourceRegion: SOURCE_REGION,
      copyRegions: [{ region: COPY_REGION, kmsKeyId: COPY_KEY }],
      snapshotTimeoutMinutes: 120,
      concurrentCopiesPerRegion: 20,
      lastStep: { at: lastStepAt, waitSeconds: 60 },
      pages: [{ databases: 2, settled, runningCopies: {}, readyCopies: {}, copiesDueAt: {} }],
    });
    await writeLatestBackupRun(reports, { schemaVersion: 1, runId, startedAt });
  }

  it('waits for an earlier run of the same day, writing nothing, alerts once, then backs up', async () => {
    await plantEarlierRun('backup-earlier-1122', '2026-11-22T01:00:00.000Z', '2026-11-22T01:55:00.000Z');
    test.setNow('2026-11-22T02:00:00Z');
    const alerts: { subject: string; message: string }[] = [];
    const queuedWhileWaiting: unknown[] = [];
    // The earlier run ends after this one has looked at it three times.
    const earlierQueue = backupQueueKey('backup-earlier-1122');
    let looks = 0;
    const store = test.dependencies.reports;
    const reports: ReportStore = {
      get: async (key) => {
        if (key === earlierQueue && ++looks === 3) {
          await plantEarlierRun(
            'backup-earlier-1122',
            '2026-11-22T01:00:00.000Z',
            '2026-11-22T02:00:00.000Z',
            2,
          );
        }
        return store.get(key);
      },
      list: (prefix) => store.list(prefix),
      delete: (key) => store.delete(key),
      put: (key, body, contentType) => store.put(key, body, contentType),
      putIfAbsent: (key, body, contentType) => store.putIfAbsent(key, body, contentType),
    };
    const runner = new LocalWorkflowRunner({
      dependencies: { ...test.dependencies, reports },
      onAlert: async (alert) => {
        alerts.push(alert);
        queuedWhileWaiting.push(await store.get(backupQueueKey('backup-2026-11-22')));
      },
    });

    const summary = (await runner.run('backup', {}, 'backup-2026-11-22')) as BackupRunSummary;

    expect(looks).toBe(3);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toBe('restorable backup backup-2026-11-22: an earlier run is in progress');
    expect(alerts[0]?.message).toContain('Backup run backup-earlier-1122, started 2026-11-22T01:00:00.000Z');
    expect(alerts[0]?.message).toContain('this run waits for it to end');
    expect(queuedWhileWaiting).toEqual([undefined]);
    expect(summary.status).toBe('OK');
    expect(await readLatestBackupRun(store)).toMatchObject({ runId: 'backup-2026-11-22' });
  });

  it('proceeds at once past an earlier day’s run still in progress, and alerts', async () => {
    await plantEarlierRun('backup-earlier-1122b', '2026-11-22T20:00:00.000Z', '2026-11-23T01:30:00.000Z');
    test.setNow('2026-11-23T02:00:00Z');
    const alerts: { subject: string; message: string }[] = [];

    const summary = (await test
      .runner({ onAlert: (alert) => void alerts.push(alert) })
      .run('backup', {}, 'backup-2026-11-23')) as BackupRunSummary;

    expect(summary.status).toBe('OK');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toContain('Backup run backup-earlier-1122b');
    expect(alerts[0]?.message).toContain('this run takes today');
  });

  it('takes no notice of an earlier run that has not stepped for hours: its execution has ended', async () => {
    await plantEarlierRun('backup-abandoned', '2026-11-24T00:00:00.000Z', '2026-11-24T00:01:00.000Z');
    test.setNow('2026-11-24T03:00:00Z');
    const alerts: { subject: string; message: string }[] = [];

    const summary = (await test
      .runner({ onAlert: (alert) => void alerts.push(alert) })
      .run('backup', {}, 'backup-2026-11-24')) as BackupRunSummary;

    expect(summary.status).toBe('OK');
    expect(alerts).toEqual([]);
  });

  it('takes an earlier run of the day that never steps while it waits as ended, after the looks of 2.5 hours', async () => {
    // A run of the day whose execution stopped (a crash), its queue unfinished.
    await plantEarlierRun('backup-crashed-1125', '2026-11-25T01:00:00.000Z', '2026-11-25T01:58:00.000Z');
    test.setNow('2026-11-25T02:00:00Z');
    const alerts: { subject: string; message: string }[] = [];
    let discoveries = 0;

    const summary = (await test
      .runner({
        onAlert: (alert) => void alerts.push(alert),
        onEvent: (event) => {
          if (event.type === 'task' && event.state === 'DiscoverDatabases') discoveries += 1;
        },
      })
      .run('backup', {}, 'backup-2026-11-25')) as BackupRunSummary;

    expect(summary.status).toBe('OK');
    expect(alerts).toHaveLength(1);
    expect(discoveries).toBe(UNCHANGED_LOOKS + 1);
  });
});

describe("the backup workflow's metrics", () => {
  const fleetSuccesses = async (day: string, databaseIds: string[]) => {
    const points: MetricPoint[] = [];
    test.setNow(`${day}T02:00:00Z`);
    const runner = new LocalWorkflowRunner({
      dependencies: { ...test.dependencies, metrics: { record: (recorded) => points.push(...recorded) } },
    });
    const summary = (await runner.run('backup', { databaseIds }, `backup-${day}`)) as BackupRunSummary;
    expect(summary.status).toBe('OK');
    return points.filter((point) => point.name === METRIC.fleetBackupSucceeded);
  };

  it('count an OK run of every protected database as a backup of the fleet', async () => {
    expect(await fleetSuccesses('2026-12-01', [])).toEqual([
      { name: 'FleetBackupSucceeded', unit: 'Count', value: 1 },
    ]);
  });

  it('do not count an OK run of the databases asked for', async () => {
    expect(await fleetSuccesses('2026-12-02', ['orders'])).toEqual([]);
  });
});
