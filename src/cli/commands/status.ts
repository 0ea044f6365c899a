import type { Config } from '../../config/schema.ts';
import { selectProtectedDatabases } from '../../domain/backup.ts';
import { type DatabaseStatus, databaseStatus } from '../../domain/status.ts';
import type { RdsPortProvider } from '../../ports/rds.ts';
import { EXIT_OK } from '../errors.ts';
import { openLocalEnvironment, regionsOf } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatTable } from '../table.ts';

export async function collectStatus(
  config: Config,
  rds: RdsPortProvider,
  now: Date,
): Promise<DatabaseStatus[]> {
  const databases = selectProtectedDatabases(
    await rds(config.sourceRegion).listDatabases(),
    config.selection,
  );
  const regions = regionsOf({ config });
  const statuses: DatabaseStatus[] = [];
  for (const database of databases) {
    const snapshotsByRegion = new Map(
      await Promise.all(
        regions.map(async (region) => [region, await rds(region).listSnapshots({ database })] as const),
      ),
    );
    statuses.push(databaseStatus(database, snapshotsByRegion, now));
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
          return regionStatus === undefined
            ? '-'
            : `${regionStatus.snapshots}, ${formatAge(regionStatus.newestAgeHours)}`;
        }),
        'never',
      ]),
    ),
  );
}

export async function runStatusCommand(context: CommandContext): Promise<number> {
  const environment = await openLocalEnvironment(context);
  try {
    const statuses = await collectStatus(context.config, environment.dependencies.rds, context.clock());
    printStatus(context, statuses);
    context.output.result({ databases: statuses });
    return EXIT_OK;
  } finally {
    await environment.close();
  }
}
