import { z } from 'zod';
import { defineTask } from '../runtime/task.ts';

const drillOutcome = z
  .object({
    drillId: z.string().optional(),
    database: z.string(),
    verdict: z.enum(['pass', 'fail']),
    error: z.string().optional(),
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
      drills: input.results,
      skipped: input.skipped,
    };
  },
});
