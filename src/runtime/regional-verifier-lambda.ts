// The handler of the regional verifier stack (infra/verifier.ts), which
// runs in a region drills restore in besides the stack region, in that
// region's VPC. It ships no configuration file and writes nothing: the
// request carries the drill's verification settings, and the result goes
// back, packed (src/tasks/verification-result.ts), as the output of its
// state machine, which the stack region's check-regional-verification
// stores. Same logger and error names as every task
// (src/runtime/lambda-handler.ts).
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { awsSandboxPortProvider } from '../adapters/aws/sandbox.ts';
import { formatIssues } from '../config/issues.ts';
import { InvalidInputError } from '../domain/errors.ts';
import type { SandboxPortProvider } from '../ports/sandbox.ts';
import type { Verification } from '../reports/evidence.ts';
import { verifySandbox } from '../tasks/verification.ts';
import { type VerificationRequest, verificationRequest } from '../tasks/verification-request.ts';
import { type PackedVerification, packVerification } from '../tasks/verification-result.ts';
import { readRdsCaBundle } from './rds-ca-bundle.ts';
import { traceAwsClients } from './tracing.ts';

/** Verifies the sandbox a request names: `verifySandbox` over the sandboxes of this region. */
export type RegionalVerify = (request: VerificationRequest) => Promise<Verification>;

export function createRegionalVerifierHandler(
  verify: RegionalVerify,
  logger: Logger,
): (event: unknown, context: Context) => Promise<PackedVerification> {
  return middy<unknown, PackedVerification, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const parsed = verificationRequest.safeParse(event);
      if (!parsed.success) {
        throw new InvalidInputError(
          `invalid input for verify-sandbox-in-region:\n${formatIssues(parsed.error.issues)}`,
        );
      }
      try {
        return packVerification(await verify(parsed.data));
      } catch (error) {
        logger.error('verify-sandbox-in-region failed', error as Error);
        throw error;
      }
    });
}

let provider: SandboxPortProvider | undefined;

/** Built on the first invocation and kept for the container's life, as the tasks' dependencies. */
function regionalSandboxes(): SandboxPortProvider {
  if (provider === undefined) {
    const caBundle = readRdsCaBundle(process.env);
    provider = awsSandboxPortProvider(caBundle === undefined ? {} : { caBundle });
  }
  return provider;
}

/** The deployed verification: this region's sandboxes, on the wall clock. */
export const verifyRegionalSandbox: RegionalVerify = async (request) => {
  // Before the adapters make their clients, so that their calls are traced.
  await traceAwsClients();
  return verifySandbox(request, regionalSandboxes(), () => new Date());
};
