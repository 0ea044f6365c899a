import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { teardownSandboxTask } from '../src/tasks/teardown-sandbox.ts';

export const handler = lambdaHandlerFor(teardownSandboxTask);
