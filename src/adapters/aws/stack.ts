// What the CLI's `--target aws` commands know of the deployed stack: its
// outputs (infra/resources.ts and infra/workflows.ts, `Outputs`), read with one DescribeStacks of
// `restorable-<stage>` in the stack's region. The state machines and the
// report bucket are taken from them rather than found by listing every state
// machine or bucket of the account: one request, the caller needs only
// cloudformation:DescribeStacks on the stack, and a bucket left behind by a
// deleted stack of the same name is never taken for the current one.
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { clientForRegion } from './clients.ts';

import {
  isNotReady,
  StackNotFoundError,
  StackNotReadyError,
  StackOutputMissingError,
} from './stack-errors.ts';

export { StackNotFoundError, StackNotReadyError, StackOutputMissingError };

const stateMachineArn = z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]+$/);

/**
 * The outputs the CLI reads. Each is optional here so that a stack deployed
 * before an output existed still runs the commands that do not need it; the
 * one a command needs is required when it is taken (`stackOutput`).
 */
const stackOutputsSchema = z.object({
  ReportsBucketName: z.string().min(3).optional(),
  BackupStateMachineArn: stateMachineArn.optional(),
  PruneStateMachineArn: stateMachineArn.optional(),
  DrillStateMachineArn: stateMachineArn.optional(),
  SweeperStateMachineArn: stateMachineArn.optional(),
  SealStateMachineArn: stateMachineArn.optional(),
  ReportStateMachineArn: stateMachineArn.optional(),
});

export type StackOutputName = keyof z.infer<typeof stackOutputsSchema>;

/** The outputs of one deployed stack, validated. */
export interface StackOutputs {
  readonly stackName: string;
  readonly values: Readonly<Partial<Record<StackOutputName, string>>>;
}

/** The workflows the CLI starts, and the output holding each one's state machine ARN. */
const STATE_MACHINE_OUTPUTS = {
  backup: 'BackupStateMachineArn',
  prune: 'PruneStateMachineArn',
  drill: 'DrillStateMachineArn',
  sweeper: 'SweeperStateMachineArn',
  seal: 'SealStateMachineArn',
  report: 'ReportStateMachineArn',
} as const satisfies Record<string, StackOutputName>;

export type DeployedWorkflow = keyof typeof STATE_MACHINE_OUTPUTS;

/** The stack of a stage: osls names it `<service>-<stage>`, and the service is `restorable`. */
export function stackNameOf(stage: string): string {
  return `restorable-${stage}`;
}

const s3Client = (region: string) => new S3Client({ region, maxAttempts: 5 });
const cloudFormationClient = (region: string) => new CloudFormationClient({ region, maxAttempts: 5 });

/** The one S3 client of a region for the command line (and whatever else in the process reads the stack's reports). */
export function awsS3Client(region: string): S3Client {
  return clientForRegion(s3Client, region);
}

/** The one CloudFormation client of a region for the command line. */
export function awsCloudFormationClient(region: string): CloudFormationClient {
  return clientForRegion(cloudFormationClient, region);
}

/**
 * Reads and validates the outputs of `stackName` with one DescribeStacks.
 * CloudFormation answers a stack that does not exist with a ValidationError
 * "Stack with id <name> does not exist" (DescribeStacks, AWS CloudFormation
 * API Reference): that one is StackNotFoundError, any other failure is rethrown.
 */
export async function readStackOutputs(
  client: CloudFormationClient,
  stackName: string,
): Promise<StackOutputs> {
  let stacks: DescribeStacksCommandOutput['Stacks'];
  try {
    ({ Stacks: stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName })));
  } catch (error) {
    if (isStackMissing(error))
      throw new StackNotFoundError(stackName, await regionOf(client), { cause: error });
    throw error;
  }
  const [stack] = stacks ?? [];
  if (stack === undefined) throw new StackNotFoundError(stackName, await regionOf(client));
  if (stack.StackStatus !== undefined && isNotReady(stack.StackStatus)) {
    throw new StackNotReadyError(stackName, stack.StackStatus);
  }
  const raw: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined)
      raw[output.OutputKey] = output.OutputValue;
  }
  const parsed = stackOutputsSchema.safeParse(raw);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new StackOutputMissingError(
      stackName,
      String(issue?.path[0] ?? '(unknown)'),
      'has an invalid output',
    );
  }
  return { stackName, values: parsed.data };
}

const cache = new Map<string, Promise<StackOutputs>>();

/**
 * The outputs of `restorable-<stage>` in `region`, read once a process: a
 * command that needs several of them asks once. A failed read is not kept,
 * so the next asks again.
 */
export function awsStackOutputs(stage: string, region: string): Promise<StackOutputs> {
  const stackName = stackNameOf(stage);
  const key = `${region}/${stackName}`;
  let outputs = cache.get(key);
  if (outputs === undefined) {
    outputs = readStackOutputs(awsCloudFormationClient(region), stackName);
    cache.set(key, outputs);
    outputs.catch(() => cache.delete(key));
  }
  return outputs;
}

/** Forgets the outputs read so far: for a process that deploys or switches stacks, and for tests. */
export function forgetStackOutputs(): void {
  cache.clear();
}

/** The output a command needs; StackOutputMissingError names it and the stack when the stack has none. */
export function stackOutput(outputs: StackOutputs, name: StackOutputName): string {
  const value = outputs.values[name];
  if (value === undefined) throw new StackOutputMissingError(outputs.stackName, name);
  return value;
}

/** ARN of the state machine of a workflow, from the stack's outputs. */
export function stateMachineArnOf(outputs: StackOutputs, workflow: DeployedWorkflow): string {
  return stackOutput(outputs, STATE_MACHINE_OUTPUTS[workflow]);
}

function isStackMissing(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationError' &&
    /Stack with id .* does not exist/.test(error.message)
  );
}

async function regionOf(client: CloudFormationClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return '(unknown region)';
  }
}
