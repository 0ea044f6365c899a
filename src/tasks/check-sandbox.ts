import { z } from 'zod';
import { nextPoll } from '../domain/backup.ts';
import { SandboxFailedError, SandboxTimeoutError } from '../domain/errors.ts';
import { defineTask } from '../runtime/task.ts';
import { plannedDrill, sandboxRefOf } from './drill-shapes.ts';
import { pollState } from './shapes.ts';

/** One status poll of a restoring sandbox; the workflow waits between polls. */
export const checkSandboxTask = defineTask({
  name: 'check-sandbox',
  needs: ['sandboxes'],
  input: z.object({ drill: plannedDrill, poll: pollState }),
  async run({ drill, poll }, { sandboxes, clock }) {
    const ref = sandboxRefOf(drill);
    const sandbox = await sandboxes(ref.region).describeSandbox(ref);
    if (sandbox === undefined) throw new SandboxFailedError(`sandbox ${ref.id} in ${ref.region} disappeared`);
    if (sandbox.status === 'failed') {
      throw new SandboxFailedError(
        `sandbox ${ref.id} in ${ref.region} failed${sandbox.statusReason === undefined ? '' : `: ${sandbox.statusReason}`}`,
      );
    }
    const now = clock();
    if (sandbox.status !== 'available' && now.getTime() > Date.parse(poll.deadline)) {
      throw new SandboxTimeoutError(
        `sandbox ${ref.id} is still ${sandbox.status} at the deadline ${poll.deadline}`,
      );
    }
    return {
      status: sandbox.status,
      ...(sandbox.status === 'available' ? { availableAt: now.toISOString() } : {}),
      poll: nextPoll(poll),
    };
  },
});
