// The two Step Functions limits a workflow of a large fleet runs into, and the
// measurement of one execution against them, from the event logs of the local
// interpreter (aws-local-stepfunctions).
//
// Payload: "The maximum input or output size for a task, state, or execution
// is 256 KiB of data as a UTF-8 encoded string" (Step Functions developer
// guide, Service quotas); the API reference gives every input and output of
// the history (ExecutionStarted, StateEntered, StateExited, TaskScheduled
// parameters, TaskSucceeded output) "Length Constraints: Maximum length of
// 262144 ... bytes in UTF-8 encoding". Exceeding it fails the execution with
// States.DataLimitExceeded, which the developer guide (Error handling) calls
// a terminal error that a Catch on States.ALL does not catch. A Catch naming
// it explicitly is not modelled: the runner fails the execution regardless,
// and no workflow names it.
//
// History: "a hard quota of 25,000 entries in the execution event history ...
// If the event number 25,000 isn't ExecutionSucceeded, the ExecutionFailed
// event is logged and the state machine execution fails" (developer guide,
// Avoid reaching the history quota). The guide names no error code for it.
// A child execution (startExecution.sync:2) has its own history; the
// iterations of an inline Map are recorded in the parent's.
import type { StateMachine } from 'aws-local-stepfunctions';

export const MAX_PAYLOAD_BYTES = 262_144;
export const MAX_HISTORY_EVENTS = 25_000;

export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';
/** Not an AWS code (the guide names none): what the local runner reports. */
export const HISTORY_LIMIT_EXCEEDED = 'ExecutionHistoryLimitExceeded';

type ObservedEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

/** What Step Functions records for a Task, which depends on its resource. */
export type StateKind = 'lambda' | 'child-execution' | 'service' | 'map' | 'parallel' | 'fail' | 'other';

export interface ExecutionMeasure {
  readonly workflow: string;
  readonly executionName: string;
  /** The largest input or output of the execution, a state or a task, in UTF-8 bytes. */
  readonly largestPayloadBytes: number;
  /** Where that payload was seen, e.g. `StateExited BackUpEachDatabase`. */
  readonly largestPayloadAt: string;
  /** The events Step Functions would have written to this execution's history. */
  readonly historyEvents: number;
  /** State transitions as Step Functions bills them: every state entered, and every retry. */
  readonly stateTransitions: number;
}

export interface LimitViolation {
  readonly error: string;
  readonly cause: string;
}

export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/**
 * History events per logged event, as Step Functions writes them (event
 * types of HistoryEvent in the API reference):
 * - a Lambda Task: TaskStateEntered, LambdaFunctionScheduled and
 *   LambdaFunctionStarted when entered; LambdaFunctionSucceeded and
 *   TaskStateExited when it exits; LambdaFunctionFailed per failed attempt;
 *   a retry schedules and starts it again (2); a caught error exits it (1);
 * - another service Task: the same with TaskScheduled, TaskStarted,
 *   TaskSucceeded/TaskFailed, and TaskSubmitted too for a `.sync` child;
 * - Map and Parallel: Entered and Started, Succeeded and Exited, and one
 *   MapIterationStarted and one MapIterationSucceeded/Failed per iteration;
 * - any other state: its Entered and its Exited event (a Fail state only
 *   its FailStateEntered, followed by ExecutionFailed);
 * - the execution: ExecutionStarted and its end.
 */
export function historyEventsOf(event: ObservedEvent, kindOf: (state: string) => StateKind): number {
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return 1;
    case 'ParallelBranchStarted':
    case 'ParallelBranchSucceeded':
    case 'ParallelBranchFailed':
      return 0;
    case 'StateEntered': {
      const kind = kindOf(event.state.name);
      if (kind === 'child-execution') return 4;
      if (kind === 'lambda' || kind === 'service') return 3;
      return kind === 'map' || kind === 'parallel' ? 2 : 1;
    }
    case 'StateExited': {
      const kind = kindOf(event.state.name);
      return kind === 'other' || kind === 'fail' ? 1 : 2;
    }
    case 'StateFailed': {
      const kind = kindOf(event.state.name);
      return kind === 'other' || kind === 'fail' ? 0 : 1;
    }
    case 'StateRetried': {
      const kind = kindOf(event.state.name);
      return kind === 'lambda' || kind === 'service' || kind === 'child-execution' ? 2 : 1;
    }
    case 'StateCaught':
      return 1;
  }
}

/** The payloads a logged event carries, as the history would hold them. */
function payloadsOf(event: ObservedEvent): [string, unknown][] {
  switch (event.type) {
    case 'ExecutionStarted':
      return [['ExecutionStarted', event.input]];
    case 'ExecutionSucceeded':
      return [['ExecutionSucceeded', event.output]];
    case 'StateEntered':
      return [[`StateEntered ${event.state.name}`, event.state.input]];
    case 'StateExited':
      return [[`StateExited ${event.state.name}`, event.state.output]];
    default:
      return [];
  }
}

/**
 * Measures one execution as its events arrive, and tells the first limit it
 * breaks. Task parameters and results are measured by the runner's task
 * handlers through `measurePayload`, as they are not in the event logs.
 */
export class ExecutionMeter {
  readonly #workflow: string;
  readonly #executionName: string;
  readonly #kindOf: (state: string) => StateKind;
  readonly #onViolation: () => void;
  #largestPayloadBytes = 0;
  #largestPayloadAt = '';
  #historyEvents = 0;
  #stateTransitions = 0;
  #violation: LimitViolation | undefined;

  /** `onViolation` is called once, when the execution first breaks a limit. */
  constructor(
    workflow: string,
    executionName: string,
    kindOf: (state: string) => StateKind,
    onViolation: () => void = () => {},
  ) {
    this.#workflow = workflow;
    this.#executionName = executionName;
    this.#kindOf = kindOf;
    this.#onViolation = onViolation;
  }

  get violation(): LimitViolation | undefined {
    return this.#violation;
  }

  record(event: ObservedEvent): void {
    for (const [where, payload] of payloadsOf(event)) this.measurePayload(where, payload);
    if (event.type === 'StateEntered' || event.type === 'StateRetried') this.#stateTransitions += 1;
    const before = this.#historyEvents;
    this.#historyEvents += historyEventsOf(event, this.#kindOf);
    // Event 25,000 may still be ExecutionSucceeded; any other fails the execution.
    if (
      event.type !== 'ExecutionSucceeded' &&
      before < MAX_HISTORY_EVENTS &&
      this.#historyEvents >= MAX_HISTORY_EVENTS
    ) {
      this.#violate({
        error: HISTORY_LIMIT_EXCEEDED,
        cause: `the execution history of ${this.#workflow} reached ${MAX_HISTORY_EVENTS} events (at ${event.type}${'state' in event ? ` ${event.state.name}` : ''})`,
      });
    }
  }

  measurePayload(where: string, payload: unknown): void {
    const bytes = payloadBytes(payload);
    if (bytes > this.#largestPayloadBytes) {
      this.#largestPayloadBytes = bytes;
      this.#largestPayloadAt = where;
    }
    if (bytes > MAX_PAYLOAD_BYTES) {
      this.#violate({
        error: DATA_LIMIT_EXCEEDED,
        cause: `${where} of ${this.#workflow}: ${bytes} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`,
      });
    }
  }

  measure(): ExecutionMeasure {
    return {
      workflow: this.#workflow,
      executionName: this.#executionName,
      largestPayloadBytes: this.#largestPayloadBytes,
      largestPayloadAt: this.#largestPayloadAt,
      historyEvents: this.#historyEvents,
      stateTransitions: this.#stateTransitions,
    };
  }

  #violate(violation: LimitViolation): void {
    if (this.#violation !== undefined) return;
    this.#violation = violation;
    this.#onViolation();
  }
}
