// The evidence the workflows write for the compliance report, as stored
// documents: the schema (version 1) of each, where each lives in the report
// store, and reading them back. Every read goes through the schema, so a
// damaged file is a CorruptEvidenceError naming its key, never a value cast
// blindly. Objects are loose: fields added by later versions do not make a
// record unreadable, and the fields the controls count on must be there.
//
// Their keys are in store-layout.ts, with those of every other stored document.
import { z } from 'zod';
import type { ReportStore, StoredObject } from '../ports/report-store.ts';
import {
  isoTimeSchema as isoTime,
  parseDocument,
  readStoredDocument,
  serializeDocument,
} from './json-document.ts';
import {
  backupRecordKey,
  inventoryKey,
  pruneLogKey,
  sweepRecordKey,
  verificationKey,
} from './store-layout.ts';

const version = z.literal(1, { error: 'must be 1: this version of restorable reads schema version 1 only' });
const kind = z.enum(['instance', 'cluster']);

export const backupRecordSchema = z
  .object({
    schemaVersion: version,
    runId: z.string().min(1),
    startedAt: isoTime,
    recordedAt: isoTime,
    id: z.string().min(1),
    kind,
    status: z.enum(['OK', 'PARTIAL', 'FAILED']),
    snapshots: z.array(
      z.object({
        region: z.string().min(1),
        id: z.string(),
        status: z.string().min(1),
        note: z.string().optional(),
      }),
    ),
    error: z.string().optional(),
    /**
     * How long the snapshot and each copy took, in seconds, where this run
     * started and timed them: the evidence the next run schedules its checks by.
     */
    durations: z
      .object({
        snapshotSeconds: z.number().nonnegative().optional(),
        copySeconds: z.record(z.string(), z.number().nonnegative()).optional(),
      })
      .optional(),
  })
  .loose();
export type BackupRecord = z.output<typeof backupRecordSchema>;

const deletionRow = z
  .object({
    database: z.string().min(1),
    region: z.string().min(1),
    snapshot: z.string().min(1),
    ageHours: z.number(),
    /** `already-gone`: someone else deleted it first; it does not account for its disappearance. */
    status: z.string().optional(),
  })
  .loose();

export const pruneLogSchema = z
  .object({
    schemaVersion: version,
    runId: z.string().min(1),
    startedAt: isoTime,
    dryRun: z.boolean(),
    deleted: z.array(deletionRow),
    failed: z.array(deletionRow.extend({ error: z.string() })),
    findings: z.array(
      z.object({
        kind: z.string().min(1),
        severity: z.enum(['violation', 'warning']),
        resource: z.string(),
        detail: z.string(),
      }),
    ),
    status: z.enum(['OK', 'FAILED']),
  })
  .loose();
export type PruneLog = z.output<typeof pruneLogSchema>;

export const sweepRecordSchema = z
  .object({
    schemaVersion: version,
    runId: z.string().min(1),
    sweptAt: isoTime,
    deleted: z.array(
      z
        .object({
          region: z.string().min(1),
          id: z.string().min(1),
          reason: z.string(),
          createdAt: isoTime.nullable(),
        })
        .loose(),
    ),
  })
  .loose();
export type SweepRecord = z.output<typeof sweepRecordSchema>;

export const inventorySchema = z
  .object({
    schemaVersion: version,
    takenAt: isoTime,
    databases: z.array(z.object({ id: z.string().min(1) }).loose()),
    snapshots: z.array(z.object({ region: z.string().min(1), id: z.string().min(1) }).loose()),
    sandboxes: z.array(z.object({ region: z.string().min(1), id: z.string().min(1) }).loose()),
  })
  .loose();
export type InventoryDocument = z.input<typeof inventorySchema>;

const checkResult = z.object({
  name: z.string().min(1),
  status: z.enum(['pass', 'fail', 'error']),
  detail: z.string(),
  durationMs: z.number().nonnegative(),
});

export const verificationSchema = z.object({
  verifiedAt: isoTime,
  checks: z.array(checkResult),
  inventory: z
    .object({
      schemas: z.number().int().nonnegative(),
      tables: z.array(
        z.object({
          /** PostgreSQL: the database of the table; MySQL's schema is its database. */
          database: z.string().optional(),
          schema: z.string(),
          table: z.string(),
          rows: z.number().int().nonnegative(),
          exact: z.boolean(),
        }),
      ),
      totalRows: z.number().int().nonnegative(),
      digest: z.string(),
    })
    .optional(),
  newestRowTime: z.string().optional(),
  /** Where the newest row time came from: the freshness query, or the column found. */
  newestRowSource: z.string().optional(),
  freshnessCheck: checkResult.optional(),
});
export type Verification = z.output<typeof verificationSchema>;

const put = (reports: ReportStore, key: string, body: string) => reports.put(key, body, 'application/json');

export function writeBackupRecord(reports: ReportStore, record: BackupRecord): Promise<StoredObject> {
  return put(
    reports,
    backupRecordKey(record),
    serializeDocument(backupRecordSchema, record, 'backup record'),
  );
}

export function writePruneLog(reports: ReportStore, log: PruneLog): Promise<StoredObject> {
  return put(reports, pruneLogKey(log), serializeDocument(pruneLogSchema, log, 'prune log'));
}

export function writeSweepRecord(reports: ReportStore, record: SweepRecord): Promise<StoredObject> {
  return put(reports, sweepRecordKey(record), serializeDocument(sweepRecordSchema, record, 'sweep record'));
}

export function writeInventory(
  reports: ReportStore,
  to: string,
  reportId: string,
  inventory: InventoryDocument,
): Promise<StoredObject> {
  return put(reports, inventoryKey(to, reportId), serializeDocument(inventorySchema, inventory, 'inventory'));
}

export function writeVerification(
  reports: ReportStore,
  drillId: string,
  verification: Verification,
): Promise<StoredObject> {
  return put(
    reports,
    verificationKey(drillId),
    serializeDocument(verificationSchema, verification, 'verification result'),
  );
}

/** A verification as another region's verifier returns it (InvalidInputError when it does not read). */
export function parseVerification(text: string, what: string): Verification {
  return parseDocument(verificationSchema, text, what);
}

export async function readVerification(reports: ReportStore, key: string): Promise<Verification | undefined> {
  return (await readStoredDocument(reports, key, verificationSchema, 'verification result'))?.value;
}
