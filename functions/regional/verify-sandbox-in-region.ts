// Deployed by the regional verifier stack (infra/verifier.ts), not by
// the main stack (infra/stack.ts): see src/runtime/regional-verifier-lambda.ts.
import { Logger } from '@aws-lambda-powertools/logger';
import {
  createRegionalVerifierHandler,
  verifyRegionalSandbox,
} from '../../src/runtime/regional-verifier-lambda.ts';

export const handler = createRegionalVerifierHandler(
  verifyRegionalSandbox,
  new Logger({ serviceName: 'restorable' }),
);
