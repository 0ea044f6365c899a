import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRegionalVerifiers } from '../src/runtime/aws-ports/regional-verifiers.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { checkRegionalVerificationTask } from '../src/tasks/check-regional-verification.ts';

export const handler = lambdaHandlerFor(checkRegionalVerificationTask, {
  regionalVerifiers: awsRegionalVerifiers,
  reports: awsReports,
});
