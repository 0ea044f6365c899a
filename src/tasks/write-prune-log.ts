import { z } from 'zod';
import type { Finding } from '../domain/prune.ts';
import { defineTask } from '../runtime/task.ts';
import { describeCaughtError } from './record-backup.ts';
import { caughtError, isoTime } from './shapes.ts';

const deletion = z.object({
  database: z.string(),
  kind: z.enum(['instance', 'cluster']),
  region: z.string(),
  snapshot: z.string(),
  arn: z.string(),
  ageHours: z.number(),
  reason: z.string(),
});

const deletionOutcome = deletion.extend({
  status: z.enum(['deleted', 'already-gone', 'failed']),
  deletedAt: isoTime.optional(),
  error: caughtError.optional(),
});

const finding = z.object({
  kind: z.string(),
  severity: z.enum(['violation', 'warning']),
  resource: z.string(),
  detail: z.string(),
});

export function pruneLogKey(startedAt: string, runId: string): string {
  return `evidence/prunes/${startedAt.slice(0, 10)}/${runId}.json`;
}

/**
 * Ends a prune run: writes the deletion log (what, where, why, when, by which
 * run) as evidence, and returns the run's result. A dry run writes nothing.
 */
export const writePruneLogTask = defineTask({
  name: 'write-prune-log',
  input: z.object({
    runId: z.string().min(1),
    startedAt: isoTime,
    dryRun: z.boolean(),
    retentionDays: z.number().int().positive(),
    deletions: z.array(deletion),
    outcomes: z.array(deletionOutcome).optional(),
    deferred: z.array(deletion),
    deferredTotal: z.number().int().min(0),
    kept: z.number().int().min(0),
    findings: z.array(finding),
    findingsTotal: z.number().int().min(0),
    violations: z.number().int().min(0),
  }),
  async run(input, { reports }) {
    const outcomes = input.outcomes ?? [];
    const deleted = input.dryRun
      ? input.deletions.map((planned) => ({ ...planned, status: 'planned' as const }))
      : outcomes.filter((outcome) => outcome.status !== 'failed');
    const failed = outcomes
      .filter((outcome) => outcome.status === 'failed')
      .map(({ error, ...outcome }) => ({
        ...outcome,
        error: error === undefined ? 'unknown error' : describeCaughtError(error),
      }));
    const findings = input.findings as Finding[];
    const { violations } = input;
    const result = {
      runId: input.runId,
      startedAt: input.startedAt,
      dryRun: input.dryRun,
      retentionDays: input.retentionDays,
      deleted,
      failed,
      deferred: input.deferred,
      deferredTotal: input.deferredTotal,
      kept: input.kept + failed.length,
      findings,
      findingsTotal: input.findingsTotal,
      violations,
      status: failed.length > 0 || violations > 0 ? 'FAILED' : 'OK',
    };
    if (input.dryRun) return { ...result, log: null };
    const stored = await reports.put(
      pruneLogKey(input.startedAt, input.runId),
      `${JSON.stringify({ schemaVersion: 1, ...result }, null, 2)}\n`,
      'application/json',
    );
    return { ...result, log: { location: stored.location, sha256: stored.sha256 } };
  },
});
