// The metrics operators watch, as the deployed functions write them: EMF
// documents on stdout (which CloudWatch Logs turns into metrics), one per
// set of dimensions, each with the deployment's dimension, in the one
// namespace the stack's dashboard and alarms read.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backupRunPoints,
  drillRunPoints,
  METRIC,
  METRICS_NAMESPACE,
  type MetricPoint,
  snapshotAgePoints,
} from '../../../src/domain/metrics.ts';
import { powertoolsTaskMetrics, type TaskMetrics } from '../../../src/runtime/metrics.ts';
import { invokeTask } from '../../../src/runtime/task.ts';
import { summarizeDrillsTask } from '../../../src/tasks/summarize-drills.ts';
import { noTaskDependencies } from '../../support/local-cloud.ts';

interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: {
      readonly Namespace: string;
      readonly Dimensions: string[][];
      readonly Metrics: { Name: string; Unit: string }[];
    }[];
  };
  readonly [field: string]: unknown;
}

/** The EMF documents written to stdout while `act` runs, as Lambda would ship them. */
function emittedDocuments(act: () => void): EmfDocument[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    act();
  } finally {
    write.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EmfDocument);
}

const recorder = () => {
  const points: MetricPoint[] = [];
  const metrics: TaskMetrics = { record: (recorded) => points.push(...recorded) };
  return { points, metrics };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('metrics written by the deployed functions', () => {
  it('are EMF documents of the namespace, one per set of dimensions, each with the deployment', () => {
    const documents = emittedDocuments(() => {
      // Prepare: the Powertools instance is built here, so it writes to the spied stdout.
      const metrics = powertoolsTaskMetrics({ deployment: 'prod-eu-central-1' });
      // Act
      metrics.record([
        { name: METRIC.drillsPassed, unit: 'Count', value: 2 },
        { name: METRIC.drillRto, unit: 'Seconds', value: 420, dimensions: { Database: 'orders' } },
        { name: METRIC.drillRpo, unit: 'Seconds', value: 3600, dimensions: { Database: 'orders' } },
        { name: METRIC.drillRto, unit: 'Seconds', value: 900, dimensions: { Database: 'billing' } },
      ]);
    });

    // Assess
    expect(documents).toHaveLength(3);
    for (const document of documents) {
      expect(document._aws.CloudWatchMetrics).toHaveLength(1);
      expect(document._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
      expect(document.Deployment).toBe('prod-eu-central-1');
      expect(document.service).toBe('restorable');
    }
    const [fleet, orders, billing] = documents;
    expect(fleet?._aws.CloudWatchMetrics[0]).toMatchObject({
      Dimensions: [['service', 'Deployment']],
      Metrics: [{ Name: 'DrillsPassed', Unit: 'Count' }],
    });
    expect(fleet?.DrillsPassed).toBe(2);
    expect(orders?._aws.CloudWatchMetrics[0]).toMatchObject({
      Dimensions: [['service', 'Deployment', 'Database']],
      Metrics: [
        { Name: 'DrillRtoSeconds', Unit: 'Seconds' },
        { Name: 'DrillRpoSeconds', Unit: 'Seconds' },
      ],
    });
    expect(orders).toMatchObject({ Database: 'orders', DrillRtoSeconds: 420, DrillRpoSeconds: 3600 });
    expect(billing).toMatchObject({ Database: 'billing', DrillRtoSeconds: 900 });
    // The dimensions of one document are not carried into the next.
    expect(billing).not.toHaveProperty('DrillRpoSeconds');
  });

  it('keep a namespace given to them, and write nothing for no points', () => {
    const documents = emittedDocuments(() => {
      const metrics = powertoolsTaskMetrics({
        deployment: 'test-eu-west-1',
        metrics: new Metrics({ namespace: 'RestorableTest', serviceName: 'restorable' }),
      });
      metrics.record([]);
      metrics.record([{ name: METRIC.snapshotsDeleted, unit: 'Count', value: 3 }]);
    });

    expect(documents).toHaveLength(1);
    expect(documents[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('RestorableTest');
    expect(documents[0]).toMatchObject({ Deployment: 'test-eu-west-1', SnapshotsDeleted: 3 });
  });
});

describe('the points of a backup run', () => {
  const run = {
    counts: { ok: 3, partial: 0, failed: 0 },
    snapshotQuotas: [
      {
        region: 'eu-central-1',
        kind: 'instance' as const,
        quota: 'ManualSnapshots',
        added: 3,
        removed: 0,
        status: 'fits' as const,
        used: 40,
        max: 100,
        headroom: 57,
      },
      {
        region: 'eu-west-1',
        kind: 'instance' as const,
        quota: 'ManualSnapshots',
        added: 3,
        removed: 0,
        status: 'unknown' as const,
        reason: 'AccessDenied',
      },
    ],
  };

  it('count a success of the whole fleet, the one the dead-man switch waits for', () => {
    const points = backupRunPoints({ ...run, status: 'OK', wholeFleet: true });

    expect(points).toContainEqual({ name: 'FleetBackupSucceeded', unit: 'Count', value: 1 });
    expect(points).toContainEqual({ name: 'BackupDatabasesOk', unit: 'Count', value: 3 });
    expect(points).toContainEqual({
      name: 'SnapshotQuotaHeadroom',
      unit: 'Count',
      value: 57,
      dimensions: { Region: 'eu-central-1', Quota: 'ManualSnapshots' },
    });
    // A quota that could not be read has no value to give.
    expect(points.filter((point) => point.name === 'SnapshotQuotaHeadroom')).toHaveLength(1);
  });

  it.each([
    ['a run of some databases only', { status: 'OK' as const, wholeFleet: false }],
    ['a PARTIAL run', { status: 'PARTIAL' as const, wholeFleet: true }],
    ['a FAILED run', { status: 'FAILED' as const, wholeFleet: true }],
  ])('count no fleet success for %s', (_, outcome) => {
    const points = backupRunPoints({ ...run, ...outcome });

    expect(points.map((point) => point.name)).not.toContain('FleetBackupSucceeded');
  });
});

describe('the ages of the newest snapshots', () => {
  const now = new Date('2026-11-02T12:00:00Z');
  const snapshot = (database: string, region: string, taken: string, more: object = {}) => ({
    database: { id: database },
    region,
    status: 'available',
    createdAt: new Date(taken),
    originalCreatedAt: undefined,
    ...more,
  });

  it('are those of the newest available snapshot of each database in each region, and each region its worst', () => {
    const points = snapshotAgePoints(now, [
      snapshot('orders', 'eu-central-1', '2026-11-01T02:00:00Z'),
      snapshot('orders', 'eu-central-1', '2026-11-02T02:00:00Z'),
      // Newer, but not available yet: not a backup to restore.
      snapshot('orders', 'eu-central-1', '2026-11-02T11:00:00Z', { status: 'creating' }),
      // A copy is as old as the data it copies.
      snapshot('orders', 'eu-west-1', '2026-11-02T04:00:00Z', {
        originalCreatedAt: new Date('2026-11-02T02:00:00Z'),
      }),
      snapshot('billing', 'eu-central-1', '2026-10-31T12:00:00Z'),
    ]);

    expect(points).toEqual(
      expect.arrayContaining([
        {
          name: 'SnapshotAgeSeconds',
          unit: 'Seconds',
          value: 10 * 3600,
          dimensions: { Database: 'orders', Region: 'eu-central-1' },
        },
        {
          name: 'SnapshotAgeSeconds',
          unit: 'Seconds',
          value: 10 * 3600,
          dimensions: { Database: 'orders', Region: 'eu-west-1' },
        },
        {
          name: 'SnapshotAgeSeconds',
          unit: 'Seconds',
          value: 48 * 3600,
          dimensions: { Database: 'billing', Region: 'eu-central-1' },
        },
        {
          name: 'OldestSnapshotAgeSeconds',
          unit: 'Seconds',
          value: 48 * 3600,
          dimensions: { Region: 'eu-central-1' },
        },
        {
          name: 'OldestSnapshotAgeSeconds',
          unit: 'Seconds',
          value: 10 * 3600,
          dimensions: { Region: 'eu-west-1' },
        },
      ]),
    );
    expect(points).toHaveLength(5);
  });
});

describe('the points of a drill run', () => {
  it('give each measured drill its RTO and RPO, and count the verdicts and the backlog', async () => {
    // Prepare
    const { points, metrics } = recorder();
    const dependencies = {
      ...noTaskDependencies(() => new Date('2026-11-02T12:00:00Z')),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics,
    };

    // Act
    await invokeTask(
      summarizeDrillsTask,
      {
        runId: 'drill-run',
        startedAt: '2026-11-02T06:00:00Z',
        results: [
          { drillId: 'd-orders', database: 'orders', verdict: 'pass', rtoSeconds: 420, rpoSeconds: 3600 },
          // A drill that failed before it measured anything.
          { drillId: 'd-billing', database: 'billing', verdict: 'fail', error: 'States.TaskFailed' },
        ],
        skipped: [{ database: 'ledger', error: 'no snapshot' }],
        backlog: { heldBack: 2, overdue: 1, neverDrilled: 0, mostOverdue: [], spread: 0 },
      },
      dependencies,
    );

    // Assess
    expect(points).toEqual([
      { name: 'DrillsPassed', unit: 'Count', value: 1 },
      { name: 'DrillsFailed', unit: 'Count', value: 1 },
      { name: 'DrillsSkipped', unit: 'Count', value: 1 },
      { name: 'DrillBacklogOverdue', unit: 'Count', value: 1 },
      { name: 'DrillBacklogNeverDrilled', unit: 'Count', value: 0 },
      { name: 'DrillRtoSeconds', unit: 'Seconds', value: 420, dimensions: { Database: 'orders' } },
      { name: 'DrillRpoSeconds', unit: 'Seconds', value: 3600, dimensions: { Database: 'orders' } },
    ]);
  });

  it('of a run started before the backlog was counted have no backlog points', () => {
    const points = drillRunPoints({ results: [], skipped: 0 });

    expect(points.map((point) => point.name)).toEqual(['DrillsPassed', 'DrillsFailed', 'DrillsSkipped']);
  });
});
