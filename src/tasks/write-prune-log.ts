import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { CorruptEvidenceError } from '../domain/errors.ts';
import type { Finding } from '../domain/prune.ts';
import type { RdsPortProvider } from '../ports/rds.ts';
import type { ReportStore } from '../ports/report-store.ts';
import {
  type DeletionIntent,
  listDeletionLog,
  readDeletionIntent,
  writeDeletionOutcome,
} from '../reports/deletion-log.ts';
import { writePruneLog } from '../reports/evidence.ts';
import { defineTask } from '../runtime/task.ts';
import { MAX_LISTED } from './plan-prune.ts';
import { caughtError, describeCaughtError, finding, isoTime, snapshotQuotaHeadroom } from './shapes.ts';

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

/** How far back a run looks for runs that stopped with deletions unrecorded; the compliance report covers older ones. */
const COMPLETION_LOOKBACK_DAYS = 7;

/**
 * An intent this much older than now belongs to a run that stopped: a
 * deletion step never runs longer (Lambda's limit is 15 minutes), so a run
 * still going is never completed by another.
 */
const STOPPED_AFTER_MS = 15 * 60_000;

export interface CompletedDeletion {
  readonly runId: string;
  readonly region: string;
  readonly snapshot: string;
  readonly status: 'deleted' | 'not-deleted';
}

/**
 * Completes the deletion log of earlier runs that stopped (killed, timed out,
 * the store down) between an intent and its outcome: the live state says
 * whether the snapshot went. What is still there is planned again.
 */
export async function completeStoppedRuns(
  reports: ReportStore,
  rds: RdsPortProvider,
  now: Date,
  runId: string,
  logger: Pick<Logger, 'warn'>,
): Promise<CompletedDeletion[]> {
  const toDay = now.toISOString().slice(0, 10);
  const fromDay = new Date(now.getTime() - COMPLETION_LOOKBACK_DAYS * 86_400_000).toISOString().slice(0, 10);
  const completed: CompletedDeletion[] = [];
  const entries = await listDeletionLog(reports, fromDay, toDay);
  for (const entry of entries) {
    if (entry.outcomeKey !== undefined || entry.runId === runId) continue;
    let intent: DeletionIntent | undefined;
    try {
      intent = await readDeletionIntent(reports, entry.intentKey);
    } catch (error) {
      // Its key still names the snapshot, which is what the compliance report
      // counts; the other intents are completed all the same.
      if (!(error instanceof CorruptEvidenceError)) throw error;
      logger.warn('unreadable deletion intent left incomplete', { key: error.path, reason: error.reason });
      continue;
    }
    if (intent === undefined || now.getTime() - Date.parse(intent.intendedAt) < STOPPED_AFTER_MS) continue;
    const snapshot = await rds(intent.region).describeSnapshot({ kind: intent.kind, id: intent.snapshot });
    // A later run that meant to delete the same snapshot, and says it did, is
    // the one that deleted it: the stopped run never got that far.
    const deletedLater = entries.find(
      (other) =>
        other !== entry &&
        other.region === entry.region &&
        other.snapshot === entry.snapshot &&
        other.runId !== entry.runId &&
        other.day >= entry.day &&
        (other.runId === runId || other.outcomeKey !== undefined),
    );
    const status = snapshot === undefined && deletedLater === undefined ? 'deleted' : 'not-deleted';
    await writeDeletionOutcome(reports, intent, {
      schemaVersion: 1,
      runId: intent.runId,
      region: intent.region,
      snapshot: intent.snapshot,
      status,
      at: now.toISOString(),
      completedBy: runId,
      detail:
        status === 'deleted'
          ? `run ${intent.runId} stopped after deleting it, before recording the outcome`
          : deletedLater !== undefined && snapshot === undefined
            ? `run ${intent.runId} stopped before deleting it; run ${deletedLater.runId} deleted it`
            : `run ${intent.runId} stopped before deleting it; it is planned again while it is expired`,
    });
    completed.push({ runId: intent.runId, region: intent.region, snapshot: intent.snapshot, status });
  }
  return completed;
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
    /**
     * The manual snapshot quotas after this run's deletions, for the next
     * backup. Absent from a run planned before the quotas were read (in flight
     * across an upgrade), whose log is written all the same.
     */
    snapshotQuotas: z.array(snapshotQuotaHeadroom).default([]),
  }),
  async run(input, { reports, rds, clock, logger }) {
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
      snapshotQuotas: input.snapshotQuotas,
      // What the workflow alerts on: quotas the next backup would exceed.
      snapshotQuotasExceeded: input.snapshotQuotas.filter((quota) => quota.status === 'exceeded').length,
      status: failed.length > 0 || violations > 0 ? ('FAILED' as const) : ('OK' as const),
    };
    if (input.dryRun) return { ...result, log: null, completed: [], completedTotal: 0 };
    const completed = await completeStoppedRuns(reports, rds, clock(), input.runId, logger);
    const stored = await writePruneLog(reports, { schemaVersion: 1, ...result, completed });
    // Workflow state is limited: the log holds every completion, the output the first ones.
    return {
      ...result,
      completed: completed.slice(0, MAX_LISTED),
      completedTotal: completed.length,
      log: { location: stored.location, sha256: stored.sha256 },
    };
  },
});
