import { z } from 'zod';
import { defineTask } from '../runtime/task.ts';
import { cutMessage, drillBacklog } from './drill-shapes.ts';
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

/**
 * OK when every planned drill passed, none had to be skipped and the per-run
 * maximum left no database overdue or never drilled; FAILED otherwise, which
 * alerts: a database the maximum holds back is never left out silently.
 */
export const summarizeDrillsTask = defineTask({
  name: 'summarize-drills',
  input: z.object({
    runId: z.string().min(1),
    startedAt: z.string(),
    results: z.array(drillOutcome),
    skipped: z.array(z.object({ database: z.string(), error: z.string() })),
    /** Absent from a run started by a definition from before the per-run maximum. */
    backlog: drillBacklog.optional(),
  }),
  async run(input) {
    const failed =
      input.results.filter((result) => result.verdict !== 'pass').length +
      input.skipped.length +
      (input.backlog?.overdue ?? 0) +
      (input.backlog?.neverDrilled ?? 0);
    return {
      runId: input.runId,
      startedAt: input.startedAt,
      status: failed === 0 ? ('OK' as const) : ('FAILED' as const),
      drills: input.results.map(({ error, ...result }) =>
        error === undefined
          ? result
          : { ...result, error: cutMessage(typeof error === 'string' ? error : describeCaughtError(error)) },
      ),
      skipped: input.skipped,
      ...(input.backlog === undefined ? {} : { backlog: input.backlog }),
    };
  },
});
