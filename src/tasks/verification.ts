// Runs the verifier on a sandbox, wherever it runs: in the stack region
// (verify-sandbox) or in the drill's region, by the regional verifier stack
// (functions/regional/verify-sandbox-in-region.ts).
import type { SandboxPortProvider } from '../ports/sandbox.ts';
import type { Verification } from '../reports/evidence.ts';
import { verifierFor } from '../verifier/index.ts';
import type { VerificationRequest } from './verification-request.ts';

/**
 * Verifies the sandbox. The credentials are fetched here and never leave
 * this function: the result holds counts, digests and check outcomes only.
 */
export async function verifySandbox(
  request: VerificationRequest,
  sandboxes: SandboxPortProvider,
  clock: () => Date,
): Promise<Verification> {
  const connection = await sandboxes(request.sandbox.region).connectionFor(request.sandbox);
  const result = await verifierFor(connection.engine).verify({
    connection,
    consistencyTimeBudgetSeconds: request.consistencyTimeBudgetSeconds,
    assertions: request.assertions,
    ...(request.freshnessQuery === undefined ? {} : { freshnessQuery: request.freshnessQuery }),
    databaseId: request.databaseId,
    statementTimeoutMs: 30_000,
    exactCountMaxRows: 1_000_000,
  });
  return { verifiedAt: clock().toISOString(), ...result };
}
