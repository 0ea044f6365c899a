// The one way a task becomes a Lambda handler: middy with the Powertools logger
// (structured JSON logs carrying the Lambda context), input validated by the
// task's schema, and errors thrown with their class name as the error type.
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { invokeTask, type Port, type ProvidedDependencies, type Task } from './task.ts';

export type DependencyProvider<Needs extends Port = Port> = () => Promise<ProvidedDependencies<Needs>>;

export type LambdaHandler<Output> = (event: unknown, context: Context) => Promise<Output>;

export function createLambdaHandler<Schema extends z.ZodType, Output, Needs extends Port>(
  task: Task<Schema, Output, Needs>,
  provideDependencies: DependencyProvider<Needs>,
  logger: Logger,
): LambdaHandler<Output> {
  const handler = middy<unknown, Output, Error, Context>().use(
    injectLambdaContext(logger, { resetKeys: true }),
  );
  return handler.handler(async (event) => {
    const dependencies = await provideDependencies();
    try {
      return await invokeTask(task, event, { ...dependencies, logger });
    } catch (error) {
      logger.error(`${task.name} failed`, error as Error);
      throw error;
    }
  });
}
