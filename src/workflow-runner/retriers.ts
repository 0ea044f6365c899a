// The retriers many Task states share, defined once. A workflow file names
// one in its Retry list by a string (`"Retry": ["LambdaServiceErrors",
// "Throttling", { ...a retrier of its own }]`), and every reader of the
// workflows (the local runner, the build of the deployed definitions, the
// tests) reads them through `expandRetriers`, so Step Functions and the local
// interpreter receive plain Amazon States Language. A Task's own retriers stay
// written out where they are: they say what that step waits for.

/** A retrier of the Amazon States Language (the fields the workflows use). */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
  readonly MaxDelaySeconds: number;
  readonly JitterStrategy: 'FULL' | 'NONE';
}

export const SHARED_RETRIERS = {
  /**
   * The Lambda service's own transient failures, which AWS recommends
   * retrying on every Lambda Task (an invocation that never reached the
   * handler, or was throttled by Lambda's concurrency limit).
   */
  LambdaServiceErrors: {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 60,
    JitterStrategy: 'FULL',
  },
  /**
   * A handler's ThrottlingError (src/domain/errors.ts): an AWS API refused a
   * call for its rate. Slower and longer than the Lambda retrier, since a
   * fleet's calls share the account's API rate.
   */
  Throttling: {
    ErrorEquals: ['ThrottlingError'],
    IntervalSeconds: 5,
    MaxAttempts: 8,
    BackoffRate: 2,
    MaxDelaySeconds: 120,
    JitterStrategy: 'FULL',
  },
  /**
   * Publishing an alert to SNS: a few quick attempts, then the workflow's
   * Catch goes on without it (an alert that cannot be sent must not turn a
   * run's result into a failure of its own).
   */
  AlertPublish: {
    ErrorEquals: ['States.ALL'],
    IntervalSeconds: 2,
    MaxAttempts: 3,
    BackoffRate: 2,
    MaxDelaySeconds: 30,
    JitterStrategy: 'FULL',
  },
  /**
   * Starting a child execution: the account's limit of open executions and
   * the Step Functions service's transient errors.
   */
  ChildExecutionStart: {
    ErrorEquals: [
      'StepFunctions.ExecutionLimitExceededException',
      'StepFunctions.SdkClientException',
      'StepFunctions.AWSStepFunctionsException',
    ],
    IntervalSeconds: 5,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 120,
    JitterStrategy: 'FULL',
  },
} as const satisfies Record<string, Retrier>;

export type SharedRetrierName = keyof typeof SHARED_RETRIERS;

const isSharedRetrierName = (name: string): name is SharedRetrierName => Object.hasOwn(SHARED_RETRIERS, name);

/**
 * The definition with every named retrier replaced by its definition, in
 * every state, nested Map iterators and Parallel branches included. `source`
 * names the file in the error a name that no shared retrier has gets.
 */
export function expandRetriers<T>(definition: T, source: string): T {
  return expandValue(definition, source, []) as T;
}

function expandValue(value: unknown, source: string, path: readonly string[]): unknown {
  if (Array.isArray(value))
    return value.map((item, index) => expandValue(item, source, [...path, `${index}`]));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key === 'Retry' && Array.isArray(item))
        return [key, item.map((retrier) => named(retrier, source, path))];
      return [key, expandValue(item, source, [...path, key])];
    }),
  );
}

function named(retrier: unknown, source: string, path: readonly string[]): unknown {
  if (typeof retrier !== 'string') return retrier;
  if (!isSharedRetrierName(retrier)) {
    throw new Error(
      `${source}: ${path.join('.')} retries with "${retrier}", which is no shared retrier (one of ${Object.keys(SHARED_RETRIERS).join(', ')}; src/workflow-runner/retriers.ts)`,
    );
  }
  return SHARED_RETRIERS[retrier];
}
