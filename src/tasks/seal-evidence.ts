import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { sealClosedDays } from '../reports/evidence-manifest.ts';
import { defineTask } from '../runtime/task.ts';

/**
 * Seals the evidence of the closed days not sealed yet into their daily
 * manifests (`reports/evidence-manifest.ts`): what the compliance report reads
 * instead of every document of the period.
 */
export const sealEvidenceTask = defineTask({
  name: 'seal-evidence',
  input: z.object({
    /**
     * How many days one invocation seals (the workflow says, and calls again
     * while `more` says so): a day of a fleet of 10,000 databases is some
     * 30,000 documents to read.
     */
    maxDays: z.number().int().positive().max(31),
  }),
  async run(input, { config, rds, reports, clock }) {
    const databases = selectProtectedDatabases(
      await rds(config.sourceRegion).listDatabases(),
      config.selection,
    ).map((database) => database.id);
    const { sealed, more } = await sealClosedDays(reports, {
      now: clock(),
      databases,
      maxDays: input.maxDays,
    });
    return { sealed: sealed.length, through: sealed.at(-1) ?? null, more };
  },
});
