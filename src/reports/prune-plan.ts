// A prune run's plan, as a work document of the report store: the workflow's
// state is limited (256 KiB on Step Functions) and a fleet's deletions are
// not, so the plan goes here and the state carries its key and counts. Each
// deletion batch's slice is also written on its own, and read by that batch
// alone (batches reading the whole plan made a fleet's prune quadratic); the
// run's log reads the plan whole, once.
//
// Key: `prunePlanKey` (store-layout.ts).
import { z } from 'zod';
import { CorruptEvidenceError, EvidenceWriteError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { readStoredDocument, serializeDocument } from './json-document.ts';
import { prunePlanBatchKey, prunePlanKey } from './store-layout.ts';

/** How many planned deletions one batch makes: what one Lambda invocation deletes. */
export const DELETION_BATCH_SIZE = 500;

const isoTime = z.iso.datetime({ offset: true });

export const plannedDeletionSchema = z.strictObject({
  database: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  region: z.string().min(1),
  snapshot: z.string().min(1),
  arn: z.string().startsWith('arn:'),
  ageHours: z.number(),
  reason: z.enum(['expired', 'expired-failed', 'expired-proven-bad', 'expired-stuck-copy']),
});

export type PlannedDeletionDocument = z.infer<typeof plannedDeletionSchema>;

export const prunePlanSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  startedAt: isoTime,
  /** What the run deletes, in the order the batches take them. */
  deletions: z.array(plannedDeletionSchema),
  /** Expired snapshots left for a later run (the cap, the brake). */
  deferred: z.array(plannedDeletionSchema),
});

export type PrunePlanDocument = z.infer<typeof prunePlanSchema>;

export const prunePlanBatchSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  batch: z.number().int().min(0),
  deletions: z.array(plannedDeletionSchema),
});

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
        serializeDocument(prunePlanBatchSchema, slice, 'prune plan batch'),
        'application/json',
      );
    }
    await reports.put(key, serializeDocument(prunePlanSchema, plan, 'prune plan'), 'application/json');
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
  const read = await readStoredDocument(reports, key, prunePlanSchema, 'prune plan');
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
  const slice = await readStoredDocument(reports, key, prunePlanBatchSchema, 'prune plan batch');
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
