import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { sealClosedDays } from '../reports/evidence-manifest.ts';
import { defineTask } from '../runtime/task.ts';

/**
 * How many days one invocation seals: a day of a fleet of 10,000 databases
 * is about 30,000 documents to read, so a week stays well inside the
 * function's timeout; the workflow calls again while `more` says so.
 */
export const MAX_DAYS_PER_SEAL = 7;

/**
 * Seals the evidence of the closed days not sealed yet into their daily
 * manifests (`reports/evidence-manifest.ts`): what the compliance report reads
 * instead of every document of the period.
 */
export const sealEvidenceTask = defineTask({
  name: 'seal-evidence',
  input: z.object({}).loose(),
  async run(_input, { config, rds, reports, clock }) {
    const databases = selectProtectedDatabases(
      await rds(config.sourceRegion).listDatabases(),
      config.selection,
    ).map((database) => database.id);
    const { sealed, more } = await sealClosedDays(reports, {
      now: clock(),
      databases,
      maxDays: MAX_DAYS_PER_SEAL,
    });
    return { sealed: sealed.length, through: sealed.at(-1) ?? null, more };
  },
});
