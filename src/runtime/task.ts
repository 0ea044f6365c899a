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
import type { VaultAccess } from '../ports/vault.ts';
import type { TaskMetrics } from './metrics.ts';

export interface TaskDependencies {
  readonly config: Config;
  readonly rds: RdsPortProvider;
  readonly reports: ReportStore;
  readonly sandboxes: SandboxPortProvider;
  /** The verifiers of the regions other than the stack region, for their sandboxes. */
  readonly regionalVerifiers: RegionalVerifierProvider;
  /** The vault account (ports/vault.ts); undefined when the configuration names none. */
  readonly vault?: VaultAccess;
  /** Wall-clock time on AWS; the virtual clock locally. */
  readonly clock: () => Date;
  readonly logger: Logger;
  /**
   * The metrics operators watch (src/runtime/metrics.ts), written as EMF on
   * AWS; absent locally, where nothing reads them.
   */
  readonly metrics?: TaskMetrics;
}

/**
 * The dependencies that reach the cloud, each behind a port with an `aws` and
 * a `local` adapter. A task names those it uses (`needs`), and its Lambda
 * handler (`functions/<name>.ts`) builds and bundles those adapters only.
 */
export type Port = 'rds' | 'reports' | 'sandboxes' | 'regionalVerifiers' | 'vault';

/** What every task gets, whatever it needs: the configuration, the clock and the logger. */
type CommonDependencies = Omit<TaskDependencies, Port>;

/** The dependencies of a task that needs the ports `Needs`: the compiler refuses any other port. */
export type DependenciesOf<Needs extends Port> = Pick<TaskDependencies, Needs> & CommonDependencies;

/** What a handler provides to a task that needs `Needs`, besides the logger it adds itself. */
export type ProvidedDependencies<Needs extends Port> = Pick<TaskDependencies, Needs> &
  Omit<CommonDependencies, 'logger'>;

export interface Task<Schema extends z.ZodType, Output, Needs extends Port = Port> {
  /** The function's name: `functions/<name>.ts`, and the Lambda function of the stack (infra/functions.ts). */
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

/**
 * The keys that tie a log line to its run, database and drill, from a
 * task's input: `runId` (or the `executionName` a run is named by, for the
 * first step of a run), `drillId`, and `database` (an id, or a database with
 * its id).
 */
export function correlationKeys(input: unknown): Record<string, string> {
  if (typeof input !== 'object' || input === null) return {};
  const fields = input as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const database = fields.database;
  const keys = {
    runId: text(fields.runId) ?? text(fields.executionName),
    drillId: text(fields.drillId),
    database:
      text(database) ??
      (typeof database === 'object' && database !== null
        ? text((database as { id?: unknown }).id)
        : undefined),
  };
  return Object.fromEntries(
    Object.entries(keys).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export async function invokeTask<Schema extends z.ZodType, Output, Needs extends Port>(
  task: Task<Schema, Output, Needs>,
  event: unknown,
  dependencies: DependenciesOf<Needs>,
): Promise<Output> {
  const input = parseTaskInput(task, event);
  // Every line the task logs carries them: a child logger, so that tasks
  // running at once on one logger (the local runner's) never share keys.
  const keys = correlationKeys(input);
  const logger =
    Object.keys(keys).length === 0
      ? dependencies.logger
      : dependencies.logger.createChild({ persistentKeys: keys });
  return task.run(input, { ...dependencies, logger });
}
