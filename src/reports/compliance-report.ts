// The compliance report as a stored document: JSON serialisation, validated
// parsing through its schema (version 1, store/schemas.ts), where it lives in
// the report store, and its CSV export for auditors' spreadsheets. The schema
// mirrors `ComplianceReport` (domain/compliance-report.ts) field by field and
// in the same order, which is the order of the fields in the JSON file.
// Objects are strict, and the report may not contradict itself: a
// "compliant" report cannot hold a failed control or altered evidence, a
// passed control cannot hold a failed database, and the coverage grid has
// exactly one cell per database per day of the period.
import type { ComplianceReport, ControlResult } from '../domain/compliance-report.ts';
import { PROMISES } from '../domain/compliance-report.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { type CorruptDocument, parseDocument, type StoredDocument } from './json-document.ts';
import { readStored, readStoredMany, serializeStored } from './store/index.ts';
import { COMPLIANCE_REPORTS_PREFIX } from './store/layout.ts';
import { complianceReportSchema } from './store/schemas.ts';

export { daysOfPeriod } from './store/schemas.ts';
export { complianceReportSchema };

/** The report as pretty-printed JSON with a trailing newline; throws, naming the field, if it is invalid. */
export function serializeComplianceReport(report: ComplianceReport): string {
  return serializeStored('compliance-report', report);
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
  return readStoredMany(reports, 'compliance-report', keys);
}

/** One stored compliance report; CorruptEvidenceError naming the key when it does not read. */
export async function readComplianceReport(
  reports: ReportStore,
  key: string,
): Promise<ComplianceReport | undefined> {
  return (await readStored(reports, 'compliance-report', key))?.value;
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
