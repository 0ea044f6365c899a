import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { awsSandboxes } from '../src/runtime/aws-ports/sandboxes.ts';
import { sweepSandboxesTask } from '../src/tasks/sweep-sandboxes.ts';

export const handler = lambdaHandlerFor(sweepSandboxesTask, { sandboxes: awsSandboxes, reports: awsReports });
