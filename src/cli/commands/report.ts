import { reportFailedExecution, runDeployedWorkflow } from '../deployed-workflow.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { executionName, withLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';

import {
  type ComplianceRunResult,
  printComplianceSummary,
  readFullReport,
  reportResult,
  runLocalReport,
} from '../services/compliance-report.ts';

function reportRequest(context: CommandContext) {
  const { from, to } = context.flags;
  if (from !== undefined && to !== undefined && from > to) {
    throw new UsageError(`--from ${from} is after --to ${to}`);
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

export async function runReportCommand(context: CommandContext): Promise<number> {
  const request = reportRequest(context);
  if (context.target === 'aws') {
    const run = await runDeployedWorkflow(context, 'report', request);
    if (run.status === 'RUNNING') return EXIT_OK;
    if (run.status !== 'SUCCEEDED') return reportFailedExecution(context.output, run);
    const result = run.output as ComplianceRunResult;
    printComplianceSummary(context, result);
    context.output.result(reportResult(result));
    return result.status === 'compliant' ? EXIT_OK : EXIT_FAILURE;
  }
  return withLocalEnvironment(context, {}, async (environment) => {
    context.output.progress('gathering evidence and evaluating the controls…');
    const result = await runLocalReport(environment, request, executionName('report', context.clock()));
    printComplianceSummary(context, result);
    context.output.result(
      reportResult(result, await readFullReport(environment.dependencies.reports, result)),
    );
    return result.status === 'compliant' ? EXIT_OK : EXIT_FAILURE;
  });
}
