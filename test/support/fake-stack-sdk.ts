// The deployed stack as CloudFormation describes it, for tests of the
// `--target aws` commands: DescribeStacks of `restorable-<stage>` answers its
// outputs (infra/resources.ts and infra/workflows.ts, `Outputs`); any other stack does not exist, with
// the ValidationError CloudFormation gives (DescribeStacks, AWS CloudFormation
// API Reference).
import {
  type CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
  type DescribeStacksCommandInput,
} from '@aws-sdk/client-cloudformation';
import type { AwsClientStub } from 'aws-sdk-client-mock';

const ACCOUNT = '123456789012';

/** The outputs of a stack of `stage` in `region`, as this version deploys it. */
export function stackOutputsOf(stage: string, region = 'eu-west-1') {
  const stateMachine = (workflow: string) =>
    `arn:aws:states:${region}:${ACCOUNT}:stateMachine:restorable-${stage}-${workflow}`;
  return {
    ReportsBucketName: `restorable-${stage}-reportsbucket-1x2y3z4w5v6u`,
    WorkBucketName: `restorable-${stage}-workbucket-6u5v4w3z2y1x`,
    AlertTopicArn: `arn:aws:sns:${region}:${ACCOUNT}:restorable-${stage}-alerts`,
    BackupStateMachineArn: stateMachine('backup'),
    PruneStateMachineArn: stateMachine('prune'),
    DrillStateMachineArn: stateMachine('drill'),
    SweeperStateMachineArn: stateMachine('sweeper'),
    SealStateMachineArn: stateMachine('seal'),
    ReportStateMachineArn: stateMachine('report'),
  };
}

/** Deploys `restorable-<stage>` with these outputs (by default, all of this version's). */
export function installFakeStack(
  mock: AwsClientStub<CloudFormationClient>,
  stage = 'prod',
  outputs: Record<string, string> = stackOutputsOf(stage),
): void {
  const stackName = `restorable-${stage}`;
  mock.on(DescribeStacksCommand).callsFake((input: DescribeStacksCommandInput) => {
    if (input.StackName !== stackName) {
      throw new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        message: `Stack with id ${input.StackName} does not exist`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      Stacks: [
        {
          StackName: stackName,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date('2026-02-01T00:00:00Z'),
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    };
  });
}
