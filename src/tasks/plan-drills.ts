import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { type Deployment, deploymentOf, ownsSnapshot, withDiscriminator } from '../domain/deployment.ts';
import { isDrillDue, newestAvailable } from '../domain/drill.ts';
import { DatabaseNotFoundError, InvalidStateError, SnapshotNotFoundError } from '../domain/errors.ts';
import { takenAt } from '../domain/prune.ts';
import { sandboxId } from '../domain/sandbox.ts';
import { chooseVerifier, scheduledDrillRegion } from '../domain/sandbox-network.ts';
import { isProvenBad } from '../domain/tags.ts';
import type { Database, RdsPortProvider, Snapshot } from '../ports/rds.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { DRILL_REPORTS_PREFIX } from '../reports/drill-report.ts';
import { defineTask } from '../runtime/task.ts';
import type { PlannedDrill } from './drill-shapes.ts';

/** Report keys are `drills/<db>/<YYYY-MM-DD>/<drillId>.json`: the last one dates the last drill. */
export async function lastDrillDay(reports: ReportStore, databaseId: string): Promise<Date | undefined> {
  const keys = (await reports.list(`${DRILL_REPORTS_PREFIX}${databaseId}/`)).filter((key) =>
    key.endsWith('.json'),
  );
  const day = keys
    .at(-1)
    ?.split('/')
    .find((segment) => /^\d{4}-\d{2}-\d{2}$/.test(segment));
  return day === undefined ? undefined : new Date(`${day}T00:00:00Z`);
}

/**
 * `drill-<db>-<time>`, followed by the deployment's discriminator unless it is
 * the default deployment: two deployments drilling a database at the same
 * second still hold distinct leases and reports.
 */
export function drillIdFor(databaseId: string, now: Date, deployment: Deployment): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return withDiscriminator(`drill-${databaseId}-${time}`, deployment);
}

/** A deployment drills only its own snapshots: its drills evidence its own backups, not another's. */
async function chooseSnapshot(
  rds: RdsPortProvider,
  database: Database,
  region: string,
  snapshotId: string | undefined,
  deployment: Deployment,
): Promise<Snapshot> {
  const port = rds(region);
  if (snapshotId !== undefined) {
    const snapshot = await port.describeSnapshot({ kind: database.kind, id: snapshotId });
    if (snapshot === undefined || snapshot.database.id !== database.id) {
      throw new SnapshotNotFoundError(snapshotId, {
        cause: new Error(`no snapshot ${snapshotId} of ${database.id} in ${region}`),
      });
    }
    if (!ownsSnapshot(deployment, snapshot)) {
      throw new SnapshotNotFoundError(snapshotId, {
        cause: new Error(`${snapshotId} in ${region} was not made by restorable deployment ${deployment.id}`),
      });
    }
    if (snapshot.status !== 'available') {
      throw new InvalidStateError(`snapshot ${snapshotId} in ${region} is ${snapshot.status}, not available`);
    }
    return snapshot;
  }
  const snapshots = (await port.listSnapshots({ database, type: 'manual' })).filter((snapshot) =>
    ownsSnapshot(deployment, snapshot),
  );
  const byArn = new Map(snapshots.map((snapshot) => [snapshot.arn, snapshot]));
  // A snapshot an earlier drill proved bad is not drilled again unless asked
  // for by id: the drill proves the newest copy the prune counts as good.
  const newest = newestAvailable(
    snapshots
      .filter((snapshot) => !isProvenBad(snapshot.tags))
      .map((snapshot) => ({ ...snapshot, takenAt: takenAt(snapshot, byArn) })),
  );
  if (newest === undefined) {
    throw new SnapshotNotFoundError(`(newest of ${database.id})`, {
      cause: new Error(`no available snapshot of ${database.id} in ${region} that is not proven bad`),
    });
  }
  return newest;
}

/** A Multi-AZ DB cluster's compute and storage, as workflow state (no undefined members). */
function multiAzClusterOf(database: Database): Pick<PlannedDrill['database'], 'multiAzCluster'> {
  const settings = database.multiAzCluster;
  if (settings === undefined) return {};
  return {
    multiAzCluster: {
      instanceClass: settings.instanceClass,
      ...(settings.storageType === undefined ? {} : { storageType: settings.storageType }),
      ...(settings.iops === undefined ? {} : { iops: settings.iops }),
    },
  };
}

/**
 * Decides what to drill: on demand, the one database asked for; on schedule,
 * every protected database whose drill interval has elapsed. Either way, the
 * newest available snapshot in drills.region (by default the first copy
 * region, which also proves that the cross-region copy restores) unless the
 * request names a region. Bad requests fail the run before any sandbox exists.
 */
export const planDrillsTask = defineTask({
  name: 'plan-drills',
  input: z.object({
    request: z
      .object({
        databaseId: z.string().min(1).optional(),
        snapshotId: z.string().min(1).optional(),
        region: z.string().min(1).optional(),
        /** Drill every protected database now, due or not. */
        all: z.boolean().optional(),
      })
      .loose(),
    executionName: z.string().min(1),
  }),
  async run(input, { config, rds, reports, clock }) {
    const now = clock();
    const deployment = deploymentOf(config);
    const { request } = input;
    const region = request.region ?? scheduledDrillRegion(config);
    const regions = [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)];
    if (!regions.includes(region)) {
      throw new InvalidStateError(`region ${region} is not one the tool writes to (${regions.join(', ')})`);
    }
    const protectedDatabases = selectProtectedDatabases(
      await rds(config.sourceRegion).listDatabases(),
      config.selection,
    );
    const onDemand = request.databaseId !== undefined || request.all === true;
    let candidates = protectedDatabases;
    if (request.databaseId !== undefined) {
      const wanted = protectedDatabases.find((database) => database.id === request.databaseId);
      if (wanted === undefined) throw new DatabaseNotFoundError(request.databaseId ?? '');
      candidates = [wanted];
    } else if (request.snapshotId !== undefined) {
      throw new InvalidStateError('a snapshot can only be drilled with its database (--db)');
    }
    const drills: PlannedDrill[] = [];
    const skipped: { database: string; error: string }[] = [];
    for (const database of candidates) {
      const interval = config.drills.databases[database.id]?.intervalDays ?? config.drills.intervalDays;
      if (!onDemand && !isDrillDue(await lastDrillDay(reports, database.id), interval, now)) continue;
      try {
        const snapshot = await chooseSnapshot(rds, database, region, request.snapshotId, deployment);
        drills.push({
          drillId: drillIdFor(database.id, now, deployment),
          trigger: onDemand ? 'on-demand' : 'schedule',
          plannedAt: now.toISOString(),
          sandboxId: sandboxId(database.id, now, deployment),
          database: {
            kind: database.kind,
            id: database.id,
            engine: database.engine,
            ...multiAzClusterOf(database),
          },
          snapshot: { kind: database.kind, id: snapshot.id, arn: snapshot.arn, region },
          verifiedIn: chooseVerifier(config, region),
        });
      } catch (error) {
        if (request.databaseId !== undefined) throw error;
        skipped.push({
          database: database.id,
          error:
            error instanceof Error
              ? error.cause instanceof Error
                ? error.cause.message
                : error.message
              : String(error),
        });
      }
    }
    return {
      runId: input.executionName,
      startedAt: now.toISOString(),
      maxConcurrency: config.drills.maxConcurrency,
      drills,
      skipped,
    };
  },
});
