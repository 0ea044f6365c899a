import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { sweepSandboxesTask } from '../src/tasks/sweep-sandboxes.ts';

export const handler = lambdaHandlerFor(sweepSandboxesTask);
