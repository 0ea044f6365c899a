import { EXIT_FAILURE, EXIT_OK } from '../errors.ts';
import type { CommandContext } from '../main.ts';
import { runWorkflowCommand, type WorkflowCommand } from '../workflow-command.ts';

interface SweepResult {
  readonly deleted: { region: string; id: string; reason: string }[];
  readonly notYet: { region: string; id: string; error: string }[];
  readonly remaining: number;
}

/** `restorable sweep`: the sweeper workflow now, removing sandboxes past their time to live, and failed ones. */
const SWEEP: WorkflowCommand<Record<string, never>, SweepResult> = {
  workflow: 'sweeper',
  request: () => ({}),
  print: (context, result) => {
    for (const sandbox of result.deleted)
      context.output.say(`deleted sandbox ${sandbox.region}/${sandbox.id}: ${sandbox.reason}`);
    for (const sandbox of result.notYet)
      context.output.say(`could not delete ${sandbox.region}/${sandbox.id} yet: ${sandbox.error}`);
    context.output.say(
      `swept ${result.deleted.length} sandboxes; ${result.remaining} within their time to live remain`,
    );
  },
  result: ({ deleted, notYet, remaining }) => ({ deleted, notYet, remaining }),
  exitCode: (result) => (result.notYet.length === 0 ? EXIT_OK : EXIT_FAILURE),
  local: {
    run: async (environment, request, executionName) =>
      (await environment.runner.run('sweeper', request, executionName)) as SweepResult,
  },
  aws: { summaryOf: (output) => output as SweepResult },
};

export const runSweepCommand = (context: CommandContext) => runWorkflowCommand(SWEEP, context);
