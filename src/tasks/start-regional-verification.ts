import { z } from 'zod';
import { firstPoll } from '../domain/backup.ts';
import { defineTask } from '../runtime/task.ts';
import { plannedDrill } from './drill-shapes.ts';
import { verificationRequestFor } from './verification-request.ts';

/**
 * How long the regional verification may run: the verifier's own Task
 * allows 15 minutes per attempt, and its retries add a few more.
 */
const REGIONAL_VERIFICATION_TIMEOUT_MINUTES = 60;

/**
 * Starts the verification of a sandbox restored outside the stack region by
 * the regional verifier of that region, whose network reaches it; the
 * workflow then polls check-regional-verification. The request carries the
 * drill's verification settings from this stack's configuration, and no
 * credentials: the regional verifier reads them from its own region.
 */
export const startRegionalVerificationTask = defineTask({
  name: 'start-regional-verification',
  needs: ['regionalVerifiers'],
  input: z.object({ drill: plannedDrill }),
  async run({ drill }, { config, regionalVerifiers, clock, logger }) {
    const region = drill.snapshot.region;
    await regionalVerifiers(region).startVerification(drill.sandboxId, verificationRequestFor(drill, config));
    logger.info('regional verification started', {
      drillId: drill.drillId,
      sandboxId: drill.sandboxId,
      region,
    });
    return {
      status: 'running' as const,
      poll: firstPoll(clock(), REGIONAL_VERIFICATION_TIMEOUT_MINUTES),
    };
  },
});
