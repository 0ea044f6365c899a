import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { sealEvidenceTask } from '../src/tasks/seal-evidence.ts';

export const handler = lambdaHandlerFor(sealEvidenceTask, { rds: awsRds, reports: awsReports });
