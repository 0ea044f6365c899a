import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { writePruneLogTask } from '../src/tasks/write-prune-log.ts';

export const handler = lambdaHandlerFor(writePruneLogTask, { rds: awsRds, reports: awsReports });
