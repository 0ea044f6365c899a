import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import type { CommandContext } from '../main.ts';
import {
  type ComplianceRunResult,
  printComplianceSummary,
  readFullReport,
  reportResult,
  runLocalReport,
} from '../services/compliance-report.ts';
import { runWorkflowCommand, type WorkflowCommand } from '../workflow-command.ts';

interface ReportRequest {
  readonly from?: string;
  readonly to?: string;
}

function reportRequest(context: CommandContext): ReportRequest {
  const { from, to } = context.flags;
  if (from !== undefined && to !== undefined && from > to) {
    throw new UsageError(`--from ${from} is after --to ${to}`);
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** `restorable report`: the compliance report of a period. */
const REPORT: WorkflowCommand<ReportRequest, ComplianceRunResult> = {
  workflow: 'report',
  request: reportRequest,
  print: printComplianceSummary,
  // Where the report store can be read (local), the document lists every
  // database and evidence file; from the workflow's output alone, the lists
  // may be cut and their totals say by how much.
  result: async (summary, reports) =>
    reportResult(summary, reports === undefined ? undefined : await readFullReport(reports, summary)),
  exitCode: (summary) => (summary.status === 'compliant' ? EXIT_OK : EXIT_FAILURE),
  local: {
    startingProgress: 'gathering evidence and evaluating the controls…',
    run: runLocalReport,
  },
  aws: { summaryOf: (output) => output as ComplianceRunResult },
};

export const runReportCommand = (context: CommandContext) => runWorkflowCommand(REPORT, context);
