import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryInput,
  type HistoryEvent,
  type HistoryEventType,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AwsRunOptions,
  AwsWorkflowWaitTimeoutError,
  awsSfnClient,
  runAwsWorkflow,
} from '../../../src/adapters/aws/step-functions.ts';
import {
  drillDatabaseHistory,
  executionArnOf,
  HistoryBuilder,
  historyPage,
  plannedDrill,
} from '../../support/sfn-history.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const BACKUP_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:restorable-prod-backup`;
const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:restorable-prod-backup:backup-2026-11-22`;
const STARTED = new Date('2026-11-22T02:00:00Z');

const sfnMock = mockClient(SFNClient);

function client(): SFNClient {
  return new SFNClient({ region: REGION });
}

/** The deployed backup state machine starts an execution. */
function backupStarts(): void {
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: STARTED });
}

/** DescribeExecution answers, one per poll, in order. */
function executionStatuses(...answers: Partial<DescribeExecutionOutput>[]): void {
  let describe = sfnMock.on(DescribeExecutionCommand);
  for (const answer of answers) {
    describe = describe.resolvesOnce({ executionArn: EXECUTION_ARN, stateMachineArn: BACKUP_ARN, ...answer });
  }
}

let nextEventId = 1;

function event(
  type: HistoryEventType,
  previousEventId: number | undefined,
  details: Omit<HistoryEvent, 'id' | 'type' | 'timestamp' | 'previousEventId'> = {},
): HistoryEvent {
  const id = nextEventId;
  nextEventId += 1;
  return { id, type, timestamp: STARTED, previousEventId, ...details };
}

function entered(type: 'TaskStateEntered' | 'MapStateEntered', name: string, previousEventId?: number) {
  return event(type, previousEventId, { stateEnteredEventDetails: { name } });
}

/**
 * Serves the history as Step Functions does (newest first with reverseOrder,
 * `pageSize` events a page). After the n-th DescribeExecution, the first n
 * batches have happened.
 */
function historyGrowing(batches: HistoryEvent[][], pageSize: number): void {
  sfnMock.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryInput) => {
    const polls = sfnMock.commandCalls(DescribeExecutionCommand).length;
    return historyPage(batches.slice(0, polls).flat(), { ...input, maxResults: pageSize });
  });
}

/** The same history at every read, in these pages (tokens page-1, page-2, ...). */
function historyInPages(...pages: HistoryEvent[][]): void {
  sfnMock.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryInput) => {
    const index = input.nextToken === undefined ? 0 : Number(input.nextToken.replace('page-', ''));
    return {
      events: pages[index] ?? [],
      ...(index + 1 < pages.length ? { nextToken: `page-${index + 1}` } : {}),
    };
  });
}

function throttling(): SFNServiceException {
  return new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });
}

/** Options that follow an execution at once: sleep resolves immediately, progress is recorded. */
function following(overrides: Partial<AwsRunOptions> = {}) {
  const progress: string[] = [];
  const sleep = vi.fn(async (_ms: number) => {});
  const options: AwsRunOptions = {
    client: client(),
    wait: true,
    pollIntervalMs: 1_500,
    sleep,
    onProgress: (line) => progress.push(line),
    ...overrides,
  };
  return { options, progress, sleep };
}

beforeEach(() => {
  sfnMock.reset();
  nextEventId = 1;
});

describe('runAwsWorkflow', () => {
  it('starts the execution with the exact input as JSON and the given name, and without wait returns at once', async () => {
    // Prepare
    backupStarts();
    const input = { databaseIds: ['orders', 'billing'], note: 'ünïcode & "quotes"' };

    // Act
    const result = await runAwsWorkflow(BACKUP_ARN, input, {
      client: client(),
      wait: false,
      executionName: 'backup-2026-11-22',
    });

    // Assess
    expect(result).toEqual({ executionArn: EXECUTION_ARN, status: 'RUNNING' });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: BACKUP_ARN,
      name: 'backup-2026-11-22',
      input: JSON.stringify(input),
    });
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
    expect(sfnMock).not.toHaveReceivedCommand(GetExecutionHistoryCommand);
  });

  it('follows a running execution to SUCCEEDED, reporting each history event once as it happens', async () => {
    // Prepare: the backup workflow's history grows over three polls and is read 4 events a page.
    backupStarts();
    executionStatuses(
      { status: 'RUNNING' },
      { status: 'RUNNING' },
      { status: 'SUCCEEDED', output: JSON.stringify({ runId: 'backup-2026-11-22', status: 'OK' }) },
    );
    const start = event('ExecutionStarted', undefined);
    const discover = entered('TaskStateEntered', 'DiscoverDatabases', start.id);
    const lambdaScheduled = event('LambdaFunctionScheduled', discover.id);
    const lambdaSucceeded = event('LambdaFunctionSucceeded', lambdaScheduled.id);
    const discoverExited = event('TaskStateExited', lambdaSucceeded.id);
    const map = entered('MapStateEntered', 'BackUpEachDatabase', discoverExited.id);
    const mapStarted = event('MapStateStarted', map.id, { mapStateStartedEventDetails: { length: 2 } });
    const firstIteration = event('MapIterationStarted', mapStarted.id);
    const firstBackup = entered('TaskStateEntered', 'BackUpDatabase', firstIteration.id);
    const secondIteration = event('MapIterationStarted', mapStarted.id);
    const secondBackup = entered('TaskStateEntered', 'BackUpDatabase', secondIteration.id);
    const firstSucceeded = event('TaskSucceeded', firstBackup.id);
    const firstDone = event('MapIterationSucceeded', firstSucceeded.id, {
      mapIterationSucceededEventDetails: { name: 'BackUpEachDatabase', index: 0 },
    });
    const secondFailed = event('TaskFailed', secondBackup.id, {
      taskFailedEventDetails: {
        resourceType: 'states',
        resource: 'startExecution.sync:2',
        error: 'States.TaskFailed',
      },
    });
    const secondDone = event('MapIterationSucceeded', secondFailed.id, {
      mapIterationSucceededEventDetails: { name: 'BackUpEachDatabase', index: 1 },
    });
    const mapExited = event('MapStateExited', secondDone.id);
    const summarize = entered('TaskStateEntered', 'SummarizeRun', mapExited.id);
    const succeeded = event('ExecutionSucceeded', summarize.id);
    historyGrowing(
      [
        [start, discover, lambdaScheduled, lambdaSucceeded, discoverExited, map, mapStarted],
        [firstIteration, firstBackup, secondIteration, secondBackup, firstSucceeded, firstDone],
        [secondFailed, secondDone, mapExited, summarize, succeeded],
      ],
      4,
    );
    const { options, progress, sleep } = following({ executionName: 'backup-2026-11-22' });

    // Act
    const result = await runAwsWorkflow(BACKUP_ARN, { databaseIds: [] }, options);

    // Assess
    expect(result).toEqual({
      executionArn: EXECUTION_ARN,
      status: 'SUCCEEDED',
      output: { runId: 'backup-2026-11-22', status: 'OK' },
    });
    expect(progress).toEqual([
      `started ${EXECUTION_ARN}`,
      'entered DiscoverDatabases',
      'entered BackUpEachDatabase',
      'entered BackUpDatabase',
      'BackUpEachDatabase: 1/2 done, 0 failed',
      'BackUpDatabase: States.TaskFailed',
      'BackUpEachDatabase: 2/2 done, 0 failed',
      'entered SummarizeRun',
    ]);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(sleep).toHaveBeenCalledWith(1_500);
    // Newest first, paging back only to the last event seen: the first poll's
    // 7 events take two pages of 4, the next polls' 6 and 5 new events two each.
    expect(sfnMock).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 6);
    for (const call of sfnMock.commandCalls(GetExecutionHistoryCommand)) {
      expect(call.args[0].input).toMatchObject({ reverseOrder: true, includeExecutionData: true });
    }
  });

  it('returns FAILED with the error and cause, reporting the failed state and the failed execution', async () => {
    // Prepare
    backupStarts();
    executionStatuses(
      { status: 'RUNNING' },
      { status: 'FAILED', error: 'States.TaskFailed', cause: 'DiscoverDatabases failed: AccessDenied' },
    );
    const start = event('ExecutionStarted', undefined);
    const discover = entered('TaskStateEntered', 'DiscoverDatabases', start.id);
    const scheduled = event('LambdaFunctionScheduled', discover.id);
    const lambdaFailed = event('LambdaFunctionFailed', scheduled.id, {
      lambdaFunctionFailedEventDetails: { error: 'AccessDenied', cause: '{"errorMessage":"not authorized"}' },
    });
    const executionFailed = event('ExecutionFailed', lambdaFailed.id, {
      executionFailedEventDetails: {
        error: 'States.TaskFailed',
        cause: 'DiscoverDatabases failed: AccessDenied',
      },
    });
    historyGrowing(
      [
        [start, discover, scheduled],
        [lambdaFailed, executionFailed],
      ],
      100,
    );
    const { options, progress } = following();

    // Act
    const result = await runAwsWorkflow(BACKUP_ARN, {}, options);

    // Assess
    expect(result).toEqual({
      executionArn: EXECUTION_ARN,
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: 'DiscoverDatabases failed: AccessDenied',
    });
    expect(progress).toEqual([
      `started ${EXECUTION_ARN}`,
      'entered DiscoverDatabases',
      // The Lambda error's message, from its JSON cause, says why.
      'DiscoverDatabases: AccessDenied: not authorized',
      'execution: States.TaskFailed',
    ]);
  });

  it('never reports a history event twice, and a poll with nothing new costs one history request', async () => {
    // Prepare: nothing new happens during three polls; the history is read 1 event a page.
    backupStarts();
    executionStatuses({ status: 'RUNNING' }, { status: 'RUNNING' }, { status: 'SUCCEEDED', output: '{}' });
    const start = event('ExecutionStarted', undefined);
    const discover = entered('TaskStateEntered', 'DiscoverDatabases', start.id);
    historyGrowing([[start, discover], [], []], 1);
    const { options, progress } = following();

    // Act
    await runAwsWorkflow(BACKUP_ARN, {}, options);

    // Assess: 2 pages at the first poll, then the newest event, already seen, ends each read.
    expect(sfnMock).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 4);
    expect(progress).toEqual([`started ${EXECUTION_ARN}`, 'entered DiscoverDatabases']);
  });

  it('keeps following after a throttled DescribeExecution, with a warning, instead of failing the run', async () => {
    // Prepare
    backupStarts();
    sfnMock.on(DescribeExecutionCommand).rejectsOnce(throttling()).resolvesOnce({
      executionArn: EXECUTION_ARN,
      stateMachineArn: BACKUP_ARN,
      status: 'SUCCEEDED',
      output: '{}',
    });
    historyGrowing([[event('ExecutionStarted', undefined)], []], 100);
    const { options, progress, sleep } = following();

    // Act
    const result = await runAwsWorkflow(BACKUP_ARN, {}, options);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 2);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(progress).toContainEqual(expect.stringMatching(/throttling/));
  });

  it('reads the history again after a throttled page, so no event is lost or repeated', async () => {
    // Prepare: the second page of the first read is throttled.
    backupStarts();
    executionStatuses({ status: 'RUNNING' }, { status: 'SUCCEEDED', output: '{}' });
    const start = event('ExecutionStarted', undefined);
    const discover = entered('TaskStateEntered', 'DiscoverDatabases', start.id);
    const map = entered('MapStateEntered', 'BackUpEachDatabase', discover.id);
    historyInPages([start, discover], [map]);
    let secondPageReads = 0;
    sfnMock.on(GetExecutionHistoryCommand, { nextToken: 'page-1' }).callsFake(() => {
      secondPageReads += 1;
      if (secondPageReads === 1) throw throttling();
      return { events: [map] };
    });
    const { options, progress } = following();

    // Act
    const result = await runAwsWorkflow(BACKUP_ARN, {}, options);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(progress.filter((line) => line.startsWith('entered'))).toEqual([
      'entered DiscoverDatabases',
      'entered BackUpEachDatabase',
    ]);
    expect(progress).toContainEqual(expect.stringMatching(/throttling/));
  });

  it('fails the run on an error other than throttling while following', async () => {
    // Prepare
    backupStarts();
    const denied = new SFNServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      message: 'not authorized to perform states:DescribeExecution',
      $metadata: { httpStatusCode: 400 },
    });
    sfnMock.on(DescribeExecutionCommand).rejects(denied);
    const { options } = following();

    // Act
    const run = runAwsWorkflow(BACKUP_ARN, {}, options);

    // Assess
    await expect(run).rejects.toThrow(/states:DescribeExecution/);
  });

  it('stops following after maxWaitMs with the execution ARN, leaving the execution running', async () => {
    // Prepare: the execution never ends; each sleep advances the clock.
    backupStarts();
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION_ARN, status: 'RUNNING' });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    let clock = 0;
    const { options } = following({
      maxWaitMs: 10_000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });

    // Act
    const error = await runAwsWorkflow(BACKUP_ARN, {}, options).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(AwsWorkflowWaitTimeoutError);
    expect((error as Error).message).toContain(EXECUTION_ARN);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 8);
    expect(sfnMock).not.toHaveReceivedCommand(StopExecutionCommand);
  });
});

describe('runAwsWorkflow following child executions', () => {
  const DRILL_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:restorable-prod-drill`;
  const DRILL_EXECUTION = `arn:aws:states:${REGION}:${ACCOUNT}:execution:restorable-prod-drill:drill-run`;
  const childArn = (name: string) => executionArnOf('restorable-prod-drill-database', name);

  function drillStarts(): void {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: DRILL_EXECUTION, startDate: STARTED });
  }

  /**
   * The drill workflow's history as it grows: `batches[n]` happens at poll
   * n + 1. The first batch plans `databases` and starts a child for each;
   * `endAtPoll` says at which poll each child's task ends in the parent; the
   * parent ends with the last of them.
   */
  function drillRun(databases: string[], endAtPoll: Record<string, number>) {
    const history = new HistoryBuilder();
    const started = history.executionStarted({ all: true });
    const swept = history.lambdaTask('SweepSandboxes', {}, { all: true }, started);
    const plan = { drills: databases.map(plannedDrill), maxConcurrency: databases.length };
    const planned = history.lambdaTask('PlanDrills', {}, plan, swept);
    const map = history.entered('MapStateEntered', 'DrillEachDatabase', plan, planned);
    const mapStarted = history.add('MapStateStarted', map, {
      mapStateStartedEventDetails: { length: databases.length },
    });
    const submitted = databases.map((database, index) => {
      const item = history.add('MapIterationStarted', mapStarted, {
        mapIterationStartedEventDetails: { name: 'DrillEachDatabase', index },
      });
      const arn = childArn(`child-${database}`);
      const event = history.startChild(
        'DrillDatabase',
        'restorable-prod-drill-database',
        arn,
        plannedDrill(database),
        item,
      );
      return { database, index, event };
    });
    const batches: HistoryEvent[][] = [history.since(0)];
    const lastPoll = Math.max(...Object.values(endAtPoll));
    let last: HistoryEvent = mapStarted;
    for (let poll = 2; poll <= lastPoll; poll += 1) {
      const mark = history.events.length;
      for (const child of submitted.filter(({ database }) => endAtPoll[database] === poll)) {
        const exited = history.childSucceeded('DrillDatabase', child.event, { verdict: 'pass' });
        last = history.add('MapIterationSucceeded', exited, {
          mapIterationSucceededEventDetails: { name: 'DrillEachDatabase', index: child.index },
        });
      }
      if (poll === lastPoll) {
        const mapExited = history.exited('MapStateExited', 'DrillEachDatabase', {}, last);
        const summarized = history.lambdaTask('SummarizeDrills', {}, { status: 'OK' }, mapExited);
        history.add('ExecutionSucceeded', summarized, {
          executionSucceededEventDetails: { output: '{"status":"OK"}' },
        });
      }
      batches.push(history.since(mark));
    }
    return { batches, lastPoll };
  }

  /**
   * Serves the parent's history batch by batch and each child's drill-database
   * history (its first 8 events until the poll its task ends in the parent,
   * all of it from then on), reverse paging honoured; DescribeExecution says
   * RUNNING until the parent's last batch.
   */
  function serve(run: ReturnType<typeof drillRun>, endAtPoll: Record<string, number>) {
    const children = new Map(
      Object.entries(endAtPoll).map(([database, poll]) => [
        childArn(`child-${database}`),
        { events: drillDatabaseHistory(database).events, poll },
      ]),
    );
    sfnMock.on(DescribeExecutionCommand).callsFake(() => {
      const polls = sfnMock.commandCalls(DescribeExecutionCommand).length;
      return polls >= run.lastPoll
        ? { executionArn: DRILL_EXECUTION, status: 'SUCCEEDED', output: '{"status":"OK"}' }
        : { executionArn: DRILL_EXECUTION, status: 'RUNNING' };
    });
    sfnMock.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryInput) => {
      const polls = sfnMock.commandCalls(DescribeExecutionCommand).length;
      if (input.executionArn === DRILL_EXECUTION)
        return historyPage(run.batches.slice(0, polls).flat(), input);
      const child = children.get(input.executionArn ?? '');
      if (child === undefined) throw new Error(`no such execution: ${input.executionArn}`);
      return historyPage(polls >= child.poll ? child.events : child.events.slice(0, 8), input);
    });
  }

  /** Which child executions' histories each poll read, in order. */
  function childReadsByPoll(): string[][] {
    const reads: string[][] = [];
    for (const call of sfnMock.calls()) {
      const command = call.args[0];
      if (command instanceof DescribeExecutionCommand) reads.push([]);
      else if (
        command instanceof GetExecutionHistoryCommand &&
        command.input.executionArn !== DRILL_EXECUTION
      ) {
        reads.at(-1)?.push(command.input.executionArn ?? '');
      }
    }
    return reads;
  }

  it('prints each database’s drill steps from its child execution, once each, beside the parent’s', async () => {
    // Prepare: orders and billing drill in two children; the parent ends at the third poll.
    drillStarts();
    const endAtPoll = { orders: 3, billing: 3 };
    const run = drillRun(['orders', 'billing'], endAtPoll);
    serve(run, endAtPoll);
    const { options, progress } = following();

    // Act
    const result = await runAwsWorkflow(DRILL_ARN, { all: true }, options);

    // Assess
    expect(result).toEqual({ executionArn: DRILL_EXECUTION, status: 'SUCCEEDED', output: { status: 'OK' } });
    const linesOf = (database: string) => progress.filter((line) => line.startsWith(`${database}: `));
    for (const database of ['orders', 'billing']) {
      expect(linesOf(database)).toEqual([
        `${database}: restore started from restorable-${database}-2026-11-22 in eu-central-1`,
        `${database}: sandbox available, verifying`,
        `${database}: verification finished`,
        `${database}: tearing the sandbox down`,
        `${database}: sandbox deleted`,
        `${database}: drill PASS, report written`,
      ]);
    }
    // The restore was seen at the first poll, before the parent's Map had ended.
    expect(
      progress.indexOf('orders: restore started from restorable-orders-2026-11-22 in eu-central-1'),
    ).toBeLessThan(progress.indexOf('DrillEachDatabase: 1/2 done, 0 failed'));
    expect(progress).toContain('entered DrillDatabase');
    expect(progress.filter((line) => line === 'entered DrillDatabase')).toHaveLength(1);
    expect(sfnMock).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
      executionArn: childArn('child-orders'),
      reverseOrder: true,
      includeExecutionData: true,
    });
  });

  it('reads a few children a poll, those the parent saw end first, then the least recently read', async () => {
    // Prepare: four children, two reads a poll; d's task ends at poll 3, the others' at poll 5.
    drillStarts();
    const endAtPoll = { a: 5, b: 5, c: 5, d: 3 };
    const run = drillRun(['a', 'b', 'c', 'd'], endAtPoll);
    serve(run, endAtPoll);
    const { options } = following({ childReadsPerPoll: 2 });

    // Act
    await runAwsWorkflow(DRILL_ARN, { all: true }, options);

    // Assess: d is read as soon as its task ends; once the parent has ended,
    // the children not yet complete get one last read each, and no more.
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((database) => childArn(`child-${database}`));
    expect(childReadsByPoll()).toEqual([
      [a, b],
      [c, d],
      [d, a],
      [b, c],
      [a, b, c],
    ]);
  });

  it('costs at most five requests a poll with 300 databases running, and reads each within 100 polls', async () => {
    // Prepare: 300 children start at the first poll and run for 120 polls.
    drillStarts();
    const databases = Array.from({ length: 300 }, (_, index) => `db${index}`);
    const endAtPoll = Object.fromEntries(databases.map((database) => [database, 120]));
    const run = drillRun(databases, endAtPoll);
    serve(run, endAtPoll);
    const { options } = following();

    // Act
    await runAwsWorkflow(DRILL_ARN, { all: true }, options);

    // Assess
    const requestsByPoll: number[] = [];
    for (const call of sfnMock.calls()) {
      const command = call.args[0];
      if (command instanceof DescribeExecutionCommand) requestsByPoll.push(0);
      if (requestsByPoll.length > 0)
        requestsByPoll[requestsByPoll.length - 1] = (requestsByPoll.at(-1) ?? 0) + 1;
    }
    expect(requestsByPoll).toHaveLength(120);
    // Between the first poll (the parent's whole history so far) and the last (every child's last read):
    expect(Math.max(...requestsByPoll.slice(1, -1))).toBe(5);
    const firstReads = new Set(childReadsByPoll().slice(0, 100).flat());
    expect(firstReads.size).toBe(300);
  });

  it('backs off while Step Functions throttles, doubling the interval, and polls at the usual pace after', async () => {
    // Prepare: the second and third polls are throttled.
    backupStarts();
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce({ executionArn: EXECUTION_ARN, status: 'RUNNING' })
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .resolvesOnce({ executionArn: EXECUTION_ARN, status: 'RUNNING' })
      .resolvesOnce({ executionArn: EXECUTION_ARN, status: 'SUCCEEDED', output: '{}' });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const { options, sleep, progress } = following();

    // Act
    await runAwsWorkflow(BACKUP_ARN, {}, options);

    // Assess
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([1_500, 3_000, 6_000, 1_500]);
    expect(progress.filter((line) => line.includes('throttling'))).toEqual([
      'Step Functions is throttling requests; polling again in 3 s',
      'Step Functions is throttling requests; polling again in 6 s',
    ]);
  });
});

describe('awsSfnClient', () => {
  it('builds one client per region, with five attempts per call', async () => {
    // Act
    const first = awsSfnClient('eu-west-1');
    const again = awsSfnClient('eu-west-1');
    const other = awsSfnClient('us-east-1');

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(await first.config.region()).toBe('eu-west-1');
    expect(await other.config.region()).toBe('us-east-1');
    expect(await first.config.maxAttempts()).toBe(5);
  });
});
