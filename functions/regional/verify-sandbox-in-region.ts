// Deployed by the regional verifier stack (serverless-verifier.yml), not by
// serverless.yml: see src/runtime/regional-verifier-lambda.ts.
import { Logger } from '@aws-lambda-powertools/logger';
import {
  createRegionalVerifierHandler,
  verifyRegionalSandbox,
} from '../../src/runtime/regional-verifier-lambda.ts';

export const handler = createRegionalVerifierHandler(
  verifyRegionalSandbox,
  new Logger({ serviceName: 'restorable' }),
);
