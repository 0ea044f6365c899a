import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { startRegionalVerificationTask } from '../src/tasks/start-regional-verification.ts';

export const handler = lambdaHandlerFor(startRegionalVerificationTask);
