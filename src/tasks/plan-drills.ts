import { z } from 'zod';
import { parseArn } from '../domain/aws-partition.ts';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { type Deployment, deploymentOf, ownsSnapshot, withDiscriminator } from '../domain/deployment.ts';
import { newestAvailable } from '../domain/drill.ts';
import {
  chooseAllDrills,
  chooseScheduledDrills,
  type DrillCandidate,
  type DrillChoice,
} from '../domain/drill-schedule.ts';
import { nearestClause, unknownDrillSettings } from '../domain/drill-settings.ts';
import { DatabaseNotFoundError, InvalidStateError, SnapshotNotFoundError } from '../domain/errors.ts';
import { drillExecutionName } from '../domain/execution-name.ts';
import { takenAt } from '../domain/prune.ts';
import { sandboxId } from '../domain/sandbox.ts';
import { chooseVerifier, scheduledDrillRegion } from '../domain/sandbox-network.ts';
import { longestScheduleGapHours } from '../domain/schedule.ts';
import { isProvenBad } from '../domain/tags.ts';
import type { Database, RdsPort, Snapshot } from '../ports/rds.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { listDrillReportKeys } from '../reports/drill-report.ts';
import { parseDrillReportKey } from '../reports/store/layout.ts';
import { defineTask } from '../runtime/task.ts';
import { cutMessage, type DrillBacklog, type PlannedDrill } from './drill-shapes.ts';

/** The time a drill id carries (`drillIdFor`), before any discriminator. */
const DRILL_ID_TIME = /-(\d{4})(\d{2})(\d{2})T\d{6}Z(?:-[0-9a-f]+)?$/;

/**
 * The day the last drill of a database was planned, from the keys of its
 * reports (`drills/<db>/<day finished>/<drillId>.json`). The day planned, not
 * the day finished: a run's last drills may finish after midnight, and the
 * next drill of each is planned a cycle after the run, so a drill dated by
 * its finish could be planned a day late and finish past its interval. A key
 * whose id carries no time is dated by the day in the key.
 */
export function lastDrillDayOf(keys: readonly string[]): Date | undefined {
  let last: string | undefined;
  for (const key of keys) {
    const report = key.endsWith('.json') ? parseDrillReportKey(key) : undefined;
    if (report === undefined) continue;
    const time = DRILL_ID_TIME.exec(report.drillId);
    const day = time === null ? report.day : `${time[1]}-${time[2]}-${time[3]}`;
    if (last === undefined || day > last) last = day;
  }
  return last === undefined ? undefined : new Date(`${last}T00:00:00Z`);
}

async function lastDrillDay(reports: ReportStore, databaseId: string): Promise<Date | undefined> {
  return lastDrillDayOf(await listDrillReportKeys(reports, databaseId));
}

/**
 * `drill-<db>-<time>`, followed by the deployment's discriminator unless it is
 * the default deployment: two deployments drilling a database at the same
 * second still hold distinct leases and reports.
 */
export function drillIdFor(databaseId: string, now: Date, deployment: Deployment, fromVault = false): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  // A drill of the vault's copy says so in its id, and never shares one with
  // a drill of this account's copy planned in the same second.
  return withDiscriminator(`drill-${databaseId}${fromVault ? '-vault' : ''}-${time}`, deployment);
}

/**
 * A deployment drills only its own snapshots: its drills evidence its own
 * backups, not another's. `port` is this account's RDS in `region`, or the
 * vault account's (its copies carry this deployment's tags too).
 */
async function chooseSnapshot(
  port: RdsPort,
  database: Database,
  region: string,
  snapshotId: string | undefined,
  deployment: Deployment,
): Promise<Snapshot> {
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

/**
 * Shares the vault copy with this account (the account the database's ARN
 * names), so that the drill restores it here: a share lets this account
 * restore and copy the snapshot, never delete it. Sharing it again is no
 * error; the share stays, for the next drills.
 */
async function shareBackForTheDrill(
  vaultPort: RdsPort,
  snapshot: Snapshot,
  database: Database,
): Promise<void> {
  const account = parseArn(database.arn)?.account;
  if (account === undefined || account === '') {
    throw new InvalidStateError(`the ARN of ${database.id} names no account to share its vault copy with`);
  }
  await vaultPort.shareSnapshot({ kind: database.kind, id: snapshot.id }, account);
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

/** How many of the held-back databases the run names (the most overdue); the rest are counted. */
const NAMED_HELD_BACK = 10;
/** Drill report listings running at the same time: a fleet's listing fits the task's timeout. */
const LISTING_CONCURRENCY = 16;
/** Snapshot listings running at the same time, few enough to stay clear of RDS throttling. */
const SNAPSHOT_LISTING_CONCURRENCY = 4;

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const messageOf = (error: unknown) =>
  cutMessage(
    error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error),
  );

/** What the run reports of the databases it left out: counts, and the most overdue by name. */
function backlogOf(choice: DrillChoice): DrillBacklog {
  return {
    heldBack: choice.heldBack.length,
    overdue: choice.heldBack.filter((held) => held.overdue).length,
    neverDrilled: choice.heldBack.filter((held) => held.deadline === undefined).length,
    mostOverdue: choice.heldBack.slice(0, NAMED_HELD_BACK).map((held) => ({
      database: held.id,
      dueBy: held.deadline?.toISOString() ?? null,
    })),
    spread: choice.spread,
  };
}

/**
 * Drill settings whose key names no protected database, as entries of the
 * run's skipped list: the run fails and alerts, naming the key and the nearest
 * protected id, since the database they were meant for is drilled without
 * them. Reported by every run, on demand too, until the key is corrected.
 */
function misplacedSettings(
  settings: Record<string, unknown>,
  protectedDatabases: readonly Database[],
): { database: string; error: string }[] {
  return unknownDrillSettings(
    Object.keys(settings),
    protectedDatabases.map((database) => database.id),
  ).map((unknown) => ({
    database: unknown.key,
    error: cutMessage(
      `drills.databases.${unknown.key} names no protected database ${nearestClause(unknown)}: its settings apply to no drill; correct or remove it`,
    ),
  }));
}

/**
 * Decides what to drill: on demand, the one database asked for, or every
 * protected database (most overdue first); on schedule, the due databases and
 * a share of those never drilled (domain/drill-schedule.ts). Either way at
 * most drills.maxPerRun, so the run's state stays bounded at any fleet size,
 * and the newest available snapshot in drills.region (by default the first
 * copy region, which also proves that the cross-region copy restores) unless
 * the request names a region. Bad requests fail the run before any sandbox
 * exists.
 */
export const planDrillsTask = defineTask({
  name: 'plan-drills',
  needs: ['rds', 'reports', 'vault'],
  input: z.object({
    request: z
      .object({
        databaseId: z.string().min(1).optional(),
        snapshotId: z.string().min(1).optional(),
        region: z.string().min(1).optional(),
        /** Drill every protected database now, due or not. */
        all: z.boolean().optional(),
        /** Restore the vault account's copy; scheduled runs follow drills.fromVault. */
        vault: z.boolean().optional(),
      })
      .loose(),
    executionName: z.string().min(1),
  }),
  async run(input, { config, rds, reports, vault, clock }) {
    const now = clock();
    const deployment = deploymentOf(config);
    const { request } = input;
    const onDemand = request.databaseId !== undefined || request.all === true;
    const fromVault = request.vault ?? (!onDemand && config.drills.fromVault);
    const vaultRegions = config.vault?.regions.map((candidate) => candidate.region) ?? [];
    if (fromVault && (vault === undefined || vaultRegions.length === 0)) {
      throw new InvalidStateError('a drill from the vault needs a vault account (configuration vault)');
    }
    const region = request.region ?? (fromVault ? (vaultRegions[0] ?? '') : scheduledDrillRegion(config));
    const regions = fromVault
      ? vaultRegions
      : [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)];
    if (!regions.includes(region)) {
      throw new InvalidStateError(
        `region ${region} is not one the ${fromVault ? 'vault keeps copies in' : 'tool writes to'} (${regions.join(', ')})`,
      );
    }
    const snapshotPort = fromVault && vault !== undefined ? vault.rds(region) : rds(region);
    const protectedDatabases = selectProtectedDatabases(
      await rds(config.sourceRegion).listDatabases(),
      config.selection,
    );
    let chosen: Database[];
    let choice: DrillChoice | undefined;
    if (request.databaseId !== undefined) {
      const wanted = protectedDatabases.find((database) => database.id === request.databaseId);
      if (wanted === undefined) throw new DatabaseNotFoundError(request.databaseId ?? '');
      chosen = [wanted];
    } else {
      if (request.snapshotId !== undefined) {
        throw new InvalidStateError('a snapshot can only be drilled with its database (--db)');
      }
      const candidates: DrillCandidate[] = await mapBounded(
        protectedDatabases,
        LISTING_CONCURRENCY,
        async (database) => ({
          id: database.id,
          lastDrillDay: await lastDrillDay(reports, database.id),
          intervalDays: config.drills.databases[database.id]?.intervalDays ?? config.drills.intervalDays,
        }),
      );
      const { maxPerRun } = config.drills;
      choice = onDemand
        ? chooseAllDrills(candidates, now, { maxPerRun })
        : chooseScheduledDrills(candidates, now, {
            maxPerRun,
            runGapHours: longestScheduleGapHours(config.schedules.drill),
          });
      const byId = new Map(protectedDatabases.map((database) => [database.id, database]));
      chosen = choice.drill.flatMap((id) => byId.get(id) ?? []);
    }
    const planned = await mapBounded(chosen, SNAPSHOT_LISTING_CONCURRENCY, async (database) => {
      try {
        const snapshot = await chooseSnapshot(snapshotPort, database, region, request.snapshotId, deployment);
        if (fromVault) await shareBackForTheDrill(snapshotPort, snapshot, database);
        const drillId = drillIdFor(database.id, now, deployment, fromVault);
        const drill: PlannedDrill = {
          drillId,
          executionName: drillExecutionName(drillId),
          trigger: onDemand ? 'on-demand' : 'schedule',
          plannedAt: now.toISOString(),
          sandboxId: sandboxId(database.id, now, deployment),
          database: {
            kind: database.kind,
            id: database.id,
            engine: database.engine,
            ...multiAzClusterOf(database),
          },
          snapshot: {
            kind: database.kind,
            id: snapshot.id,
            arn: snapshot.arn,
            region,
            ...(fromVault && vault !== undefined ? { account: vault.accountId } : {}),
          },
          verifiedIn: chooseVerifier(config, region),
        };
        return { drill };
      } catch (error) {
        if (request.databaseId !== undefined) throw error;
        return { skipped: { database: database.id, error: messageOf(error) } };
      }
    });
    const drills = planned.flatMap((plan) => plan.drill ?? []);
    const skipped = [
      ...planned.flatMap((plan) => plan.skipped ?? []),
      ...misplacedSettings(config.drills.databases, protectedDatabases),
    ];
    return {
      runId: input.executionName,
      startedAt: now.toISOString(),
      maxConcurrency: config.drills.maxConcurrency,
      // A drill alone keeps every check in its outcome, which the command
      // prints. A run of many carries compact outcomes, whose checks are in
      // each drill's report, so that its state stays bounded.
      detailed: drills.length === 1,
      drills,
      skipped,
      backlog: backlogOf(choice ?? { drill: [], heldBack: [], spread: 0 }),
    };
  },
});
