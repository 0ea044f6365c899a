// The compliance report as a stored document: its schema (version 1), JSON
// serialisation, validated parsing, where it lives in the report store, and
// its CSV export for auditors' spreadsheets. The schema mirrors
// `ComplianceReport` (domain/compliance-report.ts) field by field and in the
// same order, which is the order of the fields in the JSON file. Objects are
// strict, and the report may not contradict itself: a "compliant" report
// cannot hold a failed control or altered evidence, a passed control cannot
// hold a failed database, and the coverage grid has exactly one cell per
// database per day of the period.
import { z } from 'zod';
import type { ComplianceReport, ControlResult, PromiseId } from '../domain/compliance-report.ts';
import { PROMISES } from '../domain/compliance-report.ts';
import type { ReportStore } from '../ports/report-store.ts';
import {
  type CorruptDocument,
  isoTimeSchema as isoTime,
  keySegmentSchema as keySegment,
  parseDocument,
  readStoredDocument,
  readStoredDocuments,
  type StoredDocument,
  secondsSchema as seconds,
  serializeDocument,
  sha256Schema as sha256,
} from './json-document.ts';
import { COMPLIANCE_REPORTS_PREFIX } from './store-layout.ts';

const isoDay = z.iso.date({ error: 'must be a calendar date such as 2025-06-01 (YYYY-MM-DD, UTC)' });

const controlStatus = z.enum(['pass', 'fail', 'not-applicable']);
const PROMISE_IDS = Object.keys(PROMISES) as [PromiseId, ...PromiseId[]];

const evidenceRefSchema = z.strictObject({
  kind: z.string().min(1),
  path: z.string().min(1),
  sha256,
});

const databaseControlResultSchema = z.strictObject({
  /** A database id, or a label such as "(all)" for a result about no database in particular. */
  id: z.string().min(1),
  status: controlStatus,
  detail: z.string(),
});

const controlResultSchema = z.strictObject({
  id: z.string().min(1),
  title: z.string().min(1),
  promise: z.enum(PROMISE_IDS),
  status: controlStatus,
  summary: z.string(),
  databases: z.array(databaseControlResultSchema),
  evidence: z.array(evidenceRefSchema),
});

const coverageCellSchema = z.strictObject({
  day: isoDay,
  /** Reports written before this field had every day in scope. */
  inScope: z.boolean().default(true),
  backup: z.boolean(),
  copies: z.array(z.string().min(1)),
});

const drillPointSchema = z.strictObject({
  drillId: keySegment,
  finishedAt: isoTime,
  verdict: z.enum(['pass', 'fail']),
  rtoSeconds: seconds.nullable(),
  rpoSeconds: seconds.nullable(),
});

const integritySchema = z.strictObject({
  earlierReports: z.array(evidenceRefSchema),
  manifests: z.array(evidenceRefSchema).optional(),
  verified: z.number().int().nonnegative(),
  altered: z.array(z.strictObject({ path: z.string().min(1), expected: sha256, actual: sha256.nullable() })),
});

const DAY_MS = 86_400_000;

/** Every day from `from` to `to`, both included, as YYYY-MM-DD (UTC); empty when `to` precedes `from`. */
export function daysOfPeriod(period: { readonly from: string; readonly to: string }): string[] {
  const start = Date.parse(`${period.from}T00:00:00Z`);
  const end = Date.parse(`${period.to}T00:00:00Z`);
  const days: string[] = [];
  if (Number.isNaN(start) || Number.isNaN(end)) return days;
  for (let time = start; time <= end; time += DAY_MS) days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}

export const complianceReportSchema = z
  .strictObject({
    schemaVersion: z.literal(1, {
      error: 'must be 1: this version of restorable reads compliance reports of schema version 1 only',
    }),
    reportId: keySegment,
    generatedAt: isoTime,
    period: z.strictObject({ from: isoDay, to: isoDay }),
    status: z.enum(['compliant', 'non-compliant']),
    policy: z.strictObject({
      retentionDays: z.number().int().positive(),
      copyRegions: z.array(z.string().min(1)),
      sourceRegion: z.string().min(1),
      drillIntervalDays: z.number().int().positive(),
      rtoTargetSeconds: z.number().positive(),
      rpoTargetSeconds: z.number().positive(),
    }),
    databases: z.array(
      z.strictObject({ id: keySegment, kind: z.enum(['instance', 'cluster']), engine: z.string().min(1) }),
    ),
    controls: z.array(controlResultSchema),
    coverage: z.record(keySegment, z.array(coverageCellSchema)),
    drills: z.record(keySegment, z.array(drillPointSchema)),
    integrity: integritySchema,
  })
  .superRefine((report, context) => {
    const issue = (path: PropertyKey[], message: string): void => {
      context.addIssue({ code: 'custom', path, message });
    };
    const days = daysOfPeriod(report.period);
    if (days.length === 0) issue(['period', 'to'], `is before period.from (${report.period.from})`);
    const databaseIds = new Set<string>();
    report.databases.forEach((database, index) => {
      if (databaseIds.has(database.id)) issue(['databases', index, 'id'], `repeats database ${database.id}`);
      databaseIds.add(database.id);
    });

    // Fail closed: the verdict may not claim more than its controls and its
    // evidence show. Altered earlier evidence alone makes a report non-compliant.
    const failing = report.controls.filter((control) => control.status === 'fail');
    const altered = report.integrity.altered.length;
    if (report.status === 'compliant' && failing.length > 0) {
      issue(
        ['status'],
        `is "compliant" but these controls failed: ${failing.map((control) => control.id).join(', ')}`,
      );
    }
    if (report.status === 'compliant' && altered > 0) {
      issue(['status'], `is "compliant" but ${altered} earlier evidence files were altered or lost`);
    }
    if (report.status === 'non-compliant' && failing.length === 0 && altered === 0) {
      issue(['status'], 'is "non-compliant" but no control failed and no evidence was altered');
    }
    const controlIds = new Set<string>();
    report.controls.forEach((control, index) => {
      if (controlIds.has(control.id)) issue(['controls', index, 'id'], `repeats control ${control.id}`);
      controlIds.add(control.id);
      for (const result of control.databases) {
        if (control.status === 'pass' && result.status === 'fail') {
          issue(['controls', index, 'status'], `is "pass" but database ${result.id} failed`);
        }
      }
    });

    // The coverage grid: one cell per database per day of the period, in order.
    for (const id of databaseIds) {
      const cells = report.coverage[id];
      if (cells === undefined) {
        issue(['coverage', id], 'is missing: every database needs one coverage cell per day of the period');
        continue;
      }
      cells.forEach((cell, index) => {
        if (!cell.inScope && (cell.backup || cell.copies.length > 0)) {
          issue(['coverage', id, index], 'is out of scope (not yet protected) but holds a backup');
        }
      });
      const cellDays = cells.map((cell) => cell.day);
      if (cellDays.join() !== days.join()) {
        issue(
          ['coverage', id],
          `must hold one cell per day from ${report.period.from} to ${report.period.to} in order ` +
            `(${days.length} cells), not ${cells.length} cells from ${cellDays[0] ?? '-'} to ${cellDays.at(-1) ?? '-'}`,
        );
      }
    }
    for (const section of ['coverage', 'drills'] as const) {
      for (const id of Object.keys(report[section])) {
        if (!databaseIds.has(id)) issue([section, id], `is not a database of the report`);
      }
    }
  });

/** The report as pretty-printed JSON with a trailing newline; throws, naming the field, if it is invalid. */
export function serializeComplianceReport(report: ComplianceReport): string {
  return serializeDocument(complianceReportSchema, report, 'compliance report');
}

/** Reads a stored report back; throws an error naming the field when it does not match schema version 1. */
export function parseComplianceReport(text: string): ComplianceReport {
  return parseDocument(complianceReportSchema, text, 'compliance report');
}

/** Every stored compliance report; the ones that do not read are set apart, named. */
export async function readComplianceReports(
  reports: ReportStore,
): Promise<{ documents: StoredDocument<ComplianceReport>[]; corrupt: CorruptDocument[] }> {
  const keys = (await reports.list(COMPLIANCE_REPORTS_PREFIX)).filter((key) => key.endsWith('.json'));
  return readStoredDocuments(reports, keys, complianceReportSchema, 'compliance report');
}

/** One stored compliance report; CorruptEvidenceError naming the key when it does not read. */
export async function readComplianceReport(
  reports: ReportStore,
  key: string,
): Promise<ComplianceReport | undefined> {
  return (await readStoredDocument(reports, key, complianceReportSchema, 'compliance report'))?.value;
}

// ---------------------------------------------------------------------------
// CSV

export const COMPLIANCE_CSV_HEADER = [
  'control_id',
  'control_title',
  'promise',
  'control_status',
  'database',
  'database_status',
  'detail',
  'evidence_count',
] as const;

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field. A text that a spreadsheet would run as a formula gets
 * a leading `'`, so it shows as text; a field holding a comma, a quote or a
 * line break is quoted, with its quotes doubled.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRows(control: ControlResult): (string | number)[][] {
  const common = [control.id, control.title, PROMISES[control.promise], control.status];
  if (control.databases.length === 0) {
    // A control about no database in particular: its summary is the detail.
    return [[...common, '', '', control.summary, control.evidence.length]];
  }
  return control.databases.map((result) => [
    ...common,
    result.id,
    result.status,
    result.detail,
    control.evidence.length,
  ]);
}

/**
 * The controls as CSV (RFC 4180, CRLF line ends, UTF-8 without BOM): one row
 * per control per database; a control without database results gets one row
 * with an empty database whose detail is the control's summary.
 */
export function renderComplianceCsv(report: ComplianceReport): string {
  const rows = [[...COMPLIANCE_CSV_HEADER], ...report.controls.flatMap(csvRows)];
  return rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
