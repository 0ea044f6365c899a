// Deployed by the regional verifier stack (serverless-verifier.yml), not by
// serverless.yml: see src/runtime/regional-verifier-lambda.ts.
import { Logger } from '@aws-lambda-powertools/logger';
import {
  createRegionalVerifierHandler,
  regionalSandboxes,
} from '../../src/runtime/regional-verifier-lambda.ts';

export const handler = createRegionalVerifierHandler(
  regionalSandboxes,
  new Logger({ serviceName: 'restorable' }),
);
