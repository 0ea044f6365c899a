// The regional verifier's result travels back to the stack region as its
// execution's output, which Step Functions limits to 256 KiB (Step Functions
// service quotas, https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsRegionalVerifierProvider } from '../../../src/adapters/aws/regional-verifier.ts';
import { VerificationTooLargeError } from '../../../src/domain/errors.ts';
import type { Verification } from '../../../src/reports/evidence.ts';
import { createRegionalVerifierHandler } from '../../../src/runtime/regional-verifier-lambda.ts';
import type { VerificationRequest } from '../../../src/tasks/verification-request.ts';

const REGION = 'eu-central-1';
const SANDBOX_ID = 'rsbx-orders-20261102060000';
const REQUEST: VerificationRequest = {
  sandbox: { region: REGION, kind: 'instance', id: SANDBOX_ID },
  databaseId: 'orders',
  consistencyTimeBudgetSeconds: 300,
  assertions: [],
};
const LIMIT = 256 * 1024;

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'restorable-prod-verify-sandbox-in-region',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:restorable-prod-verify-sandbox-in-region`,
  memoryLimitInMB: '512',
  awsRequestId: '5f0c7d1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f',
  logGroupName: '/aws/lambda/restorable-prod-verify-sandbox-in-region',
  logStreamName: '2026/11/02/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 600_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

/** A verification of a database with `count` tables, named by `tableName`. */
function verificationOf(count: number, tableName: (index: number) => string): Verification {
  const tables = Array.from({ length: count }, (_, index) => ({
    database: 'orders',
    schema: 'public',
    table: tableName(index),
    rows: 1_000 + index * 7,
    exact: true,
  }));
  return {
    verifiedAt: '2026-11-02T06:40:00.000Z',
    checks: [{ name: 'connect', status: 'pass', detail: 'connected over TLS', durationMs: 12 }],
    inventory: {
      schemas: 1,
      tables,
      totalRows: tables.reduce((sum, table) => sum + table.rows, 0),
      digest: 'sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
    },
  };
}

const sfnMock = mockClient(SFNClient);

beforeEach(() => {
  sfnMock.reset();
});

const handlerReturning = (verification: Verification) =>
  createRegionalVerifierHandler(async () => verification, new Logger({ logLevel: 'SILENT' }));

describe('the regional verifier returns its result', () => {
  it('under the 256 KiB of an execution output for a database of 5,000 daily partitions, read back whole in the stack region', async () => {
    // Prepare: about 100 bytes per table, 500 KiB as plain JSON.
    const verification = verificationOf(5_000, (day) => `order_items_p${20120101 + day}`);
    expect(Buffer.byteLength(JSON.stringify(verification))).toBeGreaterThan(LIMIT);

    // Act: the function runs, and its output is what DescribeExecution then gives.
    const output = JSON.stringify(await handlerReturning(verification)(REQUEST, context));
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output });
    const read = await awsRegionalVerifierProvider({
      stateMachineArnPattern:
        'arn:aws:states:{region}:123456789012:stateMachine:restorable-prod-verify-sandbox-in-region',
      sfnClientFactory: (region) => new SFNClient({ region }),
    })(REGION).describeVerification(SANDBOX_ID);

    // Assess
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(LIMIT);
    expect(read).toEqual({ status: 'succeeded', verification });
  });

  it('or, when even packed it would not fit, fails with a VerificationTooLargeError that says why', async () => {
    // Prepare: names that do not compress (random), 12,000 of them.
    const verification = verificationOf(12_000, () => `t_${randomBytes(16).toString('hex')}`);

    // Act
    const verifying = handlerReturning(verification)(REQUEST, context);

    // Assess
    await expect(verifying).rejects.toBeInstanceOf(VerificationTooLargeError);
    await expect(verifying).rejects.toThrow(/12000 tables.*above the 256 KiB/);
  });
});
