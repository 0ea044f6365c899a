// The drill report as a stored document: its schema (version 1), JSON
// serialisation and validated parsing; its keys are in store-layout.ts.
// The schema mirrors `DrillReport` (domain/drill.ts) field by field and in the
// same order, which is the order of the fields in the JSON file. Objects are
// strict: a report holds exactly the documented fields (counts, digests,
// timings, messages), and nothing else can ride along, such as row contents.
import { z } from 'zod';
import { type DrillReport, verdictOf } from '../domain/drill.ts';
import type { ReportStore } from '../ports/report-store.ts';
import {
  type CorruptDocument,
  isoTimeSchema as isoTime,
  keySegmentSchema as keySegment,
  parseDocument,
  readStoredDocuments,
  type StoredDocument,
  secondsSchema as seconds,
  serializeDocument,
  sha256Schema as sha256,
} from './json-document.ts';
import { drillReportsOfDatabasePrefix } from './store-layout.ts';

const checkResultSchema = z.strictObject({
  name: z.string().min(1),
  status: z.enum(['pass', 'fail', 'error']),
  detail: z.string(),
  durationMs: z.number().nonnegative(),
});

const tableInventorySchema = z.strictObject({
  // PostgreSQL tables since the verifier checks every database; older reports and MySQL have none.
  database: z.string().min(1).optional(),
  schema: z.string().min(1),
  table: z.string().min(1),
  rows: z.number().int().nonnegative(),
  exact: z.boolean(),
});

const inventorySchema = z.strictObject({
  schemas: z.number().int().nonnegative(),
  tables: z.array(tableInventorySchema),
  totalRows: z.number().int().nonnegative(),
  digest: sha256,
});

export const drillReportSchema = z
  .strictObject({
    schemaVersion: z.literal(1, {
      error: 'must be 1: this version of restorable reads drill reports of schema version 1 only',
    }),
    drillId: keySegment,
    verdict: z.enum(['pass', 'fail']),
    startedAt: isoTime,
    finishedAt: isoTime,
    trigger: z.enum(['schedule', 'on-demand']),
    database: z.strictObject({
      id: keySegment,
      kind: z.enum(['instance', 'cluster']),
      engine: z.string().min(1),
    }),
    snapshot: z.strictObject({
      id: z.string().min(1),
      arn: z.string().startsWith('arn:', 'must be an ARN (arn:...)'),
      region: z.string().min(1),
      takenAt: isoTime.nullable(),
      encrypted: z.boolean(),
      kmsKeyId: z.string().min(1).nullable(),
      sourceSnapshotArn: z.string().startsWith('arn:', 'must be an ARN (arn:...)').nullable(),
      sha256: sha256.nullable(),
      // Reports written before drills recorded it have no such field.
      provenBad: z.string().min(1).nullable().optional(),
    }),
    sandbox: z.strictObject({
      id: z.string().min(1),
      region: z.string().min(1),
      instanceClass: z.string().min(1),
      teardown: z.enum(['deleted', 'failed', 'not-created']),
      teardownDetail: z.string().nullable(),
    }),
    targets: z.strictObject({ rtoSeconds: z.number().positive(), rpoSeconds: z.number().positive() }),
    timings: z.strictObject({
      restoreRequestedAt: isoTime,
      availableAt: isoTime.nullable(),
      verifiedAt: isoTime.nullable(),
      rtoSeconds: seconds.nullable(),
      rpoSeconds: seconds.nullable(),
      // Reports written before drills recorded it have no such field.
      newestRowAt: isoTime.nullable().optional(),
    }),
    checks: z.array(checkResultSchema),
    inventory: inventorySchema.nullable(),
    previousDrill: z.strictObject({ drillId: keySegment, finishedAt: isoTime }).nullable(),
  })
  .superRefine((report, context) => {
    // Fail closed: a report may not claim a pass that its own checks deny.
    if (report.verdict === 'pass' && verdictOf(report.checks) !== 'pass') {
      const failing = report.checks.filter((check) => check.status !== 'pass').map((check) => check.name);
      context.addIssue({
        code: 'custom',
        path: ['verdict'],
        message:
          failing.length === 0
            ? 'is "pass" but the report has no checks: a drill passes only when every check ran and passed'
            : `is "pass" but these checks did not pass: ${failing.join(', ')}`,
      });
    }
  });

/** The report as pretty-printed JSON with a trailing newline; throws, naming the field, if it is invalid. */
export function serializeDrillReport(report: DrillReport): string {
  return serializeDocument(drillReportSchema, report, 'drill report');
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
  return readStoredDocuments(reports, keys, drillReportSchema, 'drill report');
}
