import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryInput,
  type HistoryEvent,
  type HistoryEventType,
  ListStateMachinesCommand,
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
  findStateMachineArn,
  runAwsWorkflow,
  StateMachineNotFoundError,
} from '../../../src/cli/aws-workflows.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const STAGE = 'prod';
const BACKUP_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:restorable-prod-backup`;
const BACKUP_DATABASE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:restorable-prod-backup-database`;
const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:restorable-prod-backup:backup-2026-11-22`;
const STARTED = new Date('2026-11-22T02:00:00Z');

const sfnMock = mockClient(SFNClient);

function client(): SFNClient {
  return new SFNClient({ region: REGION });
}

function stateMachine(name: string, arn: string) {
  return { name, stateMachineArn: arn, type: 'STANDARD' as const, creationDate: STARTED };
}

/** The deployed stack: the backup and backup-database state machines, on one page. */
function deployedStack(): void {
  sfnMock.on(ListStateMachinesCommand).resolves({
    stateMachines: [
      stateMachine('restorable-prod-backup-database', BACKUP_DATABASE_ARN),
      stateMachine('restorable-prod-backup', BACKUP_ARN),
    ],
  });
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
 * Serves the history as Step Functions does: the whole history so far at
 * every read, `pageSize` events a page. After the n-th DescribeExecution,
 * the first n batches have happened.
 */
function historyGrowing(batches: HistoryEvent[][], pageSize: number): void {
  sfnMock.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryInput) => {
    const polls = sfnMock.commandCalls(DescribeExecutionCommand).length;
    const visible = batches.slice(0, polls).flat();
    const from = input.nextToken === undefined ? 0 : Number(input.nextToken.replace('events-from-', ''));
    const to = from + pageSize;
    return {
      events: visible.slice(from, to),
      ...(to < visible.length ? { nextToken: `events-from-${to}` } : {}),
    };
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
    stage: STAGE,
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

describe('findStateMachineArn', () => {
  it('finds the state machine of exactly that name on a later page of ListStateMachines', async () => {
    // Prepare: the first page holds only names that start like the wanted one.
    sfnMock
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [
          stateMachine('restorable-prod-backup-database', BACKUP_DATABASE_ARN),
          stateMachine('restorable-prod-backup-old', `${BACKUP_ARN}-old`),
        ],
        nextToken: 'page-2',
      })
      .resolvesOnce({ stateMachines: [stateMachine('restorable-prod-backup', BACKUP_ARN)] });

    // Act
    const arn = await findStateMachineArn(client(), 'restorable-prod-backup');

    // Assess
    expect(arn).toBe(BACKUP_ARN);
    expect(sfnMock).toHaveReceivedCommandTimes(ListStateMachinesCommand, 2);
    expect(sfnMock).toHaveReceivedNthCommandWith(ListStateMachinesCommand, 2, { nextToken: 'page-2' });
  });

  it('raises StateMachineNotFoundError naming the state machine and the region when no page has it', async () => {
    // Prepare
    sfnMock
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [stateMachine('other-app', `${BACKUP_ARN}-other`)],
        nextToken: 'page-2',
      })
      .resolvesOnce({ stateMachines: [] });

    // Act
    const lookup = findStateMachineArn(client(), 'restorable-prod-drill');

    // Assess
    await expect(lookup).rejects.toThrow(StateMachineNotFoundError);
    await expect(lookup).rejects.toThrow(/restorable-prod-drill.*eu-west-1/);
    expect(sfnMock).toHaveReceivedCommandTimes(ListStateMachinesCommand, 2);
  });
});

describe('runAwsWorkflow', () => {
  it('reports an undeployed stage as StateMachineNotFoundError with the stage, region and how to fix it', async () => {
    // Prepare: only the prod stage is deployed.
    deployedStack();

    // Act
    const run = runAwsWorkflow('backup', {}, { client: client(), stage: 'staging', wait: false });

    // Assess
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateMachineNotFoundError);
    expect(error).toMatchObject({ name: 'StateMachineNotFoundError' });
    const message = (error as Error).message;
    expect(message).toContain('restorable-staging-backup');
    expect(message).toContain('region eu-west-1');
    expect(message).toContain('stage staging');
    expect(message).toContain('npm run package');
    expect(message).toContain('serverless deploy');
    expect(message).toContain('aws.stage');
    expect(message).toContain('aws.region');
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('starts the execution with the exact input as JSON and the given name, and without wait returns at once', async () => {
    // Prepare
    deployedStack();
    const input = { databaseIds: ['orders', 'billing'], note: 'ünïcode & "quotes"' };

    // Act
    const result = await runAwsWorkflow('backup', input, {
      client: client(),
      stage: STAGE,
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
    deployedStack();
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
    const result = await runAwsWorkflow('backup', { databaseIds: [] }, options);

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
      'entered BackUpDatabase',
      'BackUpEachDatabase: 1/2 done, 0 failed',
      'BackUpDatabase: States.TaskFailed',
      'BackUpEachDatabase: 2/2 done, 0 failed',
      'entered SummarizeRun',
    ]);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(sleep).toHaveBeenCalledWith(1_500);
    expect(sfnMock).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
      executionArn: EXECUTION_ARN,
      nextToken: 'events-from-4',
    });
    for (const call of sfnMock.commandCalls(GetExecutionHistoryCommand)) {
      expect(call.args[0].input.includeExecutionData).toBe(false);
    }
  });

  it('returns FAILED with the error and cause, reporting the failed state and the failed execution', async () => {
    // Prepare
    deployedStack();
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
    const result = await runAwsWorkflow('backup', {}, options);

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
      'DiscoverDatabases: AccessDenied',
      'execution: States.TaskFailed',
    ]);
  });

  it('never reports a history event twice when the same events come back at every poll', async () => {
    // Prepare: nothing new happens during three polls.
    deployedStack();
    executionStatuses({ status: 'RUNNING' }, { status: 'RUNNING' }, { status: 'SUCCEEDED', output: '{}' });
    const start = event('ExecutionStarted', undefined);
    const discover = entered('TaskStateEntered', 'DiscoverDatabases', start.id);
    historyInPages([start], [discover]);
    const { options, progress } = following();

    // Act
    await runAwsWorkflow('backup', {}, options);

    // Assess
    expect(sfnMock).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 6);
    expect(progress).toEqual([`started ${EXECUTION_ARN}`, 'entered DiscoverDatabases']);
  });

  it('keeps following after a throttled DescribeExecution, with a warning, instead of failing the run', async () => {
    // Prepare
    deployedStack();
    sfnMock.on(DescribeExecutionCommand).rejectsOnce(throttling()).resolvesOnce({
      executionArn: EXECUTION_ARN,
      stateMachineArn: BACKUP_ARN,
      status: 'SUCCEEDED',
      output: '{}',
    });
    historyGrowing([[event('ExecutionStarted', undefined)], []], 100);
    const { options, progress, sleep } = following();

    // Act
    const result = await runAwsWorkflow('backup', {}, options);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 2);
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(progress).toContainEqual(expect.stringMatching(/throttling/));
  });

  it('reads the history again after a throttled page, so no event is lost or repeated', async () => {
    // Prepare: the second page of the first read is throttled.
    deployedStack();
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
    const result = await runAwsWorkflow('backup', {}, options);

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
    deployedStack();
    const denied = new SFNServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      message: 'not authorized to perform states:DescribeExecution',
      $metadata: { httpStatusCode: 400 },
    });
    sfnMock.on(DescribeExecutionCommand).rejects(denied);
    const { options } = following();

    // Act
    const run = runAwsWorkflow('backup', {}, options);

    // Assess
    await expect(run).rejects.toThrow(/states:DescribeExecution/);
  });

  it('stops following after maxWaitMs with the execution ARN, leaving the execution running', async () => {
    // Prepare: the execution never ends; each sleep advances the clock.
    deployedStack();
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
    const error = await runAwsWorkflow('backup', {}, options).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(AwsWorkflowWaitTimeoutError);
    expect((error as Error).message).toContain(EXECUTION_ARN);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 8);
    expect(sfnMock).not.toHaveReceivedCommand(StopExecutionCommand);
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
