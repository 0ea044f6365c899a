// Reading the deployed stack's outputs (src/adapters/aws/stack.ts) over
// moto_server's CloudFormation: a stack created from a small template whose
// outputs are the `Ref` of an S3 bucket it creates and a literal state machine
// ARN, read back with DescribeStacks; and DescribeStacks of a stack that does
// not exist, whose ValidationError "Stack with id … does not exist"
// (DescribeStacks, AWS CloudFormation API Reference) is StackNotFoundError.
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readStackOutputs,
  StackNotFoundError,
  StackOutputMissingError,
  stackOutput,
  stateMachineArnOf,
} from '../../src/adapters/aws/stack.ts';
import { credentials, motoEndpoint, resetMoto } from './moto.ts';

const REGION = 'eu-west-1';
const DRILL_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:restorable-prod-drill';
let client: CloudFormationClient;

/** The report bucket and the drill workflow's output, as the stack (infra/) declares them. */
const TEMPLATE = JSON.stringify({
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: { ReportsBucket: { Type: 'AWS::S3::Bucket' } },
  Outputs: {
    ReportsBucketName: { Value: { Ref: 'ReportsBucket' } },
    DrillStateMachineArn: { Value: DRILL_ARN },
  },
});

beforeAll(async () => {
  await resetMoto();
  client = new CloudFormationClient({ region: REGION, endpoint: motoEndpoint(), credentials });
});

afterAll(() => {
  client?.destroy();
});

describe('readStackOutputs over moto_server', () => {
  it('reads back the outputs of a created stack: the bucket CloudFormation named, the state machine ARN', async () => {
    // Prepare
    await client.send(new CreateStackCommand({ StackName: 'restorable-prod', TemplateBody: TEMPLATE }));

    // Act
    const outputs = await readStackOutputs(client, 'restorable-prod');

    // Assess: the bucket is the one the stack created.
    const bucket = stackOutput(outputs, 'ReportsBucketName');
    expect(bucket).toMatch(/^restorable-prod-reportsbucket-/i);
    const s3 = new S3Client({ region: REGION, endpoint: motoEndpoint(), credentials, forcePathStyle: true });
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    s3.destroy();
    expect(stateMachineArnOf(outputs, 'drill')).toBe(DRILL_ARN);
    expect(() => stateMachineArnOf(outputs, 'backup')).toThrow(StackOutputMissingError);
  });

  it('says the stack is not found, naming it and the region, when it does not exist', async () => {
    // Act
    const error = await readStackOutputs(client, 'restorable-staging').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(StackNotFoundError);
    expect((error as Error).message).toContain('stack restorable-staging not found in region eu-west-1');
  });
});
