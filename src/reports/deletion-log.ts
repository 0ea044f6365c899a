// The write-ahead deletion log: before the prune deletes a snapshot it writes
// the intent (what, where, why, which run) to the evidence store, and after
// the delete the outcome. A run stopped at any point leaves intents without
// outcomes, which the next run completes from the live state, and which the
// compliance report counts as accounting for a snapshot that disappeared.
//
// Keys (one object each, so concurrent deletions never write the same object):
//   evidence/deletions/<run day>/<run id>/<region>/<snapshot id>.intent.json
//   evidence/deletions/<run day>/<run id>/<region>/<snapshot id>.outcome.json
// The key alone says which run meant to delete which snapshot where: readers
// that only need to know that much list the keys and read nothing.
import { z } from 'zod';
import { daysOf } from '../domain/compliance.ts';
import { EvidenceWriteError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { readStoredDocument, serializeDocument } from './json-document.ts';

export const DELETION_LOG_PREFIX = 'evidence/deletions/';

const isoTime = z.iso.datetime({ offset: true });
const keySegment = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" and "-" only');

export const deletionIntentSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: keySegment,
  runStartedAt: isoTime,
  intendedAt: isoTime,
  database: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  region: keySegment,
  snapshot: keySegment,
  arn: z.string().startsWith('arn:'),
  ageHours: z.number(),
  reason: z.string().min(1),
});

export const deletionOutcomeSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: keySegment,
  region: keySegment,
  snapshot: keySegment,
  /**
   * deleted: this run deleted it; not-deleted: it did not (the delete failed,
   * or the run stopped before it; `detail` says whether a later run did).
   */
  status: z.enum(['deleted', 'not-deleted']),
  at: isoTime,
  /** The later run that recorded this outcome for a run that stopped; null when the run itself did. */
  completedBy: keySegment.nullable(),
  detail: z.string().nullable(),
});

export type DeletionIntent = z.infer<typeof deletionIntentSchema>;
export type DeletionOutcome = z.infer<typeof deletionOutcomeSchema>;

/** What a deletion log key names. */
export interface DeletionLogEntry {
  readonly day: string;
  readonly runId: string;
  readonly region: string;
  readonly snapshot: string;
  readonly intentKey: string;
  /** Undefined while the deletion has no recorded outcome. */
  readonly outcomeKey: string | undefined;
}

type EntryRef = Pick<DeletionIntent, 'runId' | 'runStartedAt' | 'region' | 'snapshot'>;

function baseKey(entry: EntryRef): string {
  return `${DELETION_LOG_PREFIX}${entry.runStartedAt.slice(0, 10)}/${entry.runId}/${entry.region}/${entry.snapshot}`;
}

export const deletionIntentKey = (entry: EntryRef) => `${baseKey(entry)}.intent.json`;
const deletionOutcomeKey = (entry: EntryRef) => `${baseKey(entry)}.outcome.json`;

const KEY_PATTERN =
  /^evidence\/deletions\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/([^/]+)\/([^/]+)\.(intent|outcome)\.json$/;

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Writes the intent. Throws EvidenceWriteError, with the store's error as its
 * cause, when the store refuses it: the caller must then not delete.
 */
export async function writeDeletionIntent(reports: ReportStore, intent: DeletionIntent): Promise<string> {
  const key = deletionIntentKey(intent);
  await putOrFail(
    reports,
    key,
    serializeDocument(deletionIntentSchema, intent, 'deletion intent'),
    `could not write the deletion intent ${key}, so ${intent.region}/${intent.snapshot} was not deleted`,
  );
  return key;
}

/** Writes the outcome of a deletion; throws EvidenceWriteError when the store refuses it. */
export async function writeDeletionOutcome(
  reports: ReportStore,
  entry: EntryRef,
  outcome: DeletionOutcome,
): Promise<string> {
  const key = deletionOutcomeKey(entry);
  await putOrFail(
    reports,
    key,
    serializeDocument(deletionOutcomeSchema, outcome, 'deletion outcome'),
    `could not write the deletion outcome ${key}; the next prune completes it`,
  );
  return key;
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
  return (await readStoredDocument(reports, key, deletionIntentSchema, 'deletion intent'))?.value;
}

export async function readDeletionOutcome(
  reports: ReportStore,
  key: string,
): Promise<DeletionOutcome | undefined> {
  return (await readStoredDocument(reports, key, deletionOutcomeSchema, 'deletion outcome'))?.value;
}

/** Every deletion the log holds for runs started on the given days, from the keys alone. */
export async function listDeletionLog(
  reports: ReportStore,
  fromDay: string,
  toDay: string,
): Promise<DeletionLogEntry[]> {
  const intents = new Map<string, Omit<DeletionLogEntry, 'outcomeKey'>>();
  const outcomes = new Map<string, string>();
  for (const day of daysOf({ from: fromDay, to: toDay })) {
    for (const key of await reports.list(`${DELETION_LOG_PREFIX}${day}/`)) {
      const match = KEY_PATTERN.exec(key);
      if (match === null) continue;
      const [, keyDay = '', runId = '', region = '', snapshot = '', type] = match;
      const id = `${runId}/${region}/${snapshot}`;
      if (type === 'outcome') outcomes.set(id, key);
      else intents.set(id, { day: keyDay, runId, region, snapshot, intentKey: key });
    }
  }
  return [...intents].map(([id, entry]) => ({ ...entry, outcomeKey: outcomes.get(id) }));
}
