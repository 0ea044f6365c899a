// A task is one step of a workflow: a schema for its input and a function of
// that input and its dependencies. Lambda handlers (`functions/`) and the local
// workflow runner both execute tasks through `invokeTask`, so validation and
// behaviour are the same on AWS and on the local cloud.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import { formatIssues } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { InvalidInputError } from '../domain/errors.ts';
import type { RdsPortProvider } from '../ports/rds.ts';
import type { RegionalVerifierProvider } from '../ports/regional-verifier.ts';
import type { ReportStore } from '../ports/report-store.ts';
import type { SandboxPortProvider } from '../ports/sandbox.ts';
import type { TaskMetrics } from './metrics.ts';

export interface TaskDependencies {
  readonly config: Config;
  readonly rds: RdsPortProvider;
  readonly reports: ReportStore;
  readonly sandboxes: SandboxPortProvider;
  /** The verifiers of the regions other than the stack region, for their sandboxes. */
  readonly regionalVerifiers: RegionalVerifierProvider;
  /** Wall-clock time on AWS; the virtual clock locally. */
  readonly clock: () => Date;
  readonly logger: Logger;
  /**
   * The metrics operators watch (src/runtime/metrics.ts), written as EMF on
   * AWS; absent locally, where nothing reads them.
   */
  readonly metrics?: TaskMetrics;
}

export interface Task<Schema extends z.ZodType, Output> {
  /** The function's name: `functions/<name>.ts`, and the Lambda function in serverless.yml. */
  readonly name: string;
  readonly input: Schema;
  run(input: z.output<Schema>, dependencies: TaskDependencies): Promise<Output>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds tasks of every input and output type
export type AnyTask = Task<z.ZodType, any>;

export function defineTask<Schema extends z.ZodType, Output>(
  task: Task<Schema, Output>,
): Task<Schema, Output> {
  return task;
}

export function parseTaskInput<Schema extends z.ZodType>(
  task: Task<Schema, unknown>,
  event: unknown,
): z.output<Schema> {
  const result = task.input.safeParse(event);
  if (!result.success) {
    throw new InvalidInputError(`invalid input for ${task.name}:\n${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

export async function invokeTask<Schema extends z.ZodType, Output>(
  task: Task<Schema, Output>,
  event: unknown,
  dependencies: TaskDependencies,
): Promise<Output> {
  return task.run(parseTaskInput(task, event), dependencies);
}
