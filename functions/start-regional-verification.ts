import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRegionalVerifiers } from '../src/runtime/aws-ports/regional-verifiers.ts';
import { startRegionalVerificationTask } from '../src/tasks/start-regional-verification.ts';

export const handler = lambdaHandlerFor(startRegionalVerificationTask, {
  regionalVerifiers: awsRegionalVerifiers,
});
