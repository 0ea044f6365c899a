import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { checkSandboxTask } from '../src/tasks/check-sandbox.ts';

export const handler = lambdaHandlerFor(checkSandboxTask);
