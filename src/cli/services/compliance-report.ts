// The compliance report as the commands use it (`report`, and `demo` at the
// end of its replay): running the workflow on the local cloud, the `--json`
// result (with the whole report read back) and the summary for people.
import type { ComplianceReport } from '../../domain/compliance-report.ts';
import type { ReportStore } from '../../ports/report-store.ts';
import { readComplianceReport } from '../../reports/compliance-report.ts';
import { describeCaughtError } from '../../tasks/shapes.ts';
import { WorkflowExecutionFailedError } from '../../workflow-runner/local-runner.ts';
import { UsageError } from '../errors.ts';
import type { LocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatTable } from '../table.ts';

/** What the report workflow returns (write-compliance-report's output). */
export interface ComplianceRunResult {
  readonly reportId: string;
  readonly period: { from: string; to: string };
  readonly status: 'compliant' | 'non-compliant';
  readonly controls: {
    id: string;
    title: string;
    status: string;
    summary: string;
    databases: { id: string; status: string; detail: string }[];
    databasesTotal: number;
    evidence: { kind: string; path: string; sha256: string }[];
    evidenceTotal: number;
  }[];
  readonly integrity: { verified: number; altered: number };
  readonly report: { json: string; csv: string; html: string; key: string };
}

/**
 * The `report --json` contract. With the full report (read back from the
 * store), every database and evidence file is listed; from the workflow's
 * output alone, the lists may be cut and the totals say by how much.
 */
export function reportResult(run: ComplianceRunResult, full?: ComplianceReport) {
  const controls = full
    ? full.controls.map(({ id, title, status, databases, evidence }) => ({
        id,
        title,
        status,
        databases,
        evidence,
      }))
    : run.controls.map(({ id, title, status, databases, databasesTotal, evidence, evidenceTotal }) => ({
        id,
        title,
        status,
        databases,
        evidence,
        ...(databasesTotal > databases.length ? { databasesTotal } : {}),
        ...(evidenceTotal > evidence.length ? { evidenceTotal } : {}),
      }));
  const { key: _key, ...report } = run.report;
  return { period: run.period, status: run.status, controls, integrity: run.integrity, report };
}

/** The whole report as written, read back from the report store. */
export async function readFullReport(
  reports: ReportStore,
  run: ComplianceRunResult,
): Promise<ComplianceReport> {
  const report = await readComplianceReport(reports, run.report.key);
  if (report === undefined)
    throw new Error(`the compliance report ${run.report.key} was not found after it was written`);
  return report;
}

export function printComplianceSummary(context: CommandContext, run: ComplianceRunResult): void {
  const { output } = context;
  output.say(`compliance ${run.period.from} to ${run.period.to}: ${run.status.toUpperCase()}`);
  output.say(
    formatTable(
      ['control', 'status', 'summary'],
      run.controls.map((control) => [control.id, control.status, control.summary]),
    ),
  );
  for (const control of run.controls.filter((candidate) => candidate.status === 'fail')) {
    for (const database of control.databases.filter((result) => result.status === 'fail')) {
      output.say(`${control.id}: ${database.id}: ${database.detail}`);
    }
  }
  output.say(
    `evidence: ${run.integrity.verified} files listed by earlier reports verified` +
      (run.integrity.altered > 0
        ? `; ${run.integrity.altered} ALTERED OR MISSING (see the report)`
        : ', none altered'),
  );
  output.say(`report: ${run.report.html}`);
  output.say(`        ${run.report.json}`);
  output.say(`        ${run.report.csv}`);
}

export async function runLocalReport(environment: LocalEnvironment, request: object, executionName: string) {
  try {
    return (await environment.runner.run('report', request, executionName)) as ComplianceRunResult;
  } catch (error) {
    if (error instanceof WorkflowExecutionFailedError && error.error === 'InvalidInputError') {
      throw new UsageError(describeCaughtError({ Error: error.error, Cause: error.executionCause }));
    }
    throw error;
  }
}
