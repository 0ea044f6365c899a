// Child executions in the local runner answer StartExecution as Step
// Functions does (StartExecution API reference, `name`): a name in use by an
// open execution of the state machine with the same input is that execution,
// so a retried start is idempotent; with another input, or once that
// execution has closed, the start fails with ExecutionAlreadyExists.
import { describe, expect, it } from 'vitest';
import type { ExecutionMeasure } from '../../src/workflow-runner/execution-limits.ts';
import {
  type Definition,
  LocalWorkflowRunner,
  localStateMachineArn,
} from '../../src/workflow-runner/local-runner.ts';
import { noTaskDependencies } from '../support/local-cloud.ts';

const CHILD_ARN = localStateMachineArn('backup-rounds');

/** Counts to 100 in Pass states: a child that stays open over many turns of the event loop. */
const counting = {
  StartAt: 'Count',
  States: {
    Count: {
      Type: 'Pass',
      Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'tag.$': '$.tag' },
      Next: 'IsDone',
    },
    IsDone: {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericGreaterThanEquals: 100, Next: 'Done' }],
      Default: 'Count',
    },
    Done: { Type: 'Pass', Parameters: { 'counted.$': '$.n', 'tag.$': '$.tag' }, End: true },
  },
} as unknown as Definition;

const start = (resource: string, input: Record<string, unknown>, refusedState: string) => ({
  Type: 'Task',
  Resource: resource,
  Parameters: { StateMachineArn: CHILD_ARN, Name: 'round-1', Input: input },
  Catch: [{ ErrorEquals: ['States.ALL'], Next: refusedState }],
  End: true,
});

const refused = { Type: 'Pass', Parameters: { 'error.$': '$.Error' }, End: true };

/** Two branches starting a child of one name at once: a start and its retry racing. */
const startingTwice = (secondInput: Record<string, unknown>) =>
  ({
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'StartFirst',
            States: {
              StartFirst: start(
                'arn:aws:states:::states:startExecution.sync:2',
                { n: 0, tag: 'a' },
                'FirstRefused',
              ),
              FirstRefused: refused,
            },
          },
          {
            StartAt: 'StartSecond',
            States: {
              StartSecond: start(
                'arn:aws:states:::states:startExecution.sync:2',
                secondInput,
                'SecondRefused',
              ),
              SecondRefused: refused,
            },
          },
        ],
        End: true,
      },
    },
  }) as unknown as Definition;

/** A child started, then started again under its name once it has closed. */
const startingAfterClose = {
  StartAt: 'First',
  States: {
    First: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: CHILD_ARN, Name: 'round-1', Input: { n: 0, tag: 'a' } },
      ResultSelector: { 'counted.$': '$.Output.counted' },
      ResultPath: '$.first',
      Next: 'Again',
    },
    Again: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: CHILD_ARN, Name: 'round-1', Input: { n: 0, tag: 'a' } },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.again', Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', Parameters: { 'first.$': '$.first', 'error.$': '$.again.Error' }, End: true },
  },
} as unknown as Definition;

/** The plain integration returns once the child has started; `.sync` (v1) gives the output as text. */
const startingWithoutWaiting = {
  StartAt: 'Start',
  States: {
    Start: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { StateMachineArn: CHILD_ARN, Name: 'round-1', Input: { n: 0, tag: 'a' } },
      ResultSelector: { 'arn.$': '$.ExecutionArn' },
      ResultPath: '$.started',
      Next: 'Follow',
    },
    Follow: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync',
      Parameters: { StateMachineArn: CHILD_ARN, Name: 'round-1', Input: { n: 0, tag: 'a' } },
      ResultSelector: { 'arn.$': '$.ExecutionArn', 'output.$': '$.Output' },
      ResultPath: '$.followed',
      End: true,
    },
  },
} as unknown as Definition;

function runner(parent: Definition, measures: ExecutionMeasure[]) {
  return new LocalWorkflowRunner({
    dependencies: noTaskDependencies(() => new Date('2026-11-20T02:00:00Z')),
    definitions: { parent, 'backup-rounds': counting },
    onExecutionMeasured: (measure) => measures.push(measure),
  });
}

const children = (measures: readonly ExecutionMeasure[]) =>
  measures.filter((measure) => measure.workflow === 'backup-rounds').map((measure) => measure.executionName);

describe('StartExecution with a Name in the local runner', () => {
  it('is idempotent while the execution of that name runs with the same input: one child, one output', async () => {
    const measures: ExecutionMeasure[] = [];

    const output = await runner(startingTwice({ n: 0, tag: 'a' }), measures).run('parent', {});

    expect(children(measures)).toEqual(['round-1']);
    const [first, second] = output as { Output: unknown; ExecutionArn: string }[];
    expect(first?.Output).toEqual({ counted: 100, tag: 'a' });
    expect(second?.Output).toEqual(first?.Output);
    expect(second?.ExecutionArn).toBe(first?.ExecutionArn);
    expect(first?.ExecutionArn).toBe(`${CHILD_ARN.replace(':stateMachine:', ':execution:')}:round-1`);
  });

  it('fails with ExecutionAlreadyExists when the open execution of that name has another input', async () => {
    const measures: ExecutionMeasure[] = [];

    const output = await runner(startingTwice({ n: 0, tag: 'b' }), measures).run('parent', {});

    expect(children(measures)).toEqual(['round-1']);
    expect(output).toEqual([
      expect.objectContaining({ Output: { counted: 100, tag: 'a' } }),
      { error: 'StepFunctions.ExecutionAlreadyExistsException' },
    ]);
  });

  it('fails with ExecutionAlreadyExists once the execution of that name has closed, whatever the input', async () => {
    const measures: ExecutionMeasure[] = [];

    const output = await runner(startingAfterClose, measures).run('parent', {});

    expect(children(measures)).toEqual(['round-1']);
    expect(output).toEqual({
      first: { counted: 100 },
      error: 'StepFunctions.ExecutionAlreadyExistsException',
    });
  });

  it('starts without waiting on the plain integration, and .sync follows the open execution of that name', async () => {
    const measures: ExecutionMeasure[] = [];

    const output = (await runner(startingWithoutWaiting, measures).run('parent', {})) as {
      started: { arn: string };
      followed: { arn: string; output: string };
    };

    expect(children(measures)).toEqual(['round-1']);
    expect(output.followed.arn).toBe(output.started.arn);
    expect(JSON.parse(output.followed.output)).toEqual({ counted: 100, tag: 'a' });
  });
});
