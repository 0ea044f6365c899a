// A deployed handler builds the aws adapters of the ports its task needs, and
// no other (src/runtime/aws-lambda.ts): a task of no port runs without the
// buckets' settings that a task of the report store cannot do without.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEMO_CONFIG_PATH, loadConfig } from '../../../src/config/load.ts';
import { shippedConfigText } from '../../../src/config/shipped.ts';
import { lambdaHandlerFor } from '../../../src/runtime/aws-lambda.ts';
import { awsReports } from '../../../src/runtime/aws-ports/reports.ts';
import { defineTask } from '../../../src/runtime/task.ts';

const context = {
  functionName: 'probe',
  functionVersion: '$LATEST',
  memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:probe',
  awsRequestId: 'probe',
  logGroupName: 'probe',
  logStreamName: 'probe',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const VARIABLES = [
  'LAMBDA_TASK_ROOT',
  'RESTORABLE_CONFIG_PATH',
  'RESTORABLE_STAGE',
  'AWS_REGION',
  'REPORT_BUCKET',
  'WORK_BUCKET',
  'POWERTOOLS_LOG_LEVEL',
] as const;

describe('a deployed handler', () => {
  let saved: Partial<Record<(typeof VARIABLES)[number], string>>;
  let root: string;

  beforeEach(() => {
    saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
    root = mkdtempSync(join(tmpdir(), 'restorable-handler-'));
    writeFileSync(join(root, 'config.json'), shippedConfigText(loadConfig(DEMO_CONFIG_PATH).config));
    Object.assign(process.env, {
      LAMBDA_TASK_ROOT: root,
      RESTORABLE_CONFIG_PATH: 'config.json',
      RESTORABLE_STAGE: 'probe',
      AWS_REGION: 'eu-west-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    delete process.env.REPORT_BUCKET;
    delete process.env.WORK_BUCKET;
  });

  afterEach(() => {
    for (const name of VARIABLES) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('runs a task of no port with the shipped configuration, the stack its deployment, and no bucket settings', async () => {
    // Given a task that needs no port;
    const task = defineTask({
      name: 'probe',
      needs: [],
      input: z.object({}),
      run: async (_input, { config }) => `${config.aws.stage} ${config.aws.region}`,
    });
    // when its handler runs without REPORT_BUCKET or WORK_BUCKET;
    const result = await lambdaHandlerFor(task, {})({}, context);
    // then it ran, on the configuration as deployed.
    expect(result).toBe('probe eu-west-1');
  });

  it('builds the report store of a task that needs it, from the buckets the stack sets', async () => {
    const task = defineTask({
      name: 'probe',
      needs: ['reports'],
      input: z.object({}),
      run: async (_input, { reports }) => typeof reports.put,
    });
    await expect(lambdaHandlerFor(task, { reports: awsReports })({}, context)).rejects.toThrow(
      'REPORT_BUCKET is not set in the function environment',
    );
    process.env.REPORT_BUCKET = 'reports';
    process.env.WORK_BUCKET = 'work';
    await expect(lambdaHandlerFor(task, { reports: awsReports })({}, context)).resolves.toBe('function');
  });
});
