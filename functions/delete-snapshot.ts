import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { deleteSnapshotTask } from '../src/tasks/delete-snapshot.ts';

export const handler = lambdaHandlerFor(deleteSnapshotTask, { rds: awsRds, reports: awsReports });
