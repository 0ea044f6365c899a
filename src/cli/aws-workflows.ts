// Runs a deployed workflow in AWS Step Functions for `--target aws`: finds the
// state machine `restorable-<stage>-<workflow>`, starts an execution and, when
// asked to wait, follows it to its end with one readable progress line per
// interesting history event (never inputs or outputs: they may be large).
import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { CommandContext } from './main.ts';

export type AwsExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface AwsRunResult {
  readonly executionArn: string;
  readonly status: AwsExecutionStatus;
  /** The execution's output, parsed as JSON (the raw text if it is not JSON). */
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export interface AwsRunOptions {
  readonly client: SFNClient;
  /** Serverless stage of the deployed stack: state machines are named restorable-<stage>-<workflow>. */
  readonly stage: string;
  /** Follow the execution to its end; otherwise return as soon as it has started. */
  readonly wait: boolean;
  /** Receives one human-readable line per progress event, and warnings. */
  readonly onProgress?: (line: string) => void;
  /** Time between two polls while following (default 2 s). */
  readonly pollIntervalMs?: number;
  /** How to wait between polls (tests inject one that resolves at once). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Name of the execution (unique per state machine for 90 days); Step Functions picks one if omitted. */
  readonly executionName?: string;
  /** Give up following after this long (default 6 hours); the execution itself keeps running. */
  readonly maxWaitMs?: number;
  /** Clock in milliseconds for maxWaitMs (default Date.now; tests inject one). */
  readonly now?: () => number;
}

const DEFAULT_POLL_INTERVAL_MS = 2_000;
const DEFAULT_MAX_WAIT_MS = 6 * 60 * 60 * 1_000;
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** No state machine of that name in the account and region: the stack is not deployed, or the config points elsewhere. */
export class StateMachineNotFoundError extends Error {
  readonly stateMachineName: string;
  readonly region: string;
  readonly stage: string | undefined;

  constructor(stateMachineName: string, region: string, stage?: string) {
    super(
      `state machine ${stateMachineName} not found in region ${region}` +
        `${stage === undefined ? '' : ` (stage ${stage})`}. ` +
        'Deploy the stack first (npm run package, then serverless deploy with the same stage and region), ' +
        'or set aws.stage and aws.region in the configuration to those of the deployed stack.',
    );
    this.name = 'StateMachineNotFoundError';
    this.stateMachineName = stateMachineName;
    this.region = region;
    this.stage = stage;
  }
}

/** Gave up following an execution after maxWaitMs; the execution was left running. */
export class AwsWorkflowWaitTimeoutError extends Error {
  readonly executionArn: string;

  constructor(executionArn: string, maxWaitMs: number) {
    super(
      `stopped following ${executionArn} after ${formatDuration(maxWaitMs)}; the execution is still running. ` +
        'Follow it in the Step Functions console, or with: ' +
        `aws stepfunctions describe-execution --execution-arn ${executionArn}`,
    );
    this.name = 'AwsWorkflowWaitTimeoutError';
    this.executionArn = executionArn;
  }
}

const clients = new Map<string, SFNClient>();

/** The one Step Functions client of a region, shared by every command of the process. */
export function awsSfnClient(region: string): SFNClient {
  let client = clients.get(region);
  if (client === undefined) {
    client = new SFNClient({ region, maxAttempts: 5 });
    clients.set(region, client);
  }
  return client;
}

/** ARN of the state machine with exactly this name, looking through every page of ListStateMachines. */
export async function findStateMachineArn(client: SFNClient, name: string, stage?: string): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ maxResults: 1000, nextToken }));
    const found = page.stateMachines?.find((stateMachine) => stateMachine.name === name);
    if (found?.stateMachineArn !== undefined) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken !== undefined && nextToken !== '');
  throw new StateMachineNotFoundError(name, await regionOf(client), stage);
}

/**
 * Starts `restorable-<stage>-<workflow>` with the input; with `wait`, follows the
 * execution until it ends and returns its status, parsed output, error and cause.
 */
export async function runAwsWorkflow(
  workflow: string,
  input: unknown,
  options: AwsRunOptions,
): Promise<AwsRunResult> {
  const { client } = options;
  const stateMachineArn = await findStateMachineArn(
    client,
    `restorable-${options.stage}-${workflow}`,
    options.stage,
  );
  const started = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      input: JSON.stringify(input ?? {}),
      ...(options.executionName === undefined ? {} : { name: options.executionName }),
    }),
  );
  const executionArn = started.executionArn;
  if (executionArn === undefined) {
    throw new Error(`StartExecution of ${stateMachineArn} returned no execution ARN`);
  }
  if (!options.wait) return { executionArn, status: 'RUNNING' };
  return await followExecution(executionArn, options);
}

async function followExecution(executionArn: string, options: AwsRunOptions): Promise<AwsRunResult> {
  const { client } = options;
  const report = options.onProgress ?? (() => {});
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const history = new HistoryReporter(report);
  const startedAt = now();
  report(`started ${executionArn}`);
  for (;;) {
    try {
      const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
      // Read the history after describing, so a finished execution's last events are all there.
      await history.readNewEvents(client, executionArn);
      const status = execution.status;
      if (status !== undefined && TERMINAL_STATUSES.has(status)) {
        return {
          executionArn,
          status: status as AwsExecutionStatus,
          ...(execution.output === undefined ? {} : { output: parseOutput(execution.output) }),
          ...(execution.error === undefined ? {} : { error: execution.error }),
          ...(execution.cause === undefined ? {} : { cause: execution.cause }),
        };
      }
    } catch (error) {
      if (!isThrottling(error)) throw error;
      report('Step Functions is throttling requests; trying again at the next poll');
    }
    if (now() - startedAt >= maxWaitMs) throw new AwsWorkflowWaitTimeoutError(executionArn, maxWaitMs);
    await sleep(pollIntervalMs);
  }
}

/**
 * Turns new history events into progress lines. The whole history is read
 * again at every poll (without execution data, 1000 events a page) and events
 * already reported are skipped by id: page tokens cannot resume past the last page.
 */
class HistoryReporter {
  readonly #report: (line: string) => void;
  readonly #seen = new Set<number>();
  /** State each event belongs to: set by *StateEntered events, inherited through previousEventId. */
  readonly #stateOfEvent = new Map<number, string>();
  readonly #maps = new Map<string, { total: number | undefined; succeeded: number; failed: number }>();

  constructor(report: (line: string) => void) {
    this.#report = report;
  }

  async readNewEvents(client: SFNClient, executionArn: string): Promise<void> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 1000,
          includeExecutionData: false,
          nextToken,
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');
    // Only a complete read counts: a throttled one is read again at the next poll.
    events.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    for (const event of events) {
      if (event.id === undefined || this.#seen.has(event.id)) continue;
      this.#seen.add(event.id);
      const line = this.#describe(event);
      if (line !== undefined) this.#report(line);
    }
  }

  #describe(event: HistoryEvent): string | undefined {
    const id = event.id ?? 0;
    const entered = event.stateEnteredEventDetails?.name;
    const state =
      entered ??
      (event.previousEventId === undefined ? undefined : this.#stateOfEvent.get(event.previousEventId));
    if (state !== undefined) this.#stateOfEvent.set(id, state);
    const where = state ?? 'task';
    switch (event.type) {
      case 'TaskStateEntered':
      case 'MapStateEntered':
        return `entered ${entered ?? where}`;
      case 'MapStateStarted':
        this.#mapOf(where).total = event.mapStateStartedEventDetails?.length;
        return undefined;
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        return this.#countIteration(
          event.mapIterationSucceededEventDetails?.name ??
            event.mapIterationFailedEventDetails?.name ??
            where,
          event.type === 'MapIterationSucceeded',
        );
      case 'TaskFailed':
        return `${where}: ${event.taskFailedEventDetails?.error ?? 'failed'}`;
      case 'TaskTimedOut':
        return `${where}: ${event.taskTimedOutEventDetails?.error ?? 'States.Timeout'}`;
      case 'LambdaFunctionFailed':
        return `${where}: ${event.lambdaFunctionFailedEventDetails?.error ?? 'failed'}`;
      case 'LambdaFunctionTimedOut':
        return `${where}: ${event.lambdaFunctionTimedOutEventDetails?.error ?? 'States.Timeout'}`;
      case 'ExecutionFailed':
        return `execution: ${event.executionFailedEventDetails?.error ?? 'failed'}`;
      case 'ExecutionTimedOut':
        return `execution: ${event.executionTimedOutEventDetails?.error ?? 'States.Timeout'}`;
      case 'ExecutionAborted':
        return 'execution: aborted';
      default:
        return undefined;
    }
  }

  #mapOf(name: string) {
    let counts = this.#maps.get(name);
    if (counts === undefined) {
      counts = { total: undefined, succeeded: 0, failed: 0 };
      this.#maps.set(name, counts);
    }
    return counts;
  }

  #countIteration(name: string, succeeded: boolean): string {
    const counts = this.#mapOf(name);
    if (succeeded) counts.succeeded += 1;
    else counts.failed += 1;
    const done = counts.succeeded + counts.failed;
    return `${name}: ${done}${counts.total === undefined ? '' : `/${counts.total}`} done, ${counts.failed} failed`;
  }
}

function parseOutput(output: string): unknown {
  try {
    return JSON.parse(output);
  } catch {
    return output;
  }
}

function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const retryable = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  return error.name === 'ThrottlingException' || retryable?.throttling === true;
}

async function regionOf(client: SFNClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return '(unknown region)';
  }
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1_000} s`;
}

/**
 * Runs a deployed workflow for a CLI command: starts it, follows it with
 * progress on a terminal, and with --no-wait prints the execution ARN (as
 * people's output and as the JSON result) and returns at once.
 */
export async function runDeployedWorkflow(
  context: Pick<CommandContext, 'config' | 'flags' | 'output'>,
  workflow: string,
  input: unknown,
): Promise<AwsRunResult> {
  const { config, flags, output } = context;
  const run = await runAwsWorkflow(workflow, input, {
    client: awsSfnClient(config.aws.region ?? config.sourceRegion),
    stage: config.aws.stage,
    wait: flags.wait,
    onProgress: (line) => output.progress(line),
  });
  if (run.status === 'RUNNING') {
    output.say(`started ${run.executionArn}`);
    output.result({ executionArn: run.executionArn });
  } else if (run.status !== 'SUCCEEDED') {
    output.warn(`${workflow} execution ${run.status}: ${run.error ?? ''} ${run.cause ?? ''}`.trim());
  }
  return run;
}
