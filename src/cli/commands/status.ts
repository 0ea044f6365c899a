import type { Config } from '../../config/schema.ts';
import { selectProtectedDatabases } from '../../domain/backup.ts';
import { deploymentOf } from '../../domain/deployment.ts';
import { formatDuration } from '../../domain/drill.ts';
import { type DatabaseStatus, databaseStatus, type LastDrill, type LostKey } from '../../domain/status.ts';
import { describeMissingKey, type MissingKey } from '../../local-cloud/kms.ts';
import type { RdsPortProvider } from '../../ports/rds.ts';
import type { ReportStore } from '../../ports/report-store.ts';
import { DRILL_REPORTS_PREFIX, parseDrillReport } from '../../reports/drill-report.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors.ts';
import { openLocalEnvironment, regionsOf } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatTable } from '../table.ts';

/** The newest drill report of a database, summarised; null when it was never drilled. */
export async function readLastDrill(reports: ReportStore, databaseId: string): Promise<LastDrill | null> {
  const keys = await reports.list(`${DRILL_REPORTS_PREFIX}${databaseId}/`);
  const key = keys.filter((name) => name.endsWith('.json')).at(-1);
  const body = key === undefined ? undefined : await reports.get(key);
  if (body === undefined) return null;
  const report = parseDrillReport(Buffer.from(body).toString('utf8'));
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
    statuses.push(
      databaseStatus(
        database,
        snapshotsByRegion,
        deployment,
        now,
        await readLastDrill(reports, database.id),
        lostKeysByRegion,
      ),
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

/** Exits 1 when a key file is missing: the snapshots under it cannot be restored. */
export async function runStatusCommand(context: CommandContext): Promise<number> {
  const environment = await openLocalEnvironment(context, { reportMissingKeys: true });
  try {
    const { rds, reports } = environment.dependencies;
    const { missingKeys } = environment;
    const statuses = await collectStatus(context.config, rds, reports, context.clock(), missingKeys);
    printStatus(context, statuses);
    for (const key of missingKeys) {
      context.output.warn(`restorable: ${describeMissingKey(key)}: they cannot be restored until it is back`);
    }
    context.output.result({ databases: statuses });
    return missingKeys.length === 0 ? EXIT_OK : EXIT_FAILURE;
  } finally {
    await environment.close();
  }
}
