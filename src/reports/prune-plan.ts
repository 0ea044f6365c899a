// A prune run's plan, as a work document of the report store: the workflow's
// state is limited (256 KiB on Step Functions) and a fleet's deletions are
// not, so the plan goes here and the state carries its key and counts. Each
// deletion batch's slice is also written on its own, and read by that batch
// alone (batches reading the whole plan made a fleet's prune quadratic); the
// run's log reads the plan whole, once.
//
// Key: `prunePlanKey` (store/layout.ts); schema: `prunePlanSchema` (store/schemas.ts).
import { CorruptEvidenceError, EvidenceWriteError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { readStored, serializeStored } from './store/index.ts';
import { prunePlanBatchKey, prunePlanKey } from './store/layout.ts';
import {
  type PlannedDeletionDocument,
  type PrunePlanDocument,
  prunePlanBatchSchema,
  prunePlanSchema,
} from './store/schemas.ts';

export { plannedDeletionSchema } from './store/schemas.ts';
export type { PlannedDeletionDocument, PrunePlanDocument };
export { prunePlanBatchSchema, prunePlanSchema };

/** How many planned deletions one batch makes: what one Lambda invocation deletes. */
export const DELETION_BATCH_SIZE = 500;

export const batchCountOf = (deletions: number) => Math.ceil(deletions / DELETION_BATCH_SIZE);

/** The deletions of batch `index` (from 0). */
export const batchOf = (plan: PrunePlanDocument, index: number) =>
  plan.deletions.slice(index * DELETION_BATCH_SIZE, (index + 1) * DELETION_BATCH_SIZE);

/**
 * Writes each batch's slice, then the plan (a plan that reads has its
 * batches); EvidenceWriteError when the store refuses one (nothing is
 * deleted then).
 */
export async function writePrunePlan(reports: ReportStore, plan: PrunePlanDocument): Promise<string> {
  const key = prunePlanKey(plan);
  try {
    for (let batch = 0; batch < batchCountOf(plan.deletions.length); batch++) {
      const slice = { schemaVersion: 1 as const, runId: plan.runId, batch, deletions: batchOf(plan, batch) };
      await reports.put(
        prunePlanBatchKey(plan, batch),
        serializeStored('prune-plan-batch', slice),
        'application/json',
      );
    }
    await reports.put(key, serializeStored('prune-plan', plan), 'application/json');
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new EvidenceWriteError(`could not write the prune plan ${key}, so nothing was deleted: ${why}`, {
      cause: error,
    });
  }
  return key;
}

/** The plan; CorruptEvidenceError naming the key when it is missing or does not read. */
export async function readPrunePlan(reports: ReportStore, key: string): Promise<PrunePlanDocument> {
  const read = await readStored(reports, 'prune-plan', key);
  if (read === undefined) throw new CorruptEvidenceError(key, 'the prune plan is missing');
  return read.value;
}

/**
 * The deletions of one batch of the run's plan, from the batch's own slice;
 * a plan written before slices were (a run in flight across an upgrade) is
 * read whole. CorruptEvidenceError naming the key when neither reads.
 */
export async function readPrunePlanBatch(
  reports: ReportStore,
  plan: { runId: string; startedAt: string },
  batch: number,
): Promise<PlannedDeletionDocument[]> {
  const key = prunePlanBatchKey(plan, batch);
  const slice = await readStored(reports, 'prune-plan-batch', key);
  if (slice !== undefined) {
    if (slice.value.runId !== plan.runId || slice.value.batch !== batch) {
      throw new CorruptEvidenceError(key, `holds batch ${slice.value.batch} of run ${slice.value.runId}`);
    }
    return slice.value.deletions;
  }
  const whole = await readPrunePlan(reports, prunePlanKey(plan));
  if (whole.runId !== plan.runId) {
    throw new CorruptEvidenceError(
      prunePlanKey(plan),
      `is the plan of run ${whole.runId}, not of ${plan.runId}`,
    );
  }
  return batchOf(whole, batch);
}
