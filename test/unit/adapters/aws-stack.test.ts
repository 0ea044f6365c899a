import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  type Output,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  awsStackOutputs,
  forgetStackOutputs,
  readStackOutputs,
  StackNotFoundError,
  StackNotReadyError,
  StackOutputMissingError,
  stackOutput,
  stateMachineArnOf,
} from '../../../src/adapters/aws/stack.ts';

const cloudFormationMock = mockClient(CloudFormationClient);
const client = () => new CloudFormationClient({ region: 'eu-west-1' });
const DRILL_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:restorable-prod-drill';

function deployed(outputs: Record<string, string>, StackStatus: StackStatus = 'UPDATE_COMPLETE'): void {
  const Outputs: Output[] = Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
    OutputKey,
    OutputValue,
  }));
  cloudFormationMock.on(DescribeStacksCommand, { StackName: 'restorable-prod' }).resolves({
    Stacks: [
      {
        StackName: 'restorable-prod',
        StackStatus,
        CreationTime: new Date('2026-02-01T00:00:00Z'),
        Outputs,
      },
    ],
  });
}

/** What CloudFormation answers for a stack that does not exist (DescribeStacks, AWS CloudFormation API Reference). */
function noStack(stackName: string): CloudFormationServiceException {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    message: `Stack with id ${stackName} does not exist`,
    $metadata: { httpStatusCode: 400 },
  });
}

beforeEach(() => {
  cloudFormationMock.reset();
  forgetStackOutputs();
});

describe('readStackOutputs', () => {
  it('takes the state machines and the report bucket from one DescribeStacks of the stack', async () => {
    // Prepare
    deployed({ ReportsBucketName: 'restorable-prod-reportsbucket-1a', DrillStateMachineArn: DRILL_ARN });

    // Act
    const outputs = await readStackOutputs(client(), 'restorable-prod');

    // Assess
    expect(stateMachineArnOf(outputs, 'drill')).toBe(DRILL_ARN);
    expect(stackOutput(outputs, 'ReportsBucketName')).toBe('restorable-prod-reportsbucket-1a');
    expect(cloudFormationMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
  });

  it('raises StackNotFoundError naming the stack and region, and how to fix it, when the stack does not exist', async () => {
    // Prepare
    cloudFormationMock.on(DescribeStacksCommand).rejects(noStack('restorable-staging'));

    // Act
    const error = await readStackOutputs(client(), 'restorable-staging').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(StackNotFoundError);
    expect(error).toMatchObject({ name: 'StackNotFoundError', stackName: 'restorable-staging' });
    const message = (error as Error).message;
    expect(message).toContain('stack restorable-staging not found in region eu-west-1');
    expect(message).toContain('serverless deploy');
    expect(message).toContain('aws.stage');
    expect(message).toContain('aws.region');
  });

  it.each([
    ['ROLLBACK_COMPLETE', 'its creation failed'],
    ['CREATE_IN_PROGRESS', 'being created'],
    ['DELETE_IN_PROGRESS', 'being deleted'],
  ] as const)(
    'says a stack that is %s has no outputs to use, and why, rather than blaming its version',
    async (status, why) => {
      // Prepare: a stack whose creation failed keeps no outputs
      deployed({}, status);

      // Act
      const error = await readStackOutputs(client(), 'restorable-prod').catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(StackNotReadyError);
      expect(error).toMatchObject({ name: 'StackNotReadyError', stackName: 'restorable-prod', status });
      expect((error as Error).message).toContain(`stack restorable-prod is ${status}`);
      expect((error as Error).message).toContain(why);
      expect((error as Error).message).not.toContain('another version');
    },
  );

  it('uses a stack whose update failed and rolled back: it still has the outputs of its last deployment', async () => {
    deployed({ DrillStateMachineArn: DRILL_ARN }, 'UPDATE_ROLLBACK_COMPLETE');

    const outputs = await readStackOutputs(client(), 'restorable-prod');

    expect(stateMachineArnOf(outputs, 'drill')).toBe(DRILL_ARN);
  });

  it('rethrows any other failure, such as a denied DescribeStacks', async () => {
    // Prepare
    cloudFormationMock.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'not authorized to perform: cloudformation:DescribeStacks',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    // Act
    const lookup = readStackOutputs(client(), 'restorable-prod');

    // Assess
    await expect(lookup).rejects.toThrow(/cloudformation:DescribeStacks/);
    await expect(lookup).rejects.not.toBeInstanceOf(StackNotFoundError);
  });

  it('names the output and the stack when a stack of an older version lacks the one a command needs', async () => {
    // Prepare: deployed before the seal workflow existed.
    deployed({ DrillStateMachineArn: DRILL_ARN });

    // Act
    const outputs = await readStackOutputs(client(), 'restorable-prod');
    const error = (() => {
      try {
        return stateMachineArnOf(outputs, 'seal');
      } catch (caught) {
        return caught;
      }
    })();

    // Assess: what it has still serves.
    expect(error).toBeInstanceOf(StackOutputMissingError);
    expect((error as Error).message).toContain('stack restorable-prod has no output SealStateMachineArn');
    expect(stateMachineArnOf(outputs, 'drill')).toBe(DRILL_ARN);
  });

  it('refuses an output that is not a state machine ARN, naming it', async () => {
    // Prepare
    deployed({ DrillStateMachineArn: 'restorable-prod-drill' });

    // Act
    const lookup = readStackOutputs(client(), 'restorable-prod');

    // Assess
    await expect(lookup).rejects.toThrow(StackOutputMissingError);
    await expect(lookup).rejects.toThrow('stack restorable-prod has an invalid output DrillStateMachineArn');
  });
});

describe('awsStackOutputs', () => {
  it('reads the stack once a process, whatever the number of commands that ask', async () => {
    // Prepare
    deployed({ DrillStateMachineArn: DRILL_ARN });

    // Act
    const first = await awsStackOutputs('prod', 'eu-west-1');
    const second = await awsStackOutputs('prod', 'eu-west-1');

    // Assess
    expect(second).toBe(first);
    expect(cloudFormationMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 1);
  });

  it('reads again after a failed read', async () => {
    // Prepare: the stack is deployed after the first read.
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejectsOnce(noStack('restorable-prod'))
      .resolves({
        Stacks: [
          {
            StackName: 'restorable-prod',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: [{ OutputKey: 'DrillStateMachineArn', OutputValue: DRILL_ARN }],
          },
        ],
      });

    // Act
    const failed = await awsStackOutputs('prod', 'eu-west-1').catch((caught: unknown) => caught);
    const outputs = await awsStackOutputs('prod', 'eu-west-1');

    // Assess
    expect(failed).toBeInstanceOf(StackNotFoundError);
    expect(stateMachineArnOf(outputs, 'drill')).toBe(DRILL_ARN);
    expect(cloudFormationMock).toHaveReceivedCommandTimes(DescribeStacksCommand, 2);
  });
});
