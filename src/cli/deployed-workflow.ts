// A deployed workflow run for a CLI command (`--target aws`): started and
// followed by the Step Functions adapter, with its progress, its --no-wait
// result and its failure in the command's output.
import { setTimeout as delay } from 'node:timers/promises';
import { awsStackOutputs, type DeployedWorkflow, stateMachineArnOf } from '../adapters/aws/stack.ts';
import { type AwsRunResult, awsSfnClient, runAwsWorkflow } from '../adapters/aws/step-functions.ts';
import { EXIT_FAILURE } from './errors.ts';
import type { CommandContext } from './main.ts';

/**
 * Runs a deployed workflow for a CLI command: starts it, follows it with
 * progress on a terminal, and with --no-wait prints the execution ARN (as
 * people's output and as the JSON result) and returns at once. Interrupted
 * while it follows, it throws the interruption (InterruptedError) and leaves
 * the execution running: stopping it would skip the workflow's own cleanup.
 */
export async function runDeployedWorkflow(
  context: Pick<CommandContext, 'config' | 'flags' | 'output' | 'interruption'>,
  workflow: DeployedWorkflow,
  input: unknown,
): Promise<AwsRunResult> {
  const { config, flags, output, interruption } = context;
  const stackRegion = config.aws.region ?? config.sourceRegion;
  const outputs = await awsStackOutputs(config.aws.stage, stackRegion);
  const run = await runAwsWorkflow(stateMachineArnOf(outputs, workflow), input, {
    client: awsSfnClient(stackRegion),
    wait: flags.wait.follow,
    onProgress: (line) => output.progress(line),
    // Interrupted, it stops following; the execution goes on in Step Functions.
    sleep: (ms) =>
      delay(ms, undefined, { signal: interruption }).catch((error: unknown) => {
        throw interruption.aborted ? interruption.reason : error;
      }),
  });
  if (run.status === 'RUNNING') {
    output.say(`started ${run.executionArn}`);
    output.result({ executionArn: run.executionArn });
  } else if (run.status !== 'SUCCEEDED') {
    output.warn(`${workflow} execution ${run.status}: ${run.error ?? ''} ${run.cause ?? ''}`.trim());
  }
  return run;
}

/**
 * A deployed execution that did not succeed, as the command's --json document
 * (the error object, named by the execution's error) and exit code 1.
 */
export function reportFailedExecution(output: CommandContext['output'], run: AwsRunResult): number {
  output.error(run.error ?? `Execution${run.status}`, run.cause ?? `the execution ended ${run.status}`, {
    executionArn: run.executionArn,
  });
  return EXIT_FAILURE;
}
