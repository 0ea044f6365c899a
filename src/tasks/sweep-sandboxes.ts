import { z } from 'zod';
import { deploymentOf } from '../domain/deployment.ts';
import { InvalidStateError } from '../domain/errors.ts';
import { isSandboxExpired, ownsSandbox } from '../domain/sandbox.ts';
import { sandboxRegionsOf } from '../domain/vault.ts';
import { writeSweepRecord } from '../reports/evidence.ts';
import { defineTask } from '../runtime/task.ts';

/**
 * Deletes every sandbox of the deployment past its time to live, and every
 * failed one, in every region the tool writes to: the guarantee that no
 * sandbox (a full copy of a customer database) outlives its time to live,
 * even when a drill crashed. Other deployments' sandboxes are theirs to
 * sweep. Records what it removed as evidence.
 */
export const sweepSandboxesTask = defineTask({
  name: 'sweep-sandboxes',
  needs: ['sandboxes', 'reports'],
  input: z.object({ executionName: z.string().min(1) }).loose(),
  async run(input, { config, sandboxes, reports, clock, logger }) {
    const now = clock();
    const regions = sandboxRegionsOf(config);
    const deleted: { region: string; id: string; reason: string; createdAt: string | null }[] = [];
    const notYet: { region: string; id: string; error: string }[] = [];
    let remaining = 0;
    const fallbackTtlMs = config.sandbox.ttlMinutes * 60_000;
    const deployment = deploymentOf(config);
    for (const region of regions) {
      for (const sandbox of await sandboxes(region).listSandboxes()) {
        if (!ownsSandbox(deployment, sandbox.tags)) continue;
        const expired = isSandboxExpired(sandbox, now, { fallbackTtlMs });
        if (!expired && sandbox.status !== 'failed') {
          remaining += 1;
          continue;
        }
        try {
          await sandboxes(region).deleteSandbox(sandbox);
        } catch (error) {
          // One sandbox RDS cannot delete yet (still being created) must not
          // keep the others alive; the next sweep tries it again.
          if (!(error instanceof InvalidStateError)) throw error;
          notYet.push({ region, id: sandbox.id, error: error.message });
          continue;
        }
        const reason = expired ? 'time to live ended' : `failed: ${sandbox.statusReason ?? 'unknown reason'}`;
        deleted.push({ region, id: sandbox.id, reason, createdAt: sandbox.createdAt?.toISOString() ?? null });
        logger.warn('sandbox swept', { region, sandboxId: sandbox.id, reason });
      }
    }
    const result = { runId: input.executionName, sweptAt: now.toISOString(), deleted, notYet, remaining };
    if (deleted.length > 0) {
      await writeSweepRecord(reports, { schemaVersion: 1, ...result });
    }
    return result;
  },
});
