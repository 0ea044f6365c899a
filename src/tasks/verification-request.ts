// What the verifier is asked, wherever it runs. The regional verifier stack
// has no configuration file of its own: the request carries every setting it
// needs, taken from the configuration of the stack that planned the drill.
// Apart from the verifier itself, so that the functions that only build or
// pass a request do not bundle the database drivers.
import { z } from 'zod';
import { type Config, drillAssertion } from '../config/schema.ts';
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
