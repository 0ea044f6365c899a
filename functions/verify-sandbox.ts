import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { awsSandboxes } from '../src/runtime/aws-ports/sandboxes.ts';
import { verifySandboxTask } from '../src/tasks/verify-sandbox.ts';

export const handler = lambdaHandlerFor(verifySandboxTask, { sandboxes: awsSandboxes, reports: awsReports });
