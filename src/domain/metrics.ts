// The metrics operators watch, as points computed from what the tasks know:
// the runtime writes them (src/runtime/metrics.ts, as EMF on AWS), the
// stack's dashboard and alarms read them (infra/resources.ts, from the stack
// settings' names). Names and dimensions are the contract with both.
import type { SnapshotQuotaHeadroom } from './snapshot-quota.ts';

/** The one namespace of the stack's own metrics. */
export const METRICS_NAMESPACE = 'Restorable';

export type MetricUnitName = 'Count' | 'Seconds';

export interface MetricPoint {
  readonly name: string;
  readonly unit: MetricUnitName;
  readonly value: number;
  /** Beside the deployment's, which every point carries. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

export const METRIC = {
  /** 1 for each backup run of the whole fleet that ended OK: the dead-man's switch watches for its absence. */
  fleetBackupSucceeded: 'FleetBackupSucceeded',
  backupDatabasesOk: 'BackupDatabasesOk',
  backupDatabasesPartial: 'BackupDatabasesPartial',
  backupDatabasesFailed: 'BackupDatabasesFailed',
  /** By Database and Region: how old the data of the newest available snapshot is. */
  snapshotAge: 'SnapshotAgeSeconds',
  /** By Region: the largest SnapshotAgeSeconds of the region, the fleet's worst. */
  oldestSnapshotAge: 'OldestSnapshotAgeSeconds',
  /** By Region and Quota: manual snapshots the region can still take after the next backup. */
  snapshotQuotaHeadroom: 'SnapshotQuotaHeadroom',
  deletionsPlanned: 'DeletionsPlanned',
  /** Expired snapshots a prune run leaves for the next (the per-run cap, the brake). */
  deletionBacklog: 'DeletionBacklog',
  snapshotsDeleted: 'SnapshotsDeleted',
  deletionsFailed: 'DeletionsFailed',
  /** By Database: the measured recovery time and data loss of each drill that measured them. */
  drillRto: 'DrillRtoSeconds',
  drillRpo: 'DrillRpoSeconds',
  drillsPassed: 'DrillsPassed',
  drillsFailed: 'DrillsFailed',
  drillsSkipped: 'DrillsSkipped',
  /** Databases a drill run's maximum held back past their interval, or never drilled. */
  drillBacklogOverdue: 'DrillBacklogOverdue',
  drillBacklogNeverDrilled: 'DrillBacklogNeverDrilled',
} as const;

export function backupRunPoints(run: {
  readonly status: 'OK' | 'PARTIAL' | 'FAILED';
  readonly wholeFleet: boolean;
  readonly counts: { readonly ok: number; readonly partial: number; readonly failed: number };
  readonly snapshotQuotas: readonly SnapshotQuotaHeadroom[];
}): MetricPoint[] {
  return [
    ...(run.status === 'OK' && run.wholeFleet
      ? [{ name: METRIC.fleetBackupSucceeded, unit: 'Count' as const, value: 1 }]
      : []),
    { name: METRIC.backupDatabasesOk, unit: 'Count', value: run.counts.ok },
    { name: METRIC.backupDatabasesPartial, unit: 'Count', value: run.counts.partial },
    { name: METRIC.backupDatabasesFailed, unit: 'Count', value: run.counts.failed },
    ...quotaHeadroomPoints(run.snapshotQuotas),
  ];
}

export function quotaHeadroomPoints(quotas: readonly SnapshotQuotaHeadroom[]): MetricPoint[] {
  return quotas.flatMap((quota) =>
    quota.status === 'unknown'
      ? []
      : [
          {
            name: METRIC.snapshotQuotaHeadroom,
            unit: 'Count' as const,
            value: quota.headroom,
            dimensions: { Region: quota.region, Quota: quota.quota },
          },
        ],
  );
}

/**
 * The age of each database's newest available snapshot in each region, by
 * its data (a copy is as old as the snapshot it copies), and each region's
 * worst.
 */
export function snapshotAgePoints(
  now: Date,
  snapshots: readonly {
    readonly region: string;
    readonly database: { readonly id: string };
    readonly status: string;
    readonly createdAt: Date | undefined;
    readonly originalCreatedAt: Date | undefined;
  }[],
): MetricPoint[] {
  const newest = new Map<string, { region: string; database: string; taken: number }>();
  for (const snapshot of snapshots) {
    const taken = (snapshot.originalCreatedAt ?? snapshot.createdAt)?.getTime();
    if (snapshot.status !== 'available' || taken === undefined) continue;
    const key = JSON.stringify([snapshot.database.id, snapshot.region]);
    const known = newest.get(key);
    if (known === undefined || known.taken < taken) {
      newest.set(key, { region: snapshot.region, database: snapshot.database.id, taken });
    }
  }
  const ages = [...newest.values()].map((entry) => ({
    ...entry,
    seconds: Math.max(0, Math.round((now.getTime() - entry.taken) / 1000)),
  }));
  const oldest = new Map<string, number>();
  for (const age of ages) oldest.set(age.region, Math.max(oldest.get(age.region) ?? 0, age.seconds));
  return [
    ...ages.map((age) => ({
      name: METRIC.snapshotAge,
      unit: 'Seconds' as const,
      value: age.seconds,
      dimensions: { Database: age.database, Region: age.region },
    })),
    ...[...oldest].map(([region, seconds]) => ({
      name: METRIC.oldestSnapshotAge,
      unit: 'Seconds' as const,
      value: seconds,
      dimensions: { Region: region },
    })),
  ];
}

export function drillRunPoints(run: {
  readonly results: readonly {
    readonly database: string;
    readonly verdict: string;
    readonly [field: string]: unknown;
  }[];
  readonly skipped: number;
  readonly backlog?: { readonly overdue: number; readonly neverDrilled: number } | undefined;
}): MetricPoint[] {
  const passed = run.results.filter((result) => result.verdict === 'pass').length;
  const measured = (name: string, field: string) =>
    run.results.flatMap((result) => {
      const value = result[field];
      return typeof value === 'number' && Number.isFinite(value)
        ? [{ name, unit: 'Seconds' as const, value, dimensions: { Database: result.database } }]
        : [];
    });
  return [
    { name: METRIC.drillsPassed, unit: 'Count', value: passed },
    { name: METRIC.drillsFailed, unit: 'Count', value: run.results.length - passed },
    { name: METRIC.drillsSkipped, unit: 'Count', value: run.skipped },
    ...(run.backlog === undefined
      ? []
      : [
          { name: METRIC.drillBacklogOverdue, unit: 'Count' as const, value: run.backlog.overdue },
          { name: METRIC.drillBacklogNeverDrilled, unit: 'Count' as const, value: run.backlog.neverDrilled },
        ]),
    ...measured(METRIC.drillRto, 'rtoSeconds'),
    ...measured(METRIC.drillRpo, 'rpoSeconds'),
  ];
}
