// Which databases a scheduled drill run drills: the due ones, the most overdue
// first, a share of those never drilled, and never more than the per-run
// maximum. Runs are simulated day by day; a drill's report is dated the day
// of its run, as a drill finishes within it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseAllDrills,
  chooseScheduledDrills,
  type DrillCandidate,
  drillCycleRuns,
} from '../../../src/domain/drill-schedule.ts';

const DAY_MS = 86_400_000;
const FIRST_RUN = Date.parse('2026-11-02T06:00:00Z');
const DAILY = 24;
const WEEKLY = 7 * 24;

const dayOf = (time: number) => new Date(Math.floor(time / DAY_MS) * DAY_MS);
const ids = (count: number) =>
  Array.from({ length: count }, (_, index) => `db-${String(index).padStart(4, '0')}`);

interface Fleet {
  readonly intervalDays: (id: string) => number;
  /** Last drill day of each database drilled so far. */
  readonly lastDrill: Map<string, Date>;
}

/** Runs the schedule `runs` times, `gapHours` apart, and returns what each run drilled. */
function simulate(
  databases: readonly string[],
  fleet: Fleet,
  options: { runs: number; gapHours: number; maxPerRun: number; firstRun?: number },
): { at: number; drilled: readonly string[] }[] {
  const history: { at: number; drilled: readonly string[] }[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    const at = (options.firstRun ?? FIRST_RUN) + run * options.gapHours * 3_600_000;
    const candidates: DrillCandidate[] = databases.map((id) => ({
      id,
      lastDrillDay: fleet.lastDrill.get(id),
      intervalDays: fleet.intervalDays(id),
    }));
    const choice = chooseScheduledDrills(candidates, new Date(at), {
      runGapHours: options.gapHours,
      maxPerRun: options.maxPerRun,
    });
    for (const id of choice.drill) fleet.lastDrill.set(id, dayOf(at));
    history.push({ at, drilled: choice.drill });
  }
  return history;
}

const drillDaysOf = (history: ReturnType<typeof simulate>, id: string) =>
  history.filter((run) => run.drilled.includes(id)).map((run) => Math.floor(run.at / DAY_MS));

describe('how many runs a drill cycle has', () => {
  it.each([
    [7, DAILY, 6],
    [14, DAILY, 13],
    [7, 12, 13],
    [7, WEEKLY, 1],
    [14, WEEKLY, 1],
    [1, DAILY, 1],
    [30, 72, 9],
  ])('a %d-day interval with runs up to %d hours apart: %d', (intervalDays, gapHours, runs) => {
    expect(drillCycleRuns(intervalDays, gapHours)).toBe(runs);
  });
});

describe('a scheduled drill run', () => {
  it('drills a database when the next run would be past its interval, not before', () => {
    // Given orders drilled on 2026-11-02 and a 7-day interval, with daily runs
    const orders = (lastDrill: string): DrillCandidate => ({
      id: 'orders',
      lastDrillDay: new Date(lastDrill),
      intervalDays: 7,
    });
    const policy = { runGapHours: DAILY, maxPerRun: 50 };

    // Then the runs up to 11-07 leave it, and the run of 11-08 drills it: the run of 11-09 would be late
    for (const day of ['03', '05', '07']) {
      expect(
        chooseScheduledDrills([orders('2026-11-02')], new Date(`2026-11-${day}T06:00:00Z`), policy).drill,
      ).toEqual([]);
    }
    expect(
      chooseScheduledDrills([orders('2026-11-02')], new Date('2026-11-08T06:00:00Z'), policy).drill,
    ).toEqual(['orders']);
  });

  it('over a fleet larger than the per-run maximum drills at most the maximum, most overdue first, and the next runs drill the rest', () => {
    // Given ten databases, all due, the most overdue drilled longest ago
    const databases = ids(10);
    const fleet: Fleet = {
      intervalDays: () => 7,
      lastDrill: new Map(databases.map((id, index) => [id, new Date(Date.UTC(2026, 9, 10 + index))])),
    };
    const now = new Date('2026-11-02T06:00:00Z');
    const candidates = () =>
      databases.map((id) => ({ id, lastDrillDay: fleet.lastDrill.get(id), intervalDays: 7 }));

    // When a run may drill four
    const first = chooseScheduledDrills(candidates(), now, { runGapHours: DAILY, maxPerRun: 4 });

    // Then it drills the four most overdue, and holds back the six others, each reported as overdue
    expect(first.drill).toEqual(['db-0000', 'db-0001', 'db-0002', 'db-0003']);
    expect(first.heldBack.map((held) => [held.id, held.overdue])).toEqual([
      ['db-0004', true],
      ['db-0005', true],
      ['db-0006', true],
      ['db-0007', true],
      ['db-0008', true],
      ['db-0009', true],
    ]);

    // And the next two daily runs drill the rest, the most overdue first
    const later = simulate(databases, fleet, {
      runs: 3,
      gapHours: DAILY,
      maxPerRun: 4,
      firstRun: now.getTime(),
    });
    expect(later.map((run) => run.drilled)).toEqual([
      ['db-0000', 'db-0001', 'db-0002', 'db-0003'],
      ['db-0004', 'db-0005', 'db-0006', 'db-0007'],
      ['db-0008', 'db-0009'],
    ]);
  });

  it('reports a database never drilled that the maximum holds back: the fleet outgrows what the maximum drills in an interval', () => {
    const candidates = ids(100).map((id) => ({ id, lastDrillDay: undefined, intervalDays: 7 }));

    const choice = chooseScheduledDrills(candidates, new Date(FIRST_RUN), {
      runGapHours: DAILY,
      maxPerRun: 10,
    });

    // A run's share is 100 / 6 (16 or 17): 10 are drilled, the rest of the share held back, the others left to later runs
    expect(choice.drill).toHaveLength(10);
    expect(choice.heldBack.length).toBeGreaterThanOrEqual(6);
    expect(choice.heldBack.every((held) => held.deadline === undefined && !held.overdue)).toBe(true);
    expect(choice.drill.length + choice.heldBack.length + choice.spread).toBe(100);
  });

  it('spreads a fleet added at once: over one cycle each database is drilled once, and no run exceeds its share', () => {
    // Given 1,000 databases never drilled, a 7-day interval and daily runs: a cycle of 6 runs
    const databases = ids(1_000);
    const fleet: Fleet = { intervalDays: () => 7, lastDrill: new Map() };
    const share = Math.ceil(1_000 / 6);

    // When the schedule runs for three intervals
    const history = simulate(databases, fleet, { runs: 21, gapHours: DAILY, maxPerRun: 200 });

    // Then the first six runs drill each database once, a share each
    const firstCycle = history.slice(0, 6).flatMap((run) => run.drilled);
    expect(new Set(firstCycle).size).toBe(1_000);
    expect(firstCycle).toHaveLength(1_000);
    // And no run drills more than its share, nor more than two fewer (a slot of one fewer, or one taken early)
    for (const run of history) {
      expect(run.drilled.length).toBeLessThanOrEqual(share);
      expect(run.drilled.length).toBeGreaterThanOrEqual(share - 2);
    }
    // And each database is then drilled every 6 days
    for (const id of databases) {
      const days = drillDaysOf(history, id);
      expect(new Set(days.slice(1).map((day, index) => day - (days[index] ?? 0)))).toEqual(new Set([6]));
    }
  });

  it('with the weekly schedule and a 7-day interval drills every database every run: nothing can be spread', () => {
    const databases = ids(30);
    const fleet: Fleet = { intervalDays: () => 7, lastDrill: new Map() };

    const history = simulate(databases, fleet, { runs: 3, gapHours: WEEKLY, maxPerRun: 50 });

    expect(history.map((run) => run.drilled.length)).toEqual([30, 30, 30]);
  });

  it('keeps every database within its interval, with a day to spare, whatever the fleet and its intervals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.integer({ min: 2, max: 21 }), { minLength: 1, maxLength: 4 }),
        (size, intervals) => {
          // Given a fleet of databases with a mix of intervals, never drilled, and a maximum that suffices
          const databases = ids(size);
          const intervalOf = (id: string) => intervals[Number(id.slice(3)) % intervals.length] ?? 7;
          const fleet: Fleet = { intervalDays: intervalOf, lastDrill: new Map() };

          // When the daily schedule runs for 60 days
          const history = simulate(databases, fleet, { runs: 60, gapHours: DAILY, maxPerRun: 200 });

          // Then each database is drilled within its first cycle, and then at most a day short of its interval apart
          for (const id of databases) {
            const days = drillDaysOf(history, id);
            const first = Math.floor(FIRST_RUN / DAY_MS);
            expect((days[0] ?? Number.POSITIVE_INFINITY) - first).toBeLessThan(
              drillCycleRuns(intervalOf(id), DAILY),
            );
            for (let index = 1; index < days.length; index += 1) {
              expect((days[index] ?? 0) - (days[index - 1] ?? 0)).toBeLessThanOrEqual(intervalOf(id) - 1);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('an on-demand run of every protected database', () => {
  it('drills at most the maximum, those never drilled first, then the most overdue', () => {
    const candidates: DrillCandidate[] = [
      { id: 'recent', lastDrillDay: new Date('2026-11-01T00:00:00Z'), intervalDays: 7 },
      { id: 'old', lastDrillDay: new Date('2026-10-01T00:00:00Z'), intervalDays: 7 },
      { id: 'new', lastDrillDay: undefined, intervalDays: 7 },
    ];

    const choice = chooseAllDrills(candidates, new Date('2026-11-02T06:00:00Z'), { maxPerRun: 2 });

    expect(choice.drill).toEqual(['new', 'old']);
    expect(choice.heldBack).toEqual([
      { id: 'recent', deadline: new Date('2026-11-08T00:00:00Z'), overdue: false },
    ]);
  });
});
