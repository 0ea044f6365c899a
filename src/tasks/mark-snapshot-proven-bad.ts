import { z } from 'zod';
import { deploymentOf, ownsSnapshot } from '../domain/deployment.ts';
import { PROVEN_BAD_TAG } from '../domain/tags.ts';
import { defineTask } from '../runtime/task.ts';
import { drillSnapshot, drillSnapshotPort } from './drill-shapes.ts';

/**
 * Tags the snapshot a drill proved bad (`restorable:proven-bad=<drill id>`),
 * so that the prune never keeps it as a database's last good copy. Only the
 * deployment's own snapshots are tagged: the drill report records the
 * verdict whatever the snapshot is.
 */
export const markSnapshotProvenBadTask = defineTask({
  name: 'mark-snapshot-proven-bad',
  needs: ['rds', 'vault'],
  input: z.object({
    drillId: z.string().min(1),
    reason: z.string().min(1),
    snapshot: drillSnapshot,
  }),
  async run({ drillId, reason, snapshot }, { config, rds, vault, logger }) {
    // A vault copy is tagged in the vault account, through the role this account assumes there.
    const port = drillSnapshotPort(snapshot, { rds, vault });
    const current = await port.describeSnapshot({ kind: snapshot.kind, id: snapshot.id });
    if (current === undefined) return { tagged: false, why: 'the snapshot no longer exists' };
    const deployment = deploymentOf(config);
    if (!ownsSnapshot(deployment, current)) {
      return { tagged: false, why: `not a snapshot made by restorable deployment ${deployment.id}` };
    }
    await port.tagSnapshot(snapshot, { [PROVEN_BAD_TAG]: drillId });
    logger.warn('snapshot proven bad', { drillId, region: snapshot.region, snapshot: snapshot.id, reason });
    return { tagged: true };
  },
});
