// Which databases a drill run drills: a pure function of when each was last
// drilled, its drill interval, how far apart the schedule's runs are and the
// per-run maximum. The rules, in order:
//
// 1. A database drilled before is due when the next run would come at or
//    after its deadline (the day its last drill was planned plus its
//    interval): it is
//    drilled now, never left to a run that would be late. With runs a day
//    apart and a 7-day interval a database is drilled every 6 days, so a
//    drill that finishes later in its run than the one before still lands
//    within the interval.
// 2. Due databases go first, the most overdue (earliest deadline) first.
// 3. Databases never drilled are spread over one drill cycle: each has a
//    slot, its rank among the protected databases by id modulo the runs of
//    its cycle (runs are numbered by the time since the epoch in run gaps, so
//    every slot comes once a cycle), and is drilled at the latest at the run
//    of its slot; a run with room below its share, Σ 1 / (runs per cycle)
//    over every database rounded up, takes the next slots' early. A fleet
//    added at once is drilled a share a run; once drilled, each comes back due
//    a cycle later, so runs keep that load; a single new database is drilled
//    at once.
// 4. At most `maxPerRun` drills a run: the due databases it leaves out go
//    first at the next run. Each is reported, as overdue once its interval has
//    elapsed; a database left out that was never drilled is reported too, as
//    the fleet outgrows what the maximum drills in an interval.
//
// Days count in UTC from the day the last drill was planned (plan-drills
// `lastDrillDayOf`), never later than the drill finished; the day to spare of
// rule 1 absorbs a drill finishing later in its run, past midnight even, as
// long as a run ends within the gap between runs.

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface DrillCandidate {
  readonly id: string;
  /** 00:00 UTC of the day its last drill was planned; undefined when it was never drilled. */
  readonly lastDrillDay: Date | undefined;
  readonly intervalDays: number;
}

export interface DrillRunPolicy {
  /** The longest time between two runs of the drill schedule (`longestScheduleGapHours`). */
  readonly runGapHours: number;
  /** drills.maxPerRun */
  readonly maxPerRun: number;
}

/** A database the per-run maximum left out of the run. */
export interface HeldBackDrill {
  readonly id: string;
  /** When its interval elapses; undefined when it was never drilled. */
  readonly deadline: Date | undefined;
  /** Its interval has elapsed already. */
  readonly overdue: boolean;
}

export interface DrillChoice {
  /** The databases to drill, in the order they are drilled. */
  readonly drill: readonly string[];
  /** Due (or asked for) but left out by the per-run maximum, the most overdue first. */
  readonly heldBack: readonly HeldBackDrill[];
  /** Never drilled and left to a later run of the cycle by the spreading: on plan, no finding. */
  readonly spread: number;
}

/**
 * The runs of one drill cycle: the most runs a database may wait after its
 * drill for its next one to start before its interval elapses, at least one
 * (with a weekly schedule and a 7-day interval every database is drilled
 * every run: nothing can be spread).
 */
export function drillCycleRuns(intervalDays: number, runGapHours: number): number {
  return Math.max(1, Math.ceil((intervalDays * 24) / runGapHours - 1e-9) - 1);
}

export function drillDeadline(candidate: DrillCandidate): Date | undefined {
  const last = candidate.lastDrillDay;
  if (last === undefined || Number.isNaN(last.getTime())) return undefined;
  return new Date(last.getTime() + candidate.intervalDays * DAY_MS);
}

const byDeadline = (a: DrillCandidate, b: DrillCandidate) =>
  (drillDeadline(a)?.getTime() ?? Number.NEGATIVE_INFINITY) -
    (drillDeadline(b)?.getTime() ?? Number.NEGATIVE_INFINITY) || a.id.localeCompare(b.id);

function cut(wanted: readonly DrillCandidate[], now: Date, maxPerRun: number, spread: number): DrillChoice {
  return {
    drill: wanted.slice(0, maxPerRun).map((candidate) => candidate.id),
    heldBack: wanted.slice(maxPerRun).map((candidate) => {
      const deadline = drillDeadline(candidate);
      return { id: candidate.id, deadline, overdue: deadline !== undefined && now >= deadline };
    }),
    spread,
  };
}

/** A scheduled run: the due databases, then those never drilled, by slot (rules 1 to 4 above). */
export function chooseScheduledDrills(
  candidates: readonly DrillCandidate[],
  now: Date,
  policy: DrillRunPolicy,
): DrillChoice {
  const gapMs = policy.runGapHours * HOUR_MS;
  const due = candidates
    .filter((candidate) => {
      const deadline = drillDeadline(candidate);
      return deadline !== undefined && now.getTime() + gapMs >= deadline.getTime();
    })
    .sort(byDeadline);
  const run = Math.floor(now.getTime() / gapMs);
  // Runs until the slot of each database never drilled: 0 for this run's.
  const untilSlot = new Map<string, number>();
  [...candidates]
    .sort((a, b) => a.id.localeCompare(b.id))
    .forEach((candidate, rank) => {
      if (drillDeadline(candidate) !== undefined) return;
      const runs = drillCycleRuns(candidate.intervalDays, policy.runGapHours);
      untilSlot.set(candidate.id, (((rank - run) % runs) + runs) % runs);
    });
  const neverDrilled = candidates
    .filter((candidate) => untilSlot.has(candidate.id))
    .sort((a, b) => (untilSlot.get(a.id) ?? 0) - (untilSlot.get(b.id) ?? 0) || a.id.localeCompare(b.id));
  const slotNow = neverDrilled.filter((candidate) => untilSlot.get(candidate.id) === 0);
  // The epsilon keeps a share of exactly n (six 1/6) from rounding up to n + 1.
  const share = Math.ceil(
    candidates.reduce(
      (sum, candidate) => sum + 1 / drillCycleRuns(candidate.intervalDays, policy.runGapHours),
      0,
    ) - 1e-9,
  );
  const first = neverDrilled.slice(0, Math.max(slotNow.length, share - due.length));
  return cut([...due, ...first], now, policy.maxPerRun, neverDrilled.length - first.length);
}

/**
 * An on-demand run of every protected database, due or not: the most overdue
 * first (never drilled before all others), at most `maxPerRun`.
 */
export function chooseAllDrills(
  candidates: readonly DrillCandidate[],
  now: Date,
  policy: Pick<DrillRunPolicy, 'maxPerRun'>,
): DrillChoice {
  return cut([...candidates].sort(byDeadline), now, policy.maxPerRun, 0);
}
