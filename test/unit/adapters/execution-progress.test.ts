import { describe, expect, it } from 'vitest';
import {
  ChildNarrator,
  ParentNarrator,
  submittedChildExecution,
} from '../../../src/adapters/aws/execution-progress.ts';
import {
  drillDatabaseHistory,
  executionArnOf,
  HistoryBuilder,
  plannedDrill,
  poll,
} from '../../support/sfn-history.ts';

const DRILL_CHILD = 'restorable-prod-drill-database';
const BACKUP_CHILD = 'restorable-prod-backup-rounds';
const ORDERS_DRILL = executionArnOf(DRILL_CHILD, '3f1c9a52-2b7e-4c1d-9e8f-0a1b2c3d4e5f');
const BILLING_DRILL = executionArnOf(DRILL_CHILD, '7d2e4b61-9c0a-4f3e-8b1d-1a2b3c4d5e6f');

describe('submittedChildExecution', () => {
  it('takes the child execution ARN from the StartExecution response of a startExecution.sync:2 task', () => {
    // Prepare
    const history = new HistoryBuilder();
    const started = history.executionStarted({});
    const submitted = history.startChild('DrillDatabase', DRILL_CHILD, ORDERS_DRILL, {}, started);

    // Act / Assess
    expect(submittedChildExecution(submitted)).toBe(ORDERS_DRILL);
  });

  it.each([
    ['another integration', { resourceType: 'sns', resource: 'publish', output: '{"MessageId":"m"}' }],
    [
      'an output that is not JSON',
      { resourceType: 'states', resource: 'startExecution.sync:2', output: '{"Exec' },
    ],
    [
      'an output without the ARN',
      { resourceType: 'states', resource: 'startExecution.sync:2', output: '{}' },
    ],
  ])('finds no child in the TaskSubmitted event of %s', (_case, details) => {
    const history = new HistoryBuilder();
    const event = history.add('TaskSubmitted', undefined, { taskSubmittedEventDetails: details });

    expect(submittedChildExecution(event)).toBeUndefined();
  });
});

describe('ParentNarrator', () => {
  it('names each state once, counts the Map items and lists the children started and ended', () => {
    // Prepare: the drill workflow drills orders and billing, each in a child execution; billing's fails.
    const history = new HistoryBuilder();
    const started = history.executionStarted({ all: true });
    const swept = history.lambdaTask('SweepSandboxes', {}, { all: true }, started);
    const plan = { drills: [plannedDrill('orders'), plannedDrill('billing')], maxConcurrency: 2 };
    const planned = history.lambdaTask('PlanDrills', {}, plan, swept);
    const map = history.entered('MapStateEntered', 'DrillEachDatabase', plan, planned);
    const mapStarted = history.add('MapStateStarted', map, { mapStateStartedEventDetails: { length: 2 } });
    const firstItem = history.add('MapIterationStarted', mapStarted, {
      mapIterationStartedEventDetails: { name: 'DrillEachDatabase', index: 0 },
    });
    const secondItem = history.add('MapIterationStarted', mapStarted, {
      mapIterationStartedEventDetails: { name: 'DrillEachDatabase', index: 1 },
    });
    const ordersSubmitted = history.startChild(
      'DrillDatabase',
      DRILL_CHILD,
      ORDERS_DRILL,
      plannedDrill('orders'),
      firstItem,
    );
    const billingSubmitted = history.startChild(
      'DrillDatabase',
      DRILL_CHILD,
      BILLING_DRILL,
      plannedDrill('billing'),
      secondItem,
    );
    const firstBatch = history.since(0);
    const mark = history.events.length;
    const ordersExited = history.childSucceeded('DrillDatabase', ordersSubmitted, { verdict: 'pass' });
    history.add('MapIterationSucceeded', ordersExited, {
      mapIterationSucceededEventDetails: { name: 'DrillEachDatabase', index: 0 },
    });
    const billingFailed = history.childFailed(billingSubmitted, 'States.Timeout', 'restore took too long');
    const caught = history.passThrough('Pass', 'DrillFailed', { verdict: 'fail' }, billingFailed);
    history.add('MapIterationSucceeded', caught, {
      mapIterationSucceededEventDetails: { name: 'DrillEachDatabase', index: 1 },
    });
    const narrator = new ParentNarrator();

    // Act
    const first = narrator.narrate(firstBatch);
    const second = narrator.narrate(history.since(mark));

    // Assess
    expect(first).toEqual({
      lines: [
        'entered SweepSandboxes',
        'entered PlanDrills',
        'entered DrillEachDatabase',
        'entered DrillDatabase',
      ],
      childrenStarted: [ORDERS_DRILL, BILLING_DRILL],
      childrenEnded: [],
    });
    // The child's failure is the child's to tell, with its database: no bare "States.TaskFailed" here.
    expect(second).toEqual({
      lines: ['DrillEachDatabase: 1/2 done, 0 failed', 'DrillEachDatabase: 2/2 done, 0 failed'],
      childrenStarted: [],
      childrenEnded: [ORDERS_DRILL, BILLING_DRILL],
    });
  });

  it('says why a task failed, and how the execution ended', () => {
    // Prepare
    const history = new HistoryBuilder();
    const started = history.executionStarted({});
    const failed = history.failedLambdaTask(
      'DiscoverDatabases',
      {},
      'AccessDenied',
      'not authorized to perform rds:DescribeDBInstances',
      started,
    );
    history.add('ExecutionFailed', failed, {
      executionFailedEventDetails: { error: 'AccessDenied', cause: 'not authorized' },
    });

    // Act
    const { lines } = new ParentNarrator().narrate(history.events);

    // Assess
    expect(lines).toEqual([
      'entered DiscoverDatabases',
      'DiscoverDatabases: AccessDenied: not authorized to perform rds:DescribeDBInstances',
      'execution: AccessDenied',
    ]);
  });
});

describe('ChildNarrator', () => {
  it('tells a drill database by database: restore, sandbox available, verify, teardown, verdict', () => {
    // Prepare
    const history = drillDatabaseHistory('orders');

    // Act
    const lines = new ChildNarrator(ORDERS_DRILL).narrate(history.events);

    // Assess: the polling loop (Wait, CheckSandbox, Choice) adds no line.
    expect(lines).toEqual([
      'orders: restore started from restorable-orders-2026-11-22 in eu-central-1',
      'orders: sandbox available, verifying',
      'orders: verification finished',
      'orders: tearing the sandbox down',
      'orders: sandbox deleted',
      'orders: drill PASS, report written',
    ]);
  });

  it("tells a drill verified by the regional verifier of the sandbox's region as one verified here", () => {
    // Prepare: the sandbox is in eu-central-1, outside the stack region, so
    // StartRegionalVerification, a Wait and CheckRegionalVerification polls
    // take VerifySandbox's place (drill-database.asl.json, ChooseVerifier).
    const history = new HistoryBuilder();
    const drill = { ...plannedDrill('orders'), verifiedIn: 'drill-region' };
    const started = history.executionStarted(drill);
    const restore = { restoreRequestedAt: '2026-11-22T05:00:01.000Z', poll: poll(0) };
    const restored = history.lambdaTask('RestoreSandbox', drill, { ...drill, restore }, started);
    const available = { ...drill, restore, availability: { status: 'available' } };
    const checked = history.lambdaTask('CheckSandbox', { drill, poll: poll(0) }, available, restored);
    const chosen = history.passThrough('Choice', 'ChooseVerifier', available, checked);
    const running = { ...available, regionalVerification: { status: 'running', poll: poll(0) } };
    // A state's entered event carries the state's whole input (its Parameters pick the drill from it).
    const startedThere = history.lambdaTask('StartRegionalVerification', available, running, chosen);
    const waited = history.passThrough('Wait', 'WaitForRegionalVerification', running, startedThere);
    const verification = {
      verifiedAt: '2026-11-22T05:24:00.000Z',
      key: `work/drills/${drill.drillId}/v.json`,
    };
    const verified = { ...available, regionalVerification: { status: 'verified', verification } };
    const polled = history.lambdaTask(
      'CheckRegionalVerification',
      { drill, poll: poll(0) },
      verified,
      waited,
    );
    const done = history.passThrough('Choice', 'IsRegionalVerificationDone', verified, polled);
    const kept = history.passThrough('Pass', 'KeepRegionalVerification', verified, done);
    history.lambdaTask('TeardownSandbox', { drill }, { ...verified, verification }, kept);

    // Act
    const lines = new ChildNarrator(ORDERS_DRILL).narrate(history.events);

    // Assess
    expect(lines).toEqual([
      'orders: restore started from restorable-orders-2026-11-22 in eu-central-1',
      'orders: sandbox available, verifying in eu-central-1',
      'orders: verification finished',
      'orders: tearing the sandbox down',
      'orders: sandbox deleted',
    ]);
  });

  it('gives the same lines when the history arrives a few events at a time', () => {
    // Prepare
    const history = drillDatabaseHistory('orders');
    const narrator = new ChildNarrator(ORDERS_DRILL);

    // Act
    const lines: string[] = [];
    for (let from = 0; from < history.events.length; from += 3) {
      lines.push(...narrator.narrate(history.events.slice(from, from + 3)));
    }

    // Assess
    expect(lines).toEqual(new ChildNarrator(ORDERS_DRILL).narrate(history.events));
    expect(lines).toHaveLength(6);
  });

  it('tells a failed restore with its error, then the teardown that follows it and a failed teardown', () => {
    // Prepare
    const history = new HistoryBuilder();
    const drill = plannedDrill('orders');
    const started = history.executionStarted(drill);
    const failed = history.failedLambdaTask(
      'RestoreSandbox',
      drill,
      'InvalidStateError',
      'snapshot restorable-orders-2026-11-22 is not available',
      started,
    );
    const error = { Error: 'InvalidStateError', Cause: '{"errorMessage":"snapshot is not available"}' };
    const teardownFailed = history.failedLambdaTask(
      'TeardownSandbox',
      { drill },
      'ThrottlingError',
      'Rate exceeded',
      failed,
    );
    const teardownError = { Error: 'ThrottlingError', Cause: '{"errorMessage":"Rate exceeded"}' };
    const passed = history.passThrough(
      'Pass',
      'TeardownFailed',
      { ...drill, error, teardownError },
      teardownFailed,
    );
    history.lambdaTask('WriteDrillReport', {}, { verdict: 'fail', database: 'orders' }, passed);

    // Act
    const lines = new ChildNarrator(ORDERS_DRILL).narrate(history.events);

    // Assess
    expect(lines).toEqual([
      'orders: restore started from restorable-orders-2026-11-22 in eu-central-1',
      'orders: RestoreSandbox failed: InvalidStateError: snapshot restorable-orders-2026-11-22 is not available',
      'orders: tearing the sandbox down',
      'orders: TeardownSandbox failed: ThrottlingError: Rate exceeded',
      'orders: teardown failed: ThrottlingError: Rate exceeded; the sweeper removes the sandbox once it expires',
      'orders: drill FAIL, report written',
    ]);
  });

  it("tells a backup's steps: how many databases are done, and when the next step is", () => {
    // Prepare: backup-rounds takes two steps, the first waiting on its copies.
    const history = new HistoryBuilder();
    const started = history.executionStarted({ runId: 'backup-2026-11-22', round: 0 });
    const step = (round: number, settled: number, done: boolean, waitSeconds: number) => ({
      runId: 'backup-2026-11-22',
      round,
      done,
      waitSeconds,
      databases: 40,
      settled,
    });
    const first = history.lambdaTask('AdvanceBackup', {}, step(1, 0, false, 1200), started);
    const waited = history.passThrough('Wait', 'WaitForNextStep', step(1, 0, false, 1200), first);
    const failed = history.failedLambdaTask(
      'AdvanceBackup',
      {},
      'ThrottlingError',
      'SlowDown: reduce your request rate',
      waited,
    );
    history.lambdaTask('AdvanceBackup', {}, step(2, 40, true, 0), failed);
    const narrator = new ChildNarrator(executionArnOf(BACKUP_CHILD, '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b'));

    // Act
    const lines = narrator.narrate(history.events);

    // Assess
    expect(lines).toEqual([
      '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b: step 1: 0/40 databases done, next step in 1200 s',
      '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b: AdvanceBackup failed: ThrottlingError: SlowDown: reduce your request rate',
      '0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b: step 2: 40/40 databases done',
    ]);
  });

  it('names the execution until its input names the database, and tells how it ended', () => {
    // Prepare: only the end of a history is read (its start was never seen).
    const history = new HistoryBuilder();
    const started = history.executionStarted({ database: { id: 'orders' } });
    history.add('ExecutionFailed', started, {
      executionFailedEventDetails: {
        error: 'States.Runtime',
        cause: 'An error occurred while executing the state',
      },
    });
    const narrator = new ChildNarrator(ORDERS_DRILL);

    // Act
    const lines = narrator.narrate(history.events.slice(1));

    // Assess
    expect(lines).toEqual([
      '3f1c9a52-2b7e-4c1d-9e8f-0a1b2c3d4e5f: execution FAILED: States.Runtime: An error occurred while executing the state',
    ]);
  });

  it('tells only failures and the end for a child workflow it has no steps for', () => {
    // Prepare
    const history = new HistoryBuilder();
    const started = history.executionStarted({ database: { id: 'orders' } });
    const ran = history.lambdaTask('SomethingElse', {}, {}, started);
    history.add('ExecutionAborted', ran, { executionAbortedEventDetails: {} });

    // Act
    const lines = new ChildNarrator(executionArnOf('restorable-prod-other', 'x')).narrate(history.events);

    // Assess
    expect(lines).toEqual(['orders: execution ABORTED']);
  });
});
