// The backup's discovery and the prune's plan read the manual snapshot quotas
// of every region the tool writes to and forecast the next backup's.
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { deploymentOf } from '../../../src/domain/deployment.ts';
import { CloudServiceError, ThrottlingError } from '../../../src/domain/errors.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE } from '../../../src/domain/tags.ts';
import type { Database, RdsPort, Snapshot, SnapshotQuota } from '../../../src/ports/rds.ts';
import { readBackupQueue } from '../../../src/reports/backup-queue.ts';
import { LATEST_BACKUP_RUN_KEY } from '../../../src/reports/store/layout.ts';
import { invokeTask, type TaskDependencies } from '../../../src/runtime/task.ts';
import { readAllDatabases } from '../../../src/tasks/backup-queue-store.ts';
import { discoverDatabasesTask } from '../../../src/tasks/discover-databases.ts';
import { planPruneTask } from '../../../src/tasks/plan-prune.ts';
import { summarizeBackupRunTask } from '../../../src/tasks/summarize-backup-run.ts';
import { CountingReportStore } from '../../support/memory-report-store.ts';

const SOURCE = 'eu-west-1';
const COPY = 'eu-central-1';
const NOW = new Date('2026-11-22T04:00:00Z');

const config = parseConfig(`
sourceRegion: ${SOURCE}
copyRegions: [{ region: ${COPY}, kmsKeyId: alias/k }]
selection: { tags: { backup: daily } }
retention: { days: 7 }
`);

const database = (id: string, kind: Database['kind'] = 'instance'): Database => ({
  kind,
  id,
  arn: `arn:aws:rds:${SOURCE}:1:${kind === 'instance' ? 'db' : 'cluster'}:${id}`,
  engine: kind === 'instance' ? 'postgres' : 'aurora-postgresql',
  engineVersion: '16.4',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 1,
  tags: { backup: 'daily' },
});

/** One of the tool's daily snapshots of `orders`, taken `daysAgo` days before NOW. */
const daily = (region: string, daysAgo: number): Snapshot => {
  const takenAt = new Date(NOW.getTime() - daysAgo * 86_400_000 - 2 * 3_600_000);
  const id = `restorable-orders-${takenAt.toISOString().slice(0, 10)}`;
  return {
    id,
    arn: `arn:aws:rds:${region}:1:snapshot:${id}`,
    region,
    database: { kind: 'instance', id: 'orders' },
    engine: 'postgres',
    status: 'available',
    type: 'manual',
    createdAt: takenAt,
    originalCreatedAt: takenAt,
    encrypted: true,
    kmsKeyId: 'alias/k',
    sourceSnapshotArn: undefined,
    percentProgress: 100,
    tags: { [MANAGED_TAG]: MANAGED_TAG_VALUE, [DEPLOYMENT_TAG]: deploymentOf(config).id },
  };
};

interface RegionStub {
  readonly databases?: Database[];
  readonly snapshots?: Snapshot[];
  readonly quotas: () => Promise<SnapshotQuota[]>;
}

/** The report store, in memory: the discovery writes the run's queue there, and the summary reads it. */
const reports = new CountingReportStore();

function dependencies(regions: Record<string, RegionStub>): TaskDependencies {
  const port = (region: string): RdsPort => {
    const stub = regions[region];
    if (stub === undefined) throw new Error(`no stub for ${region}`);
    return {
      region,
      listDatabases: async () => stub.databases ?? [],
      listSnapshots: async () => stub.snapshots ?? [],
      describeSnapshotQuotas: stub.quotas,
    } as unknown as RdsPort;
  };
  return {
    config,
    rds: port,
    reports,
    sandboxes: () => {
      throw new Error('not used');
    },
    regionalVerifiers: () => {
      throw new Error('not used');
    },
    clock: () => NOW,
    logger: new Logger({ logLevel: 'SILENT' }),
  };
}

const quotas =
  (instanceUsed: number, max = 100, clusterUsed = 0) =>
  async (): Promise<SnapshotQuota[]> => [
    { kind: 'instance', used: instanceUsed, max },
    { kind: 'cluster', used: clusterUsed, max },
  ];

/**
 * Discovers with no earlier run in progress: the run's start, never a wait.
 * The runs here share a store and a clock, and none steps: each would find
 * the one before it in progress.
 */
async function discover(event: unknown, deps: TaskDependencies) {
  await reports.delete(LATEST_BACKUP_RUN_KEY);
  const result = await invokeTask(discoverDatabasesTask, event, deps);
  if ('waiting' in result) throw new Error(`the discovery waits for ${result.overlap?.runId}`);
  return result;
}

describe('the backup discovery', () => {
  const fleet = [database('orders'), database('shop'), database('billing', 'cluster')];

  it('reports the headroom of each region and kind for the snapshots the run takes', async () => {
    const discovered = await discover(
      { request: {}, executionName: 'backup-1' },
      dependencies({
        [SOURCE]: { databases: fleet, quotas: quotas(40, 100, 10) },
        [COPY]: { quotas: quotas(38, 100, 10) },
      }),
    );

    expect(discovered.snapshotQuotas).toEqual([
      {
        region: SOURCE,
        kind: 'instance',
        quota: 'ManualSnapshots',
        added: 2,
        removed: 0,
        status: 'fits',
        used: 40,
        max: 100,
        headroom: 58,
      },
      expect.objectContaining({ region: SOURCE, kind: 'cluster', added: 1, headroom: 89 }),
      expect.objectContaining({ region: COPY, kind: 'instance', added: 2, headroom: 60 }),
      expect.objectContaining({ region: COPY, kind: 'cluster', added: 1, headroom: 89 }),
    ]);
    expect(discovered.findings).toEqual([]);
  });

  it('warns, before taking any snapshot, when the run would exceed a region’s quota, counting only the databases asked for', async () => {
    const deps = dependencies({
      [SOURCE]: { databases: fleet, quotas: quotas(50) },
      [COPY]: { quotas: quotas(99) },
    });

    const all = await discover({ request: {}, executionName: 'backup-2' }, deps);
    const one = await discover({ request: { databaseIds: ['orders'] }, executionName: 'backup-3' }, deps);

    expect(all.findings).toEqual([
      expect.objectContaining({
        kind: 'snapshot-quota-too-low',
        severity: 'warning',
        resource: `${COPY}/ManualSnapshots`,
      }),
    ]);
    expect(all.findings[0]?.detail).toContain('1 would fail with SnapshotQuotaExceeded');
    expect(one.findings).toEqual([]);
    expect(one.snapshotQuotas).toContainEqual(
      expect.objectContaining({ region: COPY, kind: 'instance', added: 1, status: 'fits', headroom: 0 }),
    );
  });

  it('still discovers the databases when a region’s quotas cannot be read, and says why they are unknown', async () => {
    const discovered = await discover(
      { request: {}, executionName: 'backup-4' },
      dependencies({
        [SOURCE]: { databases: fleet, quotas: quotas(0) },
        [COPY]: {
          quotas: async () => {
            throw new CloudServiceError('not authorized to perform rds:DescribeAccountAttributes');
          },
        },
      }),
    );

    expect(discovered.databases).toBe(3);
    const queue = await readBackupQueue(reports, 'backup-4');
    expect((await readAllDatabases(reports, queue)).map((found) => found.id)).toEqual([
      'billing',
      'orders',
      'shop',
    ]);
    expect(discovered.snapshotQuotas.filter((quota) => quota.region === COPY)).toEqual([
      expect.objectContaining({ status: 'unknown', reason: expect.stringContaining('not authorized') }),
      expect.objectContaining({ status: 'unknown', reason: expect.stringContaining('not authorized') }),
    ]);
    expect(discovered.findings).toEqual([]);
  });

  it('lets throttling fail the step, for the workflow to retry it', async () => {
    const discovering = discover(
      { request: {}, executionName: 'backup-5' },
      dependencies({
        [SOURCE]: { databases: fleet, quotas: quotas(0) },
        [COPY]: {
          quotas: async () => {
            throw new ThrottlingError('Rate exceeded');
          },
        },
      }),
    );

    await expect(discovering).rejects.toBeInstanceOf(ThrottlingError);
  });

  it('hands the forecast to the run summary, which keeps it beside the databases', async () => {
    const discovered = await discover(
      { request: {}, executionName: 'backup-6' },
      dependencies({ [SOURCE]: { databases: fleet, quotas: quotas(99) }, [COPY]: { quotas: quotas(0) } }),
    );

    const summary = await invokeTask(
      summarizeBackupRunTask,
      {
        runId: discovered.runId,
        startedAt: discovered.startedAt,
        snapshotQuotas: discovered.snapshotQuotas,
        findings: discovered.findings,
      },
      dependencies({}),
    );

    expect(summary.snapshotQuotas).toEqual(discovered.snapshotQuotas);
    expect(summary.findings).toEqual([expect.objectContaining({ resource: `${SOURCE}/ManualSnapshots` })]);
  });
});

describe('the prune plan', () => {
  // 9 days of daily snapshots of orders in each region: the 2 oldest expire.
  const week = (region: string) => Array.from({ length: 9 }, (_, day) => daily(region, day));

  it('forecasts the next backup after the run’s deletions, and warns among its findings when it would not fit', async () => {
    const plan = await invokeTask(
      planPruneTask,
      { request: {}, executionName: 'prune-1' },
      dependencies({
        [SOURCE]: { databases: [database('orders')], snapshots: week(SOURCE), quotas: quotas(100) },
        [COPY]: { snapshots: week(COPY), quotas: quotas(102, 100) },
      }),
    );

    // Two in each region (the deletions themselves go to the plan document).
    expect(plan.deletionsTotal).toBe(4);
    expect(plan.snapshotQuotas).toContainEqual(
      expect.objectContaining({ region: SOURCE, kind: 'instance', added: 1, removed: 2, headroom: 1 }),
    );
    expect(plan.snapshotQuotas).toContainEqual(
      expect.objectContaining({
        region: COPY,
        kind: 'instance',
        removed: 2,
        status: 'exceeded',
        headroom: -1,
      }),
    );
    expect(plan.findings).toContainEqual(
      expect.objectContaining({ kind: 'snapshot-quota-too-low', resource: `${COPY}/ManualSnapshots` }),
    );
    expect(plan.findingsTotal).toBe(plan.findings.length);
    expect(plan.violations).toBe(0);
  });
});
