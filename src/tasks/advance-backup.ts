import { z } from 'zod';
import { parseArn } from '../domain/aws-partition.ts';
import {
  copySnapshotId,
  dailySnapshotId,
  MAX_SNAPSHOT_ATTEMPTS_PER_DAY,
  snapshotTags,
  UNENCRYPTED_COPY_NOTE,
  UNENCRYPTED_SOURCE_NOTE,
  vaultStagingSnapshotId,
} from '../domain/backup.ts';
import {
  type ActionOutcome,
  actionsPerStep,
  applyBackupOutcome,
  type BackupAction,
  type BackupQueueLimits,
  databaseOutcome,
  lostPage,
  nextStep,
  type ObservedSnapshot,
  pagesToRead,
  planBackupActions,
  type QueueDatabase,
  stepTime,
  summarizePage,
} from '../domain/backup-queue.ts';
import { type Deployment, deploymentOf, ownsSnapshot } from '../domain/deployment.ts';
import {
  InvalidInputError,
  PruneRefusedError,
  SnapshotAlreadyExistsError,
  SnapshotFailedError,
  SnapshotNotFoundError,
} from '../domain/errors.ts';
import {
  DATABASE_TAG,
  SOURCE_ACCOUNT_TAG,
  SOURCE_REGION_TAG,
  VAULT_RETENTION_TAG,
  VAULT_STAGING_TAG,
} from '../domain/tags.ts';
import type { DatabaseRef, RdsPort, Snapshot } from '../ports/rds.ts';
import { type BackupQueue, readBackupQueue, writeBackupQueue } from '../reports/backup-queue.ts';
import { writeBackupRecord } from '../reports/evidence.ts';
import { mapWithConcurrency } from '../reports/store-reads.ts';
import { type DependenciesOf, defineTask } from '../runtime/task.ts';
import { readPagesOrLost, writePages } from './backup-queue-store.ts';

/**
 * A step stops starting new passes after this long, well inside the
 * function's 240 s timeout: what it has not reached stays due for the next
 * step, while a step cut short by the timeout saves nothing.
 */
const STEP_WALL_SECONDS = 90;
/** New snapshots of one step: the rest of its calls go to checks and copies. */
const MAX_SNAPSHOT_STARTS_PER_STEP = 200;
/** Pages of the queue one step reads at most (with those holding the next copies to start). */
const MAX_PAGES_PER_STEP = 6;

function queueLimits(queue: BackupQueue, concurrency: number): BackupQueueLimits {
  return {
    snapshotTimeoutMinutes: queue.snapshotTimeoutMinutes,
    concurrentCopiesPerRegion: queue.concurrentCopiesPerRegion,
    maxActionsPerStep: actionsPerStep(concurrency),
    maxSnapshotStartsPerStep: MAX_SNAPSHOT_STARTS_PER_STEP,
  };
}

/**
 * A snapshot with the day's id may be reused only when this deployment made
 * it for this database: anything else under that name is someone else's (or
 * another deployment's), and adopting it would put it under this
 * deployment's retention.
 */
function assertReusable(snapshot: Snapshot, database: DatabaseRef, deployment: Deployment): void {
  if (!ownsSnapshot(deployment, snapshot) || snapshot.tags[DATABASE_TAG] !== database.id) {
    throw new SnapshotAlreadyExistsError(snapshot.id, {
      cause: new Error(
        `${snapshot.id} exists in ${snapshot.region} but was not made by restorable deployment ${deployment.id} for ${database.id}`,
      ),
    });
  }
}

const observed = (snapshot: Snapshot): ObservedSnapshot => ({
  id: snapshot.id,
  arn: snapshot.arn,
  status: snapshot.status,
  encrypted: snapshot.encrypted,
});

/**
 * Starts a snapshot (or a copy) under the day's id of each attempt in turn:
 * the call first, and only when the id is taken a describe, which adopts the
 * snapshot when it is this deployment's (an earlier run of the day, or a step
 * that died before saving the queue) and moves to the next attempt's id when
 * that one failed.
 */
async function startOrAdopt(
  port: RdsPort,
  database: DatabaseRef,
  deployment: Deployment,
  idOf: (attempt: number) => string,
  start: (id: string) => Promise<Snapshot>,
  what: string,
): Promise<ActionOutcome> {
  for (let attempt = 1; attempt <= MAX_SNAPSHOT_ATTEMPTS_PER_DAY; attempt++) {
    const id = idOf(attempt);
    try {
      return { type: 'started', snapshot: observed(await start(id)), reused: false };
    } catch (error) {
      if (!(error instanceof SnapshotAlreadyExistsError)) throw error;
      const existing = await port.describeSnapshot({ kind: database.kind, id });
      if (existing === undefined) throw error;
      assertReusable(existing, database, deployment);
      if (existing.status === 'failed') continue;
      return { type: 'started', snapshot: observed(existing), reused: true };
    }
  }
  throw new SnapshotFailedError(`${MAX_SNAPSHOT_ATTEMPTS_PER_DAY} ${what} failed`);
}

interface StepContext {
  readonly queue: BackupQueue;
  readonly dependencies: DependenciesOf<'rds' | 'reports' | 'vault'>;
  readonly deployment: Deployment;
  readonly now: Date;
}

async function act(
  action: BackupAction,
  database: QueueDatabase,
  context: StepContext,
): Promise<ActionOutcome> {
  const { queue, dependencies, deployment } = context;
  const { rds, reports, logger, clock } = dependencies;
  const ref = { kind: database.kind, id: database.id };
  const startedAt = new Date(queue.startedAt);
  switch (action.type) {
    case 'create': {
      const port = rds(queue.sourceRegion);
      const outcome = await startOrAdopt(
        port,
        ref,
        deployment,
        (attempt) => dailySnapshotId(ref, startedAt, deployment, attempt),
        (snapshotId) =>
          port.createSnapshot({
            database: ref,
            snapshotId,
            tags: snapshotTags(ref, queue.runId, deployment),
          }),
        `snapshots of ${database.id} on ${queue.startedAt.slice(0, 10)}`,
      );
      if (outcome.type === 'started' && outcome.snapshot.encrypted === false) {
        logger.warn(UNENCRYPTED_SOURCE_NOTE, { snapshotId: outcome.snapshot.id });
      }
      return outcome;
    }
    case 'copy': {
      const { snapshot } = database;
      const copyRegion = queue.copyRegions.find((candidate) => candidate.region === action.region);
      if (snapshot.snapshotId === undefined || snapshot.arn === undefined || copyRegion === undefined) {
        throw new Error(`${database.id}: no available snapshot to copy to ${action.region}`);
      }
      const source = { kind: database.kind, id: snapshot.snapshotId };
      const port = rds(action.region);
      const outcome = await startOrAdopt(
        port,
        ref,
        deployment,
        (attempt) => copySnapshotId(source, attempt),
        (targetSnapshotId) =>
          port.copySnapshot({
            kind: database.kind,
            sourceSnapshotArn: snapshot.arn ?? '',
            sourceRegion: queue.sourceRegion,
            targetSnapshotId,
            sourceEncrypted: snapshot.encrypted ?? true,
            kmsKeyId: copyRegion.kmsKeyId,
            // Sent in full rather than left to CopyTags: whether RDS merges copied
            // and given tags is not something the ownership of a copy may depend on.
            tags: { ...snapshotTags(ref, queue.runId, deployment), [SOURCE_REGION_TAG]: queue.sourceRegion },
          }),
        `copies of ${snapshot.snapshotId} to ${action.region}`,
      );
      if (outcome.type === 'started' && !outcome.snapshot.encrypted) {
        // Not a failure of the copy: the record reports the violation.
        logger.warn(UNENCRYPTED_COPY_NOTE, { snapshotId: outcome.snapshot.id, region: action.region });
      }
      return outcome;
    }
    case 'check-snapshot':
    case 'check-copy': {
      const region = action.type === 'check-copy' ? action.region : queue.sourceRegion;
      const work = action.type === 'check-copy' ? database.copies[action.region] : database.snapshot;
      const id = work?.snapshotId;
      if (id === undefined) throw new SnapshotNotFoundError(`${database.id} in ${region}`);
      const current = await rds(region).describeSnapshot({ kind: database.kind, id });
      return { type: 'checked', snapshot: current === undefined ? undefined : observed(current) };
    }
    case 'vault-stage':
    case 'check-vault-stage':
    case 'vault-share':
    case 'vault-copy':
    case 'check-vault-copy':
    case 'vault-unshare':
    case 'vault-remove-stage':
      return actInVault(action, database, context);
    case 'record': {
      const copyRegions = queue.copyRegions.map((copy) => copy.region);
      const vaultRegions = queue.vault?.regions.map((vault) => vault.region) ?? [];
      const outcome = databaseOutcome(
        database,
        queue.sourceRegion,
        copyRegions,
        { unencryptedSource: UNENCRYPTED_SOURCE_NOTE, unencryptedCopy: UNENCRYPTED_COPY_NOTE },
        vaultRegions,
      );
      const copySeconds = Object.fromEntries(
        copyRegions.flatMap((region) => {
          const seconds = database.copies[region]?.seconds;
          return seconds === undefined ? [] : [[region, seconds]];
        }),
      );
      await writeBackupRecord(reports, {
        schemaVersion: 1,
        runId: queue.runId,
        startedAt: queue.startedAt,
        recordedAt: clock().toISOString(),
        ...outcome,
        durations: {
          ...(database.snapshot.seconds === undefined ? {} : { snapshotSeconds: database.snapshot.seconds }),
          copySeconds,
        },
      });
      return { type: 'recorded' };
    }
  }
}

/**
 * The calls of a vault transfer (domain/backup-queue.ts `VaultTransfer`):
 * the staging copy, its share and its removal in the source account, the
 * vault copies through the vault account's assumed role. Each is safe to
 * make again: a copy already made is adopted, sharing or taking back a share
 * twice changes nothing, and a staging copy already gone is removed.
 */
async function actInVault(
  action: BackupAction,
  database: QueueDatabase,
  context: StepContext,
): Promise<ActionOutcome> {
  const { queue, dependencies, deployment } = context;
  const { rds, vault: access } = dependencies;
  const vault = queue.vault;
  const transfer = database.vault;
  if (vault === undefined || transfer === undefined) {
    throw new InvalidInputError(`${database.id}: the run ${queue.runId} has no vault account`);
  }
  if (access === undefined || access.accountId !== vault.accountId) {
    throw new InvalidInputError(
      `${database.id}: the run copies into vault account ${vault.accountId}, and this function has no access to it (is vault.accountId the one the run started with?)`,
    );
  }
  const ref = { kind: database.kind, id: database.id };
  const source = rds(queue.sourceRegion);
  const { snapshot } = database;
  const staging = transfer.staging;
  const stagingRef = () => {
    if (staging.snapshotId === undefined)
      throw new SnapshotNotFoundError(`vault staging copy of ${database.id}`);
    return { kind: database.kind, id: staging.snapshotId };
  };
  switch (action.type) {
    case 'vault-stage': {
      if (snapshot.snapshotId === undefined || snapshot.arn === undefined) {
        throw new Error(`${database.id}: no available snapshot to stage for the vault`);
      }
      const daily = { kind: database.kind, id: snapshot.snapshotId };
      return startOrAdopt(
        source,
        ref,
        deployment,
        (attempt) => vaultStagingSnapshotId(daily, attempt),
        (targetSnapshotId) =>
          source.copySnapshot({
            kind: database.kind,
            sourceSnapshotArn: snapshot.arn ?? '',
            sourceRegion: queue.sourceRegion,
            targetSnapshotId,
            sourceEncrypted: snapshot.encrypted ?? true,
            // An unencrypted instance snapshot's staging copy is encrypted
            // by it: the vault never gets an unencrypted copy of one.
            kmsKeyId: vault.shareKeyId,
            tags: { ...snapshotTags(ref, queue.runId, deployment), [VAULT_STAGING_TAG]: queue.runId },
          }),
        `vault staging copies of ${snapshot.snapshotId}`,
      );
    }
    case 'check-vault-stage': {
      const current = await source.describeSnapshot(stagingRef());
      return { type: 'checked', snapshot: current === undefined ? undefined : observed(current) };
    }
    case 'vault-share':
      await source.shareSnapshot(stagingRef(), vault.accountId);
      return { type: 'done' };
    case 'vault-copy': {
      const target = vault.regions.find((candidate) => candidate.region === action.region);
      if (staging.arn === undefined || snapshot.snapshotId === undefined || target === undefined) {
        throw new Error(`${database.id}: nothing shared to copy into the vault in ${action.region}`);
      }
      const daily = { kind: database.kind, id: snapshot.snapshotId };
      const port = access.rds(action.region);
      return startOrAdopt(
        port,
        ref,
        deployment,
        (attempt) => copySnapshotId(daily, attempt),
        (targetSnapshotId) =>
          port.copySnapshot({
            kind: database.kind,
            sourceSnapshotArn: staging.arn ?? '',
            sourceRegion: queue.sourceRegion,
            targetSnapshotId,
            sourceEncrypted: staging.encrypted ?? true,
            kmsKeyId: target.kmsKeyArn,
            tags: {
              ...snapshotTags(ref, queue.runId, deployment),
              [SOURCE_REGION_TAG]: queue.sourceRegion,
              [VAULT_RETENTION_TAG]: String(vault.retentionDays),
              ...sourceAccountTag(snapshot.arn),
            },
          }),
        `vault copies of ${snapshot.snapshotId} to ${action.region}`,
      );
    }
    case 'check-vault-copy': {
      const id = transfer.copies[action.region]?.snapshotId;
      if (id === undefined)
        throw new SnapshotNotFoundError(`vault copy of ${database.id} in ${action.region}`);
      const current = await access.rds(action.region).describeSnapshot({ kind: database.kind, id });
      return { type: 'checked', snapshot: current === undefined ? undefined : observed(current) };
    }
    case 'vault-unshare':
      await source.unshareSnapshot(stagingRef(), vault.accountId);
      return { type: 'done' };
    case 'vault-remove-stage': {
      const current = await source.describeSnapshot(stagingRef());
      if (current === undefined) return { type: 'done' };
      // Only ever the staging copy this deployment made for the vault: never
      // the day's snapshot or anything else under that name.
      if (current.tags[VAULT_STAGING_TAG] === undefined || !ownsSnapshot(deployment, current)) {
        throw new PruneRefusedError(
          `${current.id} in ${queue.sourceRegion} is not a vault staging copy of deployment ${deployment.id}: it is left alone`,
        );
      }
      try {
        await source.deleteSnapshot(stagingRef());
      } catch (error) {
        if (!(error instanceof SnapshotNotFoundError)) throw error;
      }
      return { type: 'done' };
    }
    default:
      throw new Error(`${action.type} is no vault action`);
  }
}

/** The source account named in a snapshot's ARN, as the vault copy's tag; nothing when the ARN does not say. */
function sourceAccountTag(arn: string | undefined): Record<string, string> {
  const account = arn === undefined ? undefined : parseArn(arn)?.account;
  return account === undefined || account === '' ? {} : { [SOURCE_ACCOUNT_TAG]: account };
}

/** An error of the database's own call is its outcome; the task fails only on what is not (see `act`). */
async function outcomeOf(
  action: BackupAction,
  database: QueueDatabase,
  context: StepContext,
): Promise<ActionOutcome> {
  try {
    return await act(action, database, context);
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    return { type: 'error', name: failure.name, message: failure.message };
  }
}

/**
 * One step of a backup run: reads the run's queue, takes the actions that are
 * due (domain/backup-queue.ts), a bounded number of them with bounded
 * concurrency, writes the queue back and says when to look again. A
 * database's failed call is recorded in the queue; a page that does not read
 * (corrupt) fails its own databases, marked lost in the index; a queue that
 * cannot be read or written fails the task, for the workflow to retry.
 */
export const advanceBackupTask = defineTask({
  name: 'advance-backup',
  needs: ['rds', 'reports', 'vault'],
  input: z.object({
    runId: z.string().min(1),
    /** The step's number in its child execution: returned, for the workflow to count. */
    round: z.number().int().min(0),
    /**
     * The last round of this child execution, returned with the round for
     * its Choice to compare. Absent from a definition from before rounds were
     * numbered across children.
     */
    lastRound: z.number().int().min(0).optional(),
  }),
  async run(input, dependencies) {
    const { config, reports, clock, logger } = dependencies;
    const queue = await readBackupQueue(reports, input.runId);
    const now = stepTime(clock(), queue.lastStep);
    const limits = queueLimits(queue, config.backup.maxConcurrency);
    const stepStarted = performance.now();
    const copyRegions = queue.copyRegions.map((copy) => copy.region);
    const chosen = pagesToRead(queue.pages, copyRegions, now, limits, MAX_PAGES_PER_STEP);
    const reads = await readPagesOrLost(reports, input.runId, chosen);
    const lost = reads.flatMap((read) => ('lost' in read ? [read] : []));
    for (const page of lost) {
      logger.error('backup queue page does not read: its databases fail', {
        runId: input.runId,
        ...page.lost,
      });
    }
    const pages = reads.flatMap((read) => ('lost' in read ? [] : [read]));
    const databases = pages.flatMap((page) => page.databases);
    const runningElsewhere: Record<string, number> = {};
    queue.pages.forEach((page, index) => {
      if (chosen.includes(index)) return;
      for (const [region, running] of Object.entries(page.runningCopies)) {
        runningElsewhere[region] = (runningElsewhere[region] ?? 0) + running;
      }
    });
    const context: StepContext = { queue, dependencies, deployment: deploymentOf(config), now };
    let budget = limits.maxActionsPerStep;
    // Each pass sees what the previous one did: a copy found available frees
    // its slot for the next queued copy within the same step.
    for (;;) {
      const planned = planBackupActions(databases, copyRegions, now, limits, budget, runningElsewhere);
      if (planned.length === 0) break;
      const outcomes = await mapWithConcurrency(planned, config.backup.maxConcurrency, (action) =>
        outcomeOf(action, databases[action.index] as QueueDatabase, context),
      );
      planned.forEach((action, position) => {
        const database = databases[action.index] as QueueDatabase;
        const outcome = outcomes[position] as ActionOutcome;
        databases[action.index] = applyBackupOutcome(
          database,
          action,
          outcome,
          now,
          limits,
          queue.sourceRegion,
        );
      });
      budget -= planned.length;
      if (budget <= 0 || performance.now() - stepStarted > STEP_WALL_SECONDS * 1000) break;
    }
    const changed: { page: number; databases: QueueDatabase[] }[] = [];
    const summaries = [...queue.pages];
    for (const page of lost) {
      summaries[page.page] = lostPage(queue.pages[page.page]?.databases ?? 0, page.lost);
    }
    let offset = 0;
    for (const page of pages) {
      const before = page.databases;
      const after = databases.slice(offset, offset + before.length);
      offset += before.length;
      if (after.some((database, index) => database !== before[index])) {
        changed.push({ page: page.page, databases: after });
      }
      summaries[page.page] = summarizePage(after, copyRegions);
    }
    await writePages(reports, input.runId, changed);
    const next = nextStep(summaries, copyRegions, now, limits);
    await writeBackupQueue(reports, {
      ...queue,
      lastStep: { at: now.toISOString(), waitSeconds: next.waitSeconds },
      pages: summaries,
    });
    const settled = summaries.reduce((sum, page) => sum + page.settled, 0);
    const actions = limits.maxActionsPerStep - budget;
    logger.info('backup step', {
      runId: input.runId,
      round: input.round,
      pages: chosen.length,
      actions,
      settled,
      ...next,
    });
    return {
      runId: input.runId,
      round: input.round,
      ...(input.lastRound === undefined ? {} : { lastRound: input.lastRound }),
      done: next.done,
      waitSeconds: next.waitSeconds,
      databases: summaries.reduce((sum, page) => sum + page.databases, 0),
      settled,
    };
  },
});
