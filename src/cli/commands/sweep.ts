import { reportFailedExecution, runDeployedWorkflow } from '../deployed-workflow.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors.ts';
import { executionName, withLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';

interface SweepResult {
  readonly deleted: { region: string; id: string; reason: string }[];
  readonly notYet: { region: string; id: string; error: string }[];
  readonly remaining: number;
}

function printSweep(context: CommandContext, result: SweepResult): void {
  for (const sandbox of result.deleted)
    context.output.say(`deleted sandbox ${sandbox.region}/${sandbox.id}: ${sandbox.reason}`);
  for (const sandbox of result.notYet)
    context.output.say(`could not delete ${sandbox.region}/${sandbox.id} yet: ${sandbox.error}`);
  context.output.say(
    `swept ${result.deleted.length} sandboxes; ${result.remaining} within their time to live remain`,
  );
  context.output.result({ deleted: result.deleted, notYet: result.notYet, remaining: result.remaining });
}

/** Runs the sweeper workflow now: removes sandboxes past their time to live, and failed ones. */
export async function runSweepCommand(context: CommandContext): Promise<number> {
  if (context.target === 'aws') {
    const run = await runDeployedWorkflow(context, 'sweeper', {});
    if (run.status === 'RUNNING') return EXIT_OK;
    if (run.status !== 'SUCCEEDED') return reportFailedExecution(context.output, run);
    const result = run.output as SweepResult;
    printSweep(context, result);
    return result.notYet.length === 0 ? EXIT_OK : EXIT_FAILURE;
  }
  return withLocalEnvironment(context, {}, async (environment) => {
    const result = (await environment.runner.run(
      'sweeper',
      {},
      executionName('sweeper', context.clock()),
    )) as SweepResult;
    printSweep(context, result);
    return result.notYet.length === 0 ? EXIT_OK : EXIT_FAILURE;
  });
}
