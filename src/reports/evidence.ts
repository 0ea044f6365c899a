// The evidence the workflows write for the compliance report, as stored
// documents: writing each and reading them back, through the schema (version
// 1) of each, which is in store/schemas.ts with those of every other stored
// document. Every read goes through the schema, so a damaged file is a
// CorruptEvidenceError naming its key, never a value cast blindly. Objects
// are loose: fields added by later versions do not make a record unreadable,
// and the fields the controls count on must be there.
//
// Their keys are in store/layout.ts, with those of every other stored document.
import type { ReportStore, StoredObject } from '../ports/report-store.ts';
import { parseDocument } from './json-document.ts';
import { readStored, writeStored } from './store/index.ts';
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

export function writeBackupRecord(reports: ReportStore, record: BackupRecord): Promise<StoredObject> {
  return writeStored(reports, 'backup-record', record, record);
}

export function writePruneLog(reports: ReportStore, log: PruneLog): Promise<StoredObject> {
  return writeStored(reports, 'prune-log', log, log);
}

export function writeSweepRecord(reports: ReportStore, record: SweepRecord): Promise<StoredObject> {
  return writeStored(reports, 'sweep-record', record, record);
}

export function writeInventory(
  reports: ReportStore,
  to: string,
  reportId: string,
  inventory: InventoryDocument,
): Promise<StoredObject> {
  return writeStored(reports, 'inventory', inventory, to, reportId);
}

export function writeVerification(
  reports: ReportStore,
  drillId: string,
  verification: Verification,
): Promise<StoredObject> {
  return writeStored(reports, 'verification-result', verification, drillId);
}

/** A verification as another region's verifier returns it (InvalidInputError when it does not read). */
export function parseVerification(text: string, what: string): Verification {
  return parseDocument(verificationSchema, text, what);
}

export async function readVerification(reports: ReportStore, key: string): Promise<Verification | undefined> {
  return (await readStored(reports, 'verification-result', key))?.value;
}
