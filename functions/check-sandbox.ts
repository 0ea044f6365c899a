import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsSandboxes } from '../src/runtime/aws-ports/sandboxes.ts';
import { checkSandboxTask } from '../src/tasks/check-sandbox.ts';

export const handler = lambdaHandlerFor(checkSandboxTask, { sandboxes: awsSandboxes });
