import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsRegionalVerifierProvider } from '../../../src/adapters/aws/regional-verifier.ts';
import {
  ConfigError,
  InvalidInputError,
  InvalidStateError,
  ThrottlingError,
} from '../../../src/domain/errors.ts';
import type { VerificationRequest } from '../../../src/tasks/verification-request.ts';

const REGION = 'eu-central-1';
const PATTERN = 'arn:aws:states:{region}:123456789012:stateMachine:restorable-prod-verify-sandbox-in-region';
const STATE_MACHINE = `arn:aws:states:${REGION}:123456789012:stateMachine:restorable-prod-verify-sandbox-in-region`;
const SANDBOX_ID = 'rsbx-orders-20261102060000';
const REQUEST: VerificationRequest = {
  sandbox: { region: REGION, kind: 'instance', id: SANDBOX_ID },
  databaseId: 'orders',
  consistencyTimeBudgetSeconds: 300,
  assertions: [],
};
const VERIFICATION = {
  verifiedAt: '2026-11-02T06:20:00.000Z',
  checks: [{ name: 'connect', status: 'pass', detail: 'connected', durationMs: 12 }],
};

const sfnMock = mockClient(SFNClient);

const verifier = () =>
  awsRegionalVerifierProvider({
    stateMachineArnPattern: PATTERN,
    sfnClientFactory: (region) => new SFNClient({ region }),
  })(REGION);

function sfnError(Kind: typeof ExecutionAlreadyExists | typeof StateMachineDoesNotExist) {
  return new Kind({ message: `${Kind.name} raised by Step Functions`, $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => {
  sfnMock.reset();
});

describe('starting a regional verification', () => {
  it("starts the drill region's state machine, named after the sandbox, with the request as input", async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });

    // Act
    await verifier().startVerification(SANDBOX_ID, REQUEST);

    // Assess
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE,
      name: SANDBOX_ID,
      input: JSON.stringify(REQUEST),
    });
  });

  it('takes a verification already started under that name as started, so a retried start is no error', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(sfnError(ExecutionAlreadyExists));

    // Act, Assess
    await expect(verifier().startVerification(SANDBOX_ID, REQUEST)).resolves.toBeUndefined();
  });

  it('names the missing regional verifier stack as a configuration error', async () => {
    // Prepare
    sfnMock.on(StartExecutionCommand).rejects(sfnError(StateMachineDoesNotExist));

    // Act
    const starting = verifier().startVerification(SANDBOX_ID, REQUEST);

    // Assess
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(`no regional verifier in ${REGION}`);
  });

  it('is a configuration error in a function given no REGIONAL_VERIFIER_ARN', () => {
    expect(() => awsRegionalVerifierProvider({ stateMachineArnPattern: undefined })(REGION)).toThrow(
      ConfigError,
    );
  });
});

describe('following a regional verification', () => {
  const executionArn = `arn:aws:states:${REGION}:123456789012:execution:restorable-prod-verify-sandbox-in-region:${SANDBOX_ID}`;

  it('describes the execution of that name, and reports it running', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const status = await verifier().describeVerification(SANDBOX_ID);

    // Assess
    expect(status).toEqual({ status: 'running' });
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn });
  });

  it('reads a succeeded execution’s output as the verification', async () => {
    // Prepare
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify(VERIFICATION) });

    // Act
    const status = await verifier().describeVerification(SANDBOX_ID);

    // Assess
    expect(status).toEqual({ status: 'succeeded', verification: VERIFICATION });
  });

  it('refuses an output that is not a verification rather than passing it on', async () => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: '{"checks":"all good"}' });

    // Act, Assess
    await expect(verifier().describeVerification(SANDBOX_ID)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it.each([
    [
      { status: 'FAILED', error: 'SandboxConnectionError', cause: 'ECONNREFUSED' },
      'SandboxConnectionError',
      'ECONNREFUSED',
    ],
    [{ status: 'TIMED_OUT' }, 'States.TIMED_OUT', `the verification in ${REGION} ended TIMED_OUT`],
    [{ status: 'ABORTED' }, 'States.ABORTED', `the verification in ${REGION} ended ABORTED`],
  ] as const)('reports %o as failed, with its error and cause', async (execution, error, cause) => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).resolves(execution);

    // Act
    const status = await verifier().describeVerification(SANDBOX_ID);

    // Assess
    expect(status).toEqual({ status: 'failed', error, cause });
  });

  it("reports a failure of the regional function by its message alone, without the function's stack trace", async () => {
    // Prepare: a Lambda function's error reaches the execution's cause as the
    // runtime reports it, {"errorType", "errorMessage", "trace"} ("AWS Lambda
    // function errors in Node.js", AWS Lambda Developer Guide,
    // https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html).
    sfnMock.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      error: 'SandboxConnectionError',
      cause: JSON.stringify({
        errorType: 'SandboxConnectionError',
        errorMessage: 'connect ECONNREFUSED 10.1.2.3:5432',
        trace: [
          'SandboxConnectionError: connect ECONNREFUSED 10.1.2.3:5432',
          '    at connect (file:///var/task/dist/functions/regional/verify-sandbox-in-region.mjs:2:4711)',
        ],
      }),
    });

    // Act
    const status = await verifier().describeVerification(SANDBOX_ID);

    // Assess
    expect(status).toEqual({
      status: 'failed',
      error: 'SandboxConnectionError',
      cause: 'connect ECONNREFUSED 10.1.2.3:5432',
    });
  });

  it.each([
    ['ThrottlingException', ThrottlingError],
    ['ExecutionDoesNotExist', InvalidStateError],
  ] as const)('translates %s into a retryable %s', async (name, errorClass) => {
    // Prepare
    sfnMock.on(DescribeExecutionCommand).rejects(
      new SFNServiceException({
        name,
        $fault: 'client',
        message: name,
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act, Assess
    await expect(verifier().describeVerification(SANDBOX_ID)).rejects.toBeInstanceOf(errorClass);
  });
});
