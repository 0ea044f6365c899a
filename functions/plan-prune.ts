import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { planPruneTask } from '../src/tasks/plan-prune.ts';

export const handler = lambdaHandlerFor(planPruneTask, { rds: awsRds, reports: awsReports });
