// The regional verifier port in process, for the local cloud: every region's
// sandboxes are reachable from here, so a verification "in its region" runs
// at once, and its outcome is kept as a finished execution would be.
import { InvalidInputError, InvalidStateError } from '../../domain/errors.ts';
import type { RegionalVerificationStatus, RegionalVerifierProvider } from '../../ports/regional-verifier.ts';
import type { SandboxPortProvider } from '../../ports/sandbox.ts';
import { verifySandbox } from '../../tasks/verification.ts';

export function localRegionalVerifierProvider(
  sandboxes: SandboxPortProvider,
  clock: () => Date,
): RegionalVerifierProvider {
  const outcomes = new Map<string, RegionalVerificationStatus>();
  return (region) => ({
    region,
    async startVerification(name, request) {
      if (request.sandbox.region !== region) {
        throw new InvalidInputError(
          `sandbox ${request.sandbox.id} of ${request.sandbox.region} sent to the verifier of ${region}`,
        );
      }
      const key = `${region}/${name}`;
      if (outcomes.has(key)) return;
      // As a failed execution records its error's name and message.
      try {
        outcomes.set(key, {
          status: 'succeeded',
          verification: await verifySandbox(request, sandboxes, clock),
        });
      } catch (error) {
        outcomes.set(key, {
          status: 'failed',
          error: error instanceof Error ? error.name : 'Error',
          cause: error instanceof Error ? error.message : String(error),
        });
      }
    },
    async describeVerification(name) {
      const outcome = outcomes.get(`${region}/${name}`);
      if (outcome === undefined)
        throw new InvalidStateError(`no verification ${name} was started in ${region}`);
      return outcome;
    },
  });
}
