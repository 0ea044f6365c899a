// Dependencies of the deployed Lambda functions: built once per container, on
// the first invocation, from the configuration file shipped in the package.
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import { instrumented } from '../adapters/aws/clients.ts';
import { awsRdsPortProvider } from '../adapters/aws/rds.ts';
import { awsRegionalVerifierProvider } from '../adapters/aws/regional-verifier.ts';
import { S3ReportStore } from '../adapters/aws/report-store.ts';
import { RoutedReportStore } from '../adapters/aws/routed-report-store.ts';
import { awsSandboxPortProvider } from '../adapters/aws/sandbox.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { ConfigError } from '../domain/errors.ts';
import { sandboxNetworks } from '../domain/sandbox-network.ts';
import { createLambdaHandler, type LambdaHandler } from './lambda-handler.ts';
import { powertoolsTaskMetrics } from './metrics.ts';
import { readRdsCaBundle } from './rds-ca-bundle.ts';
import type { Task, TaskDependencies } from './task.ts';
import { traceAwsClients } from './tracing.ts';

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
  const workBucket = process.env.WORK_BUCKET;
  if (workBucket === undefined || workBucket === '') {
    return Promise.reject(new ConfigError('WORK_BUCKET is not set in the function environment'));
  }
  const root = process.env.LAMBDA_TASK_ROOT ?? '.';
  const configPath = resolve(root, process.env.RESTORABLE_CONFIG_PATH ?? 'config.yml');
  const caBundle = readRdsCaBundle(process.env);
  const config = asDeployed(loadConfig(configPath).config, process.env);
  // Before any adapter makes a client, so that every client is traced.
  return traceAwsClients().then(() => {
    const s3 = instrumented(new S3Client({}));
    return {
      config,
      rds: awsRdsPortProvider(),
      sandboxes: awsSandboxPortProvider({
        networks: sandboxNetworks(config),
        ...(caBundle === undefined ? {} : { caBundle }),
      }),
      regionalVerifiers: awsRegionalVerifierProvider({
        stateMachineArnPattern: nonEmpty(process.env.REGIONAL_VERIFIER_ARN),
      }),
      reports: new RoutedReportStore({
        reports: new S3ReportStore(s3, bucket),
        work: new S3ReportStore(s3, workBucket),
      }),
      clock: () => new Date(),
      metrics: powertoolsTaskMetrics({ deployment: deploymentOf(config).id }),
    };
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
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
