import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { writeDrillReportTask } from '../src/tasks/write-drill-report.ts';

export const handler = lambdaHandlerFor(writeDrillReportTask, { reports: awsReports });
