// The local runner holds every execution to the Step Functions limits that a
// fleet runs into, as AWS does, so that a workflow which would fail on AWS
// fails its tests here: 256 KiB (262,144 bytes of UTF-8) for the input or
// output of any state, task or execution, and 25,000 events of history
// (AWS Step Functions developer guide: Service quotas; Avoid reaching the
// history quota).
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DATA_LIMIT_EXCEEDED,
  type ExecutionMeasure,
  HISTORY_LIMIT_EXCEEDED,
  MAX_HISTORY_EVENTS,
  MAX_PAYLOAD_BYTES,
} from '../../src/workflow-runner/execution-limits.ts';
import {
  type Definition,
  LocalWorkflowRunner,
  localStateMachineArn,
  WorkflowExecutionFailedError,
} from '../../src/workflow-runner/local-runner.ts';
import { noTaskDependencies } from '../support/local-cloud.ts';

/**
 * Doubles its input's `blob` inside a Parallel branch, so that the Parallel
 * state's output, `[{"a":blob,"b":blob}]`, is 2 × blob bytes + 17. A Catch on
 * States.ALL stands ready to swallow any error.
 */
const doubling = {
  StartAt: 'Double',
  States: {
    Double: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Twice',
          States: { Twice: { Type: 'Pass', Parameters: { 'a.$': '$.blob', 'b.$': '$.blob' }, End: true } },
        },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
      Next: 'Done',
    },
    Caught: { Type: 'Succeed' },
    Done: { Type: 'Succeed' },
  },
} as unknown as Definition;

/**
 * Counts from 0 to `n`: 4 events per round (PassStateEntered/Exited,
 * ChoiceStateEntered/Exited), plus ExecutionStarted, the Succeed state's two
 * and ExecutionSucceeded: 4n + 4 in all.
 */
const counting = {
  StartAt: 'Count',
  States: {
    Count: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)', 'n.$': '$.n' }, Next: 'Enough' },
    Enough: {
      Type: 'Choice',
      Choices: [{ Variable: '$.i', NumericGreaterThanEqualsPath: '$.n', Next: 'Done' }],
      Default: 'Count',
    },
    Done: { Type: 'Succeed' },
  },
} as unknown as Definition;

/**
 * Runs `counting` twice, each time as a child execution, standing in for
 * backup-rounds (the runner starts children of the workflows it knows).
 */
const countingTwice = {
  StartAt: 'CountOnce',
  States: {
    CountOnce: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: localStateMachineArn('backup-rounds'), 'Input.$': '$' },
      ResultPath: null,
      Next: 'CountAgain',
    },
    CountAgain: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: localStateMachineArn('backup-rounds'), 'Input.$': '$' },
      ResultPath: null,
      End: true,
    },
  },
} as unknown as Definition;

/** An inline Map of one Pass state per item. */
const mapping = {
  StartAt: 'EachItem',
  States: {
    EachItem: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Item',
        States: { Item: { Type: 'Pass', End: true } },
      },
      End: true,
    },
  },
} as unknown as Definition;

let measures: ExecutionMeasure[] = [];

function runnerWith(limits: 'enforce' | 'measure') {
  return new LocalWorkflowRunner({
    dependencies: noTaskDependencies(() => new Date('2026-11-20T02:00:00Z')),
    definitions: { doubling, counting, countingTwice, mapping, 'backup-rounds': counting },
    onExecutionMeasured: (measure) => measures.push(measure),
    limits,
  });
}

// One runner each: a definition is validated once per runner (~0.4 s).
const enforcing = runnerWith('enforce');
const measuring = runnerWith('measure');

beforeEach(() => {
  measures = [];
});

async function failureOf(run: Promise<unknown>): Promise<WorkflowExecutionFailedError> {
  const failure = await run.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(failure instanceof WorkflowExecutionFailedError))
    throw new Error(`expected a failed execution, got ${String(failure)}`);
  return failure;
}

describe('the payload limit', () => {
  it('lets a state output of 262,143 bytes through', async () => {
    const blob = 'x'.repeat(131_063);

    const output = await enforcing.run('doubling', { blob });

    expect(output).toEqual([{ a: blob, b: blob }]);
    expect(measures).toEqual([
      expect.objectContaining({
        largestPayloadBytes: MAX_PAYLOAD_BYTES - 1,
        largestPayloadAt: 'StateExited Double',
      }),
    ]);
  });

  it('fails the execution with States.DataLimitExceeded one byte over, counting UTF-8 bytes rather than characters, and no Catch on States.ALL stops it', async () => {
    // One 2-byte character: 262,143 characters, 262,145 bytes.
    const blob = `é${'x'.repeat(131_062)}`;

    const failure = await failureOf(enforcing.run('doubling', { blob }));

    expect(failure.error).toBe(DATA_LIMIT_EXCEEDED);
    expect(failure.executionCause).toContain('262145 bytes');
  });

  it('only reports the breach when told to measure', async () => {
    const blob = 'x'.repeat(140_000);

    await measuring.run('doubling', { blob });

    expect(measures[0]?.largestPayloadBytes).toBe(2 * 140_000 + 17);
  });
});

describe('the history limit', () => {
  it('lets an execution end when its 25,000th event is ExecutionSucceeded', async () => {
    await enforcing.run('counting', { i: 0, n: 6_249 });

    expect(measures[0]).toMatchObject({ historyEvents: MAX_HISTORY_EVENTS, stateTransitions: 2 * 6_249 + 1 });
  });

  it('fails a loop whose history would pass 25,000 events', async () => {
    const failure = await failureOf(enforcing.run('counting', { i: 0, n: 6_250 }));

    expect(failure.error).toBe(HISTORY_LIMIT_EXCEEDED);
  });

  it('gives each child execution a history of its own', async () => {
    // 14,004 events each: the two together would pass the limit in one history.
    await enforcing.run('countingTwice', { i: 0, n: 3_500 });

    expect(measures.map((measure) => [measure.workflow, measure.historyEvents])).toEqual([
      ['backup-rounds', 14_004],
      ['backup-rounds', 14_004],
      // ExecutionStarted, 2 × 6 for each .sync Task, ExecutionSucceeded.
      ['countingTwice', 14],
    ]);
  });

  it("counts an inline Map's iterations in the parent's history", async () => {
    await enforcing.run('mapping', { items: [1, 2, 3] });

    // ExecutionStarted; MapStateEntered, MapStateStarted; per item
    // MapIterationStarted, PassStateEntered, PassStateExited,
    // MapIterationSucceeded; MapStateSucceeded, MapStateExited; ExecutionSucceeded.
    expect(measures).toEqual([
      expect.objectContaining({ historyEvents: 1 + 2 + 3 * 4 + 2 + 1, stateTransitions: 4 }),
    ]);
  });
});
