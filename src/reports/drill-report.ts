// The drill report as a stored document: JSON serialisation and validated
// parsing through its schema (version 1, store/schemas.ts); its keys are in
// store/layout.ts. The schema mirrors `DrillReport` (domain/drill.ts) field
// by field and in the same order, which is the order of the fields in the
// JSON file. Objects are strict: a report holds exactly the documented fields
// (counts, digests, timings, messages), and nothing else can ride along, such
// as row contents.
import type { DrillReport } from '../domain/drill.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { type CorruptDocument, parseDocument, type StoredDocument } from './json-document.ts';
import { readStoredMany, serializeStored } from './store/index.ts';
import { drillReportsOfDatabasePrefix } from './store/layout.ts';
import { drillReportSchema } from './store/schemas.ts';

export { drillReportSchema };

/** The report as pretty-printed JSON with a trailing newline; throws, naming the field, if it is invalid. */
export function serializeDrillReport(report: DrillReport): string {
  return serializeStored('drill-report', report);
}

/** Reads a stored report back; throws an error naming the field when it does not match schema version 1. */
export function parseDrillReport(text: string): DrillReport {
  return parseDocument(drillReportSchema, text, 'drill report');
}

/** The keys of a database's drill reports, oldest first (keys sort by day, then by drill id, which holds the time). */
export async function listDrillReportKeys(reports: ReportStore, databaseId: string): Promise<string[]> {
  return (await reports.list(drillReportsOfDatabasePrefix(databaseId))).filter((key) =>
    key.endsWith('.json'),
  );
}

/** Reads stored drill reports through the schema; the ones that do not read are set apart, named. */
export async function readDrillReports(
  reports: ReportStore,
  keys: readonly string[],
): Promise<{ documents: StoredDocument<DrillReport>[]; corrupt: CorruptDocument[] }> {
  return readStoredMany(reports, 'drill-report', keys);
}
