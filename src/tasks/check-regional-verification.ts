import { z } from 'zod';
import { nextPoll } from '../domain/backup.ts';
import { RegionalVerificationError, SandboxTimeoutError } from '../domain/errors.ts';
import { writeVerification } from '../reports/evidence.ts';
import { defineTask } from '../runtime/task.ts';
import { plannedDrill } from './drill-shapes.ts';
import { pollState } from './shapes.ts';

/**
 * One poll of a regional verification. Once it succeeded, its result goes to
 * the report store, as verify-sandbox's does, and the workflow carries only
 * where it is; a failed one fails the step with the regional error's name and
 * message, which the drill report shows.
 */
export const checkRegionalVerificationTask = defineTask({
  name: 'check-regional-verification',
  needs: ['regionalVerifiers', 'reports'],
  input: z.object({ drill: plannedDrill, poll: pollState }),
  async run({ drill, poll }, { regionalVerifiers, reports, clock }) {
    const region = drill.snapshot.region;
    const outcome = await regionalVerifiers(region).describeVerification(drill.sandboxId);
    if (outcome.status === 'failed') {
      throw new RegionalVerificationError(region, outcome.error, outcome.cause);
    }
    if (outcome.status === 'running') {
      if (clock().getTime() > Date.parse(poll.deadline)) {
        throw new SandboxTimeoutError(
          `the verification of sandbox ${drill.sandboxId} in ${region} is still running at the deadline ${poll.deadline}`,
        );
      }
      return { status: 'running' as const, poll: nextPoll(poll) };
    }
    const stored = await writeVerification(reports, drill.drillId, outcome.verification);
    return {
      status: 'verified' as const,
      verification: { verifiedAt: outcome.verification.verifiedAt, key: stored.key },
    };
  },
});
