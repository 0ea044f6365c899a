import { z } from 'zod';
import { type Deployment, deploymentOf, ownsSnapshot } from '../domain/deployment.ts';
import { activeLeaseArns } from '../domain/drill-leases.ts';
import { PruneRefusedError, SnapshotNotFoundError } from '../domain/errors.ts';
import { isGoodCopy, isStuckCopy, takenAt } from '../domain/prune.ts';
import { isProvenBad } from '../domain/tags.ts';
import type { RdsPortProvider, Snapshot } from '../ports/rds.ts';
import { deletionIntentKey, writeDeletionIntent, writeDeletionOutcome } from '../reports/deletion-log.ts';
import { defineTask } from '../runtime/task.ts';
import { readCurrentLeases } from './drill-leases.ts';
import { isoTime } from './shapes.ts';

const plannedDeletion = z.object({
  database: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  region: z.string().min(1),
  snapshot: z.string().min(1),
  arn: z.string().min(1),
  ageHours: z.number(),
  reason: z.enum(['expired', 'expired-failed', 'expired-proven-bad', 'expired-stuck-copy']),
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
 * Whether one of `goodCopies` holds data taken after `taken`, each copy's
 * time counted as the planner counts it (`takenAt`: a copy's data is as old
 * as its source's, and a cluster snapshot's own create time is that of the
 * copy). A copy's own time bounds its data's from above, so the copies are
 * tried newest first and only those that may be newer are looked into.
 */
async function hasNewerGoodCopy(
  goodCopies: readonly Snapshot[],
  taken: Date,
  takenAtOf: (other: Snapshot) => Promise<Date | undefined>,
): Promise<boolean> {
  const ownTime = (other: Snapshot) => (other.originalCreatedAt ?? other.createdAt ?? new Date(0)).getTime();
  for (const other of [...goodCopies].sort((a, b) => ownTime(b) - ownTime(a))) {
    if (ownTime(other) <= taken.getTime()) return false;
    if (((await takenAtOf(other)) ?? new Date(0)) > taken) return true;
  }
  return false;
}

/**
 * Why the policy forbids deleting the snapshot now, or undefined when it
 * allows it: the planner's rules, checked again against the live state.
 */
async function refusal(
  snapshot: Snapshot,
  siblings: readonly Snapshot[],
  taken: Date | undefined,
  now: Date,
  policy: { deployment: Deployment; retentionDays: number; snapshotTimeoutMinutes: number },
  takenAtOf: (other: Snapshot) => Promise<Date | undefined>,
): Promise<string | undefined> {
  if (snapshot.type !== 'manual' || !ownsSnapshot(policy.deployment, snapshot)) {
    return `not a snapshot made by restorable deployment ${policy.deployment.id}`;
  }
  const stuck = isStuckCopy(snapshot, taken, now, policy.snapshotTimeoutMinutes);
  if (snapshot.status !== 'available' && snapshot.status !== 'failed' && !stuck) {
    return `it is ${snapshot.status}`;
  }
  if (taken === undefined || now.getTime() - taken.getTime() <= policy.retentionDays * 86_400_000) {
    return `it is not older than the ${policy.retentionDays}-day retention`;
  }
  if (snapshot.status !== 'available') return undefined;
  const goodCopies = siblings.filter(
    (other) => other.arn !== snapshot.arn && ownsSnapshot(policy.deployment, other) && isGoodCopy(other),
  );
  // The last good copy is kept; until a good copy exists, every available snapshot is.
  if (isProvenBad(snapshot.tags)) {
    return goodCopies.length > 0
      ? undefined
      : `it is proven bad, but no good copy of ${snapshot.database.id} exists in ${snapshot.region} yet`;
  }
  return (await hasNewerGoodCopy(goodCopies, taken, takenAtOf))
    ? undefined
    : `it is the newest good snapshot of ${snapshot.database.id} in ${snapshot.region}`;
}

/**
 * Deletes one planned snapshot after checking the policy again against the
 * live state: the plan may be stale, and deleting is the one thing that
 * cannot be undone. Write-ahead: the intent goes to the evidence store before
 * the delete call and the outcome after it; when the intent cannot be
 * written, nothing is deleted and the task fails with EvidenceWriteError,
 * which stops the run. A snapshot already gone counts as deleted by this run
 * when its intent is already logged (a retry after the delete), so a re-run
 * after a crash completes the work.
 */
export const deleteSnapshotTask = defineTask({
  name: 'delete-snapshot',
  input: z.object({
    runId: z.string().min(1),
    runStartedAt: isoTime,
    deletion: plannedDeletion,
  }),
  async run(input, { config, rds, reports, clock, logger }) {
    const { deletion, runId, runStartedAt } = input;
    const entry = { runId, runStartedAt, region: deletion.region, snapshot: deletion.snapshot };
    // The policy comes from the deployed configuration, never from the request.
    const regions = [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)];
    if (!regions.includes(deletion.region)) {
      throw new PruneRefusedError(`${deletion.region}/${deletion.snapshot}: not a region the tool writes to`);
    }
    const port = rds(deletion.region);
    const ref = { kind: deletion.kind, id: deletion.snapshot };
    const recordDeleted = async (detail: string | null) => {
      const at = clock().toISOString();
      await writeDeletionOutcome(reports, entry, {
        schemaVersion: 1,
        runId,
        region: deletion.region,
        snapshot: deletion.snapshot,
        status: 'deleted',
        at,
        completedBy: null,
        detail,
      });
      return { ...deletion, status: 'deleted' as const, deletedAt: at };
    };

    /**
     * The delete call failed: the intent is closed at once, so that it never
     * stands for a deletion that did not happen. A retry that succeeds
     * records `deleted` over it. The delete's own error is what the run
     * reports; if this write fails too, the next run completes the intent.
     */
    const recordNotDeleted = async (error: unknown) => {
      await writeDeletionOutcome(reports, entry, {
        schemaVersion: 1,
        runId,
        region: deletion.region,
        snapshot: deletion.snapshot,
        status: 'not-deleted',
        at: clock().toISOString(),
        completedBy: null,
        detail: `the delete call failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      }).catch(() => undefined);
    };

    const snapshot = await port.describeSnapshot(ref);
    if (snapshot === undefined) {
      if ((await reports.get(deletionIntentKey(entry))) !== undefined) {
        return recordDeleted('already gone when the deletion was retried');
      }
      return { ...deletion, status: 'already-gone' as const, deletedAt: clock().toISOString() };
    }
    const now = clock();
    const siblings = await port.listSnapshots({ database: snapshot.database, type: 'manual' });
    const takenAtOf = async (other: Snapshot) =>
      takenAt(other, new Map((await sourceOf(other, rds)).map((source) => [source.arn, source])));
    const taken = await takenAtOf(snapshot);
    const why =
      (await refusal(
        snapshot,
        siblings,
        taken,
        now,
        {
          deployment: deploymentOf(config),
          retentionDays: config.retention.days,
          snapshotTimeoutMinutes: config.backup.snapshotTimeoutMinutes,
        },
        takenAtOf,
      )) ??
      (activeLeaseArns(await readCurrentLeases(reports, now), now).has(snapshot.arn)
        ? 'a restore drill is using it'
        : undefined);
    if (why !== undefined) throw new PruneRefusedError(`${deletion.region}/${deletion.snapshot}: ${why}`);

    await writeDeletionIntent(reports, {
      schemaVersion: 1,
      ...entry,
      intendedAt: now.toISOString(),
      database: deletion.database,
      kind: deletion.kind,
      arn: deletion.arn,
      ageHours: deletion.ageHours,
      reason: deletion.reason,
    });
    try {
      await port.deleteSnapshot(ref);
    } catch (error) {
      // Gone between the check and the call: this run's intent accounts for it.
      if (!(error instanceof SnapshotNotFoundError)) {
        await recordNotDeleted(error);
        throw error;
      }
    }
    logger.info('snapshot deleted', { region: deletion.region, snapshot: deletion.snapshot, runId });
    return recordDeleted(null);
  },
});
