// Runs the deployed workflow definitions (`workflows/*.asl.json`) on this
// machine with the aws-local-stepfunctions interpreter. Each Lambda Task calls
// the same middy handler as the deployed function, in-process, with the local
// cloud's dependencies; child executions (`startExecution`, `.sync` and
// `.sync:2`) run the child definition here, their `Name` honoured as Step
// Functions honours it; SNS alerts are handed to a callback. Wait states do
// not pause (the local cloud advances a snapshot one step per poll), and
// retry pauses are skipped: the retries themselves still happen. Given a
// simulated clock, Waits and retry pauses take simulated time instead.
//
// Every execution is measured against the Step Functions payload and history
// limits (see execution-limits.ts) and, unless told only to measure, fails as
// it would on AWS when it breaks one: the execution stops at the transition
// after the one that broke it, and fails with the limit's error, whatever
// its Catch blocks say.
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { createLambdaHandler } from '../runtime/lambda-handler.ts';
import type { AnyTask, TaskDependencies } from '../runtime/task.ts';
import { ALERT_TOPIC_PLACEHOLDER, tasksByPlaceholder, workflowsByPlaceholder } from '../tasks/registry.ts';
import { workflowText } from './definitions.ts';
import { type ExecutionMeasure, ExecutionMeter, type StateKind } from './execution-limits.ts';

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'local';

export const localFunctionArn = (task: AnyTask) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:restorable-${task.name}`;
export const localStateMachineArn = (workflow: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:restorable-${workflow}`;
const LOCAL_ALERT_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:restorable-alerts`;

/** The value each `${Placeholder}` of the definitions takes locally. */
export function localSubstitutions(): Record<string, string> {
  const substitutions: Record<string, string> = { [ALERT_TOPIC_PLACEHOLDER]: LOCAL_ALERT_TOPIC_ARN };
  for (const [placeholder, task] of Object.entries(tasksByPlaceholder))
    substitutions[placeholder] = localFunctionArn(task);
  for (const [placeholder, workflow] of Object.entries(workflowsByPlaceholder)) {
    substitutions[placeholder] = localStateMachineArn(workflow);
  }
  return substitutions;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9]+)\}/g;

export function placeholdersOf(definitionText: string): string[] {
  return [...new Set([...definitionText.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

export function loadDefinition(name: string, substitutions = localSubstitutions()): Definition {
  const text = workflowText(name).replace(PLACEHOLDER, (whole, placeholder: string) => {
    const value = substitutions[placeholder];
    if (value === undefined) throw new Error(`workflows/${name}.asl.json: no local binding for ${whole}`);
    return value;
  });
  return JSON.parse(text) as Definition;
}

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: string;
}

interface StateDefinition {
  readonly Type: string;
  readonly Resource?: string;
  readonly Retry?: readonly Retrier[];
  readonly Iterator?: Definition;
  readonly ItemProcessor?: Definition;
  readonly Branches?: Definition[];
}

export interface Definition {
  readonly StartAt: string;
  readonly States: Record<string, StateDefinition>;
}

/** Every state of a definition, nested Map and Parallel states included. */
export function allStates(definition: Definition): [string, StateDefinition][] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = [state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])].filter(
      (child): child is Definition => child !== undefined,
    );
    return [[name, state] as [string, StateDefinition], ...nested.flatMap(allStates)];
  });
}

type RawState = StateDefinition & Record<string, unknown>;

/**
 * The definition with each Wait state, at any depth (Map iterators, Parallel
 * branches), replaced by what `replaceWait` makes of it; a Wait it returns
 * undefined for is kept. The replacement keeps the Wait's `Next` or `End`.
 */
function withWaitsReplaced(
  definition: Definition,
  replaceWait: (name: string, wait: RawState) => Record<string, unknown> | undefined,
): Definition {
  const recurse = (inner: Definition) => withWaitsReplaced(inner, replaceWait);
  const states: Record<string, StateDefinition> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const raw = state as RawState;
    const replacement = state.Type === 'Wait' ? replaceWait(name, raw) : undefined;
    if (replacement !== undefined) {
      const { Next, End } = raw;
      states[name] = {
        ...replacement,
        ...(Next === undefined ? {} : { Next }),
        ...(End === undefined ? {} : { End }),
      } as StateDefinition;
      continue;
    }
    states[name] = {
      ...state,
      ...(state.Iterator === undefined ? {} : { Iterator: recurse(state.Iterator) }),
      ...(state.ItemProcessor === undefined ? {} : { ItemProcessor: recurse(state.ItemProcessor) }),
      ...(state.Branches === undefined ? {} : { Branches: state.Branches.map(recurse) }),
    } as StateDefinition;
  }
  return { ...definition, States: states };
}

/**
 * Wait states do not pause locally, but their paths must still resolve as on
 * AWS, where a missing `SecondsPath` fails the execution: each Wait that reads
 * its duration from the state becomes a Pass that reads that same path.
 */
export function withWaitsAsPathChecks(definition: Definition): Definition {
  return withWaitsReplaced(definition, (_name, wait) => {
    const path = wait.SecondsPath ?? wait.TimestampPath;
    return typeof path === 'string'
      ? { Type: 'Pass', Parameters: { 'duration.$': path }, ResultPath: null }
      : undefined;
  });
}

const SIMULATED_WAIT_RESOURCE = 'arn:aws:states:::local:simulated-wait';

/**
 * On a simulated clock each Wait becomes a Task that sleeps on that clock for
 * the Wait's duration, read from the same path (or its literal `Seconds`).
 */
export function withWaitsOnSimulatedClock(definition: Definition): Definition {
  return withWaitsReplaced(definition, (name, wait) => {
    if (typeof wait.SecondsPath !== 'string' && typeof wait.Seconds !== 'number') {
      throw new Error(`Wait ${name}: only Seconds and SecondsPath run on a simulated clock`);
    }
    return {
      Type: 'Task',
      Resource: SIMULATED_WAIT_RESOURCE,
      Parameters:
        typeof wait.SecondsPath === 'string' ? { 'seconds.$': wait.SecondsPath } : { seconds: wait.Seconds },
      ResultPath: null,
    };
  });
}

/** A clock the workflows wait on without pausing: the benchmark's model of time. */
export interface SimulatedClock {
  /** Resolves once the clock has advanced by `seconds`. */
  sleep(seconds: number): Promise<void>;
}

/**
 * The pause before retry `attempt` (1 for the first retry), as Step Functions
 * computes it: IntervalSeconds (default 1) × BackoffRate (default 2) to the
 * power attempt − 1, at most MaxDelaySeconds. FULL jitter draws the pause
 * between 0 and that; a benchmark takes its mean, half of it.
 */
export function retryPauseSeconds(retrier: Retrier, attempt: number): number {
  const base = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** (attempt - 1);
  const capped = Math.min(base, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
  return retrier.JitterStrategy === 'FULL' ? capped / 2 : capped;
}

function matchingRetrier(retriers: readonly Retrier[], errorName: string): Retrier | undefined {
  return retriers.find(
    (retrier) => retrier.ErrorEquals.includes(errorName) || retrier.ErrorEquals.includes('States.ALL'),
  );
}

export type WorkflowEvent =
  | { readonly type: 'task'; readonly workflow: string; readonly state: string; readonly input: unknown }
  | { readonly type: 'step'; readonly workflow: string; readonly state: string; readonly output: unknown }
  | { readonly type: 'failed'; readonly workflow: string; readonly state: string; readonly error: string }
  | { readonly type: 'retry'; readonly workflow: string; readonly state: string; readonly attempt: number };

export interface LocalRunnerOptions {
  readonly dependencies: Omit<TaskDependencies, 'logger'>;
  /** Receives each SNS alert the workflows publish. */
  readonly onAlert?: (alert: { topicArn: string; subject: string; message: string }) => void | Promise<void>;
  readonly onEvent?: (event: WorkflowEvent) => void;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * `enforce` (the default) fails an execution that breaks a Step Functions
   * limit, as AWS does; `measure` only reports it, so that a benchmark can
   * print how far past a limit a workflow goes.
   */
  readonly limits?: 'enforce' | 'measure';
  /** Receives the measure of every execution, child executions included, when it ends. */
  readonly onExecutionMeasured?: (measure: ExecutionMeasure) => void;
  /** Waits and retry pauses take this clock's time; without it they take none. */
  readonly simulatedClock?: SimulatedClock;
  /** Definitions run instead of `workflows/<name>.asl.json`, by workflow name. */
  readonly definitions?: Readonly<Record<string, Definition>>;
  /**
   * Stops every execution in progress (child executions too), as StopExecution
   * would: no further state starts, and run() throws the signal's reason. A
   * Task already running is not cut short; the caller cleans up after it.
   */
  readonly interruption?: AbortSignal;
}

/**
 * An execution that ended in failure, with the error name and cause Step
 * Functions would report for it (DescribeExecution's `error` and `cause`).
 */
export class WorkflowExecutionFailedError extends Error {
  readonly error: string;
  readonly executionCause: string;

  constructor(workflow: string, error: string, cause: string) {
    super(`${workflow} failed: ${error}: ${readableCause(cause)}`);
    this.name = 'WorkflowExecutionFailedError';
    this.error = error;
    this.executionCause = cause;
  }
}

/**
 * The cause as a person reads it: a Lambda error's cause is the JSON of the
 * error (`{"errorType":…,"errorMessage":…}`), of which the message says it
 * all; a failed child execution's is its DescribeExecution, whose own error
 * and cause say what failed.
 */
function readableCause(cause: string): string {
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
    }
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'Error' in parsed &&
      typeof parsed.Error === 'string'
    ) {
      const childCause = 'Cause' in parsed && typeof parsed.Cause === 'string' ? parsed.Cause : '';
      return `${parsed.Error}: ${readableCause(childCause)}`;
    }
  } catch {
    // Not JSON: the cause is already text.
  }
  return cause;
}

/**
 * The error a failed child execution raises in its parent, as Step Functions
 * does: `States.TaskFailed`, with the child's DescribeExecution (its status,
 * error and cause) as the cause, so the parent can tell what failed.
 */
class ChildExecutionFailedError extends Error {
  constructor(executionArn: string, failure: WorkflowExecutionFailedError) {
    super(
      JSON.stringify({
        ExecutionArn: executionArn,
        Status: 'FAILED',
        Error: failure.error,
        Cause: failure.executionCause,
      }),
    );
    this.name = 'States.TaskFailed';
  }
}

type JsonValue = Parameters<StateMachine['run']>[0];

/**
 * StartExecution's refusal of a name already taken, as the Step Functions
 * integration raises it in the parent (`StepFunctions.<exception>`).
 */
export class ExecutionAlreadyExistsError extends Error {
  constructor(executionArn: string, why: string) {
    super(`Execution Already Exists: '${executionArn}': ${why}`);
    this.name = 'StepFunctions.ExecutionAlreadyExistsException';
  }
}

/** An execution this runner started, by ARN: what a second start under its name is answered with. */
interface StartedExecution {
  readonly input: string;
  readonly startDate: string;
  open: boolean;
  readonly result: Promise<unknown>;
}

const START_EXECUTION = 'arn:aws:states:::states:startExecution';
const START_EXECUTION_RESOURCES = new Set([
  START_EXECUTION,
  `${START_EXECUTION}.sync`,
  `${START_EXECUTION}.sync:2`,
]);

const TASK_BY_ARN = new Map(Object.values(tasksByPlaceholder).map((task) => [localFunctionArn(task), task]));

/** What each state of a definition records in the history, by name (names are unique in a state machine). */
function stateKinds(definition: Definition): Map<string, StateKind> {
  const kinds = new Map<string, StateKind>();
  for (const [name, state] of allStates(definition)) {
    let kind: StateKind = 'other';
    if (state.Type === 'Map') kind = 'map';
    else if (state.Type === 'Parallel') kind = 'parallel';
    else if (state.Type === 'Fail') kind = 'fail';
    else if (state.Type === 'Task') {
      const resource = state.Resource ?? '';
      if (TASK_BY_ARN.has(resource)) kind = 'lambda';
      // A `.sync` start also records TaskSubmitted; the plain one is any service's request and response.
      else if (START_EXECUTION_RESOURCES.has(resource) && resource !== START_EXECUTION)
        kind = 'child-execution';
      else kind = 'service';
    }
    kinds.set(name, kind);
  }
  return kinds;
}

function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

function fakeLambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 300_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

type JsonHandler = (input: JsonValue) => Promise<JsonValue>;

interface LoadedWorkflow {
  readonly machine: StateMachine;
  readonly definition: Definition;
  readonly kinds: Map<string, StateKind>;
}

/**
 * The repository's workflows, loaded and validated once per process and
 * shared by every runner (by workflow name and clock mode): building a
 * StateMachine validates its definition against the ASL schema, which costs
 * about 100 ms a workflow, and a process (a test file, the demo) starts many
 * runners. A machine holds no execution state, so sharing it is safe.
 */
const repositoryWorkflows = new Map<string, LoadedWorkflow>();

export class LocalWorkflowRunner {
  readonly #options: LocalRunnerOptions;
  readonly #machines = new Map<string, LoadedWorkflow>();
  /** Every child execution started, by ARN: names are unique per state machine, as on AWS. */
  readonly #executions = new Map<string, StartedExecution>();
  readonly #logger: Logger;

  constructor(options: LocalRunnerOptions) {
    this.#options = options;
    this.#logger = new Logger({ serviceName: 'restorable', logLevel: options.logLevel ?? 'SILENT' });
  }

  /** Runs a workflow to its end and returns its output; throws when the execution fails. */
  async run(
    workflow: string,
    input: unknown,
    executionName = `${workflow}-${randomUUID()}`,
  ): Promise<unknown> {
    const { machine, definition, kinds } = this.#machine(workflow);
    const enforce = (this.#options.limits ?? 'enforce') === 'enforce';
    let abort = () => {};
    let aborted = false;
    const meter = new ExecutionMeter(
      workflow,
      executionName,
      (state) => kinds.get(state) ?? 'other',
      () => {
        if (enforce && !aborted) {
          aborted = true;
          abort();
        }
      },
    );
    const execution = machine.run(toJson(input), {
      overrides: {
        taskResourceLocalHandlers: this.#taskHandlers(definition, meter),
        waitTimeOverrides: Object.fromEntries(
          allStates(definition)
            .filter(([, state]) => state.Type === 'Wait')
            .map(([name]) => [name, 0]),
        ),
        retryIntervalOverrides: Object.fromEntries(
          allStates(definition)
            .filter(([, state]) => state.Type === 'Task' || state.Type === 'Parallel' || state.Type === 'Map')
            .map(([name]) => [name, 0]),
        ),
      },
      context: {
        Execution: {
          Id: `${localStateMachineArn(workflow).replace(':stateMachine:', ':execution:')}:${executionName}`,
          Name: executionName,
        },
      },
    });
    abort = execution.abort;
    const { interruption } = this.#options;
    const stop = () => {
      aborted = true;
      execution.abort();
    };
    if (interruption?.aborted === true) stop();
    else interruption?.addEventListener('abort', stop, { once: true });
    const following = this.#follow(workflow, execution.eventLogs, meter);
    let output: unknown;
    let failure: unknown;
    try {
      output = await execution.result;
    } catch (error) {
      failure = error;
    } finally {
      interruption?.removeEventListener('abort', stop);
    }
    await following;
    if (interruption?.aborted === true) throw interruption.reason;
    this.#options.onExecutionMeasured?.(meter.measure());
    const violation = enforce ? meter.violation : undefined;
    if (violation !== undefined)
      throw new WorkflowExecutionFailedError(workflow, violation.error, violation.cause);
    if (failure === undefined) return output;
    const cause = failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure;
    if (cause instanceof Error) throw new WorkflowExecutionFailedError(workflow, cause.name, cause.message);
    throw failure;
  }

  async #follow(
    workflow: string,
    events: ReturnType<StateMachine['run']>['eventLogs'],
    meter: ExecutionMeter,
  ): Promise<void> {
    const onEvent = this.#options.onEvent;
    for await (const event of events) {
      meter.record(event);
      if (onEvent === undefined) continue;
      if (event.type === 'StateEntered' && event.state.type === 'Task') {
        onEvent({ type: 'task', workflow, state: event.state.name, input: event.state.input });
      } else if (event.type === 'StateExited' && event.state.type === 'Task') {
        onEvent({ type: 'step', workflow, state: event.state.name, output: event.state.output });
      } else if (event.type === 'StateFailed') {
        onEvent({ type: 'failed', workflow, state: event.state.name, error: event.Error });
      } else if (event.type === 'StateRetried') {
        onEvent({ type: 'retry', workflow, state: event.state.name, attempt: event.retry.attempt });
      }
    }
  }

  #machine(workflow: string): LoadedWorkflow {
    const own = this.#options.definitions?.[workflow];
    const simulated = this.#options.simulatedClock !== undefined;
    const machines = own === undefined ? repositoryWorkflows : this.#machines;
    const key = `${workflow}:${simulated ? 'simulated' : 'real'}`;
    let entry = machines.get(key);
    if (entry === undefined) {
      const original = own ?? loadDefinition(workflow);
      const definition = simulated ? withWaitsOnSimulatedClock(original) : withWaitsAsPathChecks(original);
      entry = {
        machine: new StateMachine(definition as never, { validationOptions: { checkArn: false } }),
        definition,
        kinds: stateKinds(original),
      };
      machines.set(key, entry);
    }
    return entry;
  }

  #taskHandlers(definition: Definition, meter: ExecutionMeter): Record<string, JsonHandler> {
    const substitutions = localSubstitutions();
    const workflowByArn = new Map(
      Object.values(workflowsByPlaceholder).map((name) => [localStateMachineArn(name), name]),
    );
    const handlers: Record<string, JsonHandler> = {};
    for (const [stateName, state] of allStates(definition)) {
      if (state.Type !== 'Task') continue;
      const resource = state.Resource ?? '';
      const task = TASK_BY_ARN.get(resource);
      let handler: JsonHandler;
      if (task !== undefined) {
        handler = this.#withRetryPauses(this.#lambdaInvoker(task), state.Retry ?? []);
      } else if (START_EXECUTION_RESOURCES.has(resource)) {
        const mode = resource === START_EXECUTION ? 'async' : resource.endsWith(':2') ? 'sync:2' : 'sync';
        handler = (input) => this.#startChildExecution(input, workflowByArn, mode);
      } else if (resource === 'arn:aws:states:::sns:publish') {
        handler = (input) => this.#publishAlert(input, substitutions[ALERT_TOPIC_PLACEHOLDER] ?? '');
      } else if (resource === SIMULATED_WAIT_RESOURCE) {
        const clock = this.#options.simulatedClock;
        handlers[stateName] = async (input) => {
          await clock?.sleep(Number((input as { seconds?: unknown }).seconds));
          return {};
        };
        continue;
      } else {
        throw new Error(`state ${stateName}: no local implementation of resource ${resource}`);
      }
      handlers[stateName] = async (input) => {
        meter.measurePayload(`TaskScheduled ${stateName}`, input);
        const result = await handler(input);
        meter.measurePayload(`TaskSucceeded ${stateName}`, result);
        return result;
      };
    }
    return handlers;
  }

  /**
   * On a simulated clock, a failed attempt that a retrier will retry takes
   * that retrier's pause before it fails (the interpreter's own pause is
   * overridden to none, and cannot grow with BackoffRate). Attempts are
   * counted per input, which tells apart the concurrent iterations of a Map.
   */
  #withRetryPauses(handler: JsonHandler, retriers: readonly Retrier[]): JsonHandler {
    const clock = this.#options.simulatedClock;
    if (clock === undefined || retriers.length === 0) return handler;
    const failedAttempts = new Map<string, Map<Retrier, number>>();
    return async (input) => {
      const key = JSON.stringify(input);
      try {
        const result = await handler(input);
        failedAttempts.delete(key);
        return result;
      } catch (error) {
        const retrier = matchingRetrier(retriers, error instanceof Error ? error.name : '');
        if (retrier !== undefined) {
          const counts = failedAttempts.get(key) ?? new Map<Retrier, number>();
          const attempt = (counts.get(retrier) ?? 0) + 1;
          counts.set(retrier, attempt);
          failedAttempts.set(key, counts);
          if (attempt <= (retrier.MaxAttempts ?? 3)) await clock.sleep(retryPauseSeconds(retrier, attempt));
          else failedAttempts.delete(key);
        }
        throw error;
      }
    };
  }

  #lambdaInvoker(task: AnyTask): JsonHandler {
    const handler = createLambdaHandler(task, async () => this.#options.dependencies, this.#logger);
    return async (input) => {
      try {
        // Payloads cross a JSON boundary on AWS; keep that true here.
        return toJson(await handler(toJson(input), fakeLambdaContext(`restorable-${task.name}`)));
      } catch (error) {
        // Lambda reports an error's name as its type and a JSON cause, as here.
        const failure = error instanceof Error ? error : new Error(String(error));
        const reported = new Error(
          JSON.stringify({ errorType: failure.name, errorMessage: failure.message }),
        );
        reported.name = failure.name;
        throw reported;
      }
    };
  }

  /**
   * StartExecution as Step Functions answers it: a new name starts an
   * execution; a name in use by an open execution of the state machine with
   * the same input is that execution (a retried start is idempotent), with
   * any other input, or by a closed execution whatever its input,
   * ExecutionAlreadyExists. Without a `Name` each start is a new execution.
   * `.sync` waits for the child (its output as text, `.sync:2` as JSON);
   * the plain integration returns once it has started.
   */
  async #startChildExecution(
    input: JsonValue,
    workflowByArn: Map<string, string>,
    mode: 'async' | 'sync' | 'sync:2',
  ): Promise<JsonValue> {
    const request = input as { StateMachineArn?: string; Input?: unknown; Name?: unknown };
    const workflow = workflowByArn.get(request.StateMachineArn ?? '');
    if (workflow === undefined) throw new Error(`unknown state machine ${String(request.StateMachineArn)}`);
    const executionName = typeof request.Name === 'string' ? request.Name : randomUUID();
    const executionArn = `${localStateMachineArn(workflow).replace(':stateMachine:', ':execution:')}:${executionName}`;
    const childInput = toJson(request.Input ?? {});
    const inputText = JSON.stringify(childInput);
    let execution = this.#executions.get(executionArn);
    if (execution !== undefined && !execution.open) {
      throw new ExecutionAlreadyExistsError(executionArn, 'an execution of that name has closed');
    }
    if (execution !== undefined && execution.input !== inputText) {
      throw new ExecutionAlreadyExistsError(executionArn, 'an open execution of that name has another input');
    }
    if (execution === undefined) {
      const result = this.run(workflow, childInput, executionName);
      const started: StartedExecution = {
        input: inputText,
        startDate: new Date().toISOString(),
        open: true,
        result,
      };
      execution = started;
      this.#executions.set(executionArn, started);
      // Closed once it ends, however it ends; a failure is the caller's to see.
      result.then(
        () => {
          started.open = false;
        },
        () => {
          started.open = false;
        },
      );
    }
    if (mode === 'async') return { ExecutionArn: executionArn, StartDate: execution.startDate };
    try {
      const output = (await execution.result) as JsonValue;
      return {
        ExecutionArn: executionArn,
        Name: executionName,
        Status: 'SUCCEEDED',
        Output: mode === 'sync' ? JSON.stringify(output) : output,
      };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionFailedError)) throw error;
      throw new ChildExecutionFailedError(executionArn, error);
    }
  }

  async #publishAlert(input: JsonValue, topicArn: string): Promise<JsonValue> {
    const message = input as { TopicArn?: string; Subject?: string; Message?: string };
    await this.#options.onAlert?.({
      topicArn: message.TopicArn ?? topicArn,
      subject: message.Subject ?? '',
      message: message.Message ?? '',
    });
    return { MessageId: randomUUID() };
  }
}
