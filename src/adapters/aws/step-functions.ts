// Runs a deployed workflow in AWS Step Functions (the CLI's `--target aws`): starts an
// execution of its state machine (its ARN is one of the stack's outputs) and, when
// asked to wait, follows it and the child executions it starts (one per
// database) to the end, with one progress line per meaningful transition
// (execution-progress.ts says which; never inputs or outputs whole).
import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ChildNarrator, endsExecution, ParentNarrator } from './execution-progress.ts';

export type AwsExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface AwsRunResult {
  readonly executionArn: string;
  readonly status: AwsExecutionStatus;
  /** The execution's output, parsed as JSON (the raw text if it is not JSON). */
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

export interface AwsRunOptions {
  readonly client: SFNClient;
  /** Follow the execution to its end; otherwise return as soon as it has started. */
  readonly wait: boolean;
  /** Receives one human-readable line per progress event, and warnings. */
  readonly onProgress?: (line: string) => void;
  /** Time between two polls while following (default 2 s). */
  readonly pollIntervalMs?: number;
  /** Histories of child executions read per poll (default 3): bounds the request rate, not what is shown. */
  readonly childReadsPerPoll?: number;
  /** How to wait between polls (tests inject one that resolves at once). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Name of the execution (unique per state machine for 90 days); Step Functions picks one if omitted. */
  readonly executionName?: string;
  /** Give up following after this long (default 6 hours); the execution itself keeps running. */
  readonly maxWaitMs?: number;
  /** Clock in milliseconds for maxWaitMs (default Date.now; tests inject one). */
  readonly now?: () => number;
}

const DEFAULT_POLL_INTERVAL_MS = 2_000;
/**
 * Child histories read per poll. With the parent's DescribeExecution and
 * GetExecutionHistory, a poll costs at most 2 + 3 requests: 2.5 a second at the
 * default interval, whatever the number of databases, well within the
 * Step Functions API throttling quotas (a token bucket per account and region,
 * shared with everything else in the account: "Quotas related to API action
 * throttling", AWS Step Functions Developer Guide). With 300 children running
 * at once, each is read about every 3 minutes; drills and copies take longer.
 */
const DEFAULT_CHILD_READS_PER_POLL = 3;
/** Events a page: a page carries execution data, and one poll rarely brings more. */
const HISTORY_PAGE_SIZE = 100;
/** Throttled polls back off, doubling the interval up to this. */
const MAX_THROTTLED_POLL_INTERVAL_MS = 60_000;
const DEFAULT_MAX_WAIT_MS = 6 * 60 * 60 * 1_000;
const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** Gave up following an execution after maxWaitMs; the execution was left running. */
export class AwsWorkflowWaitTimeoutError extends Error {
  readonly executionArn: string;

  constructor(executionArn: string, maxWaitMs: number) {
    super(
      `stopped following ${executionArn} after ${formatDuration(maxWaitMs)}; the execution is still running. ` +
        'Follow it in the Step Functions console, or with: ' +
        `aws stepfunctions describe-execution --execution-arn ${executionArn}`,
    );
    this.name = 'AwsWorkflowWaitTimeoutError';
    this.executionArn = executionArn;
  }
}

const clients = new Map<string, SFNClient>();

/** The one Step Functions client of a region, shared by every command of the process. */
export function awsSfnClient(region: string): SFNClient {
  let client = clients.get(region);
  if (client === undefined) {
    client = new SFNClient({ region, maxAttempts: 5 });
    clients.set(region, client);
  }
  return client;
}

/**
 * Starts the state machine with the input; with `wait`, follows the execution
 * until it ends and returns its status, parsed output, error and cause.
 */
export async function runAwsWorkflow(
  stateMachineArn: string,
  input: unknown,
  options: AwsRunOptions,
): Promise<AwsRunResult> {
  const { client } = options;
  const started = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      input: JSON.stringify(input ?? {}),
      ...(options.executionName === undefined ? {} : { name: options.executionName }),
    }),
  );
  const executionArn = started.executionArn;
  if (executionArn === undefined) {
    throw new Error(`StartExecution of ${stateMachineArn} returned no execution ARN`);
  }
  if (!options.wait) return { executionArn, status: 'RUNNING' };
  return await followExecution(executionArn, options);
}

/** A child execution being followed: what was read of it and when. */
interface FollowedChild {
  readonly executionArn: string;
  readonly narrator: ChildNarrator;
  lastSeenEventId: number;
  /** Poll at which its history was last read (-1: never). */
  lastReadAtPoll: number;
  /** The parent's task for it has ended: one more read gives its last events. */
  endedInParent: boolean;
  /** Its history ended (ExecutionSucceeded/Failed/...) or had its final read: no more reads. */
  done: boolean;
}

/**
 * Follows a parent execution and the child executions it starts. Every poll
 * describes the parent and reads its new events, then reads the histories of
 * a few children (`childReadsPerPoll`): first those whose task the parent has
 * seen end, then the ones read least recently. Once the parent has ended, the
 * children not yet complete get one last read each.
 */
async function followExecution(executionArn: string, options: AwsRunOptions): Promise<AwsRunResult> {
  const { client } = options;
  const report = options.onProgress ?? (() => {});
  const sleep = options.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const childReadsPerPoll = options.childReadsPerPoll ?? DEFAULT_CHILD_READS_PER_POLL;
  const parent = new ParentNarrator();
  let parentLastSeenEventId = 0;
  const children = new Map<string, FollowedChild>();
  const startedAt = now();
  let poll = 0;
  let interval = pollIntervalMs;
  report(`started ${executionArn}`);
  for (; ; poll += 1) {
    try {
      const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
      // Read the history after describing, so a finished execution's last events are all there.
      const events = await readEventsAfter(client, executionArn, parentLastSeenEventId);
      parentLastSeenEventId = lastEventId(events, parentLastSeenEventId);
      const narration = parent.narrate(events);
      for (const line of narration.lines) report(line);
      for (const childArn of narration.childrenStarted) {
        if (!children.has(childArn)) children.set(childArn, followedChild(childArn));
      }
      for (const childArn of narration.childrenEnded) {
        const child = children.get(childArn);
        if (child !== undefined) child.endedInParent = true;
      }
      const status = execution.status;
      const ended = status !== undefined && TERMINAL_STATUSES.has(status);
      const due = childrenDue([...children.values()], ended ? Number.POSITIVE_INFINITY : childReadsPerPoll);
      for (const child of due) {
        const childEvents = await readEventsAfter(client, child.executionArn, child.lastSeenEventId);
        child.lastSeenEventId = lastEventId(childEvents, child.lastSeenEventId);
        child.lastReadAtPoll = poll;
        for (const line of child.narrator.narrate(childEvents)) report(line);
        child.done = ended || child.endedInParent || childEvents.some(endsExecution);
      }
      if (ended) {
        return {
          executionArn,
          status: status as AwsExecutionStatus,
          ...(execution.output === undefined ? {} : { output: parseOutput(execution.output) }),
          ...(execution.error === undefined ? {} : { error: execution.error }),
          ...(execution.cause === undefined ? {} : { cause: execution.cause }),
        };
      }
      interval = pollIntervalMs;
    } catch (error) {
      if (!isThrottling(error)) throw error;
      // The SDK has already retried with backoff: wait longer before the next poll.
      interval = Math.min(interval * 2, MAX_THROTTLED_POLL_INTERVAL_MS);
      report(`Step Functions is throttling requests; polling again in ${formatDuration(interval)}`);
    }
    if (now() - startedAt >= maxWaitMs) throw new AwsWorkflowWaitTimeoutError(executionArn, maxWaitMs);
    await sleep(interval);
  }
}

function followedChild(executionArn: string): FollowedChild {
  return {
    executionArn,
    narrator: new ChildNarrator(executionArn),
    lastSeenEventId: 0,
    lastReadAtPoll: -1,
    endedInParent: false,
    done: false,
  };
}

/** The children to read at this poll: those that ended first, then the least recently read. */
function childrenDue(children: readonly FollowedChild[], limit: number): FollowedChild[] {
  return children
    .filter((child) => !child.done)
    .sort((a, b) => Number(b.endedInParent) - Number(a.endedInParent) || a.lastReadAtPoll - b.lastReadAtPoll)
    .slice(0, limit);
}

function lastEventId(events: readonly HistoryEvent[], previous: number): number {
  return events.reduce((last, event) => Math.max(last, event.id ?? 0), previous);
}

/**
 * The events of an execution after `lastSeenEventId`, oldest first. Event ids
 * are sequential from 1 (HistoryEvent, Step Functions API Reference), so the
 * history is read newest first (`reverseOrder`) and paging stops at the first
 * page that reaches an event already seen: a poll costs one request however
 * long the history is. Execution data is included: the child executions'
 * ARNs and the databases are in it. A page cut by throttling fails the whole
 * read, which the next poll repeats from the same event.
 */
async function readEventsAfter(
  client: SFNClient,
  executionArn: string,
  lastSeenEventId: number,
): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: HISTORY_PAGE_SIZE,
        includeExecutionData: true,
        nextToken,
      }),
    );
    const events = page.events ?? [];
    fresh.push(...events.filter((event) => (event.id ?? 0) > lastSeenEventId));
    if (events.some((event) => (event.id ?? 0) <= lastSeenEventId)) break;
    nextToken = page.nextToken;
  } while (nextToken !== undefined && nextToken !== '');
  return fresh.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

function parseOutput(output: string): unknown {
  try {
    return JSON.parse(output);
  } catch {
    return output;
  }
}

function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const retryable = (error as { $retryable?: { throttling?: boolean } }).$retryable;
  return error.name === 'ThrottlingException' || retryable?.throttling === true;
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1_000} s`;
}
