import { z } from 'zod';
import { dailySnapshotId, firstPoll, MAX_SNAPSHOT_ATTEMPTS_PER_DAY, snapshotTags } from '../domain/backup.ts';
import { type Deployment, deploymentOf, ownsSnapshot } from '../domain/deployment.ts';
import { SnapshotAlreadyExistsError, SnapshotFailedError } from '../domain/errors.ts';
import { DATABASE_TAG } from '../domain/tags.ts';
import type { DatabaseRef, RdsPort, Snapshot } from '../ports/rds.ts';
import { defineTask } from '../runtime/task.ts';
import { databaseRef, isoTime, type SnapshotSummary } from './shapes.ts';

export function summarizeSnapshot(snapshot: Snapshot): SnapshotSummary {
  return {
    id: snapshot.id,
    arn: snapshot.arn,
    region: snapshot.region,
    kind: snapshot.database.kind,
    status: snapshot.status,
    encrypted: snapshot.encrypted,
  };
}

/**
 * A snapshot with the day's id may be reused only when this deployment made
 * it for this database: anything else under that name is someone else's (or
 * another deployment's), and adopting it would put it under this
 * deployment's retention.
 */
export function assertReusable(snapshot: Snapshot, database: DatabaseRef, deployment: Deployment): void {
  if (!ownsSnapshot(deployment, snapshot) || snapshot.tags[DATABASE_TAG] !== database.id) {
    throw new SnapshotAlreadyExistsError(snapshot.id, {
      cause: new Error(
        `${snapshot.id} exists in ${snapshot.region} but was not made by restorable deployment ${deployment.id} for ${database.id}`,
      ),
    });
  }
}

async function takeOrReuse(
  rds: RdsPort,
  database: DatabaseRef,
  snapshotId: string,
  runId: string,
  deployment: Deployment,
) {
  const existing = await rds.describeSnapshot({ kind: database.kind, id: snapshotId });
  if (existing !== undefined) {
    assertReusable(existing, database, deployment);
    return { snapshot: existing, reused: true };
  }
  try {
    return {
      snapshot: await rds.createSnapshot({
        database,
        snapshotId,
        tags: snapshotTags(database, runId, deployment),
      }),
      reused: false,
    };
  } catch (error) {
    // Another execution created it between the describe and the create.
    if (!(error instanceof SnapshotAlreadyExistsError)) throw error;
    const raced = await rds.describeSnapshot({ kind: database.kind, id: snapshotId });
    if (raced === undefined) throw error;
    assertReusable(raced, database, deployment);
    return { snapshot: raced, reused: true };
  }
}

export const createSnapshotTask = defineTask({
  name: 'create-snapshot',
  input: z.object({
    runId: z.string().min(1),
    startedAt: isoTime,
    sourceRegion: z.string().min(1),
    database: databaseRef,
    snapshotTimeoutMinutes: z.number().int().positive(),
  }),
  async run(input, { config, rds, clock, logger }) {
    const port = rds(input.sourceRegion);
    const startedAt = new Date(input.startedAt);
    const deployment = deploymentOf(config);
    for (let attempt = 1; attempt <= MAX_SNAPSHOT_ATTEMPTS_PER_DAY; attempt++) {
      const snapshotId = dailySnapshotId(input.database, startedAt, deployment, attempt);
      const { snapshot, reused } = await takeOrReuse(
        port,
        input.database,
        snapshotId,
        input.runId,
        deployment,
      );
      if (snapshot.status === 'failed') {
        logger.warn('snapshot of the day failed earlier; taking another', { snapshotId });
        continue;
      }
      logger.info(reused ? 'reusing snapshot of the day' : 'snapshot started', {
        snapshotId,
        database: input.database,
      });
      return {
        snapshot: summarizeSnapshot(snapshot),
        reused,
        poll: firstPoll(clock(), input.snapshotTimeoutMinutes),
      };
    }
    throw new SnapshotFailedError(
      `${MAX_SNAPSHOT_ATTEMPTS_PER_DAY} snapshots of ${input.database.id} failed on ${input.startedAt.slice(0, 10)}`,
    );
  },
});
