import { z } from 'zod';
import { writeVerification } from '../reports/evidence.ts';
import { defineTask } from '../runtime/task.ts';
import { verifierFor } from '../verifier/index.ts';
import { plannedDrill, sandboxRefOf } from './drill-shapes.ts';

/**
 * Runs the verifier against the sandbox. The credentials are fetched here and
 * never leave this function; the full result (with the per-table inventory,
 * which can be large) goes to the report store, and the workflow carries only
 * where it is.
 */
export const verifySandboxTask = defineTask({
  name: 'verify-sandbox',
  input: z.object({ drill: plannedDrill }),
  async run({ drill }, { config, sandboxes, reports, clock }) {
    const ref = sandboxRefOf(drill);
    const connection = await sandboxes(ref.region).connectionFor(ref);
    const settings = config.drills.databases[drill.database.id];
    const result = await verifierFor(connection.engine).verify({
      connection,
      consistencyTimeBudgetSeconds: config.drills.consistencyTimeBudgetSeconds,
      assertions: settings?.assertions ?? [],
      ...(settings?.freshnessQuery === undefined ? {} : { freshnessQuery: settings.freshnessQuery }),
      databaseId: drill.database.id,
      statementTimeoutMs: 30_000,
      exactCountMaxRows: 1_000_000,
    });
    const verifiedAt = clock().toISOString();
    const stored = await writeVerification(reports, drill.drillId, { verifiedAt, ...result });
    return { verifiedAt, key: stored.key };
  },
});
