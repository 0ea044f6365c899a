import { reportFailedExecution, runDeployedWorkflow } from '../deployed-workflow.ts';
import { EXIT_OK } from '../errors.ts';
import { executionName, withLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';

import {
  type PruneRunResult,
  printPruneSummary,
  pruneExitCode,
  pruneResult,
  runLocalPrune,
} from '../services/prune.ts';

async function runAwsPrune(context: CommandContext): Promise<number> {
  const run = await runDeployedWorkflow(context, 'prune', { dryRun: context.flags['dry-run'] });
  if (run.status === 'RUNNING') return EXIT_OK;
  if (run.status !== 'SUCCEEDED') return reportFailedExecution(context.output, run);
  // A stack deployed before the quota forecast, or before stopped runs were
  // completed, returns no such fields: each is then empty, never missing
  // from the --json contract.
  const output = run.output as Omit<PruneRunResult, 'snapshotQuotas' | 'completed' | 'completedTotal'> &
    Partial<PruneRunResult>;
  const result: PruneRunResult = {
    ...output,
    snapshotQuotas: output.snapshotQuotas ?? [],
    completed: output.completed ?? [],
    completedTotal: output.completedTotal ?? 0,
  };
  printPruneSummary(context, result);
  context.output.result(pruneResult(result));
  return pruneExitCode(result);
}

export async function runPruneCommand(context: CommandContext): Promise<number> {
  if (context.target === 'aws') return runAwsPrune(context);
  return withLocalEnvironment(context, {}, async (environment) => {
    const run = await runLocalPrune(
      environment,
      context.flags['dry-run'],
      executionName('prune', context.clock()),
    );
    printPruneSummary(context, run);
    context.output.result(pruneResult(run));
    return pruneExitCode(run);
  });
}
