// The catalog of the report store's documents: every kind of document the
// store holds, with the function that gives its key (store/layout.ts), the
// prefix its listings take, the schema it is read and written through
// (store/schemas.ts), how it is written, and what it is. A document is read
// and written through its kind (`readStored`, `writeStored`), so a body is
// never parsed or written past its schema. A kind the layout gives a key to
// and the catalog does not know fails the store layout's tests.
import type { z } from 'zod';
import type { ReportStore, StoredObject } from '../../ports/report-store.ts';
import {
  type CorruptDocument,
  readStoredDocument,
  readStoredDocuments,
  type StoredDocument,
  validateDocument,
} from '../json-document.ts';
import {
  BACKUP_RECORDS_PREFIX,
  BACKUP_TIMINGS_KEY,
  BACKUP_WORK_PREFIX,
  backupQueueKey,
  backupQueuePageKey,
  backupRecordKey,
  backupRosterKey,
  batchIntentKey,
  batchOutcomeKey,
  COMPLIANCE_REPORTS_PREFIX,
  complianceReportKeys,
  DELETION_LOG_PREFIX,
  DRILL_LEASE_PREFIX,
  DRILL_REPORTS_PREFIX,
  DRILL_WORK_PREFIX,
  deletionIntentKey,
  deletionOutcomeKey,
  drillLeaseKey,
  drillReportKeys,
  INVENTORIES_PREFIX,
  inventoryKey,
  LATEST_BACKUP_RUN_KEY,
  MANIFESTS_PREFIX,
  manifestKey,
  PRUNE_LOGS_PREFIX,
  PRUNE_WORK_PREFIX,
  pruneLogKey,
  prunePlanBatchKey,
  prunePlanKey,
  SWEEP_RECORDS_PREFIX,
  sweepRecordKey,
  verificationKey,
} from './layout.ts';
import {
  backupQueuePageSchema,
  backupQueueSchema,
  backupRecordSchema,
  backupRosterSchema,
  backupTimingsSchema,
  batchIntentSchema,
  batchOutcomeSchema,
  complianceReportSchema,
  deletionIntentSchema,
  deletionOutcomeSchema,
  drillLeaseSchema,
  drillReportSchema,
  inventorySchema,
  latestBackupRunSchema,
  manifestSchema,
  manifestV2Schema,
  pruneLogSchema,
  prunePlanBatchSchema,
  prunePlanSchema,
  sweepRecordSchema,
  verificationSchema,
} from './schemas.ts';

/**
 * How a kind's documents are written: `pretty`, indented JSON that people
 * open; `line`, one line of JSON (documents read by every step of a run, or
 * large ones); `compact`, one line without a newline (the backup queue's
 * documents, as they have always been written).
 */
export type StoredFormat = 'pretty' | 'line' | 'compact';

export interface StoredKind<
  Reads extends z.ZodType = z.ZodType,
  Writes extends z.ZodType = Reads,
  KeyArgs extends readonly never[] | readonly unknown[] = readonly never[],
> {
  /** What the document is, as errors name it (and compliance reports, in the reason a document did not read). */
  readonly description: string;
  /** Its key, from store/layout.ts. */
  readonly key: (...args: KeyArgs) => string;
  /** The layout's builder behind `key`, where `key` picks one of the keys it gives (a report's JSON of JSON and HTML). */
  readonly builtBy?: (...args: never[]) => unknown;
  /** The prefix the listings of the kind take. */
  readonly prefix: string;
  /** What it is read through: every version the store may still hold. */
  readonly schema: Reads;
  /** What it is written through, when not `schema` (a manifest reads versions 1 and 2, and is written as 2). */
  readonly writes?: Writes;
  readonly format: StoredFormat;
}

const kind = <Reads extends z.ZodType, KeyArgs extends readonly unknown[], Writes extends z.ZodType = Reads>(
  entry: StoredKind<Reads, Writes, KeyArgs>,
) => entry;

export const STORED_DOCUMENTS = {
  'backup-record': kind({
    description: 'backup-record',
    key: backupRecordKey,
    prefix: BACKUP_RECORDS_PREFIX,
    schema: backupRecordSchema,
    format: 'pretty',
  }),
  'prune-log': kind({
    description: 'prune-log',
    key: pruneLogKey,
    prefix: PRUNE_LOGS_PREFIX,
    schema: pruneLogSchema,
    format: 'pretty',
  }),
  'sweep-record': kind({
    description: 'sweep-record',
    key: sweepRecordKey,
    prefix: SWEEP_RECORDS_PREFIX,
    schema: sweepRecordSchema,
    format: 'pretty',
  }),
  'deletion-batch-intent': kind({
    description: 'deletion batch intent',
    key: batchIntentKey,
    prefix: DELETION_LOG_PREFIX,
    schema: batchIntentSchema,
    format: 'pretty',
  }),
  'deletion-batch-outcome': kind({
    description: 'deletion batch outcome',
    key: batchOutcomeKey,
    prefix: DELETION_LOG_PREFIX,
    schema: batchOutcomeSchema,
    format: 'pretty',
  }),
  'deletion-intent': kind({
    description: 'deletion intent',
    key: deletionIntentKey,
    prefix: DELETION_LOG_PREFIX,
    schema: deletionIntentSchema,
    format: 'pretty',
  }),
  'deletion-outcome': kind({
    description: 'deletion outcome',
    key: deletionOutcomeKey,
    prefix: DELETION_LOG_PREFIX,
    schema: deletionOutcomeSchema,
    format: 'pretty',
  }),
  inventory: kind({
    description: 'inventory',
    key: inventoryKey,
    prefix: INVENTORIES_PREFIX,
    schema: inventorySchema,
    format: 'pretty',
  }),
  manifest: kind({
    description: 'evidence manifest',
    key: manifestKey,
    prefix: MANIFESTS_PREFIX,
    schema: manifestSchema,
    writes: manifestV2Schema,
    format: 'line',
  }),
  'drill-report': kind({
    description: 'drill report',
    key: (report: Parameters<typeof drillReportKeys>[0]) => drillReportKeys(report).json,
    builtBy: drillReportKeys,
    prefix: DRILL_REPORTS_PREFIX,
    schema: drillReportSchema,
    format: 'pretty',
  }),
  'compliance-report': kind({
    description: 'compliance report',
    key: (report: Parameters<typeof complianceReportKeys>[0]) => complianceReportKeys(report).json,
    builtBy: complianceReportKeys,
    prefix: COMPLIANCE_REPORTS_PREFIX,
    schema: complianceReportSchema,
    format: 'pretty',
  }),
  'drill-lease': kind({
    description: 'drill lease',
    key: drillLeaseKey,
    prefix: DRILL_LEASE_PREFIX,
    schema: drillLeaseSchema,
    format: 'line',
  }),
  'backup-queue': kind({
    description: 'backup queue',
    key: backupQueueKey,
    prefix: BACKUP_WORK_PREFIX,
    schema: backupQueueSchema,
    format: 'compact',
  }),
  'backup-queue-page': kind({
    description: 'backup queue page',
    key: backupQueuePageKey,
    prefix: BACKUP_WORK_PREFIX,
    schema: backupQueuePageSchema,
    format: 'compact',
  }),
  'backup-roster': kind({
    description: 'backup roster',
    key: backupRosterKey,
    prefix: BACKUP_WORK_PREFIX,
    schema: backupRosterSchema,
    format: 'compact',
  }),
  'latest-backup-run': kind({
    description: 'latest backup run',
    key: () => LATEST_BACKUP_RUN_KEY,
    prefix: BACKUP_WORK_PREFIX,
    schema: latestBackupRunSchema,
    format: 'compact',
  }),
  'backup-timings': kind({
    description: 'backup timings',
    key: () => BACKUP_TIMINGS_KEY,
    prefix: BACKUP_WORK_PREFIX,
    schema: backupTimingsSchema,
    format: 'compact',
  }),
  'prune-plan': kind({
    description: 'prune plan',
    key: prunePlanKey,
    prefix: PRUNE_WORK_PREFIX,
    schema: prunePlanSchema,
    format: 'pretty',
  }),
  'prune-plan-batch': kind({
    description: 'prune plan batch',
    key: prunePlanBatchKey,
    prefix: PRUNE_WORK_PREFIX,
    schema: prunePlanBatchSchema,
    format: 'pretty',
  }),
  'verification-result': kind({
    description: 'verification result',
    key: verificationKey,
    prefix: DRILL_WORK_PREFIX,
    schema: verificationSchema,
    format: 'pretty',
  }),
} as const;

export type StoredKindName = keyof typeof STORED_DOCUMENTS;
type Entry<K extends StoredKindName> = (typeof STORED_DOCUMENTS)[K];
type WritesOf<K extends StoredKindName> =
  Entry<K> extends { readonly writes: infer W extends z.ZodType } ? W : Entry<K>['schema'];

/** What a document of the kind reads as. */
export type Stored<K extends StoredKindName> = z.output<Entry<K>['schema']>;

/**
 * Reads the document of a kind at a key (as a listing of the kind gives it)
 * through the kind's schema, with the digest of its bytes. Undefined when
 * there is none; CorruptEvidenceError naming the key when it does not read.
 */
export function readStored<K extends StoredKindName>(
  reports: ReportStore,
  kind: K,
  key: string,
): Promise<StoredDocument<Stored<K>> | undefined> {
  const entry: StoredKind = STORED_DOCUMENTS[kind];
  return readStoredDocument(reports, key, entry.schema, entry.description) as Promise<
    StoredDocument<Stored<K>> | undefined
  >;
}

/**
 * Reads many documents of a kind, a bounded number at a time, setting apart
 * those that do not read (with their digest and why) instead of failing on
 * the first.
 */
export function readStoredMany<K extends StoredKindName>(
  reports: ReportStore,
  kind: K,
  keys: readonly string[],
): Promise<{ documents: StoredDocument<Stored<K>>[]; corrupt: CorruptDocument[] }> {
  const entry: StoredKind = STORED_DOCUMENTS[kind];
  return readStoredDocuments(reports, keys, entry.schema, entry.description) as Promise<{
    documents: StoredDocument<Stored<K>>[];
    corrupt: CorruptDocument[];
  }>;
}

/** The bytes a document of the kind is stored as; throws InvalidInputError naming each wrong field. */
export function serializeStored<K extends StoredKindName>(kind: K, value: z.input<WritesOf<K>>): string {
  const entry: StoredKind = STORED_DOCUMENTS[kind];
  const valid = validateDocument(entry.writes ?? entry.schema, value, entry.description);
  switch (entry.format) {
    case 'pretty':
      return `${JSON.stringify(valid, null, 2)}\n`;
    case 'line':
      return `${JSON.stringify(valid)}\n`;
    case 'compact':
      return JSON.stringify(valid);
  }
}

/**
 * Writes a document of the kind at the key its arguments give, through the
 * kind's schema: an invalid document is refused (InvalidInputError) and
 * nothing is written.
 */
export function writeStored<K extends StoredKindName>(
  reports: ReportStore,
  kind: K,
  value: z.input<WritesOf<K>>,
  ...keyArgs: Parameters<Entry<K>['key']>
): Promise<StoredObject> {
  const key = (STORED_DOCUMENTS[kind].key as (...args: unknown[]) => string)(...keyArgs);
  return reports.put(key, serializeStored(kind, value), 'application/json');
}
