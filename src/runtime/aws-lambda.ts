// Dependencies of the deployed Lambda functions: built once per container, on
// the first invocation, from the configuration file shipped in the package.
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import { awsRdsPortProvider } from '../adapters/aws/rds.ts';
import { S3ReportStore } from '../adapters/aws/report-store.ts';
import { loadConfig } from '../config/load.ts';
import { ConfigError } from '../domain/errors.ts';
import { createLambdaHandler, type LambdaHandler } from './lambda-handler.ts';
import type { Task, TaskDependencies } from './task.ts';

let dependencies: Promise<Omit<TaskDependencies, 'logger'>> | undefined;

function buildDependencies(): Promise<Omit<TaskDependencies, 'logger'>> {
  const bucket = process.env.REPORT_BUCKET;
  if (bucket === undefined || bucket === '') {
    return Promise.reject(new ConfigError('REPORT_BUCKET is not set in the function environment'));
  }
  const configPath = resolve(
    process.env.LAMBDA_TASK_ROOT ?? '.',
    process.env.RESTORABLE_CONFIG_PATH ?? 'config.yml',
  );
  return Promise.resolve({
    config: loadConfig(configPath).config,
    rds: awsRdsPortProvider(),
    reports: new S3ReportStore(new S3Client({}), bucket),
    clock: () => new Date(),
  });
}

export function awsDependencies(): Promise<Omit<TaskDependencies, 'logger'>> {
  dependencies ??= buildDependencies();
  return dependencies;
}

export function lambdaHandlerFor<Schema extends z.ZodType, Output>(
  task: Task<Schema, Output>,
): LambdaHandler<Output> {
  return createLambdaHandler(task, awsDependencies, new Logger({ serviceName: 'restorable' }));
}
