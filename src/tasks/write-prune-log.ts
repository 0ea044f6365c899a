import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { CorruptEvidenceError } from '../domain/errors.ts';
import type { Finding } from '../domain/prune.ts';
import type { RdsPortProvider } from '../ports/rds.ts';
import type { ReportStore } from '../ports/report-store.ts';
import {
  type BatchOutcome,
  type DeletionIntent,
  type DeletionLogEntry,
  listDeletionLog,
  readBatchIntent,
  readBatchOutcome,
  readDeletionIntent,
  writeBatchOutcome,
  writeDeletionOutcome,
} from '../reports/deletion-log.ts';
import { writePruneLog } from '../reports/evidence.ts';
import { batchCountOf, batchOf, readPrunePlan } from '../reports/prune-plan.ts';
import { batchOutcomeKey } from '../reports/store/layout.ts';
import { defineTask } from '../runtime/task.ts';
import { MAX_LISTED, MAX_LISTED_DELETIONS } from './plan-prune.ts';
import {
  type CaughtError,
  caughtError,
  describeCaughtError,
  finding,
  isoTime,
  snapshotQuotaHeadroom,
} from './shapes.ts';

const deletion = z.object({
  database: z.string(),
  kind: z.enum(['instance', 'cluster']),
  region: z.string(),
  snapshot: z.string(),
  arn: z.string(),
  ageHours: z.number(),
  reason: z.string(),
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
  // Its key still names the run (and, in the per-deletion layout, the
  // snapshot), which is what the compliance report counts; the other intents
  // are completed all the same.
  const warnUnreadable = (error: CorruptEvidenceError) =>
    logger.warn('unreadable deletion intent left incomplete', { key: error.path, reason: error.reason });
  const entries = await listDeletionLog(reports, fromDay, toDay, warnUnreadable);
  const byTarget = new Map<string, DeletionLogEntry[]>();
  const byIntent = new Map<string, DeletionLogEntry>();
  for (const entry of entries) {
    const target = `${entry.region}/${entry.snapshot}`;
    byTarget.set(target, [...(byTarget.get(target) ?? []), entry]);
    byIntent.set(`${entry.intentKey}|${target}`, entry);
  }
  /** Whether the snapshot is gone, and which run deleted it when the stopped one did not. */
  const statusOf = async (entry: DeletionLogEntry, kind: 'instance' | 'cluster') => {
    const snapshot = await rds(entry.region).describeSnapshot({ kind, id: entry.snapshot });
    // A later run that meant to delete the same snapshot, and says it did, is
    // the one that deleted it: the stopped run never got that far.
    const deletedLater = (byTarget.get(`${entry.region}/${entry.snapshot}`) ?? []).find(
      (other) =>
        other !== entry &&
        other.runId !== entry.runId &&
        other.day >= entry.day &&
        (other.runId === runId || other.outcomeKey !== undefined),
    );
    const status = snapshot === undefined && deletedLater === undefined ? 'deleted' : 'not-deleted';
    const detail =
      status === 'deleted'
        ? `run ${entry.runId} stopped after deleting it, before recording the outcome`
        : deletedLater !== undefined && snapshot === undefined
          ? `run ${entry.runId} stopped before deleting it; run ${deletedLater.runId} deleted it`
          : `run ${entry.runId} stopped before deleting it; it is planned again while it is expired`;
    return { status, detail } as const;
  };
  const isStopped = (intendedAt: string) => now.getTime() - Date.parse(intendedAt) >= STOPPED_AFTER_MS;

  const stoppedBatches = new Set<string>();
  for (const entry of entries) {
    if (entry.outcomeKey !== undefined || entry.runId === runId) continue;
    if (entry.batch !== undefined) {
      stoppedBatches.add(entry.intentKey);
      continue;
    }
    let intent: DeletionIntent | undefined;
    try {
      intent = await readDeletionIntent(reports, entry.intentKey);
    } catch (error) {
      if (!(error instanceof CorruptEvidenceError)) throw error;
      warnUnreadable(error);
      continue;
    }
    if (intent === undefined || !isStopped(intent.intendedAt)) continue;
    const { status, detail } = await statusOf(entry, intent.kind);
    await writeDeletionOutcome(reports, intent, {
      schemaVersion: 1,
      runId: intent.runId,
      region: intent.region,
      snapshot: intent.snapshot,
      status,
      at: now.toISOString(),
      completedBy: runId,
      detail,
    });
    completed.push({ runId: intent.runId, region: intent.region, snapshot: intent.snapshot, status });
  }
  for (const key of stoppedBatches) {
    const intent = await readBatchIntent(reports, key);
    if (intent === undefined || !isStopped(intent.intendedAt)) continue;
    const outcomes: BatchOutcome['outcomes'] = [];
    for (const deletion of intent.deletions) {
      const entry = byIntent.get(`${key}|${deletion.region}/${deletion.snapshot}`);
      if (entry === undefined) continue;
      const { status, detail } = await statusOf(entry, deletion.kind);
      outcomes.push({
        region: deletion.region,
        snapshot: deletion.snapshot,
        status,
        at: now.toISOString(),
        detail,
      });
      completed.push({ runId: intent.runId, region: deletion.region, snapshot: deletion.snapshot, status });
    }
    await writeBatchOutcome(reports, intent, {
      schemaVersion: 1,
      runId: intent.runId,
      batch: intent.batch,
      at: now.toISOString(),
      completedBy: runId,
      outcomes,
      skipped: [],
    });
  }
  return completed;
}

type DeletionRow = z.infer<typeof deletion>;
type DeletedRow = DeletionRow & { status: 'deleted' | 'already-gone' | 'planned'; deletedAt?: string };
type FailedRow = DeletionRow & { status: 'failed'; error: string };

/**
 * What the run's batches did, from their outcome documents: the deletions
 * made, and those that failed or were refused. A batch that failed whole
 * (`batchError`) left no outcome: its deletions are failed, and the next run
 * completes its intent from the live state.
 */
async function readBatchResults(
  reports: ReportStore,
  input: { runStartedAt: string; plan: string; batchesRun: number; batchError: CaughtError | undefined },
): Promise<{ deleted: DeletedRow[]; failed: FailedRow[] }> {
  const plan = await readPrunePlan(reports, input.plan);
  const deleted: DeletedRow[] = [];
  const failed: FailedRow[] = [];
  const batches = input.batchError === undefined ? input.batchesRun : input.batchesRun + 1;
  for (let batch = 0; batch < Math.min(batches, batchCountOf(plan.deletions.length)); batch++) {
    const planned = new Map(batchOf(plan, batch).map((row) => [`${row.region}/${row.snapshot}`, row]));
    const outcome = await readBatchOutcome(
      reports,
      batchOutcomeKey({ runId: plan.runId, runStartedAt: input.runStartedAt, batch }),
    );
    if (outcome === undefined) {
      const error =
        input.batchError === undefined ? 'no outcome recorded' : describeCaughtError(input.batchError);
      for (const row of planned.values()) failed.push({ ...row, status: 'failed', error });
      continue;
    }
    for (const entry of outcome.outcomes) {
      const row = planned.get(`${entry.region}/${entry.snapshot}`);
      if (row === undefined) continue;
      if (entry.status === 'deleted') deleted.push({ ...row, status: 'deleted', deletedAt: entry.at });
      else failed.push({ ...row, status: 'failed', error: entry.detail ?? 'not deleted' });
    }
    for (const entry of outcome.skipped) {
      const row = planned.get(`${entry.region}/${entry.snapshot}`);
      if (row === undefined) continue;
      if (entry.status === 'already-gone')
        deleted.push({ ...row, status: 'already-gone', deletedAt: outcome.at });
      else
        failed.push({
          ...row,
          status: 'failed',
          error: `PruneRefusedError: ${entry.region}/${entry.snapshot}: ${entry.detail}`,
        });
    }
  }
  return { deleted, failed };
}

/**
 * Ends a prune run: writes the deletion log (what, where, why, when, by which
 * run) as evidence, and returns the run's result. A dry run writes nothing.
 */
export const writePruneLogTask = defineTask({
  name: 'write-prune-log',
  needs: ['rds', 'reports'],
  input: z.object({
    runId: z.string().min(1),
    startedAt: isoTime,
    dryRun: z.boolean(),
    retentionDays: z.number().int().positive(),
    /** The plan document; null when there was nothing to delete, or on a dry run. */
    plan: z.string().min(1).nullable(),
    /** A dry run's planned deletions (the first ones; see deletionsTotal). */
    deletions: z.array(deletion),
    deletionsTotal: z.number().int().min(0),
    batches: z.object({ next: z.number().int().min(0) }).loose(),
    /** What stopped the batches, when one failed whole. */
    batchError: caughtError.optional(),
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
    const { deleted, failed } = input.dryRun
      ? {
          deleted: input.deletions.map((planned) => ({ ...planned, status: 'planned' as const })),
          failed: [],
        }
      : input.plan === null
        ? { deleted: [], failed: [] }
        : await readBatchResults(reports, {
            runStartedAt: input.startedAt,
            plan: input.plan,
            batchesRun: input.batches.next,
            batchError: input.batchError,
          });
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
    // Workflow state is limited: the log holds every row, the output the first ones and the totals.
    const listed = {
      deleted: deleted.slice(0, MAX_LISTED_DELETIONS),
      deletedTotal: input.dryRun ? input.deletionsTotal : deleted.length,
      failed: failed.slice(0, MAX_LISTED_DELETIONS),
      failedTotal: failed.length,
    };
    if (input.dryRun) return { ...result, ...listed, log: null, completed: [], completedTotal: 0 };
    const completed = await completeStoppedRuns(reports, rds, clock(), input.runId, logger);
    const stored = await writePruneLog(reports, { schemaVersion: 1, ...result, completed });
    return {
      ...result,
      ...listed,
      completed: completed.slice(0, MAX_LISTED),
      completedTotal: completed.length,
      log: { location: stored.location, sha256: stored.sha256 },
    };
  },
});
