import { z } from 'zod';
import { drillRunPoints } from '../domain/metrics.ts';
import { defineTask } from '../runtime/task.ts';
import { cutMessage, type DrillBacklog, drillBacklog } from './drill-shapes.ts';
import { caughtError, describeCaughtError } from './shapes.ts';

const drillOutcome = z
  .object({
    drillId: z.string().optional(),
    database: z.string(),
    verdict: z.enum(['pass', 'fail']),
    /**
     * A failed child execution arrives as the error caught (its cause names
     * the step's own error), or as the error's name alone in a run of many.
     */
    error: z.union([z.string(), caughtError]).optional(),
  })
  .loose();

/** Failed drills an alert names at most; the rest it counts. */
export const MAX_ALERTED_FAILURES = 50;

type DrillOutcomeInput = z.infer<typeof drillOutcome>;

const reportKeyOf = (result: DrillOutcomeInput): string | undefined => {
  const report = (result as { report?: { json?: unknown } }).report;
  return typeof report?.json === 'string' ? report.json : undefined;
};

/**
 * What an alert on a drill run says: the counts, the failed drills (each
 * database, drill, error cut short and report) up to MAX_ALERTED_FAILURES,
 * the skipped ones likewise, and the backlog's counts. Bounded whatever the
 * run (a few tens of kilobytes at most, far inside SNS's 256 KiB), where the
 * run's whole state may hold every check of a drill and every outcome.
 */
export function drillAlert(input: {
  readonly runId: string;
  readonly status: 'OK' | 'FAILED';
  readonly results: readonly DrillOutcomeInput[];
  readonly skipped: readonly { readonly database: string; readonly error: string }[];
  readonly backlog?: DrillBacklog | undefined;
}) {
  const failed = input.results.filter((result) => result.verdict !== 'pass');
  const errorOf = (error: DrillOutcomeInput['error']) =>
    error === undefined
      ? undefined
      : cutMessage(typeof error === 'string' ? error : describeCaughtError(error));
  return {
    runId: input.runId,
    status: input.status,
    counts: {
      drilled: input.results.length,
      passed: input.results.length - failed.length,
      failed: failed.length,
      skipped: input.skipped.length,
      heldBack: input.backlog?.heldBack ?? 0,
      overdue: input.backlog?.overdue ?? 0,
      neverDrilled: input.backlog?.neverDrilled ?? 0,
    },
    failed: failed.slice(0, MAX_ALERTED_FAILURES).map((result) => {
      const error = errorOf(result.error);
      const report = reportKeyOf(result);
      return {
        database: result.database,
        ...(result.drillId === undefined ? {} : { drillId: result.drillId }),
        ...(error === undefined ? {} : { error }),
        ...(report === undefined ? {} : { report }),
      };
    }),
    unlistedFailed: Math.max(0, failed.length - MAX_ALERTED_FAILURES),
    skipped: input.skipped
      .slice(0, MAX_ALERTED_FAILURES)
      .map((skipped) => ({ database: skipped.database, error: cutMessage(skipped.error) })),
    unlistedSkipped: Math.max(0, input.skipped.length - MAX_ALERTED_FAILURES),
  };
}

/**
 * OK when every planned drill passed, none had to be skipped and the per-run
 * maximum left no database overdue or never drilled; FAILED otherwise, which
 * alerts: a database the maximum holds back is never left out silently.
 */
export const summarizeDrillsTask = defineTask({
  name: 'summarize-drills',
  needs: [],
  input: z.object({
    runId: z.string().min(1),
    startedAt: z.string(),
    results: z.array(drillOutcome),
    skipped: z.array(z.object({ database: z.string(), error: z.string() })),
    /** Absent from a run started by a definition from before the per-run maximum. */
    backlog: drillBacklog.optional(),
  }),
  async run(input, { metrics }) {
    metrics?.record(drillRunPoints({ ...input, skipped: input.skipped.length }));
    const failed =
      input.results.filter((result) => result.verdict !== 'pass').length +
      input.skipped.length +
      (input.backlog?.overdue ?? 0) +
      (input.backlog?.neverDrilled ?? 0);
    const status = failed === 0 ? ('OK' as const) : ('FAILED' as const);
    return {
      runId: input.runId,
      startedAt: input.startedAt,
      status,
      drills: input.results.map(({ error, ...result }) =>
        error === undefined
          ? result
          : { ...result, error: cutMessage(typeof error === 'string' ? error : describeCaughtError(error)) },
      ),
      skipped: input.skipped,
      ...(input.backlog === undefined ? {} : { backlog: input.backlog }),
      /** What AlertDrillsFailed publishes: a bounded summary, never the run's state. */
      alert: drillAlert({ ...input, status }),
    };
  },
});
