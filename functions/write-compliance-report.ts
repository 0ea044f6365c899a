import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { awsSandboxes } from '../src/runtime/aws-ports/sandboxes.ts';
import { writeComplianceReportTask } from '../src/tasks/write-compliance-report.ts';

export const handler = lambdaHandlerFor(writeComplianceReportTask, {
  rds: awsRds,
  sandboxes: awsSandboxes,
  reports: awsReports,
});
