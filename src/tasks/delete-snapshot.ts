import { z } from 'zod';
import { deploymentOf } from '../domain/deployment.ts';
import { activeLeaseArns } from '../domain/drill-leases.ts';
import {
  InvalidInputError,
  InvalidStateError,
  SnapshotNotFoundError,
  ThrottlingError,
} from '../domain/errors.ts';
import { METRIC } from '../domain/metrics.ts';
import { busySnapshotRetry, recheckRefusal, sourceRegionsOf } from '../domain/prune.ts';
import type { DatabaseKind, Snapshot } from '../ports/rds.ts';
import {
  type BatchOutcome,
  type BatchOutcomeEntry,
  readBatchIntent,
  writeBatchIntent,
  writeBatchOutcome,
} from '../reports/deletion-log.ts';
import { readCurrentLeases } from '../reports/drill-leases.ts';
import { type PlannedDeletionDocument, readPrunePlanBatch } from '../reports/prune-plan.ts';
import { batchIntentKey, prunePlanKey } from '../reports/store/layout.ts';
import { type DependenciesOf, defineTask } from '../runtime/task.ts';
import { isoTime } from './shapes.ts';

/** Calls to RDS in flight at once within a batch. */
export const CONCURRENT_CALLS = 10;

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Runs `work` over `items`, at most `limit` at a time, in order of start. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export interface BatchRequest {
  readonly runId: string;
  readonly runStartedAt: string;
  readonly batch: number;
  readonly deletions: readonly PlannedDeletionDocument[];
  /** Tries of this batch so far that found snapshots busy (none on its first). */
  readonly busyTries?: number;
}

export interface BatchResult {
  readonly deleted: number;
  readonly failed: number;
  /** The batch's outcome, written; with `retry`, what it holds so far, not written. */
  readonly outcome: BatchOutcome;
  /**
   * Set when snapshots were busy and may be tried again within the run: the
   * batch is to be tried again after `waitSeconds`, as try `tries + 1`.
   * Its counts are then not this batch's yet: the next try counts it whole.
   */
  readonly retry?: { readonly tries: number; readonly waitSeconds: number };
}

type BatchDependencies = DependenciesOf<'rds' | 'reports'>;

/**
 * Deletes one batch of planned snapshots, each after checking the policy
 * again against the live state (`deletionRefusal`, as the planner applied
 * it): the plan may be stale, and deleting is the one thing that cannot be
 * undone. The live state is read once per database and region (its manual
 * snapshots: the one to delete and the copies that would replace it, and a
 * copy's source where a copy's age is its source's) and the drill leases once
 * per batch.
 *
 * Write-ahead: one intent for every deletion the batch may make goes to the
 * evidence store before the first delete call, and one outcome after the
 * last; when the intent cannot be written nothing is deleted and the batch
 * fails with EvidenceWriteError, which stops the run. A snapshot already gone
 * when a retried batch looks counts as deleted by this run when the earlier
 * attempt's intent names it. Throttling stops the batch (ThrottlingError):
 * the workflow retries it whole, and the retry accounts for what the first
 * attempt deleted.
 *
 * A snapshot RDS says is busy (InvalidStateError: a copy is being made from
 * it) is not a failure yet: while the pauses of `busySnapshotRetry` last,
 * the batch returns `retry` and writes no outcome, for the workflow to wait
 * and try the batch again (what this try deleted then counts as deleted by
 * this run, its intent naming it). Busy still at the last try, it is left
 * for the next run: not deleted, and said so.
 */
export async function deleteBatch(
  { config, rds, reports, clock, logger }: BatchDependencies,
  request: BatchRequest,
): Promise<BatchResult> {
  const { runId, runStartedAt, batch } = request;
  const now = clock();
  const regions = new Set([config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)]);
  const inUseSnapshotArns = activeLeaseArns(await readCurrentLeases(reports, now), now);
  const earlier = await readBatchIntent(reports, batchIntentKey({ runId, runStartedAt, batch }));
  const intendedBefore = new Set(earlier?.deletions.map((deletion) => deletion.arn) ?? []);

  const listings = new Map<string, Promise<Snapshot[]>>();
  const listingOf = (region: string, kind: DatabaseKind, id: string) => {
    const key = `${region}|${kind}|${id}`;
    let listing = listings.get(key);
    if (listing === undefined) {
      listing = rds(region).listSnapshots({ database: { kind, id }, type: 'manual' });
      listings.set(key, listing);
    }
    return listing;
  };

  const skipped: BatchOutcome['skipped'] = [];
  const goneBefore: PlannedDeletionDocument[] = [];
  const allowed: PlannedDeletionDocument[] = [];
  const check = async (deletion: PlannedDeletionDocument) => {
    const skip = (status: 'already-gone' | 'refused', detail: string) => {
      skipped.push({ region: deletion.region, snapshot: deletion.snapshot, status, detail });
    };
    // The policy comes from the deployed configuration, never from the plan.
    if (!regions.has(deletion.region)) return skip('refused', 'not a region the tool writes to');
    const siblings = await listingOf(deletion.region, deletion.kind, deletion.database);
    const target = siblings.find((snapshot) => snapshot.id === deletion.snapshot);
    if (target === undefined) {
      if (intendedBefore.has(deletion.arn)) goneBefore.push(deletion);
      else skip('already-gone', 'gone before this run deleted it');
      return;
    }
    // A copy's data is as old as its source's: the sources are the same
    // database's snapshots in their own region (one the tool writes to).
    const sources = (
      await Promise.all(
        sourceRegionsOf(siblings)
          .filter((region) => regions.has(region))
          .map((region) => listingOf(region, deletion.kind, deletion.database)),
      )
    ).flat();
    const refusal = recheckRefusal(target, siblings, sources, {
      now,
      retentionDays: config.retention.days,
      snapshotTimeoutMinutes: config.backup.snapshotTimeoutMinutes,
      deployment: deploymentOf(config),
      inUseSnapshotArns,
    });
    if (refusal !== undefined) return skip('refused', refusal.detail);
    allowed.push(deletion);
  };
  await forEachConcurrently(request.deletions, CONCURRENT_CALLS, check);

  const intended = [...goneBefore, ...allowed];
  if (intended.length > 0) {
    await writeBatchIntent(reports, {
      schemaVersion: 1,
      runId,
      runStartedAt,
      intendedAt: now.toISOString(),
      batch,
      deletions: intended,
    });
  }
  const outcomes: BatchOutcomeEntry[] = goneBefore.map((deletion) => ({
    region: deletion.region,
    snapshot: deletion.snapshot,
    status: 'deleted',
    at: clock().toISOString(),
    detail: 'already gone when the deletion was retried',
  }));
  let throttled: unknown;
  const busy: { deletion: PlannedDeletionDocument; error: unknown }[] = [];
  await forEachConcurrently(allowed, CONCURRENT_CALLS, async (deletion) => {
    if (throttled !== undefined) return;
    const entry = { region: deletion.region, snapshot: deletion.snapshot };
    try {
      await rds(deletion.region).deleteSnapshot({ kind: deletion.kind, id: deletion.snapshot });
    } catch (error) {
      if (error instanceof ThrottlingError) {
        throttled = error;
        return;
      }
      if (error instanceof InvalidStateError) {
        busy.push({ deletion, error });
        return;
      }
      // Gone between the check and the call: this batch's intent accounts for it.
      if (!(error instanceof SnapshotNotFoundError)) {
        // Closed at once, so that the intent never stands for a deletion that did not happen.
        outcomes.push({
          ...entry,
          status: 'not-deleted',
          at: clock().toISOString(),
          detail: `the delete call failed: ${describe(error)}`,
        });
        return;
      }
    }
    outcomes.push({ ...entry, status: 'deleted', at: clock().toISOString(), detail: null });
  });
  if (throttled !== undefined) throw throttled;
  const tries = (request.busyTries ?? 0) + 1;
  const waitSeconds = busy.length === 0 ? undefined : busySnapshotRetry(tries);
  for (const { deletion, error } of waitSeconds === undefined ? busy : []) {
    outcomes.push({
      region: deletion.region,
      snapshot: deletion.snapshot,
      status: 'not-deleted',
      at: clock().toISOString(),
      detail: `the snapshot was still busy after ${tries} tries (${describe(error)}): left for the next run`,
    });
  }

  const outcome: BatchOutcome = {
    schemaVersion: 1,
    runId,
    batch,
    at: clock().toISOString(),
    completedBy: null,
    outcomes,
    skipped,
  };
  if (waitSeconds !== undefined) {
    logger.info('deletion batch waits for busy snapshots', { runId, batch, busy: busy.length, waitSeconds });
    return { deleted: 0, failed: 0, outcome, retry: { tries, waitSeconds } };
  }
  await writeBatchOutcome(reports, { runStartedAt }, outcome);
  const deleted = outcomes.filter((entry) => entry.status === 'deleted').length;
  const alreadyGone = skipped.filter((entry) => entry.status === 'already-gone').length;
  const failed = outcomes.length - deleted + skipped.length - alreadyGone;
  logger.info('deletion batch done', { runId, batch, deleted, alreadyGone, failed });
  return { deleted: deleted + alreadyGone, failed, outcome };
}

const batchProgress = z.object({
  total: z.number().int().min(0),
  next: z.number().int().min(0),
  deleted: z.number().int().min(0),
  failed: z.number().int().min(0),
  /** Set while batch `next` waits to try busy snapshots again: the tries so far and the pause before the next. */
  busy: z.object({ tries: z.number().int().min(1), waitSeconds: z.number().int().min(0) }).optional(),
});

/**
 * One batch of a prune run's plan: batch `batches.next` of the plan
 * document. Returns the progress with that batch counted in.
 */
export const deleteSnapshotTask = defineTask({
  name: 'delete-snapshot',
  needs: ['rds', 'reports'],
  input: z.object({
    runId: z.string().min(1),
    runStartedAt: isoTime,
    plan: z.string().min(1),
    batches: batchProgress,
  }),
  async run(input, dependencies) {
    const planRef = { runId: input.runId, startedAt: input.runStartedAt };
    if (input.plan !== prunePlanKey(planRef)) {
      throw new InvalidInputError(`${input.plan} is not the plan of run ${input.runId}`);
    }
    const { busy, ...batches } = input.batches;
    const result = await deleteBatch(dependencies, {
      runId: input.runId,
      runStartedAt: input.runStartedAt,
      batch: batches.next,
      deletions: await readPrunePlanBatch(dependencies.reports, planRef, batches.next),
      busyTries: busy?.tries ?? 0,
    });
    // The same batch again after the pause (the workflow's Wait): nothing counted yet.
    if (result.retry !== undefined) return { ...batches, busy: result.retry };
    dependencies.metrics?.record([
      { name: METRIC.snapshotsDeleted, unit: 'Count', value: result.deleted },
      { name: METRIC.deletionsFailed, unit: 'Count', value: result.failed },
    ]);
    return {
      ...batches,
      next: batches.next + 1,
      deleted: batches.deleted + result.deleted,
      failed: batches.failed + result.failed,
    };
  },
});
