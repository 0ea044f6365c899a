// Every log line of a task carries the run, the database and the drill it
// works on, so that one drill's or one run's lines can be found among all.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createLambdaHandler } from '../../../src/runtime/lambda-handler.ts';
import { correlationKeys, defineTask } from '../../../src/runtime/task.ts';
import { noTaskDependencies } from '../../support/local-cloud.ts';

const context = {
  functionName: 'restorable-prod-write-drill-report',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:restorable-prod-write-drill-report',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/restorable-prod-write-drill-report',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

const loggingTask = defineTask({
  name: 'write-drill-report',
  needs: [],
  input: z.object({}).loose(),
  async run(_input, { logger }) {
    logger.info('drill report written');
    return 'done';
  },
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** The JSON log lines the handler writes while it handles each event in turn. */
async function logLines(events: unknown[]): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const logger = new Logger({ serviceName: 'restorable' });
  const handler = createLambdaHandler(
    loggingTask,
    async () => noTaskDependencies(() => new Date('2026-11-02T06:00:00Z')),
    logger,
  );
  for (const event of events) await handler(event, context);
  vi.restoreAllMocks();
  return lines
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('correlation keys', () => {
  it("are appended to the task's log lines, with the Lambda context", async () => {
    const [line, ...rest] = await logLines([
      {
        runId: 'drill-2026-11-02',
        drillId: 'drill-orders-20261102T060000Z',
        database: { id: 'orders', kind: 'instance' },
      },
    ]);

    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      message: 'drill report written',
      runId: 'drill-2026-11-02',
      drillId: 'drill-orders-20261102T060000Z',
      database: 'orders',
      function_request_id: 'request-1',
    });
  });

  it('are those of each invocation alone', async () => {
    const [first, second] = await logLines([
      { runId: 'backup-2026-11-02', database: 'orders' },
      { executionName: 'prune-2026-11-02' },
    ]);

    expect(first).toMatchObject({ runId: 'backup-2026-11-02', database: 'orders' });
    expect(second).toMatchObject({ runId: 'prune-2026-11-02' });
    expect(second).not.toHaveProperty('database');
  });

  it('are read only from fields that hold them', () => {
    expect(correlationKeys({ runId: '', database: { kind: 'instance' }, drillId: 7 })).toEqual({});
    expect(correlationKeys(['runId'])).toEqual({});
    expect(correlationKeys(null)).toEqual({});
  });
});
