// The regional verifier port in process, for the local cloud: every region's
// sandboxes are reachable from here, so a verification "in its region" runs
// here, and its outcome is kept as a finished execution would be.
//
// As StartExecution does, a start returns at once and the verification goes
// on: start-regional-verification and check-regional-verification run under a
// Task TimeoutSeconds of 60 (workflows/drill-database.asl.json), well below
// what a verification may take (its consistency checks alone are given
// drills.consistencyTimeBudgetSeconds). A describe waits a while for a
// verification still running, so that the workflow's polling loop, whose
// waits take no time locally, does not spin.
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidInputError, InvalidStateError } from '../../domain/errors.ts';
import type { RegionalVerificationStatus, RegionalVerifierProvider } from '../../ports/regional-verifier.ts';
import type { SandboxPortProvider } from '../../ports/sandbox.ts';
import { verifySandbox } from '../../tasks/verification.ts';
import type { VerificationRequest } from '../../tasks/verification-request.ts';

export interface LocalRegionalVerifierOptions {
  /**
   * How long a describe waits for a verification still running before it
   * answers `running`: well within check-regional-verification's 60 s.
   */
  readonly describeWaitMs?: number;
}

const DEFAULT_DESCRIBE_WAIT_MS = 20_000;

export function localRegionalVerifierProvider(
  sandboxes: SandboxPortProvider,
  clock: () => Date,
  options: LocalRegionalVerifierOptions = {},
): RegionalVerifierProvider {
  const describeWaitMs = options.describeWaitMs ?? DEFAULT_DESCRIBE_WAIT_MS;
  const outcomes = new Map<string, Promise<RegionalVerificationStatus>>();

  // As a failed execution records its error's name and message; never rejects.
  const verify = async (request: VerificationRequest): Promise<RegionalVerificationStatus> => {
    try {
      return { status: 'succeeded', verification: await verifySandbox(request, sandboxes, clock) };
    } catch (error) {
      return {
        status: 'failed',
        error: error instanceof Error ? error.name : 'Error',
        cause: error instanceof Error ? error.message : String(error),
      };
    }
  };

  return (region) => ({
    region,
    async startVerification(name, request) {
      if (request.sandbox.region !== region) {
        throw new InvalidInputError(
          `sandbox ${request.sandbox.id} of ${request.sandbox.region} sent to the verifier of ${region}`,
        );
      }
      const key = `${region}/${name}`;
      if (!outcomes.has(key)) outcomes.set(key, verify(request));
    },
    async describeVerification(name) {
      const outcome = outcomes.get(`${region}/${name}`);
      if (outcome === undefined)
        throw new InvalidStateError(`no verification ${name} was started in ${region}`);
      const waiting = new AbortController();
      const stillRunning = sleep(describeWaitMs, { status: 'running' } as const, {
        signal: waiting.signal,
      }).catch(() => ({ status: 'running' }) as const);
      try {
        return await Promise.race([outcome, stillRunning]);
      } finally {
        waiting.abort();
      }
    },
  });
}
