// Dependencies of the deployed Lambda functions: built once per container, on
// the first invocation, from the configuration file shipped in the package.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import { awsRdsPortProvider } from '../adapters/aws/rds.ts';
import { S3ReportStore } from '../adapters/aws/report-store.ts';
import { awsSandboxPortProvider } from '../adapters/aws/sandbox.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../domain/errors.ts';
import { createLambdaHandler, type LambdaHandler } from './lambda-handler.ts';
import type { Task, TaskDependencies } from './task.ts';

let dependencies: Promise<Omit<TaskDependencies, 'logger'>> | undefined;

/**
 * The configuration with the stack's own stage and region, which make the
 * deployment (src/domain/deployment.ts): `serverless deploy --stage` may
 * override the file's aws.stage, and the IAM conditions name the deployment
 * of the stack's stage and region, so the functions must tag and match with
 * that one. RESTORABLE_STAGE is set by serverless.yml, AWS_REGION by Lambda.
 */
export function asDeployed(config: Config, environment: NodeJS.ProcessEnv): Config {
  const stage = environment.RESTORABLE_STAGE;
  const region = environment.AWS_REGION;
  if (stage === undefined || stage === '') {
    throw new ConfigError('RESTORABLE_STAGE is not set in the function environment');
  }
  if (region === undefined || region === '') {
    throw new ConfigError('AWS_REGION is not set in the function environment');
  }
  return { ...config, aws: { ...config.aws, stage, region } };
}

function buildDependencies(): Promise<Omit<TaskDependencies, 'logger'>> {
  const bucket = process.env.REPORT_BUCKET;
  if (bucket === undefined || bucket === '') {
    return Promise.reject(new ConfigError('REPORT_BUCKET is not set in the function environment'));
  }
  const root = process.env.LAMBDA_TASK_ROOT ?? '.';
  const configPath = resolve(root, process.env.RESTORABLE_CONFIG_PATH ?? 'config.yml');
  // The RDS certificate authorities are not in Node's trust store: the
  // verifier's TLS connections to sandboxes need the bundle shipped with the package.
  const caBundlePath = process.env.RDS_CA_BUNDLE_PATH;
  const caBundle = caBundlePath === undefined ? undefined : readFileSync(resolve(root, caBundlePath), 'utf8');
  return Promise.resolve({
    config: asDeployed(loadConfig(configPath).config, process.env),
    rds: awsRdsPortProvider(),
    sandboxes: awsSandboxPortProvider(caBundle === undefined ? {} : { caBundle }),
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
