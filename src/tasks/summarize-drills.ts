import { z } from 'zod';
import { defineTask } from '../runtime/task.ts';
import { caughtError, describeCaughtError } from './shapes.ts';

const drillOutcome = z
  .object({
    drillId: z.string().optional(),
    database: z.string(),
    verdict: z.enum(['pass', 'fail']),
    /** A failed child execution arrives as the error caught; its cause names the step's own error. */
    error: z.union([z.string(), caughtError]).optional(),
  })
  .loose();

/** OK when every planned drill passed and none had to be skipped; FAILED otherwise. */
export const summarizeDrillsTask = defineTask({
  name: 'summarize-drills',
  input: z.object({
    runId: z.string().min(1),
    startedAt: z.string(),
    results: z.array(drillOutcome),
    skipped: z.array(z.object({ database: z.string(), error: z.string() })),
  }),
  async run(input) {
    const failed = input.results.filter((result) => result.verdict !== 'pass').length + input.skipped.length;
    return {
      runId: input.runId,
      startedAt: input.startedAt,
      status: failed === 0 ? ('OK' as const) : ('FAILED' as const),
      drills: input.results.map(({ error, ...result }) =>
        error === undefined
          ? result
          : { ...result, error: typeof error === 'string' ? error : describeCaughtError(error) },
      ),
      skipped: input.skipped,
    };
  },
});
