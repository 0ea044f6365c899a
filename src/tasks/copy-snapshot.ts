import { z } from 'zod';
import {
  copySnapshotId,
  firstPoll,
  MAX_SNAPSHOT_ATTEMPTS_PER_DAY,
  snapshotTags,
  UNENCRYPTED_COPY_NOTE,
} from '../domain/backup.ts';
import { type Deployment, deploymentOf } from '../domain/deployment.ts';
import { SnapshotAlreadyExistsError, SnapshotFailedError } from '../domain/errors.ts';
import { SOURCE_REGION_TAG } from '../domain/tags.ts';
import type { CopySnapshotRequest, DatabaseRef, RdsPort, Snapshot } from '../ports/rds.ts';
import { defineTask } from '../runtime/task.ts';
import { assertReusable, summarizeSnapshot } from './create-snapshot.ts';
import { copyRegion, databaseRef, snapshotSummary } from './shapes.ts';

async function copyOrReuse(
  destination: RdsPort,
  database: DatabaseRef,
  request: CopySnapshotRequest,
  deployment: Deployment,
) {
  const ref = { kind: database.kind, id: request.targetSnapshotId };
  const existing = await destination.describeSnapshot(ref);
  if (existing !== undefined) {
    assertReusable(existing, database, deployment);
    return { snapshot: existing, reused: true };
  }
  try {
    return { snapshot: await destination.copySnapshot(request), reused: false };
  } catch (error) {
    if (!(error instanceof SnapshotAlreadyExistsError)) throw error;
    const raced: Snapshot | undefined = await destination.describeSnapshot(ref);
    if (raced === undefined) throw error;
    assertReusable(raced, database, deployment);
    return { snapshot: raced, reused: true };
  }
}

/** Starts the copy of an available snapshot into a copy region, or reuses the copy made earlier that day. */
export const copySnapshotTask = defineTask({
  name: 'copy-snapshot',
  input: z.object({
    runId: z.string().min(1),
    database: databaseRef,
    source: snapshotSummary,
    copyRegion,
    snapshotTimeoutMinutes: z.number().int().positive(),
  }),
  async run(input, { config, rds, clock, logger }) {
    const { database, source } = input;
    const destination = rds(input.copyRegion.region);
    const deployment = deploymentOf(config);
    for (let attempt = 1; attempt <= MAX_SNAPSHOT_ATTEMPTS_PER_DAY; attempt++) {
      const { snapshot, reused } = await copyOrReuse(
        destination,
        database,
        {
          kind: database.kind,
          sourceSnapshotArn: source.arn,
          sourceRegion: source.region,
          targetSnapshotId: copySnapshotId(source, attempt),
          // Unknown only for a summary made before the field existed: taken
          // as encrypted, as before, so that an unencrypted cluster snapshot
          // fails with InvalidRequestError rather than being guessed at.
          sourceEncrypted: source.encrypted ?? true,
          kmsKeyId: input.copyRegion.kmsKeyId,
          // Sent in full rather than left to CopyTags: whether RDS merges copied
          // and given tags is not something the ownership of a copy may depend on.
          tags: { ...snapshotTags(database, input.runId, deployment), [SOURCE_REGION_TAG]: source.region },
        },
        deployment,
      );
      if (snapshot.status === 'failed') continue;
      if (!snapshot.encrypted) {
        // Not a failure of the copy: the record reports the violation (see
        // record-backup), as the prune and the compliance report do.
        logger.warn(UNENCRYPTED_COPY_NOTE, { snapshotId: snapshot.id, region: snapshot.region });
      }
      logger.info(reused ? 'reusing copy' : 'copy started', {
        snapshotId: snapshot.id,
        region: snapshot.region,
      });
      return {
        snapshot: summarizeSnapshot(snapshot),
        reused,
        poll: firstPoll(clock(), input.snapshotTimeoutMinutes),
      };
    }
    throw new SnapshotFailedError(
      `${MAX_SNAPSHOT_ATTEMPTS_PER_DAY} copies of ${source.id} to ${input.copyRegion.region} failed`,
    );
  },
});
