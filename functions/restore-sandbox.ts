import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { restoreSandboxTask } from '../src/tasks/restore-sandbox.ts';

export const handler = lambdaHandlerFor(restoreSandboxTask);
