// What `--target aws` prints while a deployed workflow runs: Step Functions
// history events turned into progress lines, with no I/O. The parent
// workflows run child executions (`states:startExecution.sync:2`): the drill
// one per database inside an inline Map, the backup one per batch of steps
// of its run queue; their histories say little, so each child's history is
// narrated too, every line prefixed with its database (or its execution).
//
// The children are found in the parent's own history (the TaskSubmitted event
// of each child's task), not by ListExecutions on the child state machine:
// that lists every execution of it, with no filter on start time nor on the
// parent, so a scheduled run and an on-demand one running at the same time
// could not be told apart, while the parent's history names exactly its own.
//
// Event shapes: HistoryEvent and its *EventDetails in the AWS Step Functions
// API Reference (GetExecutionHistory). A Task state of the
// `arn:aws:states:::states:startExecution.sync:2` integration records
// TaskScheduled, TaskStarted, then TaskSubmitted, whose `output` is the
// StartExecution response (`{"ExecutionArn": ..., "StartDate": ...}`), then
// TaskSucceeded or TaskFailed once the child has ended. A Task state whose
// Resource is a Lambda function ARN records LambdaFunction* events between its
// TaskStateEntered and TaskStateExited. Inputs and outputs are present only
// when the history is read with `includeExecutionData`; they are read for the
// few fields named below and never printed whole (they may be large).
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { caughtError, describeCaughtError } from '../../tasks/shapes.ts';

const EXECUTION_END_EVENTS: ReadonlySet<string> = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
]);

/** Whether the event ends its execution: nothing follows it in the history. */
export function endsExecution(event: HistoryEvent): boolean {
  return EXECUTION_END_EVENTS.has(event.type ?? '');
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Cut or not JSON: a line without the detail rather than a failed command.
    return undefined;
  }
}

const startExecutionResponse = z.object({ ExecutionArn: z.string().min(1) });

/** The child execution a `startExecution.sync` task submitted, from its TaskSubmitted event. */
export function submittedChildExecution(event: HistoryEvent): string | undefined {
  if (event.type !== 'TaskSubmitted') return undefined;
  const details = event.taskSubmittedEventDetails;
  if (details?.resourceType !== 'states' || details.resource?.startsWith('startExecution') !== true) {
    return undefined;
  }
  const response = startExecutionResponse.safeParse(parseJson(details.output));
  return response.success ? response.data.ExecutionArn : undefined;
}

/**
 * Name of the state machine and of the execution in an execution ARN
 * (`arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>`).
 */
function executionNameParts(executionArn: string): { stateMachine: string; name: string } {
  const [, , , , , , stateMachine = '', name = ''] = executionArn.split(':');
  return { stateMachine, name };
}

/** Why an execution or a step failed, from the error/cause pair of an event's details. */
function failureOf(details: { error?: string; cause?: string } | undefined, fallback: string): string {
  if (details?.error === undefined || details.error === '') return fallback;
  return describeCaughtError({
    Error: details.error,
    ...(details.cause === undefined ? {} : { Cause: details.cause }),
  });
}

/**
 * Remembers which state each event belongs to: a *StateEntered event names
 * it, and every later event of that state points back to it through
 * previousEventId. Events must be given in id order.
 */
class StateTracker {
  readonly #stateOfEvent = new Map<number, string>();

  stateOf(event: HistoryEvent): string | undefined {
    const entered = event.stateEnteredEventDetails?.name;
    const state =
      entered ??
      (event.previousEventId === undefined ? undefined : this.#stateOfEvent.get(event.previousEventId));
    if (state !== undefined && event.id !== undefined) this.#stateOfEvent.set(event.id, state);
    return state;
  }
}

/** What a parent's events said: lines to print and the child executions it started. */
export interface ParentNarration {
  readonly lines: string[];
  /** Child executions submitted by these events, in the order they started. */
  readonly childrenStarted: string[];
  /** Child executions whose task these events ended: their histories are complete. */
  readonly childrenEnded: string[];
}

/**
 * Narrates a parent workflow: each state the first time it is entered (a Map
 * enters its inner states once per item; a line per item would bury the
 * children's own lines), the Map's count of finished items, failures, and the
 * end of the execution. A child's failure is left to the child's narration,
 * which names the database and the step.
 */
export class ParentNarrator {
  readonly #states = new StateTracker();
  readonly #entered = new Set<string>();
  readonly #maps = new Map<string, { total: number | undefined; succeeded: number; failed: number }>();
  /** TaskSubmitted event id → the child execution it started. */
  readonly #childOfSubmission = new Map<number, string>();

  narrate(events: readonly HistoryEvent[]): ParentNarration {
    const narration: ParentNarration = { lines: [], childrenStarted: [], childrenEnded: [] };
    for (const event of events) {
      const line = this.#describe(event, narration);
      if (line !== undefined) narration.lines.push(line);
    }
    return narration;
  }

  #describe(event: HistoryEvent, narration: ParentNarration): string | undefined {
    const state = this.#states.stateOf(event);
    const where = state ?? 'task';
    const child = submittedChildExecution(event);
    if (child !== undefined && event.id !== undefined) {
      this.#childOfSubmission.set(event.id, child);
      narration.childrenStarted.push(child);
      return undefined;
    }
    const endedChild =
      event.previousEventId === undefined ? undefined : this.#childOfSubmission.get(event.previousEventId);
    if (endedChild !== undefined && isTaskEnd(event)) {
      narration.childrenEnded.push(endedChild);
      return undefined;
    }
    switch (event.type) {
      case 'TaskStateEntered':
      case 'MapStateEntered':
      case 'ParallelStateEntered': {
        if (this.#entered.has(where)) return undefined;
        this.#entered.add(where);
        return `entered ${where}`;
      }
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
        return `${where}: ${failureOf(event.taskFailedEventDetails, 'failed')}`;
      case 'TaskStartFailed':
        return `${where}: ${failureOf(event.taskStartFailedEventDetails, 'could not start')}`;
      case 'TaskSubmitFailed':
        return `${where}: ${failureOf(event.taskSubmitFailedEventDetails, 'could not start')}`;
      case 'TaskTimedOut':
        return `${where}: ${failureOf(event.taskTimedOutEventDetails, 'States.Timeout')}`;
      case 'LambdaFunctionFailed':
        return `${where}: ${failureOf(event.lambdaFunctionFailedEventDetails, 'failed')}`;
      case 'LambdaFunctionTimedOut':
        return `${where}: ${failureOf(event.lambdaFunctionTimedOutEventDetails, 'States.Timeout')}`;
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

function isTaskEnd(event: HistoryEvent): boolean {
  return event.type === 'TaskSucceeded' || event.type === 'TaskFailed' || event.type === 'TaskTimedOut';
}

/**
 * One meaningful transition of a child workflow: when `event` happens in
 * `state`, `describe` gets the state's input (entered events) or output
 * (exited events) and says what happened, or nothing.
 */
interface ChildStep {
  readonly event: 'TaskStateEntered' | 'TaskStateExited' | 'PassStateEntered' | 'MapStateEntered';
  readonly state: string;
  readonly describe: (data: unknown) => string | undefined;
}

const snapshotData = z.object({ id: z.string(), region: z.string(), status: z.string().optional() });

/** Reads the data if it has the shape; the line then goes without the detail. */
function read<T>(schema: z.ZodType<T>, data: unknown): T | undefined {
  const parsed = schema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** The meaningful transitions of drill-database (workflows/drill-database.asl.json). */
const DRILL_DATABASE_STEPS: readonly ChildStep[] = [
  {
    event: 'TaskStateEntered',
    state: 'RestoreSandbox',
    describe: (input) => {
      const snapshot = read(z.object({ snapshot: snapshotData }), input)?.snapshot;
      return snapshot === undefined
        ? 'restore started'
        : `restore started from ${snapshot.id} in ${snapshot.region}`;
    },
  },
  { event: 'TaskStateEntered', state: 'VerifySandbox', describe: () => 'sandbox available, verifying' },
  { event: 'TaskStateExited', state: 'VerifySandbox', describe: () => 'verification finished' },
  // A sandbox outside the stack region is verified by the regional verifier
  // of its region: started once, then polled until it returns its result.
  {
    event: 'TaskStateEntered',
    state: 'StartRegionalVerification',
    describe: (input) => {
      const region = read(z.object({ snapshot: snapshotData }), input)?.snapshot.region;
      return region === undefined
        ? 'sandbox available, verifying'
        : `sandbox available, verifying in ${region}`;
    },
  },
  {
    event: 'PassStateEntered',
    state: 'KeepRegionalVerification',
    describe: () => 'verification finished',
  },
  { event: 'TaskStateEntered', state: 'TeardownSandbox', describe: () => 'tearing the sandbox down' },
  { event: 'TaskStateExited', state: 'TeardownSandbox', describe: () => 'sandbox deleted' },
  {
    event: 'PassStateEntered',
    state: 'TeardownFailed',
    describe: (input) => {
      const error = read(z.object({ teardownError: caughtError }), input)?.teardownError;
      return `teardown failed${error === undefined ? '' : `: ${describeCaughtError(error)}`}; the sweeper removes the sandbox once it expires`;
    },
  },
  {
    event: 'TaskStateExited',
    state: 'WriteDrillReport',
    describe: (output) => {
      const verdict = read(z.object({ verdict: z.enum(['pass', 'fail']) }), output)?.verdict;
      return verdict === undefined
        ? 'drill report written'
        : `drill ${verdict.toUpperCase()}, report written`;
    },
  },
  {
    event: 'TaskStateEntered',
    state: 'MarkSnapshotProvenBad',
    describe: () => 'marking the snapshot as proven bad',
  },
];

const backupStep = z.object({
  round: z.number(),
  done: z.boolean(),
  waitSeconds: z.number(),
  databases: z.number(),
  settled: z.number(),
});

/** The meaningful transitions of backup-rounds (workflows/backup-rounds.asl.json): each step's progress. */
const BACKUP_ROUNDS_STEPS: readonly ChildStep[] = [
  {
    event: 'TaskStateExited',
    state: 'AdvanceBackup',
    describe: (output) => {
      const step = read(backupStep, output);
      if (step === undefined) return undefined;
      const progress = `step ${step.round}: ${step.settled}/${step.databases} databases done`;
      return step.done || step.waitSeconds === 0
        ? progress
        : `${progress}, next step in ${step.waitSeconds} s`;
    },
  },
];

/** The transitions told for each child workflow, by the workflow's name (restorable-<stage>-<workflow>). */
const CHILD_STEPS: Readonly<Record<string, readonly ChildStep[]>> = {
  'drill-database': DRILL_DATABASE_STEPS,
  'backup-rounds': BACKUP_ROUNDS_STEPS,
};

/** The steps of a child workflow given its state machine's name; none for a workflow without a table. */
function childStepsFor(stateMachineName: string): readonly ChildStep[] {
  const workflow = Object.keys(CHILD_STEPS).find((name) => stateMachineName.endsWith(`-${name}`));
  return workflow === undefined ? [] : (CHILD_STEPS[workflow] ?? []);
}

const childInput = z.object({ database: z.object({ id: z.string().min(1) }) });

/**
 * Narrates one child execution, each line prefixed with its database (from
 * the execution's input; its execution name until that is known): the
 * workflow's own steps, every failed step (a Retry or Catch may follow: the
 * workflow goes on, and so does the narration), and how the execution ended.
 */
export class ChildNarrator {
  readonly #steps: readonly ChildStep[];
  readonly #states = new StateTracker();
  #subject: string;

  constructor(executionArn: string) {
    const { stateMachine, name } = executionNameParts(executionArn);
    this.#steps = childStepsFor(stateMachine);
    this.#subject = name === '' ? executionArn : name;
  }

  narrate(events: readonly HistoryEvent[]): string[] {
    const lines: string[] = [];
    for (const event of events) {
      const line = this.#describe(event);
      if (line !== undefined) lines.push(`${this.#subject}: ${line}`);
    }
    return lines;
  }

  #describe(event: HistoryEvent): string | undefined {
    const state = this.#states.stateOf(event);
    const where = state ?? 'task';
    switch (event.type) {
      case 'ExecutionStarted': {
        const database = read(childInput, parseJson(event.executionStartedEventDetails?.input))?.database.id;
        if (database !== undefined) this.#subject = database;
        return undefined;
      }
      case 'TaskStateEntered':
      case 'PassStateEntered':
      case 'MapStateEntered':
        return this.#step(event.type, where, parseJson(event.stateEnteredEventDetails?.input));
      case 'TaskStateExited':
        return this.#step(event.type, where, parseJson(event.stateExitedEventDetails?.output));
      case 'LambdaFunctionFailed':
        return `${where} failed: ${failureOf(event.lambdaFunctionFailedEventDetails, 'failed')}`;
      case 'LambdaFunctionTimedOut':
        return `${where} timed out`;
      case 'TaskFailed':
        return `${where} failed: ${failureOf(event.taskFailedEventDetails, 'failed')}`;
      case 'TaskTimedOut':
        return `${where} timed out`;
      case 'ExecutionFailed':
        return `execution FAILED: ${failureOf(event.executionFailedEventDetails, 'failed')}`;
      case 'ExecutionTimedOut':
        return 'execution TIMED_OUT';
      case 'ExecutionAborted':
        return 'execution ABORTED';
      default:
        return undefined;
    }
  }

  #step(event: ChildStep['event'], state: string, data: unknown): string | undefined {
    const step = this.#steps.find((candidate) => candidate.event === event && candidate.state === state);
    return step?.describe(data);
  }
}
