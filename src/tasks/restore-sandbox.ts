import { firstPoll } from '../domain/backup.ts';
import { deploymentOf } from '../domain/deployment.ts';
import type { DrillLease } from '../domain/drill-leases.ts';
import { SnapshotNotFoundError } from '../domain/errors.ts';
import { takenAt } from '../domain/prune.ts';
import { sandboxTags } from '../domain/sandbox.ts';
import type { MultiAzClusterSettings } from '../ports/rds.ts';
import { writeLease } from '../reports/drill-leases.ts';
import { defineTask } from '../runtime/task.ts';
import { drillSnapshotPort, type PlannedDrill, plannedDrill, type RestoreOutcome } from './drill-shapes.ts';

/**
 * The sandbox of a Multi-AZ DB cluster keeps the source cluster's storage and,
 * unless the config names one, its instance class: a Multi-AZ DB cluster runs
 * on fewer classes than a DB instance, so the sandbox class of instances
 * would not do.
 */
function multiAzSandboxSettings(
  drill: PlannedDrill,
  configuredInstanceClass: string | undefined,
): MultiAzClusterSettings | undefined {
  const source = drill.database.multiAzCluster;
  if (source === undefined) return undefined;
  return {
    instanceClass: configuredInstanceClass ?? source.instanceClass,
    storageType: source.storageType,
    iops: source.iops,
  };
}

/**
 * Starts the restore of the drill's snapshot into its sandbox. First it takes
 * a lease on the snapshot, so the prune leaves it alone during the drill; the
 * lease and the sandbox both expire with the sandbox's time to live.
 */
export const restoreSandboxTask = defineTask({
  name: 'restore-sandbox',
  needs: ['rds', 'sandboxes', 'reports', 'vault'],
  input: plannedDrill,
  async run(drill, { config, rds, vault, sandboxes, reports, clock, logger }): Promise<RestoreOutcome> {
    const region = drill.snapshot.region;
    const snapshot = await drillSnapshotPort(drill.snapshot, { rds, vault }).describeSnapshot({
      kind: drill.snapshot.kind,
      id: drill.snapshot.id,
    });
    if (snapshot === undefined) throw new SnapshotNotFoundError(drill.snapshot.id);
    // A copy's data is as old as its original, which may be in another region.
    const originals =
      snapshot.sourceSnapshotArn === undefined
        ? []
        : await rds(config.sourceRegion).listSnapshots({ database: snapshot.database, type: 'manual' });
    const taken = takenAt(snapshot, new Map(originals.map((original) => [original.arn, original])));
    const expiresAt = new Date(clock().getTime() + config.sandbox.ttlMinutes * 60_000).toISOString();
    const deployment = deploymentOf(config);
    const lease: Required<DrillLease> = {
      snapshotArn: snapshot.arn,
      drillId: drill.drillId,
      expiresAt,
      deployment: deployment.id,
    };
    await writeLease(reports, lease);
    const multiAzCluster = multiAzSandboxSettings(drill, config.sandbox.multiAzClusterInstanceClass);
    const restoreRequestedAt = clock().toISOString();
    await sandboxes(region).restoreSandbox({
      region,
      sandboxId: drill.sandboxId,
      snapshot: { kind: drill.snapshot.kind, id: snapshot.id, arn: snapshot.arn },
      engine: drill.database.engine,
      engineVersion: snapshot.engineVersion,
      instanceClass: config.sandbox.instanceClass,
      multiAzCluster,
      tags: sandboxTags({
        drillId: drill.drillId,
        databaseId: drill.database.id,
        expiresAt: new Date(expiresAt),
        deployment,
      }),
    });
    logger.info('sandbox restore started', {
      drillId: drill.drillId,
      sandboxId: drill.sandboxId,
      snapshot: snapshot.id,
    });
    return {
      restoreRequestedAt,
      snapshotProvenance: {
        takenAt: taken?.toISOString() ?? null,
        encrypted: snapshot.encrypted,
        kmsKeyId: snapshot.kmsKeyId ?? null,
        sourceSnapshotArn: snapshot.sourceSnapshotArn ?? null,
        sha256: snapshot.sha256 ?? null,
      },
      instanceClass: multiAzCluster?.instanceClass ?? config.sandbox.instanceClass,
      expiresAt,
      poll: firstPoll(clock(), config.sandbox.ttlMinutes),
    };
  },
});
