// The rules of a backup run's queue: what a step does now, and when it looks next.
import { describe, expect, it } from 'vitest';
import {
  ABANDONED_AFTER_SECONDS,
  type ActionOutcome,
  actionsPerStep,
  applyBackupOutcome,
  type BackupAction,
  type BackupQueueLimits,
  type EarlierRun,
  isProbe,
  nextStep,
  overlapWith,
  PROBE_EVERY_DAYS,
  pagesToRead,
  planBackupActions,
  type QueueDatabase,
  queuedWork,
  stepTime,
  summarizePage,
  UNCHANGED_LOOKS,
  type Work,
} from '../../../src/domain/backup-queue.ts';

const SOURCE = 'eu-west-1';
const REGIONS = ['eu-central-1', 'eu-north-1'];
const NOW = new Date('2026-11-20T02:00:00Z');
const LIMITS: BackupQueueLimits = {
  snapshotTimeoutMinutes: 240,
  concurrentCopiesPerRegion: 2,
  maxActionsPerStep: 100,
  maxSnapshotStartsPerStep: 3,
};
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const iso = (seconds: number) => later(seconds).toISOString();

function database(id: string, changes: Partial<QueueDatabase> = {}): QueueDatabase {
  return {
    id,
    kind: 'instance',
    expected: {},
    snapshot: queuedWork(),
    copies: Object.fromEntries(REGIONS.map((region) => [region, queuedWork()])),
    record: { state: 'pending', tries: 0 },
    ...changes,
  };
}

const available = (id: string): Work => ({ state: 'available', snapshotId: id, arn: `arn:${id}`, tries: 0 });
const running = (dueAt: string): Work => ({ state: 'running', snapshotId: 's', dueAt, tries: 0 });
const observed = (status: string) => ({ id: 's', arn: 'arn:s', status, encrypted: true });

function apply(subject: QueueDatabase, action: BackupAction, outcome: ActionOutcome, now = NOW) {
  return applyBackupOutcome(subject, action, outcome, now, LIMITS, SOURCE);
}

describe('the actions of a step', () => {
  it('checks first, then copies while a slot is free, then new snapshots (a bounded number), then records', () => {
    const databases = [
      database('a', { snapshot: running(iso(0)) }),
      database('b', { snapshot: available('b') }),
      database('c', { snapshot: available('c') }),
      database('d', { snapshot: available('d') }),
      ...['e', 'f', 'g', 'h'].map((id) => database(id)),
      database('i', {
        snapshot: available('i'),
        copies: Object.fromEntries(REGIONS.map((region) => [region, available('i')])),
      }),
    ];

    const actions = planBackupActions(databases, REGIONS, NOW, LIMITS);

    expect(actions).toEqual([
      { type: 'check-snapshot', index: 0 },
      { type: 'copy', index: 1, region: 'eu-central-1' },
      { type: 'copy', index: 1, region: 'eu-north-1' },
      { type: 'copy', index: 2, region: 'eu-central-1' },
      { type: 'copy', index: 2, region: 'eu-north-1' },
      { type: 'create', index: 4 },
      { type: 'create', index: 5 },
      { type: 'create', index: 6 },
      { type: 'record', index: 8 },
    ]);
  });

  it('counts copies in flight on the pages it was not given against the region’s limit', () => {
    const databases = [database('a', { snapshot: available('a') })];

    const actions = planBackupActions(databases, REGIONS, NOW, LIMITS, 100, { 'eu-central-1': 2 });

    expect(actions).toEqual([{ type: 'copy', index: 0, region: 'eu-north-1' }]);
  });

  it('leaves for later what is not due yet', () => {
    const databases = [
      database('a', { snapshot: running(iso(60)) }),
      database('b', { snapshot: { ...queuedWork(), tries: 1, dueAt: iso(5) } }),
    ];
    expect(planBackupActions(databases, REGIONS, NOW, LIMITS)).toEqual([]);
    expect(planBackupActions(databases, REGIONS, later(60), LIMITS)).toHaveLength(2);
  });
});

describe('when a snapshot or copy is checked', () => {
  const started = (expected: QueueDatabase['expected']) =>
    apply(
      database('a', { expected }),
      { type: 'create', index: 0 },
      {
        type: 'started',
        snapshot: observed('creating'),
        reused: false,
      },
    );

  it('first after as long as its own last snapshot took, when the evidence says', () => {
    expect(isProbe('a', SOURCE, NOW)).toBe(false);
    expect(started({ snapshotSeconds: 600 }).snapshot.dueAt).toBe(iso(600));
  });

  describe('on a probe day', () => {
    // The first day from NOW on which database a's snapshot is probed.
    const probeDay = Array.from({ length: PROBE_EVERY_DAYS }, (_, day) => later(day * 86_400)).find((day) =>
      isProbe('a', SOURCE, day),
    ) as Date;
    const at = (seconds: number) => new Date(probeDay.getTime() + seconds * 1000);
    const startedOnProbeDay = () =>
      apply(
        database('a', { expected: { snapshotSeconds: 600 } }),
        { type: 'create', index: 0 },
        { type: 'started', snapshot: observed('creating'), reused: false },
        probeDay,
      );
    const check = (subject: QueueDatabase, status: string, seconds: number) =>
      apply(
        subject,
        { type: 'check-snapshot', index: 0 },
        { type: 'checked', snapshot: observed(status) },
        at(seconds),
      );

    it('comes once in every 7 days of a database, on a day of its own', () => {
      const days = Array.from({ length: 28 }, (_, day) => later(day * 86_400));
      expect(days.filter((day) => isProbe('a', SOURCE, day))).toHaveLength(4);
      const firstProbes = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) =>
        days.findIndex((day) => isProbe(id, SOURCE, day)),
      );
      expect(new Set(firstProbes).size).toBeGreaterThan(1);
    });

    it('checks at 80% of the expected time, and learns that a snapshot got faster', () => {
      const subject = startedOnProbeDay();
      expect(subject.snapshot.dueAt).toBe(at(480).toISOString());
      expect(check(subject, 'available', 480).snapshot.seconds).toBe(480);
    });

    it('when the snapshot is not done early, looks next when the expected time ends, not along the backoff', () => {
      const early = check(startedOnProbeDay(), 'creating', 480);
      expect(early.snapshot.dueAt).toBe(at(600).toISOString());
      expect(check(early, 'available', 600).snapshot.seconds).toBe(600);
    });
  });

  it('first after 30 s without evidence, then along the backoff, at most 5 minutes apart', () => {
    let subject = started({});
    const checks: string[] = [];
    for (let check = 0; check < 6; check++) {
      const dueAt = subject.snapshot.dueAt ?? '';
      checks.push(dueAt);
      subject = apply(
        subject,
        { type: 'check-snapshot', index: 0 },
        { type: 'checked', snapshot: observed('creating') },
        new Date(dueAt),
      );
    }
    expect(checks).toEqual([iso(30), iso(90), iso(210), iso(450), iso(750), iso(1050)]);
  });

  it('keeps how long it took at most: the time until the check that saw it done', () => {
    const once = apply(
      started({ snapshotSeconds: 600 }),
      { type: 'check-snapshot', index: 0 },
      { type: 'checked', snapshot: observed('available') },
      later(600),
    );
    expect(once.snapshot).toMatchObject({ state: 'available', seconds: 600 });

    const short = apply(
      started({ snapshotSeconds: 500 }),
      { type: 'check-snapshot', index: 0 },
      { type: 'checked', snapshot: observed('creating') },
      later(500),
    );
    expect(short.snapshot.dueAt).toBe(iso(560));
    const seen = apply(
      short,
      { type: 'check-snapshot', index: 0 },
      { type: 'checked', snapshot: observed('available') },
      later(560),
    );
    expect(seen.snapshot.seconds).toBe(560);
  });

  it('fails it past the snapshot timeout, and when RDS says it failed', () => {
    const subject = started({});
    const check = { type: 'check-snapshot', index: 0 } as const;
    const late = apply(
      subject,
      check,
      { type: 'checked', snapshot: observed('creating') },
      later(240 * 60 + 1),
    );
    expect(late.snapshot).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/^SnapshotTimeoutError: /),
    });
    const failed = apply(subject, check, { type: 'checked', snapshot: observed('failed') }, later(30));
    expect(failed.snapshot).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/^SnapshotFailedError: /),
    });
  });

  it('takes an adopted snapshot that is already available as done, with no check', () => {
    const adopted = apply(
      database('a'),
      { type: 'create', index: 0 },
      {
        type: 'started',
        snapshot: observed('available'),
        reused: true,
      },
    );
    expect(adopted.snapshot).toMatchObject({ state: 'available', reused: true });
    expect(adopted.snapshot.dueAt).toBeUndefined();
  });
});

describe('a failed call', () => {
  const create = { type: 'create', index: 0 } as const;
  const error = (name: string): ActionOutcome => ({ type: 'error', name, message: 'no' });

  it.each([
    ['ThrottlingError', [5, 10, 20, 40, 80, 120, 120, 120], 8],
    ['InvalidStateError', [60, 120, 240, 480, 600, 600, 600, 600, 600, 600], 10],
  ])('%s is tried again later with backoff, %j s apart, then fails the snapshot', (name, delays, tries) => {
    let subject = database('a');
    let now = NOW;
    for (const delay of delays) {
      subject = apply(subject, create, error(name), now);
      expect(subject.snapshot.state).toBe('queued');
      expect(Date.parse(subject.snapshot.dueAt ?? '') - now.getTime()).toBe(delay * 1000);
      now = new Date(subject.snapshot.dueAt ?? '');
    }
    subject = apply(subject, create, error(name), now);
    expect(subject.snapshot).toMatchObject({ state: 'failed', tries: tries + 1, error: `${name}: no` });
  });

  it('of any other kind fails that snapshot at once', () => {
    expect(apply(database('a'), create, error('CloudServiceError')).snapshot).toMatchObject({
      state: 'failed',
      error: 'CloudServiceError: no',
    });
  });

  it('that meets the copy limit leaves the copy queued, backing off from a minute to 15, without using up its tries', () => {
    let subject = database('a', { snapshot: available('a') });
    let now = NOW;
    const delays: number[] = [];
    for (let refusal = 0; refusal < 7; refusal++) {
      subject = apply(
        subject,
        { type: 'copy', index: 0, region: 'eu-central-1' },
        error('CopyLimitExceededError'),
        now,
      );
      const copy = subject.copies['eu-central-1'];
      expect(copy).toMatchObject({ state: 'queued', tries: 0 });
      delays.push((Date.parse(copy?.dueAt ?? '') - now.getTime()) / 1000);
      now = new Date(copy?.dueAt ?? '');
    }
    expect(delays).toEqual([60, 120, 240, 480, 900, 900, 900]);
  });

  it('of a check, whatever its error, is tried again along the backoff, and fails the snapshot only past its deadline', () => {
    const check = { type: 'check-snapshot', index: 0 } as const;
    let subject = apply(database('a'), create, {
      type: 'started',
      snapshot: observed('creating'),
      reused: false,
    });
    let now = new Date(subject.snapshot.dueAt ?? '');
    for (const name of ['TimeoutError', 'ThrottlingError', 'InternalFailure', 'TimeoutError']) {
      subject = apply(subject, check, error(name), now);
      expect(subject.snapshot).toMatchObject({ state: 'running', tries: 0 });
      now = new Date(subject.snapshot.dueAt ?? '');
    }
    const late = apply(subject, check, error('TimeoutError'), later(240 * 60 + 1));
    expect(late.snapshot).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/^SnapshotTimeoutError: .*could not be checked.*TimeoutError: no$/),
    });
  });

  it('of a record, whatever the store’s error, is tried again with backoff, 8 times, before the record fails', () => {
    const ready = database('a', {
      snapshot: available('a'),
      copies: Object.fromEntries(REGIONS.map((region) => [region, available('a')])),
    });
    let subject = ready;
    for (let attempt = 1; attempt <= 8; attempt++) {
      subject = apply(subject, { type: 'record', index: 0 }, error('InternalError'));
      expect(subject.record).toMatchObject({ state: 'pending', tries: attempt });
    }
    subject = apply(subject, { type: 'record', index: 0 }, error('InternalError'));
    expect(subject.record).toMatchObject({ state: 'failed', error: 'InternalError: no' });
  });
});

describe('the calls of one step', () => {
  it('are at most 40 per call in flight, and 400 in all, so a step ends inside its timeout at any concurrency', () => {
    expect(actionsPerStep(1)).toBe(40);
    expect(actionsPerStep(4)).toBe(160);
    expect(actionsPerStep(10)).toBe(400);
    expect(actionsPerStep(40)).toBe(400);
  });
});

describe('the pages a step reads, and when it looks next', () => {
  const page = (databases: QueueDatabase[]) => summarizePage(databases, REGIONS);
  const inFlight = (dueAt: string) =>
    database('x', {
      snapshot: available('x'),
      copies: Object.fromEntries(REGIONS.map((region) => [region, running(dueAt)])),
    });
  const ready = database('r', { snapshot: available('r') });

  it('reads the pages with work due, and the first ones holding copies for the free slots', () => {
    const pages = [page([inFlight(iso(1200))]), page([ready]), page([ready]), page([database('n')])];

    expect(pagesToRead(pages, REGIONS, NOW, LIMITS, 6)).toEqual([1, 3]);
  });

  it('sleeps until the earliest due check when copies wait for slots that checks will free', () => {
    const pages = [page([inFlight(iso(1200)), inFlight(iso(1300))]), page([ready])];

    expect(nextStep(pages, REGIONS, NOW, LIMITS)).toEqual({ done: false, waitSeconds: 1200 });
  });

  it('goes on at once when a copy has a free slot, and is done when every database is settled', () => {
    expect(nextStep([page([ready])], REGIONS, NOW, LIMITS)).toEqual({ done: false, waitSeconds: 0 });
    const settled = database('s', { record: { state: 'written', tries: 0 } });
    expect(nextStep([page([settled])], REGIONS, NOW, LIMITS)).toEqual({ done: true, waitSeconds: 0 });
  });

  it('acts no earlier than the previous step’s time plus its wait, even on a clock that stands still', () => {
    expect(stepTime(NOW, { at: NOW.toISOString(), waitSeconds: 90 })).toEqual(later(90));
    expect(stepTime(later(200), { at: NOW.toISOString(), waitSeconds: 90 })).toEqual(later(200));
    expect(stepTime(NOW, undefined)).toEqual(NOW);
  });
});

describe('a backup run that overlaps an earlier one', () => {
  const now = new Date('2026-11-20T02:00:00Z');
  const earlier = (overrides: Partial<EarlierRun> = {}): EarlierRun => ({
    runId: 'backup-earlier',
    startedAt: '2026-11-20T01:00:00.000Z',
    databases: 10,
    settled: 4,
    lastActiveAt: '2026-11-20T01:50:00.000Z',
    ...overrides,
  });
  const run = { runId: 'backup-now', now };

  it('waits for an unfinished run of the same day, counting the looks that saw no step of it', () => {
    const first = overlapWith(earlier(), run);
    expect(first).toMatchObject({ decision: 'waits', watch: { runId: 'backup-earlier', looks: 1 } });
    const second = overlapWith(earlier(), run, first?.watch);
    expect(second?.watch?.looks).toBe(2);
    // A step of the earlier run starts the count again.
    const stepped = overlapWith(earlier({ lastActiveAt: '2026-11-20T01:59:00.000Z' }), run, second?.watch);
    expect(stepped?.watch?.looks).toBe(1);
  });

  it('takes the earlier run as ended after UNCHANGED_LOOKS looks with no step of it', () => {
    const watch = {
      runId: 'backup-earlier',
      lastActiveAt: '2026-11-20T01:50:00.000Z',
      looks: UNCHANGED_LOOKS,
    };
    expect(overlapWith(earlier(), run, { ...watch, looks: UNCHANGED_LOOKS - 1 })?.decision).toBe('waits');
    expect(overlapWith(earlier(), run, watch)).toBeUndefined();
  });

  it('proceeds past an unfinished run of an earlier day', () => {
    expect(overlapWith(earlier({ startedAt: '2026-11-19T23:00:00.000Z' }), run)?.decision).toBe('proceeds');
  });

  it('takes no notice of a finished run, of itself, or of one with no step for ABANDONED_AFTER_SECONDS', () => {
    expect(overlapWith(earlier({ settled: 10 }), run)).toBeUndefined();
    expect(overlapWith(earlier({ runId: 'backup-now' }), run)).toBeUndefined();
    const stale = new Date(now.getTime() - (ABANDONED_AFTER_SECONDS + 1) * 1000).toISOString();
    expect(overlapWith(earlier({ lastActiveAt: stale }), run)).toBeUndefined();
    expect(overlapWith(undefined, run)).toBeUndefined();
  });
});
