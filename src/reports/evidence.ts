import type { ReportStore, StoredObject } from '../ports/report-store.ts';
import { parseDocument } from './json-document.ts';
import { readStored, serializeStored } from './store/index.ts';
import {
  backupRecordKey,
  inventoryKey,
  pruneLogKey,
  sweepRecordKey,
  verificationKey,
} from './store/layout.ts';
import {
  type BackupRecord,
  backupRecordSchema,
  type InventoryDocument,
  inventorySchema,
  type PruneLog,
  pruneLogSchema,
  type SweepRecord,
  sweepRecordSchema,
  type Verification,
  verificationSchema,
} from './store/schemas.ts';

export type { BackupRecord, InventoryDocument, PruneLog, SweepRecord, Verification };
export { backupRecordSchema, inventorySchema, pruneLogSchema, sweepRecordSchema, verificationSchema };

const put = (reports: ReportStore, key: string, body: string) => reports.put(key, body, 'application/json');

export function writeBackupRecord(reports: ReportStore, record: BackupRecord): Promise<StoredObject> {
  return put(reports, backupRecordKey(record), serializeStored('backup-record', record));
}

export function writePruneLog(reports: ReportStore, log: PruneLog): Promise<StoredObject> {
  return put(reports, pruneLogKey(log), serializeStored('prune-log', log));
}

export function writeSweepRecord(reports: ReportStore, record: SweepRecord): Promise<StoredObject> {
  return put(reports, sweepRecordKey(record), serializeStored('sweep-record', record));
}

export function writeInventory(
  reports: ReportStore,
  to: string,
  reportId: string,
  inventory: InventoryDocument,
): Promise<StoredObject> {
  return put(reports, inventoryKey(to, reportId), serializeStored('inventory', inventory));
}

export function writeVerification(
  reports: ReportStore,
  drillId: string,
  verification: Verification,
): Promise<StoredObject> {
  return put(reports, verificationKey(drillId), serializeStored('verification-result', verification));
}

/** A verification as another region's verifier returns it (InvalidInputError when it does not read). */
export function parseVerification(text: string, what: string): Verification {
  return parseDocument(verificationSchema, text, what);
}

export async function readVerification(reports: ReportStore, key: string): Promise<Verification | undefined> {
  return (await readStored(reports, 'verification-result', key))?.value;
}
