import { z } from 'zod';
import type { DrillLease } from '../domain/drill-leases.ts';
import { defineTask } from '../runtime/task.ts';
import { drillLeaseKey, plannedDrill, sandboxRefOf } from './drill-shapes.ts';

/**
 * Deletes the drill's sandbox and releases its lease on the snapshot. Every
 * path of the drill workflow ends here, failures included; it is idempotent,
 * so a sandbox that was never created, or is already gone, is fine.
 */
export const teardownSandboxTask = defineTask({
  name: 'teardown-sandbox',
  input: z.object({ drill: plannedDrill }),
  async run({ drill }, { sandboxes, reports, clock, logger }) {
    const ref = sandboxRefOf(drill);
    await sandboxes(ref.region).deleteSandbox(ref);
    const existing = await reports.get(drillLeaseKey(drill.drillId));
    if (existing !== undefined) {
      const lease = JSON.parse(Buffer.from(existing).toString('utf8')) as DrillLease;
      const released: DrillLease = { ...lease, expiresAt: clock().toISOString() };
      await reports.put(drillLeaseKey(drill.drillId), JSON.stringify(released), 'application/json');
    }
    logger.info('sandbox deleted', { drillId: drill.drillId, sandboxId: ref.id });
    return { result: 'deleted' as const, at: clock().toISOString() };
  },
});
