import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { discoverDatabasesTask } from '../src/tasks/discover-databases.ts';

export const handler = lambdaHandlerFor(discoverDatabasesTask, { rds: awsRds, reports: awsReports });
