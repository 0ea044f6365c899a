// What is protected, as `status` and `demo` show it: each protected
// database's snapshots per region and its last drill, collected from an RDS
// port and a report store (local or AWS alike), and its table for people.
import type { Config, VaultConfig } from '../../config/schema.ts';
import { isDailySnapshotOf, selectProtectedDatabases } from '../../domain/backup.ts';
import { type Deployment, deploymentOf } from '../../domain/deployment.ts';
import { type DrillReport, formatDuration } from '../../domain/drill.ts';
import {
  type DatabaseStatus,
  databaseStatus,
  type LastDrill,
  type LostKey,
  type RegionStatus,
  regionStatus,
  type UnreadableFile,
} from '../../domain/status.ts';
import type { MissingKey } from '../../local-cloud/kms.ts';
import type { UnreadableSnapshotRecord } from '../../local-cloud/records.ts';
import type { Database, RdsPortProvider } from '../../ports/rds.ts';
import type { ReportStore } from '../../ports/report-store.ts';
import type { VaultAccess } from '../../ports/vault.ts';
import { listDrillReportKeys, readDrillReports } from '../../reports/drill-report.ts';
import { regionsOf } from '../local-environment.ts';
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
  vault?: VaultAccess,
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
    const status = databaseStatus(database, snapshotsByRegion, deployment, now, lastDrill, lostKeysByRegion, [
      ...unreadableRecords,
      ...unreadable,
    ]);
    statuses.push(
      vault === undefined || config.vault === undefined
        ? status
        : { ...status, vault: await vaultStatus(vault, config.vault, database, deployment, now) },
    );
  }
  return statuses;
}

/** The vault account's copies of the database in each vault region, as the backup's role sees them. */
async function vaultStatus(
  vault: VaultAccess,
  config: VaultConfig,
  database: Database,
  deployment: Deployment,
  now: Date,
): Promise<Record<string, RegionStatus>> {
  return Object.fromEntries(
    await Promise.all(
      config.regions.map(async ({ region }) => {
        const copies = await vault.rds(region).listSnapshots({ database });
        return [region, regionStatus(copies, deployment, now)] as const;
      }),
    ),
  );
}

const formatAge = (hours: number | null) => (hours === null ? 'none' : `${hours.toFixed(1)} h`);

export function printStatus(context: CommandContext, statuses: readonly DatabaseStatus[]): void {
  const regions = regionsOf(context);
  const vaultRegions = statuses.some((status) => status.vault !== undefined)
    ? (context.config.vault?.regions.map(({ region }) => region) ?? [])
    : [];
  context.output.say(
    formatTable(
      [
        'database',
        'kind',
        'engine',
        ...regions.map((region) => `${region} (kept, newest)`),
        ...vaultRegions.map((region) => `vault ${region}`),
        'last drill',
      ],
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
        ...vaultRegions.map((region) => {
          const copies = status.vault?.[region];
          return copies === undefined ? '-' : `${copies.snapshots}, ${formatAge(copies.newestAgeHours)}`;
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
