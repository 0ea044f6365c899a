import { z } from 'zod';
import { writeVerification } from '../reports/evidence.ts';
import { defineTask } from '../runtime/task.ts';
import { plannedDrill } from './drill-shapes.ts';
import { verifySandbox } from './verification.ts';
import { verificationRequestFor } from './verification-request.ts';

/**
 * Runs the verifier against a sandbox of the stack region. The full result
 * (with the per-table inventory, which can be large) goes to the report
 * store, and the workflow carries only where it is.
 */
export const verifySandboxTask = defineTask({
  name: 'verify-sandbox',
  needs: ['sandboxes', 'reports'],
  input: z.object({ drill: plannedDrill }),
  async run({ drill }, { config, sandboxes, reports, clock }) {
    const verification = await verifySandbox(verificationRequestFor(drill, config), sandboxes, clock);
    const stored = await writeVerification(reports, drill.drillId, verification);
    return { verifiedAt: verification.verifiedAt, key: stored.key };
  },
});
