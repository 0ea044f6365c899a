import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { checkRegionalVerificationTask } from '../src/tasks/check-regional-verification.ts';

export const handler = lambdaHandlerFor(checkRegionalVerificationTask);
