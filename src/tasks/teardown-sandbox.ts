import { z } from 'zod';
import { releaseLease } from '../reports/drill-leases.ts';
import { defineTask } from '../runtime/task.ts';
import { plannedDrill, sandboxRefOf } from './drill-shapes.ts';

/**
 * Deletes the drill's sandbox and releases its lease on the snapshot. Every
 * path of the drill workflow ends here, failures included; it is idempotent,
 * so a sandbox that was never created, or is already gone, is fine.
 */
export const teardownSandboxTask = defineTask({
  name: 'teardown-sandbox',
  needs: ['sandboxes', 'reports'],
  input: z.object({ drill: plannedDrill }),
  async run({ drill }, { sandboxes, reports, clock, logger }) {
    const ref = sandboxRefOf(drill);
    await sandboxes(ref.region).deleteSandbox(ref, { drillId: drill.drillId });
    logger.info('sandbox deleted', { drillId: drill.drillId, sandboxId: ref.id });
    try {
      await releaseLease(reports, drill.drillId, clock());
    } catch (error) {
      // The sandbox is gone; a lease left behind only protects its snapshot until it expires.
      logger.warn('could not release the drill lease', {
        drillId: drill.drillId,
        error: (error as Error).message,
      });
    }
    return { result: 'deleted' as const, at: clock().toISOString() };
  },
});
