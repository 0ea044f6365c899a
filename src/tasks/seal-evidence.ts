import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { sealClosedDays } from '../reports/evidence-manifest.ts';
import { defineTask } from '../runtime/task.ts';

/** How many conflicting days (and reasons of each) the output lists: a state holds 256 KiB at most. */
const MAX_LISTED_CONFLICTS = 10;

/**
 * Seals the evidence of the closed days not sealed yet into their daily
 * manifests (`reports/evidence-manifest.ts`): what the compliance report reads
 * instead of every document of the period.
 */
export const sealEvidenceTask = defineTask({
  name: 'seal-evidence',
  needs: ['rds', 'reports'],
  input: z.object({
    /**
     * How many days one invocation seals (the workflow says, and calls again
     * while `more` says so): a day of a fleet of 10,000 databases is some
     * 30,000 documents to read.
     */
    maxDays: z.number().int().positive().max(31),
  }),
  async run(input, { config, rds, reports, clock, logger }) {
    const databases = selectProtectedDatabases(
      await rds(config.sourceRegion).listDatabases(),
      config.selection,
    ).map((database) => database.id);
    const { sealed, more, outside, conflicts } = await sealClosedDays(reports, {
      now: clock(),
      databases,
      maxDays: input.maxDays,
    });
    // Evidence outside a manifest is counted by every report (it is read
    // directly); a manifest that differs otherwise means stored evidence
    // changed while two seals read it: the stored manifest stays, and the
    // day is named here and in the log.
    for (const conflict of conflicts) {
      logger.error('a sealed manifest differs from the evidence this seal read', { ...conflict });
    }
    return {
      sealed: sealed.length,
      through: sealed.at(-1) ?? null,
      more,
      outside: outside.reduce((total, day) => total + day.paths.length, 0),
      conflicts: conflicts.slice(0, MAX_LISTED_CONFLICTS).map(({ day, reasons }) => ({
        day,
        reasons: reasons.slice(0, MAX_LISTED_CONFLICTS),
      })),
    };
  },
});
