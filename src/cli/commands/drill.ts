import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { regionsOf } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { assertProtected } from '../services/backup.ts';
import {
  BAD_REQUEST_ERRORS,
  badRequest,
  type DrillRunSummary,
  describeDrillProgress,
  drillsResult,
  printDrillSummary,
  runLocalDrills,
} from '../services/drill.ts';
import { runWorkflowCommand, type WorkflowCommand } from '../workflow-command.ts';

interface DrillRequest {
  readonly all?: true;
  readonly databaseId?: string;
  readonly snapshotId?: string;
  readonly region?: string;
  readonly vault?: true;
}

function drillRequest(context: CommandContext): DrillRequest {
  const { flags } = context;
  const [databaseId, ...others] = flags.db;
  if (others.length > 0) throw new UsageError('--db: one database per drill');
  if (flags.snapshot !== undefined && databaseId === undefined) {
    throw new UsageError('--snapshot needs --db: the database the snapshot belongs to');
  }
  const vaultRegions = context.config.vault?.regions.map((vault) => vault.region);
  if (flags.vault && vaultRegions === undefined) {
    throw new UsageError('--vault: the configuration names no vault account (vault)');
  }
  const regions = flags.vault ? (vaultRegions ?? []) : regionsOf(context);
  if (flags.region !== undefined && !regions.includes(flags.region)) {
    throw new UsageError(
      `--region ${flags.region}: not a region the ${flags.vault ? 'vault keeps copies in' : 'tool writes to'} (${regions.join(', ')})`,
    );
  }
  return {
    ...(databaseId === undefined ? { all: true } : { databaseId }),
    ...(flags.snapshot === undefined ? {} : { snapshotId: flags.snapshot }),
    ...(flags.region === undefined ? {} : { region: flags.region }),
    ...(flags.vault ? { vault: true } : {}),
  };
}

/** `restorable drill`: restore drills of one protected database or of those that are due. */
const DRILL: WorkflowCommand<DrillRequest, DrillRunSummary> = {
  workflow: 'drill',
  request: drillRequest,
  print: printDrillSummary,
  result: drillsResult,
  exitCode: (summary) => (summary.status === 'OK' ? EXIT_OK : EXIT_FAILURE),
  local: {
    describeProgress: describeDrillProgress,
    run: async (environment, request, executionName) => {
      await assertProtected(environment, request.databaseId === undefined ? [] : [request.databaseId]);
      return runLocalDrills(environment, request, executionName);
    },
  },
  aws: {
    summaryOf: (output) => output as DrillRunSummary,
    badRequest: (error, cause) => (BAD_REQUEST_ERRORS.has(error) ? badRequest(error, cause) : undefined),
  },
};

export const runDrillCommand = (context: CommandContext) => runWorkflowCommand(DRILL, context);
