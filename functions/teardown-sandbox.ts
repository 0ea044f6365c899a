import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { awsSandboxes } from '../src/runtime/aws-ports/sandboxes.ts';
import { teardownSandboxTask } from '../src/tasks/teardown-sandbox.ts';

export const handler = lambdaHandlerFor(teardownSandboxTask, {
  sandboxes: awsSandboxes,
  reports: awsReports,
});
