import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { writeComplianceReportTask } from '../src/tasks/write-compliance-report.ts';

export const handler = lambdaHandlerFor(writeComplianceReportTask);
