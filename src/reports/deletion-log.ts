// The write-ahead deletion log: before the prune deletes a snapshot it writes
// the intent (what, where, why, which run) to the evidence store, and after
// the delete the outcome. A run stopped at any point leaves intents without
// outcomes, which the next run completes from the live state, and which the
// compliance report counts as accounting for a snapshot that disappeared.
//
// A batch of deletions writes one intent for all it may delete before its
// first delete, and one outcome after its last; earlier versions wrote one
// pair per deletion, still read (and completed). The keys of both layouts are
// in store/layout.ts. Readers go through `listDeletionLog`, which reads each
// batch intent once.
import { createHash } from 'node:crypto';
import { daysOf } from '../domain/compliance.ts';
import { CorruptEvidenceError, EvidenceWriteError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { readStored, serializeStored } from './store/index.ts';
import {
  batchIntentKey,
  batchOutcomeKey,
  deletionIntentKey,
  deletionLogOfDayPrefix,
  deletionOutcomeKey,
  outcomeKeyOfIntentKey,
  parseDeletionLogKey,
} from './store/layout.ts';
import {
  type BatchIntent,
  type BatchOutcome,
  batchIntentSchema,
  batchOutcomeSchema,
  type DeletionIntent,
  type DeletionOutcome,
  deletionIntentSchema,
  deletionOutcomeSchema,
} from './store/schemas.ts';

export type { BatchOutcomeEntry } from './store/schemas.ts';
export type { BatchIntent, BatchOutcome, DeletionIntent, DeletionOutcome };
export { batchIntentSchema, batchOutcomeSchema, deletionIntentSchema, deletionOutcomeSchema };

/** What a deletion log key names. */
export interface DeletionLogEntry {
  readonly day: string;
  readonly runId: string;
  readonly region: string;
  readonly snapshot: string;
  readonly intentKey: string;
  /** Undefined while the deletion has no recorded outcome. */
  readonly outcomeKey: string | undefined;
  /** Of a deletion logged in a batch: which one. */
  readonly batch?: number;
}

type EntryRef = Pick<DeletionIntent, 'runId' | 'runStartedAt' | 'region' | 'snapshot'>;
type BatchRef = { readonly runId: string; readonly runStartedAt: string; readonly batch: number };

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Writes an intent in the per-deletion layout of earlier versions (the
 * prune writes batches: `writeBatchIntent`), as stores upgraded from them
 * hold. Throws EvidenceWriteError, with the store's error as its cause, when
 * the store refuses it.
 */
export async function writeDeletionIntent(reports: ReportStore, intent: DeletionIntent): Promise<string> {
  const key = deletionIntentKey(intent);
  await putOrFail(
    reports,
    key,
    serializeStored('deletion-intent', intent),
    `could not write the deletion intent ${key}, so ${intent.region}/${intent.snapshot} was not deleted`,
  );
  return key;
}

/**
 * Writes the outcome of a deletion logged in the per-deletion layout: how the
 * prune completes such an intent of a run that stopped. Throws
 * EvidenceWriteError when the store refuses it.
 */
export async function writeDeletionOutcome(
  reports: ReportStore,
  entry: EntryRef,
  outcome: DeletionOutcome,
): Promise<string> {
  const key = deletionOutcomeKey(entry);
  await putOrFail(
    reports,
    key,
    serializeStored('deletion-outcome', outcome),
    `could not write the deletion outcome ${key}; the next prune completes it`,
  );
  return key;
}

/**
 * Writes a batch's intent, before any of its deletions. Throws
 * EvidenceWriteError when the store refuses it: the caller must then not delete.
 */
export async function writeBatchIntent(reports: ReportStore, intent: BatchIntent): Promise<string> {
  const key = batchIntentKey(intent);
  await putOrFail(
    reports,
    key,
    serializeStored('deletion-batch-intent', intent),
    `could not write the deletion intent ${key}, so none of its ${intent.deletions.length} snapshots was deleted`,
  );
  return key;
}

/** Writes a batch's outcome; throws EvidenceWriteError when the store refuses it. */
export async function writeBatchOutcome(
  reports: ReportStore,
  ref: Pick<BatchRef, 'runStartedAt'>,
  outcome: BatchOutcome,
): Promise<string> {
  const key = batchOutcomeKey({ ...outcome, runStartedAt: ref.runStartedAt });
  await putOrFail(
    reports,
    key,
    serializeStored('deletion-batch-outcome', outcome),
    `could not write the deletion outcome ${key}; the next prune completes it`,
  );
  return key;
}

export async function readBatchIntent(reports: ReportStore, key: string): Promise<BatchIntent | undefined> {
  return (await readStored(reports, 'deletion-batch-intent', key))?.value;
}

export async function readBatchOutcome(reports: ReportStore, key: string): Promise<BatchOutcome | undefined> {
  return (await readStored(reports, 'deletion-batch-outcome', key))?.value;
}

/** Puts a document, turning the store's refusal into EvidenceWriteError (its cause the store's error). */
async function putOrFail(reports: ReportStore, key: string, body: string, failure: string): Promise<void> {
  try {
    await reports.put(key, body, 'application/json');
  } catch (error) {
    throw new EvidenceWriteError(`${failure}: ${describe(error)}`, { cause: error });
  }
}

/** The intent, undefined when there is none; CorruptEvidenceError naming the key when it does not read. */
export async function readDeletionIntent(
  reports: ReportStore,
  key: string,
): Promise<DeletionIntent | undefined> {
  return (await readStored(reports, 'deletion-intent', key))?.value;
}

export async function readDeletionOutcome(
  reports: ReportStore,
  key: string,
): Promise<DeletionOutcome | undefined> {
  return (await readStored(reports, 'deletion-outcome', key))?.value;
}

/**
 * Every deletion the log holds for runs started on the given days: those of
 * the per-deletion layout from the keys alone, those of batches from each
 * batch's intent, read once. A batch intent that does not read goes to
 * `onUnreadable` (by default it fails the listing); its deletions are not
 * listed.
 */
export async function listDeletionLog(
  reports: ReportStore,
  fromDay: string,
  toDay: string,
  onUnreadable: (error: CorruptEvidenceError) => void = (error) => {
    throw error;
  },
): Promise<DeletionLogEntry[]> {
  const intents = new Map<string, Omit<DeletionLogEntry, 'outcomeKey'>>();
  const outcomes = new Map<string, string>();
  const entries: DeletionLogEntry[] = [];
  for (const day of daysOf({ from: fromDay, to: toDay })) {
    const keys = await reports.list(deletionLogOfDayPrefix(day));
    const parsed = keys.map((key) => ({ key, name: parseDeletionLogKey(key) }));
    const batchOutcomes = new Set(
      parsed.filter(({ name }) => name?.layout === 'batch' && name.type === 'outcome').map(({ key }) => key),
    );
    for (const { key, name } of parsed) {
      if (name === undefined) continue;
      if (name.layout === 'batch') {
        if (name.type !== 'intent') continue;
        const outcomeKey = outcomeKeyOfIntentKey(key);
        const intent = await readBatchIntent(reports, key).catch((error: unknown) => {
          if (!(error instanceof CorruptEvidenceError)) throw error;
          onUnreadable(error);
          return undefined;
        });
        for (const deletion of intent?.deletions ?? []) {
          entries.push({
            day: name.day,
            runId: name.runId,
            region: deletion.region,
            snapshot: deletion.snapshot,
            intentKey: key,
            outcomeKey: batchOutcomes.has(outcomeKey) ? outcomeKey : undefined,
            batch: name.batch,
          });
        }
        continue;
      }
      const { day: keyDay, runId, region, snapshot } = name;
      const id = `${runId}/${region}/${snapshot}`;
      if (name.type === 'outcome') outcomes.set(id, key);
      else intents.set(id, { day: keyDay, runId, region, snapshot, intentKey: key });
    }
  }
  return [...[...intents].map(([id, entry]) => ({ ...entry, outcomeKey: outcomes.get(id) })), ...entries];
}

/**
 * A reader of the recorded outcome of log entries: a per-deletion entry's
 * from its own outcome document, a batched entry's from its batch's outcome,
 * each document read once however many entries it holds. It gives undefined
 * when no outcome was recorded for the entry, and throws CorruptEvidenceError
 * when the outcome document does not read.
 */
export function deletionOutcomeReader(
  reports: ReportStore,
): (entry: DeletionLogEntry) => Promise<DeletionOutcome['status'] | undefined> {
  const batchOutcomes = new Map<string, Promise<BatchOutcome | undefined>>();
  return async (entry) => {
    const { outcomeKey } = entry;
    if (outcomeKey === undefined) return undefined;
    if (entry.batch === undefined) return (await readDeletionOutcome(reports, outcomeKey))?.status;
    let outcome = batchOutcomes.get(outcomeKey);
    if (outcome === undefined) {
      outcome = readBatchOutcome(reports, outcomeKey);
      batchOutcomes.set(outcomeKey, outcome);
    }
    return (await outcome)?.outcomes.find(
      (candidate) => candidate.region === entry.region && candidate.snapshot === entry.snapshot,
    )?.status;
  };
}

/**
 * The entries whose intent stands: all but those whose own outcome says the
 * snapshot was not deleted (the delete failed, or a later run deleted it).
 * Outcomes are read only for the entries `needsOutcome` names, each document
 * once; a damaged outcome leaves its intent standing, as one never written does.
 */
export async function listStandingDeletions(
  reports: ReportStore,
  fromDay: string,
  toDay: string,
  needsOutcome: (entry: DeletionLogEntry) => boolean,
  onUnreadable?: (error: CorruptEvidenceError) => void,
): Promise<DeletionLogEntry[]> {
  const outcomeOf = deletionOutcomeReader(reports);
  const standing: DeletionLogEntry[] = [];
  for (const entry of await listDeletionLog(reports, fromDay, toDay, onUnreadable)) {
    if (entry.outcomeKey !== undefined && needsOutcome(entry)) {
      const status = await outcomeOf(entry).catch((error: unknown) => {
        if (error instanceof CorruptEvidenceError) return undefined;
        throw error;
      });
      if (status === 'not-deleted') continue;
    }
    standing.push(entry);
  }
  return standing;
}

/** The intent documents of the entries, each once, with their digests: evidence in their own right. */
export async function deletionIntentDigests(
  reports: ReportStore,
  entries: readonly DeletionLogEntry[],
): Promise<{ path: string; sha256: string }[]> {
  const digests: { path: string; sha256: string }[] = [];
  for (const key of new Set(entries.map((entry) => entry.intentKey))) {
    const body = await reports.get(key);
    if (body !== undefined)
      digests.push({ path: key, sha256: createHash('sha256').update(body).digest('hex') });
  }
  return digests;
}
