import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { summarizeBackupRunTask } from '../src/tasks/summarize-backup-run.ts';

export const handler = lambdaHandlerFor(summarizeBackupRunTask, { reports: awsReports });
