// Runs the deployed workflow definitions (`workflows/*.asl.json`) on this
// machine with the aws-local-stepfunctions interpreter. Each Lambda Task calls
// the same middy handler as the deployed function, in-process, with the local
// cloud's dependencies; child executions (`startExecution.sync:2`) run the
// child definition here; SNS alerts are handed to a callback. Wait states do
// not pause (the local cloud advances a snapshot one step per poll), and
// retry pauses are skipped: the retries themselves still happen.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { createLambdaHandler } from '../runtime/lambda-handler.ts';
import type { AnyTask, TaskDependencies } from '../runtime/task.ts';
import { ALERT_TOPIC_PLACEHOLDER, tasksByPlaceholder, workflowsByPlaceholder } from '../tasks/registry.ts';

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'local';

export function workflowPath(name: string): string {
  return new URL(`../../workflows/${name}.asl.json`, import.meta.url).pathname;
}

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
  const text = readFileSync(workflowPath(name), 'utf8').replace(PLACEHOLDER, (whole, placeholder: string) => {
    const value = substitutions[placeholder];
    if (value === undefined) throw new Error(`workflows/${name}.asl.json: no local binding for ${whole}`);
    return value;
  });
  return JSON.parse(text) as Definition;
}

interface StateDefinition {
  readonly Type: string;
  readonly Resource?: string;
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

/**
 * Wait states do not pause locally, but their paths must still resolve as on
 * AWS, where a missing `SecondsPath` fails the execution: each Wait that reads
 * its duration from the state becomes a Pass that reads that same path.
 */
export function withWaitsAsPathChecks(definition: Definition): Definition {
  const states: Record<string, StateDefinition> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const raw = state as StateDefinition & Record<string, unknown>;
    const nested = {
      ...(state.Iterator === undefined ? {} : { Iterator: withWaitsAsPathChecks(state.Iterator) }),
      ...(state.ItemProcessor === undefined
        ? {}
        : { ItemProcessor: withWaitsAsPathChecks(state.ItemProcessor) }),
      ...(state.Branches === undefined ? {} : { Branches: state.Branches.map(withWaitsAsPathChecks) }),
    };
    const path = raw.SecondsPath ?? raw.TimestampPath;
    if (state.Type === 'Wait' && typeof path === 'string') {
      const { Next, End } = raw;
      states[name] = {
        Type: 'Pass',
        Parameters: { 'duration.$': path },
        ResultPath: null,
        ...(Next === undefined ? {} : { Next }),
        ...(End === undefined ? {} : { End }),
      } as StateDefinition;
    } else {
      states[name] = { ...state, ...nested } as StateDefinition;
    }
  }
  return { ...definition, States: states };
}

export type WorkflowEvent =
  | { readonly type: 'task'; readonly workflow: string; readonly state: string; readonly input: unknown }
  | { readonly type: 'failed'; readonly workflow: string; readonly state: string; readonly error: string }
  | { readonly type: 'retry'; readonly workflow: string; readonly state: string; readonly attempt: number };

export interface LocalRunnerOptions {
  readonly dependencies: Omit<TaskDependencies, 'logger'>;
  /** Receives each SNS alert the workflows publish. */
  readonly onAlert?: (alert: { topicArn: string; subject: string; message: string }) => void | Promise<void>;
  readonly onEvent?: (event: WorkflowEvent) => void;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
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

export class LocalWorkflowRunner {
  readonly #options: LocalRunnerOptions;
  readonly #machines = new Map<string, { machine: StateMachine; definition: Definition }>();
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
    const { machine, definition } = this.#machine(workflow);
    const execution = machine.run(toJson(input), {
      overrides: {
        taskResourceLocalHandlers: this.#taskHandlers(definition),
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
    const following = this.#follow(workflow, execution.eventLogs);
    try {
      return await execution.result;
    } catch (error) {
      const failure = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      if (failure instanceof Error)
        throw new WorkflowExecutionFailedError(workflow, failure.name, failure.message);
      throw error;
    } finally {
      await following;
    }
  }

  async #follow(workflow: string, events: ReturnType<StateMachine['run']>['eventLogs']): Promise<void> {
    const onEvent = this.#options.onEvent;
    for await (const event of events) {
      if (onEvent === undefined) continue;
      if (event.type === 'StateEntered' && event.state.type === 'Task') {
        onEvent({ type: 'task', workflow, state: event.state.name, input: event.state.input });
      } else if (event.type === 'StateFailed') {
        onEvent({ type: 'failed', workflow, state: event.state.name, error: event.Error });
      } else if (event.type === 'StateRetried') {
        onEvent({ type: 'retry', workflow, state: event.state.name, attempt: event.retry.attempt });
      }
    }
  }

  #machine(workflow: string) {
    let entry = this.#machines.get(workflow);
    if (entry === undefined) {
      const definition = withWaitsAsPathChecks(loadDefinition(workflow));
      entry = {
        machine: new StateMachine(definition as never, { validationOptions: { checkArn: false } }),
        definition,
      };
      this.#machines.set(workflow, entry);
    }
    return entry;
  }

  #taskHandlers(definition: Definition): Record<string, (input: JsonValue) => Promise<JsonValue>> {
    const substitutions = localSubstitutions();
    const taskByArn = new Map(
      Object.entries(tasksByPlaceholder).map(([, task]) => [localFunctionArn(task), task]),
    );
    const workflowByArn = new Map(
      Object.values(workflowsByPlaceholder).map((name) => [localStateMachineArn(name), name]),
    );
    const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, state] of allStates(definition)) {
      if (state.Type !== 'Task') continue;
      const resource = state.Resource ?? '';
      const task = taskByArn.get(resource);
      if (task !== undefined) {
        handlers[stateName] = this.#lambdaInvoker(task);
      } else if (resource === 'arn:aws:states:::states:startExecution.sync:2') {
        handlers[stateName] = (input) => this.#startChildExecution(input, workflowByArn);
      } else if (resource === 'arn:aws:states:::sns:publish') {
        handlers[stateName] = (input) =>
          this.#publishAlert(input, substitutions[ALERT_TOPIC_PLACEHOLDER] ?? '');
      } else {
        throw new Error(`state ${stateName}: no local implementation of resource ${resource}`);
      }
    }
    return handlers;
  }

  #lambdaInvoker(task: AnyTask): (input: JsonValue) => Promise<JsonValue> {
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

  async #startChildExecution(input: JsonValue, workflowByArn: Map<string, string>): Promise<JsonValue> {
    const request = input as { StateMachineArn?: string; Input?: unknown };
    const workflow = workflowByArn.get(request.StateMachineArn ?? '');
    if (workflow === undefined) throw new Error(`unknown state machine ${String(request.StateMachineArn)}`);
    const executionName = randomUUID();
    try {
      const output = await this.run(workflow, request.Input ?? {}, executionName);
      return { Status: 'SUCCEEDED', Output: output as JsonValue, Name: executionName };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionFailedError)) throw error;
      const executionArn = `${localStateMachineArn(workflow).replace(':stateMachine:', ':execution:')}:${executionName}`;
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
