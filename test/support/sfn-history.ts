// Execution histories shaped as Step Functions records them (HistoryEvent and
// its *EventDetails, AWS Step Functions API Reference, GetExecutionHistory):
// ids from 1, every event pointing back to the one it follows, state inputs
// and outputs as JSON text, a Lambda Task state (Resource = function ARN) as
// TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted,
// LambdaFunctionSucceeded/Failed, TaskStateExited, and a
// `states:startExecution.sync:2` Task as TaskScheduled, TaskStarted,
// TaskSubmitted (the StartExecution response as output), then
// TaskSucceeded/TaskFailed when the child ends.
import type { GetExecutionHistoryInput, HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';

export const stateMachineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
export const executionArnOf = (stateMachine: string, name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:${stateMachine}:${name}`;
export const functionArn = (name: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:restorable-prod-${name}`;

type Details = Omit<HistoryEvent, 'id' | 'type' | 'timestamp' | 'previousEventId'>;

const data = (value: unknown) => JSON.stringify(value);
const untruncated = { truncated: false };

export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  #time: number;

  constructor(startedAt = new Date('2026-11-22T05:00:00Z')) {
    this.#time = startedAt.getTime();
  }

  add(type: HistoryEventType, previous: HistoryEvent | undefined, details: Details = {}): HistoryEvent {
    this.#time += 250;
    const event: HistoryEvent = {
      id: this.events.length + 1,
      type,
      timestamp: new Date(this.#time),
      previousEventId: previous?.id ?? 0,
      ...details,
    };
    this.events.push(event);
    return event;
  }

  /** The events added since `mark` (an index into `events`). */
  since(mark: number): HistoryEvent[] {
    return this.events.slice(mark);
  }

  executionStarted(input: unknown): HistoryEvent {
    return this.add('ExecutionStarted', undefined, {
      executionStartedEventDetails: {
        input: data(input),
        inputDetails: untruncated,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/restorable-prod-workflows`,
      },
    });
  }

  entered(
    type:
      | 'TaskStateEntered'
      | 'PassStateEntered'
      | 'WaitStateEntered'
      | 'ChoiceStateEntered'
      | 'MapStateEntered',
    name: string,
    input: unknown,
    previous: HistoryEvent | undefined,
  ): HistoryEvent {
    return this.add(type, previous, {
      stateEnteredEventDetails: { name, input: data(input), inputDetails: untruncated },
    });
  }

  exited(
    type: 'TaskStateExited' | 'PassStateExited' | 'WaitStateExited' | 'ChoiceStateExited' | 'MapStateExited',
    name: string,
    output: unknown,
    previous: HistoryEvent,
  ): HistoryEvent {
    return this.add(type, previous, {
      stateExitedEventDetails: { name, output: data(output), outputDetails: untruncated },
    });
  }

  /** A Lambda Task state entered, its function scheduled and started: returns the LambdaFunctionStarted event. */
  private lambdaStarted(name: string, input: unknown, previous: HistoryEvent | undefined): HistoryEvent {
    const entered = this.entered('TaskStateEntered', name, input, previous);
    const scheduled = this.add('LambdaFunctionScheduled', entered, {
      lambdaFunctionScheduledEventDetails: {
        resource: functionArn(name),
        input: data(input),
        inputDetails: untruncated,
        timeoutInSeconds: 300,
      },
    });
    return this.add('LambdaFunctionStarted', scheduled);
  }

  /** A Lambda Task state that succeeds: returns its TaskStateExited event. */
  lambdaTask(
    name: string,
    input: unknown,
    output: unknown,
    previous: HistoryEvent | undefined,
  ): HistoryEvent {
    const started = this.lambdaStarted(name, input, previous);
    const succeeded = this.add('LambdaFunctionSucceeded', started, {
      lambdaFunctionSucceededEventDetails: { output: data(output), outputDetails: untruncated },
    });
    return this.exited('TaskStateExited', name, output, succeeded);
  }

  /** A Lambda Task state whose function fails: returns its LambdaFunctionFailed event (a Catch follows it). */
  failedLambdaTask(
    name: string,
    input: unknown,
    error: string,
    errorMessage: string,
    previous: HistoryEvent | undefined,
  ): HistoryEvent {
    const started = this.lambdaStarted(name, input, previous);
    return this.add('LambdaFunctionFailed', started, {
      lambdaFunctionFailedEventDetails: {
        error,
        cause: data({ errorType: error, errorMessage, trace: ['at handler (index.mjs:1:1)'] }),
      },
    });
  }

  /** A state that enters and exits with the same data (Wait, Choice, Pass): returns the exited event. */
  passThrough(
    kind: 'Wait' | 'Choice' | 'Pass',
    name: string,
    value: unknown,
    previous: HistoryEvent,
  ): HistoryEvent {
    const entered = this.entered(`${kind}StateEntered`, name, value, previous);
    return this.exited(`${kind}StateExited`, name, value, entered);
  }

  /**
   * The start of a `startExecution.sync:2` Task state: returns its
   * TaskSubmitted event, whose output is the StartExecution response.
   */
  startChild(
    name: string,
    childStateMachine: string,
    childArn: string,
    input: unknown,
    previous: HistoryEvent,
  ): HistoryEvent {
    const entered = this.entered('TaskStateEntered', name, input, previous);
    const resource = { resourceType: 'states', resource: 'startExecution.sync:2' };
    const scheduled = this.add('TaskScheduled', entered, {
      taskScheduledEventDetails: {
        ...resource,
        region: REGION,
        parameters: data({ StateMachineArn: stateMachineArn(childStateMachine), Input: input }),
      },
    });
    const started = this.add('TaskStarted', scheduled, { taskStartedEventDetails: resource });
    return this.add('TaskSubmitted', started, {
      taskSubmittedEventDetails: {
        ...resource,
        output: data({
          ExecutionArn: childArn,
          SdkHttpMetadata: { HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' },
          StartDate: this.#time,
        }),
        outputDetails: untruncated,
      },
    });
  }

  /** The child of a startExecution.sync:2 task succeeded: returns the task's TaskStateExited. */
  childSucceeded(name: string, submitted: HistoryEvent, childOutput: unknown): HistoryEvent {
    const output = { Output: childOutput, Status: 'SUCCEEDED' };
    const succeeded = this.add('TaskSucceeded', submitted, {
      taskSucceededEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        output: data(output),
        outputDetails: untruncated,
      },
    });
    return this.exited('TaskStateExited', name, output, succeeded);
  }

  /** The child of a startExecution.sync:2 task failed: returns the TaskFailed event (a Catch follows it). */
  childFailed(submitted: HistoryEvent, error: string, cause: string): HistoryEvent {
    return this.add('TaskFailed', submitted, {
      taskFailedEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        error: 'States.TaskFailed',
        cause: data({ Error: error, Cause: cause, Status: 'FAILED' }),
      },
    });
  }
}

// The drill-database workflow's inputs and history for one database.

const ordersSnapshot = {
  kind: 'instance',
  id: 'restorable-orders-2026-11-22',
  arn: 'arn:aws:rds:eu-central-1:123456789012:snapshot:restorable-orders-2026-11-22',
  region: 'eu-central-1',
};

export function plannedDrill(database: string) {
  return {
    drillId: `drill-${database}-20261122T050000Z`,
    trigger: 'on-demand',
    plannedAt: '2026-11-22T05:00:00.000Z',
    database: { kind: 'instance', id: database, engine: 'postgres' },
    snapshot: { ...ordersSnapshot, id: `restorable-${database}-2026-11-22` },
    sandboxId: `restorable-drill-${database}-1a2b`,
  };
}

export const poll = (attempt: number) => ({
  attempt,
  delaySeconds: 30,
  deadline: '2026-11-22T06:00:00.000Z',
});

/** The history of drill-database for one database, as its states run (drill-database.asl.json). */
export function drillDatabaseHistory(database: string) {
  const history = new HistoryBuilder();
  const drill = plannedDrill(database);
  const started = history.executionStarted({
    ...drill,
    AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: 'arn:aws:states:eu-west-1:123456789012:execution:p:q',
  });
  const restore = { restoreRequestedAt: '2026-11-22T05:00:01.000Z', poll: poll(0) };
  const restored = history.lambdaTask('RestoreSandbox', drill, { ...drill, restore }, started);
  let waited = history.passThrough('Wait', 'WaitForSandbox', { ...drill, restore }, restored);
  const creating = { ...drill, restore, availability: { status: 'creating', poll: poll(1) } };
  let checked = history.lambdaTask('CheckSandbox', { drill, poll: poll(0) }, creating, waited);
  const notYet = history.passThrough('Choice', 'IsSandboxAvailable', creating, checked);
  const carried = history.passThrough('Pass', 'CarryPollForward', creating, notYet);
  waited = history.passThrough('Wait', 'WaitForSandbox', creating, carried);
  const available = {
    ...drill,
    restore,
    availability: { status: 'available', availableAt: '2026-11-22T05:21:00Z' },
  };
  checked = history.lambdaTask('CheckSandbox', { drill, poll: poll(1) }, available, waited);
  const ready = history.passThrough('Choice', 'IsSandboxAvailable', available, checked);
  const verification = { verifiedAt: '2026-11-22T05:24:00.000Z', key: `work/drills/${drill.drillId}/v.json` };
  const verified = history.lambdaTask('VerifySandbox', { drill }, { ...available, verification }, ready);
  const teardown = { result: 'deleted', at: '2026-11-22T05:25:00.000Z' };
  const tornDown = history.lambdaTask(
    'TeardownSandbox',
    { drill },
    { ...available, verification, teardown },
    verified,
  );
  const outcome = { drillId: drill.drillId, verdict: 'pass', database, rtoSeconds: 1260 };
  const written = history.lambdaTask(
    'WriteDrillReport',
    { ...available, verification, teardown },
    outcome,
    tornDown,
  );
  const done = history.passThrough('Choice', 'IsSnapshotProvenBad', outcome, written);
  const succeed = history.add('SucceedStateEntered', done, {
    stateEnteredEventDetails: { name: 'Done', input: JSON.stringify(outcome) },
  });
  history.add('ExecutionSucceeded', succeed, {
    executionSucceededEventDetails: { output: JSON.stringify(outcome), outputDetails: { truncated: false } },
  });
  return history;
}

/**
 * Answers GetExecutionHistory as Step Functions does for the history visible
 * so far: oldest first, or newest first with `reverseOrder`, `maxResults`
 * events a page (default 100) and a nextToken while more remain.
 */
export function historyPage(events: readonly HistoryEvent[], input: GetExecutionHistoryInput) {
  const ordered = input.reverseOrder === true ? [...events].reverse() : [...events];
  const from = input.nextToken === undefined ? 0 : Number(input.nextToken.replace('after-', ''));
  const to = from + (input.maxResults === undefined || input.maxResults === 0 ? 100 : input.maxResults);
  return {
    events: ordered.slice(from, to),
    ...(to < ordered.length ? { nextToken: `after-${to}` } : {}),
  };
}

/**
 * A whole run of the drill workflow (drill.asl.json) that drills each
 * database in its own child execution, each ending in a pass.
 */
export function drillRunHistory(children: readonly { database: string; executionArn: string }[]) {
  const history = new HistoryBuilder();
  const started = history.executionStarted({ all: true });
  const swept = history.lambdaTask('SweepSandboxes', {}, { all: true }, started);
  const plan = { drills: children.map(({ database }) => plannedDrill(database)), maxConcurrency: 4 };
  const planned = history.lambdaTask('PlanDrills', {}, plan, swept);
  const map = history.entered('MapStateEntered', 'DrillEachDatabase', plan, planned);
  let last = history.add('MapStateStarted', map, {
    mapStateStartedEventDetails: { length: children.length },
  });
  const mapStarted = last;
  const submitted = children.map(({ database, executionArn }, index) => {
    const item = history.add('MapIterationStarted', mapStarted, {
      mapIterationStartedEventDetails: { name: 'DrillEachDatabase', index },
    });
    const drill = plannedDrill(database);
    return history.startChild('DrillDatabase', 'restorable-prod-drill-database', executionArn, drill, item);
  });
  for (const [index, event] of submitted.entries()) {
    const exited = history.childSucceeded('DrillDatabase', event, { verdict: 'pass' });
    last = history.add('MapIterationSucceeded', exited, {
      mapIterationSucceededEventDetails: { name: 'DrillEachDatabase', index },
    });
  }
  const mapExited = history.exited('MapStateExited', 'DrillEachDatabase', {}, last);
  const summarized = history.lambdaTask('SummarizeDrills', {}, { status: 'OK' }, mapExited);
  const choice = history.passThrough('Choice', 'AreDrillsOk', { status: 'OK' }, summarized);
  history.add('ExecutionSucceeded', choice, {
    executionSucceededEventDetails: { output: '{"status":"OK"}' },
  });
  return history;
}
