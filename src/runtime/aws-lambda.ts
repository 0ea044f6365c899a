// Dependencies of the deployed Lambda functions: built once per container, on
// the first invocation, from the configuration shipped in the package. Each
// handler (`functions/<name>.ts`) passes the aws adapters of the ports its
// task needs (src/runtime/aws-ports/), and imports no other: its bundle holds
// those adapters and their SDK clients only.
import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { readShippedConfig } from '../config/shipped.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { ConfigError } from '../domain/errors.ts';
import { createLambdaHandler, type LambdaHandler } from './lambda-handler.ts';
import { powertoolsTaskMetrics } from './metrics.ts';
import type { Port, ProvidedDependencies, Task, TaskDependencies } from './task.ts';
import { traceAwsClients } from './tracing.ts';

/** What an aws adapter of a port is built from: the deployed configuration and the function's environment. */
export interface AwsSettings {
  readonly config: Config;
  readonly environment: NodeJS.ProcessEnv;
}

export type AwsPortFactory<P extends Port> = (settings: AwsSettings) => TaskDependencies[P];

/** The aws adapter of each port a task needs, and of no other. */
export type AwsPorts<Needs extends Port> = { readonly [P in Needs]: AwsPortFactory<P> };

/**
 * The configuration with the stack's own stage and region, which make the
 * deployment (src/domain/deployment.ts): `serverless deploy --stage` may
 * override the file's aws.stage, and the IAM conditions name the deployment
 * of the stack's stage and region, so the functions must tag and match with
 * that one. RESTORABLE_STAGE is set by the stack (infra/stack.ts), AWS_REGION by Lambda.
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

async function buildDependencies<Needs extends Port>(
  ports: AwsPorts<Needs>,
  environment: NodeJS.ProcessEnv,
): Promise<ProvidedDependencies<Needs>> {
  const root = environment.LAMBDA_TASK_ROOT ?? '.';
  const configPath = resolve(root, environment.RESTORABLE_CONFIG_PATH ?? 'config.json');
  const config = asDeployed(readShippedConfig(configPath), environment);
  const settings: AwsSettings = { config, environment };
  // Before any adapter makes a client, so that every client is traced.
  await traceAwsClients();
  const adapters = Object.fromEntries(
    Object.entries<AwsPortFactory<Port>>(ports).map(([port, factory]) => [port, factory(settings)]),
  ) as Pick<TaskDependencies, Needs>;
  return {
    ...adapters,
    config,
    clock: () => new Date(),
    metrics: powertoolsTaskMetrics({ deployment: deploymentOf(config).id }),
  };
}

export function lambdaHandlerFor<Schema extends z.ZodType, Output, Needs extends Port>(
  task: Task<Schema, Output, Needs>,
  ports: AwsPorts<Needs>,
): LambdaHandler<Output> {
  let dependencies: Promise<ProvidedDependencies<Needs>> | undefined;
  const provide = () => {
    dependencies ??= buildDependencies(ports, process.env);
    return dependencies;
  };
  return createLambdaHandler(task, provide, new Logger({ serviceName: 'restorable' }));
}
