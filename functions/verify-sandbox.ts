import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { verifySandboxTask } from '../src/tasks/verify-sandbox.ts';

export const handler = lambdaHandlerFor(verifySandboxTask);
