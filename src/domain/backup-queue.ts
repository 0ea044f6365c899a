// The backup run as a queue: which RDS calls to make now, and when to look
// next, for every database of the run at once. The fleet and each database's
// progress live in the run's work document (reports/backup-queue.ts), never
// in the workflow's state: a step reads it, takes the actions planned here,
// applies their outcomes here, and writes it back. No I/O here.
//
// Rules, each one below:
// - snapshots start as soon as they can (a bounded number per step), never
//   held back by copies;
// - a snapshot or copy is checked only when due: first after the time this
//   database's own earlier backups took (its evidence), else after the first
//   backoff delay; then along the backoff (`nextPoll`) until it is final or
//   past its deadline;
// - at most `concurrentCopiesPerRegion` copies of the run are in flight into
//   each copy region; copies start in queue order as slots free, each region
//   on its own;
// - the expected time is tried shorter on one run in PROBE_EVERY_DAYS of each
//   database (a probe), so that a snapshot or copy that got faster is seen
//   to: an estimate that only met checks it passed could only grow;
// - a failed call that starts a snapshot or copy is retried at a later step
//   when its error is one that passes (throttling, a database or snapshot not
//   yet ready), at most so many times; any other error fails that snapshot or
//   copy only. A check is a read: any error of it is tried again along the
//   backoff until the deadline, as a status that has not changed yet is. A
//   record is retried on any error, a bounded number of times. A copy RDS
//   refuses for its copy limit (counting copies this run does not know of)
//   waits, backing off, however long it takes;
// - a database of a run with a vault account gets the day's snapshot into
//   the vault too (see "Vault transfer" below): a copy the vault may use,
//   shared with it, copied by the vault account with its own key into each
//   vault region, then the share taken back and the shareable copy removed;
// - a database whose snapshot, copies and vault transfer are all final gets
//   its record.
import { databaseStatus, firstPoll, nextPoll, type PollState } from './backup.ts';
import { fnv1a } from './hash.ts';

export type WorkState = 'queued' | 'running' | 'available' | 'failed';

/** A database's snapshot of the day, or its copy into one copy region. */
export interface Work {
  readonly state: WorkState;
  /** Set once started (or adopted): the snapshot's id, ARN and encryption. */
  readonly snapshotId?: string;
  readonly arn?: string;
  readonly encrypted?: boolean;
  /** Whether it was made by an earlier run (or step) of the day and adopted. */
  readonly reused?: boolean;
  /** When this run started it (effective time, see `stepTime`). */
  readonly startedAt?: string;
  /** The status polls so far, their backoff and the deadline past which it fails. */
  readonly poll?: PollState;
  /** When the next check, or the next try of a failed call, is due. */
  readonly dueAt?: string;
  /** When the expected time ends, for a probe that looked earlier: its next check, if it was early. */
  readonly expectedAt?: string;
  /** Copy tries RDS refused for its copy limit, for the backoff of the next. */
  readonly refusedForLimit?: number;
  /** Failed tries of the call that starts it, for the retry limit. */
  readonly tries: number;
  /** How long it took, from its start to the check that saw it available. */
  readonly seconds?: number;
  /** Why it failed, as `<ErrorName>: <message>`. */
  readonly error?: string;
}

export interface QueueDatabase {
  readonly id: string;
  readonly kind: 'instance' | 'cluster';
  /** How long this database's snapshot and copies took before (the evidence), in seconds. */
  readonly expected: {
    readonly snapshotSeconds?: number;
    readonly copySeconds?: Readonly<Record<string, number>>;
  };
  readonly snapshot: Work;
  /** By copy region. */
  readonly copies: Readonly<Record<string, Work>>;
  /** Present in a run with a vault account: the day's snapshot on its way into the vault. */
  readonly vault?: VaultTransfer;
  readonly record: {
    readonly state: 'pending' | 'written' | 'failed';
    readonly tries: number;
    readonly dueAt?: string;
    readonly error?: string;
  };
}

/** A vault transfer's step of one call: sharing, taking the share back, removing the shareable copy. */
export interface VaultStep {
  readonly state: 'pending' | 'done' | 'failed';
  /** Failed tries, for the retry limit. */
  readonly tries: number;
  readonly dueAt?: string;
  readonly error?: string;
}

/**
 * The day's snapshot on its way into the vault account. RDS shares an
 * encrypted snapshot only if its key is not the account's default one, and
 * the other account copies it only where the key's policy lets it; so the
 * vault gets a copy made for it (`staging`: in the source region, under the
 * stack's share key, whose policy lets the vault account use it for copies)
 * and never the snapshot itself or the source's own key. In order: staging
 * copy, share with the vault account, the vault account's copy into each
 * vault region with its own key, then (every vault copy final) the share
 * taken back and the staging copy deleted. Each step is safe to repeat, so
 * a step that dies midway is done again by the next.
 */
export interface VaultTransfer {
  /**
   * The copy the vault may use. For an unencrypted cluster snapshot, which
   * no copy can encrypt, the snapshot itself, shared as it is (`direct`).
   */
  readonly staging: Work;
  readonly direct?: boolean;
  readonly share: VaultStep;
  /** By vault region: the vault account's copy, under that region's vault key. */
  readonly copies: Readonly<Record<string, Work>>;
  readonly unshare: VaultStep;
  readonly removeStaging: VaultStep;
}

export interface BackupQueueLimits {
  readonly snapshotTimeoutMinutes: number;
  readonly concurrentCopiesPerRegion: number;
  /** RDS and store calls one step makes at most. */
  readonly maxActionsPerStep: number;
  /** Snapshots one step starts at most, so that checks and copies keep their turn. */
  readonly maxSnapshotStartsPerStep: number;
}

export type BackupAction =
  | { readonly type: 'create'; readonly index: number }
  | { readonly type: 'check-snapshot'; readonly index: number }
  | { readonly type: 'copy'; readonly index: number; readonly region: string }
  | { readonly type: 'check-copy'; readonly index: number; readonly region: string }
  | { readonly type: 'record'; readonly index: number }
  | { readonly type: 'vault-stage'; readonly index: number }
  | { readonly type: 'check-vault-stage'; readonly index: number }
  | { readonly type: 'vault-share'; readonly index: number }
  | { readonly type: 'vault-copy'; readonly index: number; readonly region: string }
  | { readonly type: 'check-vault-copy'; readonly index: number; readonly region: string }
  | { readonly type: 'vault-unshare'; readonly index: number }
  | { readonly type: 'vault-remove-stage'; readonly index: number };

/** What a snapshot looked like to the call that started or checked it. */
export interface ObservedSnapshot {
  readonly id: string;
  readonly arn: string;
  readonly status: string;
  readonly encrypted: boolean;
}

export type ActionOutcome =
  | { readonly type: 'started'; readonly snapshot: ObservedSnapshot; readonly reused: boolean }
  | { readonly type: 'checked'; readonly snapshot: ObservedSnapshot | undefined }
  | { readonly type: 'recorded' }
  /** A vault step of one call went through (or had nothing left to do). */
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly name: string; readonly message: string };

const FIRST_CHECK_MIN_SECONDS = 1;

/** RDS and store calls of one step at most: a few hundred, well inside the function's timeout. */
export const MAX_ACTIONS_PER_STEP = 400;
/** Calls a step makes per call in flight: a pass of ~1 s calls, 40 deep, stays near 40 s whatever the concurrency. */
const ACTIONS_PER_CALL_IN_FLIGHT = 40;

/**
 * The calls one step makes at most, given how many it makes at once
 * (`backup.maxConcurrency`): a step with one call in flight (a user fighting
 * throttling) must still end inside the function's timeout.
 */
export function actionsPerStep(callsInFlight: number): number {
  return Math.min(MAX_ACTIONS_PER_STEP, ACTIONS_PER_CALL_IN_FLIGHT * Math.max(1, callsInFlight));
}
/** The longest Wait between steps: a copy that takes hours is looked at once an hour at most. */
export const MAX_WAIT_SECONDS = 3600;

interface RetryRule {
  readonly intervalSeconds: number;
  readonly maxTries: number;
  readonly maxDelaySeconds: number;
}

/**
 * Which errors of a call pass with time, and how long to wait for them: the
 * retriers the per-database workflow had, by call. An error not named here
 * is the snapshot's or copy's own failure.
 */
const RETRIES: Readonly<Record<'create' | 'copy', Readonly<Record<string, RetryRule>>>> = {
  create: {
    ThrottlingError: { intervalSeconds: 5, maxTries: 8, maxDelaySeconds: 120 },
    InvalidStateError: { intervalSeconds: 60, maxTries: 10, maxDelaySeconds: 600 },
  },
  copy: {
    ThrottlingError: { intervalSeconds: 5, maxTries: 8, maxDelaySeconds: 120 },
    InvalidStateError: { intervalSeconds: 60, maxTries: 5, maxDelaySeconds: 600 },
  },
};

/** Any error of a record's write (the store's): throttling passes, a fault is reported after the last try. */
const RECORD_RETRY: RetryRule = { intervalSeconds: 5, maxTries: 8, maxDelaySeconds: 120 };

/**
 * RDS refuses a copy while 20 are in flight into the region, counting copies
 * this run does not know of (another run's, another deployment's): the copy
 * stays queued, not failed, and is tried again after this long, doubling.
 */
const COPY_LIMIT_RETRY_SECONDS = 60;
const COPY_LIMIT_RETRY_MAX_SECONDS = 900;

/** One run in this many days of each database and kind of work checks early (a probe). */
export const PROBE_EVERY_DAYS = 7;
/**
 * A probe's first check comes after this share of the expected time: a
 * snapshot or copy that got this much faster is learned, and one that did
 * not costs one check more, once a week.
 */
export const PROBE_SHARE = 0.8;

/**
 * Whether this run's first check of a database's snapshot (`what`: its
 * source region) or copy (`what`: the copy region) is a probe: once in
 * PROBE_EVERY_DAYS days per database and region, on a day that differs
 * from database to database, so a fleet's probes spread evenly.
 */
export function isProbe(databaseId: string, what: string, now: Date): boolean {
  const day = Math.floor(now.getTime() / 86_400_000);
  return (Number.parseInt(fnv1a(`${databaseId}/${what}`), 16) + day) % PROBE_EVERY_DAYS === 0;
}
export const COPY_LIMIT_ERROR = 'CopyLimitExceededError';

const at = (time: Date, seconds: number) => new Date(time.getTime() + seconds * 1000).toISOString();
const isDue = (dueAt: string | undefined, now: Date) =>
  dueAt === undefined || Date.parse(dueAt) <= now.getTime();
const isFinal = (work: Work) => work.state === 'available' || work.state === 'failed';

export function queuedWork(): Work {
  return { state: 'queued', tries: 0 };
}

/** Whether the database needs nothing more of the run: its record is written, or could not be. */
export function isSettled(database: QueueDatabase): boolean {
  return database.record.state !== 'pending';
}

/** Whether every RDS call of the database is done: what its record then says will not change. */
export function isReadyToRecord(database: QueueDatabase): boolean {
  if (database.snapshot.state === 'failed') return true;
  return (
    isFinal(database.snapshot) &&
    Object.values(database.copies).every(isFinal) &&
    (database.vault === undefined || isVaultTransferFinal(database.vault))
  );
}

/**
 * The time a step acts at: the clock, but never earlier than the previous
 * step's time plus the wait it asked for. On AWS the Wait state has let that
 * much pass anyway; where Waits do not pause (the local runner) it is what
 * moves the run forward.
 */
export function stepTime(
  clock: Date,
  previous: { readonly at: string; readonly waitSeconds: number } | undefined,
): Date {
  if (previous === undefined) return clock;
  return new Date(Math.max(clock.getTime(), Date.parse(previous.at) + previous.waitSeconds * 1000));
}

/**
 * The actions due now among `databases`, in the order they should run:
 * checks first (a copy found available frees its slot), then copies while
 * their region has a free slot, then new snapshots, then records; at most
 * `budget`. `runningElsewhere` counts the run's copies in flight among the
 * databases not given (the queue's other pages), by region.
 */
export function planBackupActions(
  databases: readonly QueueDatabase[],
  copyRegions: readonly string[],
  now: Date,
  limits: BackupQueueLimits,
  budget = limits.maxActionsPerStep,
  runningElsewhere: Readonly<Record<string, number>> = {},
): BackupAction[] {
  const checks: BackupAction[] = [];
  const copies: BackupAction[] = [];
  const vaultSteps: BackupAction[] = [];
  const creates: BackupAction[] = [];
  const records: BackupAction[] = [];
  const vaultRunning = (lane: string) =>
    (runningElsewhere[lane] ?? 0) +
    databases.filter((database) => {
      const region = lane.slice(VAULT_LANE_PREFIX.length);
      return database.vault?.share.state === 'done' && database.vault.copies[region]?.state === 'running';
    }).length;
  const running = new Map(copyRegions.map((region) => [region, runningElsewhere[region] ?? 0]));
  for (const database of databases) {
    for (const region of copyRegions) {
      if (database.copies[region]?.state === 'running') running.set(region, (running.get(region) ?? 0) + 1);
    }
  }
  const freeSlots = new Map(
    copyRegions.map((region) => [region, limits.concurrentCopiesPerRegion - (running.get(region) ?? 0)]),
  );
  databases.forEach((database, index) => {
    if (isSettled(database)) return;
    const { snapshot } = database;
    if (snapshot.state === 'running' && isDue(snapshot.dueAt, now))
      checks.push({ type: 'check-snapshot', index });
    if (snapshot.state === 'queued' && isDue(snapshot.dueAt, now)) creates.push({ type: 'create', index });
    for (const region of copyRegions) {
      const copy = database.copies[region];
      if (copy === undefined) continue;
      if (copy.state === 'running' && isDue(copy.dueAt, now)) {
        checks.push({ type: 'check-copy', index, region });
      } else if (snapshot.state === 'available' && copy.state === 'queued' && isDue(copy.dueAt, now)) {
        const free = freeSlots.get(region) ?? 0;
        if (free > 0) {
          freeSlots.set(region, free - 1);
          copies.push({ type: 'copy', index, region });
        }
      }
    }
    planVaultTransfer(database, index, now, { checks, copies, steps: vaultSteps }, (lane) => {
      const free = freeSlots.get(lane) ?? limits.concurrentCopiesPerRegion - vaultRunning(lane);
      if (free <= 0) return false;
      freeSlots.set(lane, free - 1);
      return true;
    });
    if (isReadyToRecord(database) && isDue(database.record.dueAt, now))
      records.push({ type: 'record', index });
  });
  return [
    ...checks,
    ...copies,
    ...vaultSteps,
    ...creates.slice(0, limits.maxSnapshotStartsPerStep),
    ...records,
  ].slice(0, Math.max(0, budget));
}

function retryOrFail(
  work: Work,
  rules: Readonly<Record<string, RetryRule>>,
  outcome: { readonly name: string; readonly message: string },
  now: Date,
): Work {
  const rule = rules[outcome.name];
  const tries = work.tries + 1;
  if (rule === undefined || tries > rule.maxTries) {
    return { ...work, state: 'failed', tries, error: `${outcome.name}: ${outcome.message}` };
  }
  const delay = Math.min(rule.intervalSeconds * 2 ** (tries - 1), rule.maxDelaySeconds);
  return { ...work, tries, dueAt: at(now, delay) };
}

/** A snapshot or copy just started (or adopted): due for its first check after its expected time. */
function started(
  work: Work,
  outcome: { readonly snapshot: ObservedSnapshot; readonly reused: boolean },
  expectedSeconds: number | undefined,
  probe: boolean,
  now: Date,
  limits: BackupQueueLimits,
): Work {
  const { snapshot, reused } = outcome;
  const base = {
    ...work,
    snapshotId: snapshot.id,
    arn: snapshot.arn,
    encrypted: snapshot.encrypted,
    reused,
    tries: 0,
  };
  const { refusedForLimit: _refused, ...fresh } = base;
  if (snapshot.status === 'available') {
    const { dueAt: _dueAt, ...rest } = fresh;
    return { ...rest, state: 'available' };
  }
  const poll = firstPoll(now, limits.snapshotTimeoutMinutes);
  const expected = expectedSeconds === undefined ? undefined : Math.ceil(expectedSeconds);
  const firstCheck = Math.max(
    FIRST_CHECK_MIN_SECONDS,
    expected === undefined ? poll.delaySeconds : probe ? Math.ceil(expected * PROBE_SHARE) : expected,
  );
  return {
    ...fresh,
    state: 'running',
    // Only a start this run made times the snapshot: an adopted one began earlier.
    ...(reused ? {} : { startedAt: now.toISOString() }),
    ...(expected !== undefined && firstCheck < expected ? { expectedAt: at(now, expected) } : {}),
    poll,
    dueAt: at(now, firstCheck),
  };
}

function checked(work: Work, snapshot: ObservedSnapshot | undefined, now: Date, what: string): Work {
  const { dueAt: _dueAt, ...rest } = work;
  if (snapshot === undefined) {
    return { ...rest, state: 'failed', error: `SnapshotNotFoundError: ${what} no longer exists` };
  }
  if (snapshot.status === 'available') {
    // It took at most the time until this check: what the next run waits
    // before its first check, which then finds it done. A shorter guess (the
    // middle of the last wait) would miss by as much, and cost checks on
    // every run; the probes learn a shorter time when there is one.
    const { expectedAt: _expectedAt, ...done } = rest;
    const seconds =
      work.startedAt === undefined
        ? undefined
        : Math.max(0, Math.round((now.getTime() - Date.parse(work.startedAt)) / 1000));
    return {
      ...done,
      state: 'available',
      encrypted: snapshot.encrypted,
      ...(seconds === undefined ? {} : { seconds }),
    };
  }
  if (snapshot.status === 'failed') {
    return { ...rest, state: 'failed', error: `SnapshotFailedError: ${what} failed` };
  }
  const poll = work.poll;
  if (poll !== undefined && now.getTime() > Date.parse(poll.deadline)) {
    return {
      ...rest,
      state: 'failed',
      error: `SnapshotTimeoutError: ${what} is still ${snapshot.status} after the deadline ${poll.deadline}`,
    };
  }
  // A probe that looked early looks next when the expected time ends.
  if (work.expectedAt !== undefined && Date.parse(work.expectedAt) > now.getTime()) {
    const { expectedAt, ...early } = work;
    return { ...early, dueAt: expectedAt };
  }
  const { expectedAt: _expectedAt, ...late } = work;
  const next = poll === undefined ? undefined : nextPoll(poll);
  return {
    ...late,
    ...(next === undefined ? {} : { poll: next }),
    dueAt: at(now, next?.delaySeconds ?? FIRST_CHECK_MIN_SECONDS),
  };
}

/**
 * A check that failed: a read, so whatever its error (throttling, a timeout,
 * a service error) it is tried again along the backoff, as a status not yet
 * final is, until the deadline; past it, the snapshot or copy fails with the
 * last error.
 */
function checkFailed(
  work: Work,
  outcome: { readonly name: string; readonly message: string },
  now: Date,
  what: string,
): Work {
  const poll = work.poll;
  if (poll !== undefined && now.getTime() > Date.parse(poll.deadline)) {
    const { dueAt: _dueAt, ...rest } = work;
    return {
      ...rest,
      state: 'failed',
      error: `SnapshotTimeoutError: ${what} could not be checked before the deadline ${poll.deadline}: ${outcome.name}: ${outcome.message}`,
    };
  }
  const next = poll === undefined ? undefined : nextPoll(poll);
  return {
    ...work,
    ...(next === undefined ? {} : { poll: next }),
    dueAt: at(now, next?.delaySeconds ?? FIRST_CHECK_MIN_SECONDS),
  };
}

/** The database after one of its actions, given what the call gave. */
export function applyBackupOutcome(
  database: QueueDatabase,
  action: BackupAction,
  outcome: ActionOutcome,
  now: Date,
  limits: BackupQueueLimits,
  sourceRegion: string,
): QueueDatabase {
  switch (action.type) {
    case 'create':
    case 'check-snapshot': {
      const snapshot = database.snapshot;
      let next: Work;
      const what = `snapshot ${snapshot.snapshotId} in ${sourceRegion}`;
      if (outcome.type === 'error' && action.type === 'check-snapshot') {
        next = checkFailed(snapshot, outcome, now, what);
      } else if (outcome.type === 'error') {
        next = retryOrFail(snapshot, RETRIES.create, outcome, now);
      } else if (outcome.type === 'started') {
        const probe = isProbe(database.id, sourceRegion, now);
        next = started(snapshot, outcome, database.expected.snapshotSeconds, probe, now, limits);
      } else if (outcome.type === 'checked') {
        next = checked(snapshot, outcome.snapshot, now, what);
      } else {
        next = snapshot;
      }
      return withDirectVaultStaging({ ...database, snapshot: next });
    }
    case 'copy':
    case 'check-copy': {
      const copy = database.copies[action.region];
      if (copy === undefined) return database;
      const next = applyCopyOutcome(copy, action.type === 'check-copy', outcome, now, limits, {
        what: `snapshot ${copy.snapshotId} in ${action.region}`,
        expectedSeconds: database.expected.copySeconds?.[action.region],
        probe: isProbe(database.id, action.region, now),
      });
      return { ...database, copies: { ...database.copies, [action.region]: next } };
    }
    case 'vault-stage':
    case 'check-vault-stage':
    case 'vault-copy':
    case 'check-vault-copy':
    case 'vault-share':
    case 'vault-unshare':
    case 'vault-remove-stage':
      return applyVaultOutcome(database, action, outcome, now, limits, sourceRegion);
    case 'record': {
      const record = database.record;
      if (outcome.type === 'recorded')
        return { ...database, record: { state: 'written', tries: record.tries } };
      if (outcome.type !== 'error') return database;
      const tries = record.tries + 1;
      if (tries > RECORD_RETRY.maxTries) {
        return {
          ...database,
          record: { state: 'failed', tries, error: `${outcome.name}: ${outcome.message}` },
        };
      }
      const delay = Math.min(RECORD_RETRY.intervalSeconds * 2 ** (tries - 1), RECORD_RETRY.maxDelaySeconds);
      return { ...database, record: { state: 'pending', tries, dueAt: at(now, delay) } };
    }
  }
}

/**
 * What the queue's index says of one page of databases, enough to choose the
 * pages a step must read: a step reads only those with work due, and those
 * holding the next copies to start when their region has a free slot.
 */
export interface PageSummary {
  readonly databases: number;
  readonly settled: number;
  /** The earliest check, snapshot start, retry or record due among the page; none when nothing waits on time. */
  readonly dueAt?: string;
  /** By copy region: the page's copies in flight. */
  readonly runningCopies: Readonly<Record<string, number>>;
  /** By copy region: copies whose snapshot is available, waiting for a slot. */
  readonly readyCopies: Readonly<Record<string, number>>;
  /** By copy region: the earliest time one of those may start. */
  readonly copiesDueAt: Readonly<Record<string, string>>;
  /** Set once the page did not read (its key, and why): its databases have failed and it is read no more. */
  readonly lost?: { readonly key: string; readonly reason: string };
}

/**
 * A page that does not read (a corrupt work document): its databases fail,
 * the others go on. It counts as settled, holds no work and no copy in
 * flight, so no step reads it again; the summary names its databases from
 * the run's roster.
 */
export function lostPage(
  databases: number,
  lost: { readonly key: string; readonly reason: string },
): PageSummary {
  return { databases, settled: databases, runningCopies: {}, readyCopies: {}, copiesDueAt: {}, lost };
}

/** The outcome of a database whose queue page did not read: failed, saying which page and why. */
export function lostDatabaseOutcome(
  database: { readonly id: string; readonly kind: 'instance' | 'cluster' },
  lost: { readonly key: string; readonly reason: string },
): DatabaseOutcome {
  return {
    id: database.id,
    kind: database.kind,
    status: 'FAILED',
    snapshots: [],
    error: `CorruptEvidenceError: its backup queue page ${lost.key} does not read (${lost.reason}): the run lost track of it`,
  };
}

const EPOCH = new Date(0).toISOString();
const earlier = (a: string | undefined, b: string) =>
  a === undefined || Date.parse(b) < Date.parse(a) ? b : a;

export function summarizePage(
  databases: readonly QueueDatabase[],
  copyRegions: readonly string[],
): PageSummary {
  let dueAt: string | undefined;
  const runningCopies: Record<string, number> = {};
  const readyCopies: Record<string, number> = {};
  const copiesDueAt: Record<string, string> = {};
  let settled = 0;
  for (const database of databases) {
    if (isSettled(database)) {
      settled += 1;
      continue;
    }
    const { snapshot } = database;
    if (snapshot.state === 'running' || snapshot.state === 'queued')
      dueAt = earlier(dueAt, snapshot.dueAt ?? EPOCH);
    for (const region of copyRegions) {
      const copy = database.copies[region];
      if (copy?.state === 'running') {
        runningCopies[region] = (runningCopies[region] ?? 0) + 1;
        dueAt = earlier(dueAt, copy.dueAt ?? EPOCH);
      } else if (copy?.state === 'queued' && snapshot.state === 'available') {
        readyCopies[region] = (readyCopies[region] ?? 0) + 1;
        copiesDueAt[region] = earlier(copiesDueAt[region], copy.dueAt ?? EPOCH);
      }
    }
    if (database.vault !== undefined && snapshot.state === 'available') {
      const vault = summarizeVaultTransfer(database.vault);
      if (vault.dueAt !== undefined) dueAt = earlier(dueAt, vault.dueAt);
      for (const [lane, count] of Object.entries(vault.running)) {
        runningCopies[lane] = (runningCopies[lane] ?? 0) + count;
      }
      for (const [lane, ready] of Object.entries(vault.ready)) {
        readyCopies[lane] = (readyCopies[lane] ?? 0) + ready.count;
        copiesDueAt[lane] = earlier(copiesDueAt[lane], ready.dueAt);
      }
    }
    if (isReadyToRecord(database)) dueAt = earlier(dueAt, database.record.dueAt ?? EPOCH);
  }
  return {
    databases: databases.length,
    settled,
    ...(dueAt === undefined ? {} : { dueAt }),
    runningCopies,
    readyCopies,
    copiesDueAt,
  };
}

function freeCopySlots(
  pages: readonly PageSummary[],
  copyRegions: readonly string[],
  limits: BackupQueueLimits,
): Map<string, number> {
  return new Map(
    copyRegions.map((region) => [
      region,
      limits.concurrentCopiesPerRegion -
        pages.reduce((sum, page) => sum + (page.runningCopies[region] ?? 0), 0),
    ]),
  );
}

/**
 * The copy lanes whose slots the pages share: each copy region, and each
 * vault region the pages hold vault copies for (`vault:<region>`: the vault
 * account's copies into that region).
 */
function lanesOf(pages: readonly PageSummary[], copyRegions: readonly string[]): string[] {
  const lanes = new Set(copyRegions);
  for (const page of pages) {
    for (const lane of [...Object.keys(page.runningCopies), ...Object.keys(page.readyCopies)]) {
      if (lane.startsWith(VAULT_LANE_PREFIX)) lanes.add(lane);
    }
  }
  return [...lanes];
}

const isDueNow = (time: string | undefined, now: Date) =>
  time !== undefined && Date.parse(time) <= now.getTime();

/**
 * The pages a step reads, in queue order: every page with work due (at most
 * `maxPages`), and, for each copy region with free slots, the first pages
 * holding copies ready to start, enough to fill those slots.
 */
export function pagesToRead(
  pages: readonly PageSummary[],
  copyRegions: readonly string[],
  now: Date,
  limits: BackupQueueLimits,
  maxPages: number,
): number[] {
  const chosen = new Set<number>();
  for (const region of lanesOf(pages, copyRegions)) {
    let wanted = freeCopySlots(pages, [region], limits).get(region) ?? 0;
    for (let index = 0; index < pages.length && wanted > 0; index++) {
      const page = pages[index] as PageSummary;
      if ((page.readyCopies[region] ?? 0) > 0 && isDueNow(page.copiesDueAt[region], now)) {
        chosen.add(index);
        wanted -= page.readyCopies[region] ?? 0;
      }
    }
  }
  for (let index = 0; index < pages.length && chosen.size < maxPages; index++) {
    if (isDueNow(pages[index]?.dueAt, now)) chosen.add(index);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * Whether the run is done, and else how long to sleep before the next step:
 * none when work is due now (a step stopped at its budget, or slots freed for
 * copies on pages it did not read), else until the earliest due check, retry
 * or copy that has a slot, within [1 s, MAX_WAIT_SECONDS].
 */
export function nextStep(
  pages: readonly PageSummary[],
  copyRegions: readonly string[],
  now: Date,
  limits: BackupQueueLimits,
): { readonly done: boolean; readonly waitSeconds: number } {
  if (pages.every((page) => page.settled === page.databases)) return { done: true, waitSeconds: 0 };
  let earliest: string | undefined;
  const lanes = lanesOf(pages, copyRegions);
  const free = freeCopySlots(pages, lanes, limits);
  for (const page of pages) {
    if (page.dueAt !== undefined) earliest = earlier(earliest, page.dueAt);
    for (const region of lanes) {
      const dueAt = page.copiesDueAt[region];
      if ((free.get(region) ?? 0) > 0 && (page.readyCopies[region] ?? 0) > 0 && dueAt !== undefined) {
        earliest = earlier(earliest, dueAt);
      }
    }
  }
  if (earliest === undefined) return { done: false, waitSeconds: MAX_WAIT_SECONDS };
  const seconds = Math.ceil((Date.parse(earliest) - now.getTime()) / 1000);
  if (seconds <= 0) return { done: false, waitSeconds: 0 };
  return { done: false, waitSeconds: Math.min(MAX_WAIT_SECONDS, seconds) };
}

export interface DatabaseOutcome {
  readonly id: string;
  readonly kind: 'instance' | 'cluster';
  readonly status: 'OK' | 'PARTIAL' | 'FAILED';
  readonly snapshots: { region: string; id: string; status: string; note?: string }[];
  /** In a run with a vault account: the vault account's copy in each vault region. */
  readonly vaultCopies?: VaultCopyOutcome[];
  readonly error?: string;
}

/**
 * What the database's record says: its snapshot, then each copy in the
 * order of the copy regions (none once the snapshot failed), the status and
 * every error.
 */
export function databaseOutcome(
  database: QueueDatabase,
  sourceRegion: string,
  copyRegions: readonly string[],
  notes: { readonly unencryptedSource: string; readonly unencryptedCopy: string },
  vaultRegions: readonly string[] = [],
): DatabaseOutcome {
  const { snapshot } = database;
  const sourceAvailable = snapshot.state === 'available';
  const snapshots: DatabaseOutcome['snapshots'] = [];
  if (snapshot.snapshotId !== undefined) {
    snapshots.push({
      region: sourceRegion,
      id: snapshot.snapshotId,
      status: sourceAvailable ? 'available' : 'failed',
      ...(snapshot.encrypted === false ? { note: notes.unencryptedSource } : {}),
    });
  }
  const copies = sourceAvailable
    ? copyRegions.flatMap((region) => {
        const copy = database.copies[region];
        return copy === undefined ? [] : [{ region, copy }];
      })
    : [];
  for (const { region, copy } of copies) {
    snapshots.push({
      region,
      id: copy.state === 'available' ? (copy.snapshotId ?? '') : '',
      status: copy.state === 'available' ? 'available' : 'failed',
      ...(copy.state === 'available' && copy.encrypted === false ? { note: notes.unencryptedCopy } : {}),
    });
  }
  const vault =
    sourceAvailable && database.vault !== undefined
      ? vaultTransferOutcome(database.vault, vaultRegions, notes.unencryptedCopy)
      : undefined;
  const errors = [
    ...(snapshot.error === undefined ? [] : [snapshot.error]),
    ...copies.flatMap(({ region, copy }) =>
      copy.error === undefined ? [] : [`copy to ${region}: ${copy.error}`],
    ),
    ...(vault?.errors ?? []),
    ...(database.record.error === undefined ? [] : [database.record.error]),
  ];
  const copyStatus = databaseStatus(sourceAvailable, [
    ...copies.map(({ copy }) => ({ status: copy.state })),
    ...(vault?.copies ?? []).map((copy) => ({ status: copy.status })),
  ]);
  const status =
    database.record.state === 'failed'
      ? 'FAILED'
      : copyStatus === 'OK' && (vault?.errors.length ?? 0) > 0
        ? 'PARTIAL'
        : copyStatus;
  return {
    id: database.id,
    kind: database.kind,
    status,
    snapshots,
    ...(vault === undefined ? {} : { vaultCopies: vault.copies }),
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
  };
}

/** An earlier backup run of the deployment, as its queue's index says. */
export interface EarlierRun {
  readonly runId: string;
  readonly startedAt: string;
  readonly databases: number;
  readonly settled: number;
  /** Its last step, or its start before any. */
  readonly lastActiveAt: string;
}

/** How long a run waiting for an earlier run of its day sleeps before it looks again. */
export const OVERLAP_WAIT_SECONDS = 300;
/**
 * A run with no step for this long is no longer running (its execution
 * failed, timed out or was stopped): a live run steps at least every
 * MAX_WAIT_SECONDS, with retries' pauses of minutes at most.
 */
export const ABANDONED_AFTER_SECONDS = 2 * MAX_WAIT_SECONDS + 1800;

/**
 * Looks at an earlier run of the day, OVERLAP_WAIT_SECONDS apart, that saw
 * no step of it, after which it is taken to have ended: the waits have
 * lasted ABANDONED_AFTER_SECONDS. Counted by looks, not by the clock, so
 * that it holds where waits take no time (the local runner).
 */
export const UNCHANGED_LOOKS = Math.ceil(ABANDONED_AFTER_SECONDS / OVERLAP_WAIT_SECONDS);

/** What a waiting run saw of the earlier run at its last look. */
export interface OverlapWatch {
  readonly runId: string;
  readonly lastActiveAt: string;
  /** Looks in a row that saw that same last step. */
  readonly looks: number;
}

export interface Overlap {
  /**
   * `waits`: the earlier run drives this day's snapshots (their ids are the
   * day's), so this one waits until it ends, then backs up what is left,
   * adopting what it made. `proceeds`: the earlier run drives an earlier
   * day's snapshots, so this one takes today's at once: waiting would put
   * today's backups behind yesterday's copies, day after day.
   */
  readonly decision: 'waits' | 'proceeds';
  readonly earlier: EarlierRun;
  /** For a run that waits: what it saw, for its next look. */
  readonly watch?: OverlapWatch;
}

/**
 * Whether a run starting at `now` overlaps the deployment's latest earlier
 * run, and what it does about it: nothing when there is none, it is this
 * run itself, its queue is finished, or it has ended without finishing (no
 * step for ABANDONED_AFTER_SECONDS by the clock, or none seen in
 * UNCHANGED_LOOKS looks while this run waited). Never two runs drive the
 * same day's snapshots.
 */
export function overlapWith(
  earlier: EarlierRun | undefined,
  run: { readonly runId: string; readonly now: Date },
  watched?: OverlapWatch,
): Overlap | undefined {
  if (earlier === undefined || earlier.runId === run.runId) return undefined;
  if (earlier.settled >= earlier.databases) return undefined;
  if (run.now.getTime() - Date.parse(earlier.lastActiveAt) > ABANDONED_AFTER_SECONDS * 1000) return undefined;
  const sameDay = earlier.startedAt.slice(0, 10) === run.now.toISOString().slice(0, 10);
  if (!sameDay) return { decision: 'proceeds', earlier };
  const unchanged = watched?.runId === earlier.runId && watched.lastActiveAt === earlier.lastActiveAt;
  const looks = unchanged ? watched.looks + 1 : 1;
  if (looks > UNCHANGED_LOOKS) return undefined;
  return {
    decision: 'waits',
    earlier,
    watch: { runId: earlier.runId, lastActiveAt: earlier.lastActiveAt, looks },
  };
}

/** What the alert on an overlap says, in a sentence or two. */
export function overlapMessage(overlap: Overlap): string {
  const { earlier } = overlap;
  const what = `Backup run ${earlier.runId}, started ${earlier.startedAt}, is still in progress (${earlier.settled} of ${earlier.databases} databases done).`;
  return overlap.decision === 'waits'
    ? `${what} It drives this day's snapshots, so this run waits for it to end, looking again every ${OVERLAP_WAIT_SECONDS / 60} minutes, then backs up what is left, adopting what it made.`
    : `${what} It drives an earlier day's snapshots, so this run takes today's now; the copies of both runs share each region's copy limit.`;
}

// ---------------------------------------------------------------------------
// Vault transfer (see VaultTransfer)

/** The page summaries' lanes of the vault copies start with this, then the vault region. */
export const VAULT_LANE_PREFIX = 'vault:';
/** The lane of the vault account's copies into `region`: they share its copy limit there. */
export const vaultLane = (region: string) => `${VAULT_LANE_PREFIX}${region}`;

const pendingStep = (): VaultStep => ({ state: 'pending', tries: 0 });
const isStepFinal = (step: VaultStep) => step.state !== 'pending';

/**
 * Which errors of a share, an unshare or a removal pass with time: a
 * throttled call, and a snapshot not yet in a state that allows it.
 */
const VAULT_STEP_RETRIES: Readonly<Record<string, RetryRule>> = {
  ThrottlingError: { intervalSeconds: 5, maxTries: 8, maxDelaySeconds: 120 },
  InvalidStateError: { intervalSeconds: 30, maxTries: 6, maxDelaySeconds: 300 },
};

/** A database's vault transfer at the start of a run: nothing done, a copy to make into each vault region. */
export function queuedVaultTransfer(vaultRegions: readonly string[]): VaultTransfer {
  return {
    staging: queuedWork(),
    share: pendingStep(),
    copies: Object.fromEntries(vaultRegions.map((region) => [region, queuedWork()])),
    unshare: pendingStep(),
    removeStaging: pendingStep(),
  };
}

/** Whether no vault copy will start or change any more: each is final, or none can start. */
function vaultCopiesFinal(transfer: VaultTransfer): boolean {
  return (
    transfer.staging.state === 'failed' ||
    transfer.share.state === 'failed' ||
    Object.values(transfer.copies).every(isFinal)
  );
}

/** A share is taken back whenever it may have been made, a failed call included. */
const needsUnshare = (transfer: VaultTransfer) => transfer.share.state !== 'pending';
/** The staging copy is deleted once one was started; never the snapshot itself (`direct`). */
const needsStagingRemoved = (transfer: VaultTransfer) =>
  transfer.direct !== true && transfer.staging.snapshotId !== undefined;
const unshareSettled = (transfer: VaultTransfer) => !needsUnshare(transfer) || isStepFinal(transfer.unshare);

/** Whether the transfer needs no more calls: the vault copies final, nothing left shared or staged that could be. */
export function isVaultTransferFinal(transfer: VaultTransfer): boolean {
  return (
    vaultCopiesFinal(transfer) &&
    unshareSettled(transfer) &&
    (!needsStagingRemoved(transfer) || isStepFinal(transfer.removeStaging))
  );
}

/**
 * The vault actions due now, into the step's buckets: checks, copies (the
 * staging copy, and each vault copy that `takeSlot` lets start in its lane),
 * and the single-call steps. Nothing before the day's snapshot is available.
 */
function planVaultTransfer(
  database: QueueDatabase,
  index: number,
  now: Date,
  buckets: {
    readonly checks: BackupAction[];
    readonly copies: BackupAction[];
    readonly steps: BackupAction[];
  },
  takeSlot: (lane: string) => boolean,
): void {
  const transfer = database.vault;
  if (transfer === undefined || database.snapshot.state !== 'available') return;
  const { staging, share } = transfer;
  if (staging.state === 'queued' && isDue(staging.dueAt, now))
    buckets.copies.push({ type: 'vault-stage', index });
  if (staging.state === 'running' && isDue(staging.dueAt, now)) {
    buckets.checks.push({ type: 'check-vault-stage', index });
  }
  if (staging.state === 'available' && share.state === 'pending' && isDue(share.dueAt, now)) {
    buckets.steps.push({ type: 'vault-share', index });
  }
  if (share.state === 'done') {
    for (const [region, copy] of Object.entries(transfer.copies)) {
      if (copy.state === 'running' && isDue(copy.dueAt, now)) {
        buckets.checks.push({ type: 'check-vault-copy', index, region });
      } else if (copy.state === 'queued' && isDue(copy.dueAt, now) && takeSlot(vaultLane(region))) {
        buckets.copies.push({ type: 'vault-copy', index, region });
      }
    }
  }
  if (!vaultCopiesFinal(transfer)) return;
  if (needsUnshare(transfer) && transfer.unshare.state === 'pending') {
    if (isDue(transfer.unshare.dueAt, now)) buckets.steps.push({ type: 'vault-unshare', index });
    return;
  }
  if (needsStagingRemoved(transfer) && transfer.removeStaging.state === 'pending') {
    if (isDue(transfer.removeStaging.dueAt, now)) buckets.steps.push({ type: 'vault-remove-stage', index });
  }
}

/**
 * What a page summary counts of a transfer: the earliest time anything but a
 * vault copy waiting for a slot is due, and by lane the vault copies running
 * and those ready to start (with the earliest time one may).
 */
function summarizeVaultTransfer(transfer: VaultTransfer): {
  readonly dueAt?: string;
  readonly running: Readonly<Record<string, number>>;
  readonly ready: Readonly<Record<string, { readonly count: number; readonly dueAt: string }>>;
} {
  let dueAt: string | undefined;
  const running: Record<string, number> = {};
  const ready: Record<string, { count: number; dueAt: string }> = {};
  const { staging, share } = transfer;
  if (staging.state === 'queued' || staging.state === 'running')
    dueAt = earlier(dueAt, staging.dueAt ?? EPOCH);
  if (staging.state === 'available' && share.state === 'pending')
    dueAt = earlier(dueAt, share.dueAt ?? EPOCH);
  if (share.state === 'done') {
    for (const [region, copy] of Object.entries(transfer.copies)) {
      const lane = vaultLane(region);
      if (copy.state === 'running') {
        running[lane] = (running[lane] ?? 0) + 1;
        dueAt = earlier(dueAt, copy.dueAt ?? EPOCH);
      } else if (copy.state === 'queued') {
        const before = ready[lane];
        ready[lane] = {
          count: (before?.count ?? 0) + 1,
          dueAt: earlier(before?.dueAt, copy.dueAt ?? EPOCH),
        };
      }
    }
  }
  if (vaultCopiesFinal(transfer)) {
    if (needsUnshare(transfer) && transfer.unshare.state === 'pending') {
      dueAt = earlier(dueAt, transfer.unshare.dueAt ?? EPOCH);
    } else if (needsStagingRemoved(transfer) && transfer.removeStaging.state === 'pending') {
      dueAt = earlier(dueAt, transfer.removeStaging.dueAt ?? EPOCH);
    }
  }
  return { ...(dueAt === undefined ? {} : { dueAt }), running, ready };
}

/**
 * An unencrypted cluster snapshot cannot be encrypted by a copy, so the
 * vault gets the snapshot itself, shared as it is: once it is available, it
 * is the transfer's staging (reported unencrypted, as it is).
 */
function withDirectVaultStaging(database: QueueDatabase): QueueDatabase {
  const { vault, snapshot } = database;
  if (vault === undefined || vault.staging.state !== 'queued') return database;
  if (snapshot.state !== 'available' || snapshot.encrypted !== false || database.kind !== 'cluster') {
    return database;
  }
  const staging: Work = {
    state: 'available',
    tries: 0,
    reused: true,
    ...(snapshot.snapshotId === undefined ? {} : { snapshotId: snapshot.snapshotId }),
    ...(snapshot.arn === undefined ? {} : { arn: snapshot.arn }),
    encrypted: false,
  };
  return { ...database, vault: { ...vault, staging, direct: true } };
}

function applyVaultStep(step: VaultStep, outcome: ActionOutcome, now: Date): VaultStep {
  if (outcome.type === 'done') return { state: 'done', tries: step.tries };
  if (outcome.type !== 'error') return step;
  const tries = step.tries + 1;
  const rule = VAULT_STEP_RETRIES[outcome.name];
  if (rule === undefined || tries > rule.maxTries) {
    return { state: 'failed', tries, error: `${outcome.name}: ${outcome.message}` };
  }
  const delay = Math.min(rule.intervalSeconds * 2 ** (tries - 1), rule.maxDelaySeconds);
  return { state: 'pending', tries, dueAt: at(now, delay) };
}

/**
 * A copy after the call that starts it or checks it (a copy region's, a
 * vault transfer's staging copy or vault copy): a start RDS refuses for its
 * copy limit waits, backing off; a failed check is tried again along the
 * backoff; any other failed start is retried or fails, by its error.
 */
function applyCopyOutcome(
  work: Work,
  isCheck: boolean,
  outcome: ActionOutcome,
  now: Date,
  limits: BackupQueueLimits,
  about: { readonly what: string; readonly expectedSeconds?: number | undefined; readonly probe?: boolean },
): Work {
  if (outcome.type === 'error' && outcome.name === COPY_LIMIT_ERROR && !isCheck) {
    const refused = (work.refusedForLimit ?? 0) + 1;
    const delay = Math.min(COPY_LIMIT_RETRY_SECONDS * 2 ** (refused - 1), COPY_LIMIT_RETRY_MAX_SECONDS);
    return { ...work, refusedForLimit: refused, dueAt: at(now, delay) };
  }
  if (outcome.type === 'error') {
    return isCheck
      ? checkFailed(work, outcome, now, about.what)
      : retryOrFail(work, RETRIES.copy, outcome, now);
  }
  if (outcome.type === 'started') {
    return started(work, outcome, about.expectedSeconds, about.probe ?? false, now, limits);
  }
  if (outcome.type === 'checked') return checked(work, outcome.snapshot, now, about.what);
  return work;
}

function applyVaultOutcome(
  database: QueueDatabase,
  action: BackupAction,
  outcome: ActionOutcome,
  now: Date,
  limits: BackupQueueLimits,
  sourceRegion: string,
): QueueDatabase {
  const transfer = database.vault;
  if (transfer === undefined) return database;
  let next: VaultTransfer = transfer;
  switch (action.type) {
    case 'vault-stage':
    case 'check-vault-stage': {
      const what = `vault staging copy ${transfer.staging.snapshotId ?? ''} in ${sourceRegion}`;
      const isCheck = action.type === 'check-vault-stage';
      next = {
        ...transfer,
        staging: applyCopyOutcome(transfer.staging, isCheck, outcome, now, limits, { what }),
      };
      break;
    }
    case 'vault-copy':
    case 'check-vault-copy': {
      const copy = transfer.copies[action.region];
      if (copy === undefined) return database;
      const what = `vault copy ${copy.snapshotId ?? ''} in ${action.region}`;
      const copies = {
        ...transfer.copies,
        [action.region]: applyCopyOutcome(copy, action.type === 'check-vault-copy', outcome, now, limits, {
          what,
        }),
      };
      next = { ...transfer, copies };
      break;
    }
    case 'vault-share':
      next = { ...transfer, share: applyVaultStep(transfer.share, outcome, now) };
      break;
    case 'vault-unshare':
      next = { ...transfer, unshare: applyVaultStep(transfer.unshare, outcome, now) };
      break;
    case 'vault-remove-stage':
      next = { ...transfer, removeStaging: applyVaultStep(transfer.removeStaging, outcome, now) };
      break;
    default:
      return database;
  }
  return { ...database, vault: next };
}

/** A vault copy in a database's record: where, under which id, and whether it is there. */
export interface VaultCopyOutcome {
  readonly region: string;
  readonly id: string;
  readonly status: 'available' | 'failed';
  readonly note?: string;
}

/**
 * What the record says of the transfer: each vault region's copy, and every
 * error (a copy that failed, and a share not taken back or a staging copy
 * not removed, which the prune then takes care of). Any of them makes the
 * database PARTIAL.
 */
export function vaultTransferOutcome(
  transfer: VaultTransfer,
  vaultRegions: readonly string[],
  unencryptedNote: string,
): { readonly copies: VaultCopyOutcome[]; readonly errors: string[] } {
  const reason =
    transfer.staging.state === 'failed'
      ? `vault staging copy: ${transfer.staging.error ?? 'failed'}`
      : transfer.share.state === 'failed'
        ? `sharing with the vault account: ${transfer.share.error ?? 'failed'}`
        : undefined;
  const copies = vaultRegions.flatMap((region): VaultCopyOutcome[] => {
    const copy = transfer.copies[region];
    if (copy === undefined) return [];
    const available = reason === undefined && copy.state === 'available';
    return [
      {
        region,
        id: available ? (copy.snapshotId ?? '') : '',
        status: available ? 'available' : 'failed',
        ...(available && copy.encrypted === false ? { note: unencryptedNote } : {}),
      },
    ];
  });
  const errors = [
    ...(reason === undefined ? [] : [reason]),
    ...(reason !== undefined
      ? []
      : vaultRegions.flatMap((region) => {
          const error = transfer.copies[region]?.error;
          return error === undefined ? [] : [`vault copy to ${region}: ${error}`];
        })),
    ...(transfer.unshare.state === 'failed'
      ? [`the share with the vault account was not taken back: ${transfer.unshare.error ?? 'failed'}`]
      : []),
    ...(transfer.removeStaging.state === 'failed'
      ? [`the vault staging copy was not removed: ${transfer.removeStaging.error ?? 'failed'}`]
      : []),
  ];
  return { copies, errors };
}
