import { awsRdsPortProvider } from '../../adapters/aws/rds.ts';
import { S3ReportStore } from '../../adapters/aws/report-store.ts';
import { awsS3Client, findReportBucket } from '../../adapters/aws/stack.ts';
import type { Config } from '../../config/schema.ts';
import { isDailySnapshotOf, selectProtectedDatabases } from '../../domain/backup.ts';
import { deploymentOf } from '../../domain/deployment.ts';
import { type DrillReport, formatDuration } from '../../domain/drill.ts';
import {
  type DatabaseStatus,
  databaseStatus,
  type LastDrill,
  type LostKey,
  type UnreadableFile,
} from '../../domain/status.ts';
import { describeMissingKey, type MissingKey } from '../../local-cloud/kms.ts';
import type { UnreadableSnapshotRecord } from '../../local-cloud/records.ts';
import type { RdsPortProvider } from '../../ports/rds.ts';
import type { ReportStore } from '../../ports/report-store.ts';
import { listDrillReportKeys, readDrillReports } from '../../reports/drill-report.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors.ts';
import { openLocalEnvironment, regionsOf } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatTable } from '../table.ts';

/**
 * The newest drill report of a database that reads, summarised (null when
 * there is none), and the newer ones that do not read.
 */
export async function readLastDrill(
  reports: ReportStore,
  databaseId: string,
): Promise<{ lastDrill: LastDrill | null; unreadable: UnreadableFile[] }> {
  const unreadable: UnreadableFile[] = [];
  for (const key of (await listDrillReportKeys(reports, databaseId)).reverse()) {
    const { documents, corrupt } = await readDrillReports(reports, [key]);
    unreadable.push(...corrupt.map(({ path, reason }) => ({ path, reason })));
    const report = documents[0]?.value;
    if (report !== undefined) return { lastDrill: summarizeDrill(report), unreadable };
  }
  return { lastDrill: null, unreadable };
}

function summarizeDrill(report: DrillReport): LastDrill {
  return {
    drillId: report.drillId,
    verdict: report.verdict,
    finishedAt: report.finishedAt,
    rtoSeconds: report.timings.rtoSeconds,
    rpoSeconds: report.timings.rpoSeconds,
    snapshot: report.snapshot.id,
    region: report.snapshot.region,
  };
}

export async function collectStatus(
  config: Config,
  rds: RdsPortProvider,
  reports: ReportStore,
  now: Date,
  missingKeys: readonly MissingKey[] = [],
  unreadableSnapshots: readonly UnreadableSnapshotRecord[] = [],
): Promise<DatabaseStatus[]> {
  const databases = selectProtectedDatabases(
    await rds(config.sourceRegion).listDatabases(),
    config.selection,
  );
  const regions = regionsOf({ config });
  const lostKeysByRegion = new Map<string, LostKey[]>();
  for (const key of missingKeys) {
    lostKeysByRegion.set(key.region, [...(lostKeysByRegion.get(key.region) ?? []), key]);
  }
  const deployment = deploymentOf(config);
  const statuses: DatabaseStatus[] = [];
  for (const database of databases) {
    const snapshotsByRegion = new Map(
      await Promise.all(
        regions.map(async (region) => [region, await rds(region).listSnapshots({ database })] as const),
      ),
    );
    const { lastDrill, unreadable } = await readLastDrill(reports, database.id);
    const unreadableRecords = unreadableSnapshots
      .filter((record) => isDailySnapshotOf(record.id, database))
      .map(({ path, reason }) => ({ path, reason }));
    statuses.push(
      databaseStatus(database, snapshotsByRegion, deployment, now, lastDrill, lostKeysByRegion, [
        ...unreadableRecords,
        ...unreadable,
      ]),
    );
  }
  return statuses;
}

const formatAge = (hours: number | null) => (hours === null ? 'none' : `${hours.toFixed(1)} h`);

export function printStatus(context: CommandContext, statuses: readonly DatabaseStatus[]): void {
  const regions = regionsOf(context);
  context.output.say(
    formatTable(
      ['database', 'kind', 'engine', ...regions.map((region) => `${region} (kept, newest)`), 'last drill'],
      statuses.map((status) => [
        status.id,
        status.kind,
        status.engine,
        ...regions.map((region) => {
          const regionStatus = status.regions[region];
          if (regionStatus === undefined) return '-';
          const kept = `${regionStatus.snapshots}, ${formatAge(regionStatus.newestAgeHours)}`;
          const { unrestorable } = regionStatus;
          if (unrestorable === undefined) return kept;
          const files = unrestorable.missingKeyFiles;
          return `${kept}; ${unrestorable.snapshots} unrestorable: key ${files.length === 1 ? 'file' : 'files'} ${files.join(', ')} missing`;
        }),
        status.lastDrill === null
          ? 'never'
          : `${status.lastDrill.verdict.toUpperCase()} ${status.lastDrill.finishedAt.slice(0, 16).replace('T', ' ')}` +
            (status.lastDrill.rtoSeconds === null
              ? ''
              : `, RTO ${formatDuration(status.lastDrill.rtoSeconds)}`),
      ]),
    ),
  );
}

/**
 * Warns about every file that did not read: the ones named in a database's
 * row, then `otherUnreadable` (records of no protected database: still
 * damaged, still said). Returns whether any did not read.
 */
function warnUnreadable(
  context: CommandContext,
  statuses: readonly DatabaseStatus[],
  otherUnreadable: readonly UnreadableFile[] = [],
): boolean {
  const named = new Set(statuses.flatMap((status) => (status.unreadable ?? []).map((file) => file.path)));
  for (const status of statuses) {
    for (const file of status.unreadable ?? []) {
      context.output.warn(`restorable: ${status.id}: ${file.path} is unreadable, left out: ${file.reason}`);
    }
  }
  for (const record of otherUnreadable.filter((candidate) => !named.has(candidate.path))) {
    context.output.warn(`restorable: ${record.path} is unreadable, left out: ${record.reason}`);
  }
  return named.size > 0 || otherUnreadable.length > 0;
}

/**
 * `--target aws`: the snapshots from RDS in every region the tool writes to,
 * the last drills from the stack's report bucket. Exits 1 when a drill
 * report does not read.
 */
async function runAwsStatus(context: CommandContext): Promise<number> {
  const { config } = context;
  const stackRegion = config.aws.region ?? config.sourceRegion;
  const s3 = awsS3Client(stackRegion);
  const reports = new S3ReportStore(s3, await findReportBucket(s3, config.aws.stage, stackRegion));
  const statuses = await collectStatus(config, awsRdsPortProvider(), reports, context.clock());
  printStatus(context, statuses);
  const unreadable = warnUnreadable(context, statuses);
  context.output.result({ databases: statuses });
  return unreadable ? EXIT_FAILURE : EXIT_OK;
}

/**
 * Exits 1 when a key file is missing (the snapshots under it cannot be
 * restored) or a stored file does not read (what it recorded is unknown).
 */
export async function runStatusCommand(context: CommandContext): Promise<number> {
  if (context.target === 'aws') return runAwsStatus(context);
  const environment = await openLocalEnvironment(context, { reportMissingKeys: true });
  try {
    const { rds, reports } = environment.dependencies;
    const { missingKeys } = environment;
    const unreadableSnapshots = await environment.cloud.findUnreadableSnapshotRecords(regionsOf(context));
    const statuses = await collectStatus(
      context.config,
      rds,
      reports,
      context.clock(),
      missingKeys,
      unreadableSnapshots,
    );
    printStatus(context, statuses);
    for (const key of missingKeys) {
      context.output.warn(`restorable: ${describeMissingKey(key)}: they cannot be restored until it is back`);
    }
    const unreadable = warnUnreadable(
      context,
      statuses,
      unreadableSnapshots.map(({ path, reason }) => ({ path, reason })),
    );
    context.output.result({ databases: statuses });
    return missingKeys.length === 0 && !unreadable ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await environment.close();
  }
}
