// A command that runs one workflow (backup, prune, drill, report, sweep) is
// one specification: its request from the flags, its summary for people, its
// --json document and exit code, and how its workflow reads on each of two
// backends behind one interface: the local cloud's workflow runner, or the
// deployed state machine in Step Functions. runWorkflowCommand holds what
// every such command does the same way on either.
import type { DeployedWorkflow } from '../adapters/aws/stack.ts';
import type { ReportStore } from '../ports/report-store.ts';
import type { WorkflowEvent } from '../workflow-runner/local-runner.ts';
import { reportFailedExecution, runDeployedWorkflow } from './deployed-workflow.ts';
import { EXIT_OK, type UsageError } from './errors.ts';
import { executionName, type LocalEnvironment, withLocalEnvironment } from './local-environment.ts';
import type { CommandContext } from './main.ts';

export interface WorkflowCommand<Request extends object, Summary> {
  /** The workflow: `workflows/<name>.asl.json`, deployed as the state machine of the stack's `<Name>StateMachineArn` output. */
  readonly workflow: DeployedWorkflow;
  /** Its input, from the flags; throws UsageError before anything runs. */
  request(context: CommandContext): Request;
  /** The summary for people, on stdout. */
  print(context: CommandContext, summary: Summary): void;
  /** The --json document; given the report store when there is one to read more from (local). */
  result(summary: Summary, reports?: ReportStore): unknown | Promise<unknown>;
  exitCode(summary: Summary): number;
  readonly local: {
    /** A progress line for a workflow event, if it deserves one. */
    describeProgress?(event: WorkflowEvent): string | undefined;
    /** A progress line as the run starts, for a workflow whose events say little. */
    readonly startingProgress?: string;
    /** Runs the workflow (after its checks: an unknown database is bad usage, before anything runs). */
    run(environment: LocalEnvironment, request: Request, executionName: string): Promise<Summary>;
  };
  readonly aws: {
    /** The execution's output as a summary (a stack deployed before some field lacks it). */
    summaryOf(output: unknown): Summary;
    /** The bad usage a failed execution stands for, when the request was at fault. */
    badRequest?(error: string, cause: string): UsageError | undefined;
  };
}

/** Where a workflow command's workflow runs: what it does with the summary is `finish`. */
type WorkflowBackend = <Request extends object, Summary>(
  command: WorkflowCommand<Request, Summary>,
  context: CommandContext,
  request: Request,
  finish: (summary: Summary, reports?: ReportStore) => Promise<number>,
) => Promise<number>;

const localBackend: WorkflowBackend = (command, context, request, finish) => {
  const { describeProgress } = command.local;
  const onEvent =
    describeProgress === undefined
      ? undefined
      : (event: WorkflowEvent) => {
          const line = describeProgress(event);
          if (line !== undefined) context.output.progress(line);
        };
  return withLocalEnvironment(context, onEvent === undefined ? {} : { onEvent }, async (environment) => {
    const name = executionName(command.workflow, context.clock());
    if (command.local.startingProgress !== undefined) context.output.progress(command.local.startingProgress);
    const summary = await command.local.run(environment, request, name);
    return finish(summary, environment.dependencies.reports);
  });
};

/** Started with --no-wait, the command is done (the ARN printed); a failed execution is reported. */
const awsBackend: WorkflowBackend = async (command, context, request, finish) => {
  const run = await runDeployedWorkflow(context, command.workflow, request);
  if (run.status === 'RUNNING') return EXIT_OK;
  if (run.status !== 'SUCCEEDED') {
    const usage = run.error === undefined ? undefined : command.aws.badRequest?.(run.error, run.cause ?? '');
    if (usage !== undefined) throw usage;
    return reportFailedExecution(context.output, run);
  }
  return finish(command.aws.summaryOf(run.output));
};

const BACKENDS: Readonly<Record<CommandContext['target'], WorkflowBackend>> = {
  local: localBackend,
  aws: awsBackend,
};

/** Runs a workflow command on the context's target: request, run, summary, --json document, exit code. */
export function runWorkflowCommand<Request extends object, Summary>(
  command: WorkflowCommand<Request, Summary>,
  context: CommandContext,
): Promise<number> {
  const request = command.request(context);
  return BACKENDS[context.target](command, context, request, async (summary, reports) => {
    command.print(context, summary);
    context.output.result(await command.result(summary, reports));
    return command.exitCode(summary);
  });
}
