import type { WorkflowEvent } from '../../workflow-runner/local-runner.ts';
import { reportFailedExecution, runDeployedWorkflow } from '../deployed-workflow.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { executionName, regionsOf, withLocalEnvironment } from '../local-environment.ts';
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

function drillRequest(context: CommandContext) {
  const { flags } = context;
  const [databaseId, ...others] = flags.db;
  if (others.length > 0) throw new UsageError('--db: one database per drill');
  if (flags.snapshot !== undefined && databaseId === undefined) {
    throw new UsageError('--snapshot needs --db: the database the snapshot belongs to');
  }
  if (flags.region !== undefined && !regionsOf(context).includes(flags.region)) {
    throw new UsageError(
      `--region ${flags.region}: not a region the tool writes to (${regionsOf(context).join(', ')})`,
    );
  }
  return {
    ...(databaseId === undefined ? { all: true } : { databaseId }),
    ...(flags.snapshot === undefined ? {} : { snapshotId: flags.snapshot }),
    ...(flags.region === undefined ? {} : { region: flags.region }),
  };
}

async function runAwsDrill(context: CommandContext, request: object): Promise<number> {
  const run = await runDeployedWorkflow(context, 'drill', request);
  if (run.status === 'RUNNING') return EXIT_OK;
  if (run.status !== 'SUCCEEDED') {
    if (run.error !== undefined && BAD_REQUEST_ERRORS.has(run.error))
      throw badRequest(run.error, run.cause ?? '');
    return reportFailedExecution(context.output, run);
  }
  const summary = run.output as DrillRunSummary;
  printDrillSummary(context, summary);
  context.output.result(drillsResult(summary));
  return summary.status === 'OK' ? EXIT_OK : EXIT_FAILURE;
}

export async function runDrillCommand(context: CommandContext): Promise<number> {
  const request = drillRequest(context);
  if (context.target === 'aws') return runAwsDrill(context, request);
  const onEvent = (event: WorkflowEvent) => {
    const line = describeDrillProgress(event);
    if (line !== undefined) context.output.progress(line);
  };
  return withLocalEnvironment(context, { onEvent }, async (environment) => {
    await assertProtected(environment, context, context.flags.db);
    const summary = await runLocalDrills(environment, request, executionName('drill', context.clock()));
    printDrillSummary(context, summary);
    context.output.result(drillsResult(summary));
    return summary.status === 'OK' ? EXIT_OK : EXIT_FAILURE;
  });
}
