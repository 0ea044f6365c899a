import { z } from 'zod';
import { deploymentOf, ownsSnapshot } from '../domain/deployment.ts';
import { activeLeaseArns } from '../domain/drill-leases.ts';
import { PruneRefusedError } from '../domain/errors.ts';
import { takenAt } from '../domain/prune.ts';
import type { RdsPortProvider, Snapshot } from '../ports/rds.ts';
import { defineTask } from '../runtime/task.ts';
import { readCurrentLeases } from './drill-leases.ts';

const plannedDeletion = z.object({
  database: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  region: z.string().min(1),
  snapshot: z.string().min(1),
  arn: z.string().min(1),
  ageHours: z.number(),
  reason: z.enum(['expired', 'expired-failed']),
});

export type PlannedDeletionInput = z.infer<typeof plannedDeletion>;

const regionOfArn = (arn: string) => arn.split(':')[3] ?? '';

/** The source of a copy, looked up so the copy's age is its original's, as the planner counted it. */
async function sourceOf(snapshot: Snapshot, rds: RdsPortProvider): Promise<Snapshot[]> {
  if (snapshot.sourceSnapshotArn === undefined) return [];
  const region = regionOfArn(snapshot.sourceSnapshotArn);
  const id = snapshot.sourceSnapshotArn.split(':').at(-1) ?? '';
  if (region === '' || id === '') return [];
  const source = await rds(region).describeSnapshot({ kind: snapshot.database.kind, id });
  return source === undefined ? [] : [source];
}

/**
 * Deletes one planned snapshot after checking the policy again against the
 * live state: the plan may be stale, and deleting is the one thing that
 * cannot be undone. A snapshot already gone counts as deleted, so a re-run
 * after a crash completes the work.
 */
export const deleteSnapshotTask = defineTask({
  name: 'delete-snapshot',
  input: z.object({
    runId: z.string().min(1),
    deletion: plannedDeletion,
  }),
  async run(input, { config, rds, reports, clock, logger }) {
    const { deletion } = input;
    // The policy comes from the deployed configuration, never from the request.
    const retentionDays = config.retention.days;
    const deployment = deploymentOf(config);
    const regions = [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)];
    if (!regions.includes(deletion.region)) {
      throw new PruneRefusedError(`${deletion.region}/${deletion.snapshot}: not a region the tool writes to`);
    }
    const port = rds(deletion.region);
    const ref = { kind: deletion.kind, id: deletion.snapshot };
    const snapshot = await port.describeSnapshot(ref);
    if (snapshot === undefined)
      return { ...deletion, status: 'already-gone', deletedAt: clock().toISOString() };
    const refuse = (why: string) => {
      throw new PruneRefusedError(`${deletion.region}/${deletion.snapshot}: ${why}`);
    };
    if (snapshot.type !== 'manual' || !ownsSnapshot(deployment, snapshot)) {
      refuse(`not a snapshot made by restorable deployment ${deployment.id}`);
    }
    if (snapshot.status !== 'available' && snapshot.status !== 'failed') refuse(`it is ${snapshot.status}`);
    const now = clock();
    const sources = await sourceOf(snapshot, rds);
    const taken = takenAt(snapshot, new Map(sources.map((source) => [source.arn, source])));
    const retentionMs = retentionDays * 86_400_000;
    if (taken === undefined || now.getTime() - taken.getTime() <= retentionMs) {
      refuse(`it is not older than the ${retentionDays}-day retention`);
    }
    if (activeLeaseArns(await readCurrentLeases(reports, now), now).has(snapshot.arn))
      refuse('a restore drill is using it');
    const siblings = await port.listSnapshots({ database: snapshot.database, type: 'manual' });
    const newerAvailable = siblings.some(
      (other) =>
        other.arn !== snapshot.arn &&
        other.status === 'available' &&
        ownsSnapshot(deployment, other) &&
        (other.originalCreatedAt ?? other.createdAt ?? new Date(0)) > (taken ?? now),
    );
    // The last good copy is kept; a failed snapshot is never anyone's last good copy.
    if (snapshot.status === 'available' && !newerAvailable) {
      refuse(`it is the newest available snapshot of ${snapshot.database.id} in ${deletion.region}`);
    }
    await port.deleteSnapshot(ref);
    logger.info('snapshot deleted', {
      region: deletion.region,
      snapshot: deletion.snapshot,
      runId: input.runId,
    });
    return { ...deletion, status: 'deleted', deletedAt: clock().toISOString() };
  },
});
