// The regional verifier adapter over moto_server's Step Functions API: the
// state machine the regional verifier stack deploys, found in the drill's
// region by the name the main stack derives, its executions started and
// described by the ARNs the adapter builds. moto accepts executions and does
// not run them (no Lambda), so they stay RUNNING: what the drill workflow
// sees until the verifier is done.
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsRegionalVerifierProvider } from '../../src/adapters/aws/regional-verifier.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import type { VerificationRequest } from '../../src/tasks/verification-request.ts';
import { credentials, motoEndpoint, resetMoto } from './moto.ts';

const DRILL_REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const NAME = 'restorable-prod-verify-sandbox-in-region';
const PATTERN = `arn:aws:states:{region}:${ACCOUNT}:stateMachine:${NAME}`;
const SANDBOX_ID = 'rsbx-orders-20261102060000';
const REQUEST: VerificationRequest = {
  sandbox: { region: DRILL_REGION, kind: 'instance', id: SANDBOX_ID },
  databaseId: 'orders',
  consistencyTimeBudgetSeconds: 300,
  assertions: [{ name: 'orders exist', sql: 'select count(*) from orders', expect: { min: 1 } }],
};

const client = (region: string) =>
  new SFNClient({ region, endpoint: motoEndpoint(), credentials, maxAttempts: 1 });

beforeAll(async () => {
  await resetMoto();
  await client(DRILL_REGION).send(
    new CreateStateMachineCommand({
      name: NAME,
      definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      roleArn: `arn:aws:iam::${ACCOUNT}:role/restorable-verifier`,
    }),
  );
});

const verifiers = () =>
  awsRegionalVerifierProvider({ stateMachineArnPattern: PATTERN, sfnClientFactory: client });

describe('the regional verifier adapter over moto_server', () => {
  it("starts the drill region's state machine once per sandbox, however often the start is retried", async () => {
    const verifier = verifiers()(DRILL_REGION);

    await verifier.startVerification(SANDBOX_ID, REQUEST);
    await verifier.startVerification(SANDBOX_ID, REQUEST);

    const execution = await client(DRILL_REGION).send(
      new DescribeExecutionCommand({
        executionArn: `arn:aws:states:${DRILL_REGION}:${ACCOUNT}:execution:${NAME}:${SANDBOX_ID}`,
      }),
    );
    expect(execution.name).toBe(SANDBOX_ID);
    expect(JSON.parse(execution.input ?? '{}')).toEqual(REQUEST);
  });

  it('follows that execution by the name it was started with', async () => {
    expect(await verifiers()(DRILL_REGION).describeVerification(SANDBOX_ID)).toEqual({ status: 'running' });
  });

  it('says the regional verifier stack is missing in a region where it was not deployed', async () => {
    await expect(verifiers()('us-east-1').startVerification(SANDBOX_ID, REQUEST)).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});
