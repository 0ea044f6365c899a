// A task is one step of a workflow: a schema for its input and a function of
// that input and its dependencies. Lambda handlers (`functions/`) and the local
// workflow runner both execute tasks through `invokeTask`, so validation and
// behaviour are the same on AWS and on the local cloud.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import { formatIssues } from '../config/issues.ts';
import type { Config } from '../config/schema.ts';
import { InvalidInputError } from '../domain/errors.ts';
import type { RdsPortProvider } from '../ports/rds.ts';
import type { RegionalVerifierProvider } from '../ports/regional-verifier.ts';
import type { ReportStore } from '../ports/report-store.ts';
import type { SandboxPortProvider } from '../ports/sandbox.ts';

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
}

/**
 * The dependencies that reach the cloud, each behind a port with an `aws` and
 * a `local` adapter. A task names those it uses (`needs`), and its Lambda
 * handler (`functions/<name>.ts`) builds and bundles those adapters only.
 */
export type Port = 'rds' | 'reports' | 'sandboxes' | 'regionalVerifiers';

/** What every task gets, whatever it needs: the configuration, the clock and the logger. */
type CommonDependencies = Omit<TaskDependencies, Port>;

/** The dependencies of a task that needs the ports `Needs`: the compiler refuses any other port. */
export type DependenciesOf<Needs extends Port> = Pick<TaskDependencies, Needs> & CommonDependencies;

/** What a handler provides to a task that needs `Needs`, besides the logger it adds itself. */
export type ProvidedDependencies<Needs extends Port> = Pick<TaskDependencies, Needs> &
  Omit<CommonDependencies, 'logger'>;

export interface Task<Schema extends z.ZodType, Output, Needs extends Port = Port> {
  /** The function's name: `functions/<name>.ts`, and the Lambda function in serverless.yml. */
  readonly name: string;
  /** The ports `run` uses, and nothing else: what its Lambda handler builds and bundles. */
  readonly needs: readonly Needs[];
  readonly input: Schema;
  run(input: z.output<Schema>, dependencies: DependenciesOf<Needs>): Promise<Output>;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds tasks of every input and output type
export type AnyTask = Task<z.ZodType, any, Port>;

export function defineTask<Schema extends z.ZodType, Output, const Needs extends Port = never>(
  task: Task<Schema, Output, Needs>,
): Task<Schema, Output, Needs> {
  return task;
}

export function parseTaskInput<Schema extends z.ZodType>(
  task: Pick<Task<Schema, unknown>, 'name' | 'input'>,
  event: unknown,
): z.output<Schema> {
  const result = task.input.safeParse(event);
  if (!result.success) {
    throw new InvalidInputError(`invalid input for ${task.name}:\n${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

export async function invokeTask<Schema extends z.ZodType, Output, Needs extends Port>(
  task: Task<Schema, Output, Needs>,
  event: unknown,
  dependencies: DependenciesOf<Needs>,
): Promise<Output> {
  return task.run(parseTaskInput(task, event), dependencies);
}
