// What the verifier is asked and what it answers, wherever it runs: in the
// stack region (verify-sandbox) or in the drill's region, by the regional
// verifier stack (functions/regional/verify-sandbox-in-region.ts), which has no
// configuration file of its own: the request carries every setting it needs.
import { z } from 'zod';
import { type Config, drillAssertion } from '../config/schema.ts';
import type { SandboxPortProvider } from '../ports/sandbox.ts';
import type { Verification } from '../reports/evidence.ts';
import { verifierFor } from '../verifier/index.ts';
import { type PlannedDrill, sandboxRefOf } from './drill-shapes.ts';

export const verificationRequest = z.object({
  sandbox: z.object({
    region: z.string().min(1),
    kind: z.enum(['instance', 'cluster']),
    id: z.string().min(1),
  }),
  databaseId: z.string().min(1),
  consistencyTimeBudgetSeconds: z.number().int().min(1),
  assertions: z.array(drillAssertion),
  freshnessQuery: z.string().min(1).optional(),
});

export type VerificationRequest = z.infer<typeof verificationRequest>;

/** The drill's verification settings, from the configuration of the stack that planned it. */
export function verificationRequestFor(drill: PlannedDrill, config: Config): VerificationRequest {
  const settings = config.drills.databases[drill.database.id];
  return {
    sandbox: sandboxRefOf(drill),
    databaseId: drill.database.id,
    consistencyTimeBudgetSeconds: config.drills.consistencyTimeBudgetSeconds,
    assertions: settings?.assertions ?? [],
    ...(settings?.freshnessQuery === undefined ? {} : { freshnessQuery: settings.freshnessQuery }),
  };
}

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
