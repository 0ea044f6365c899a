import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { OVERLAP_WAIT_SECONDS, overlapMessage, overlapWith } from '../domain/backup-queue.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { DatabaseNotFoundError } from '../domain/errors.ts';
import { backupRoundsNamePrefix } from '../domain/execution-name.ts';
import { forecastSnapshotQuotas } from '../domain/snapshot-quota.ts';
import { vaultRetentionDays, vaultShareKeyAlias } from '../domain/vault.ts';
import { readBackupTimings, writeLatestBackupRun } from '../reports/backup-queue.ts';
import { defineTask } from '../runtime/task.ts';
import { readEarlierRun, writeNewBackupQueue } from './backup-queue-store.ts';
import { isoTime } from './shapes.ts';
import { readSnapshotQuotas } from './snapshot-quotas.ts';

/**
 * Starts a backup run: unless an earlier run of the deployment still drives
 * this day's snapshots (then it says so and how long to wait, writing
 * nothing: domain/backup-queue.ts `overlapWith`), lists the protected
 * databases into the run's queue, with the snapshot quotas' forecast.
 */
export const discoverDatabasesTask = defineTask({
  name: 'discover-databases',
  needs: ['rds', 'reports'],
  input: z.object({
    /** The workflow's own input: `{}` from the schedule, `{ databaseIds: [...] }` on demand. */
    request: z
      .object({
        databaseIds: z.array(z.string().min(1)).optional(),
        /** Set by an earlier discovery of this run that waited (and alerted): what it saw of the earlier run. */
        overlapWatch: z
          .object({ runId: z.string().min(1), lastActiveAt: isoTime, looks: z.number().int().min(1) })
          .optional(),
      })
      .loose(),
    executionName: z.string().min(1),
  }),
  async run(input, { config, rds, reports, clock }) {
    // The run's time is fixed here, once, and passed down: it names the day's
    // snapshots, so every database of a run agrees on the day.
    const now = clock();
    const startedAt = now.toISOString();
    const watched = input.request.overlapWatch;
    const overlap = overlapWith(await readEarlierRun(reports), { runId: input.executionName, now }, watched);
    const overlapState =
      overlap === undefined
        ? undefined
        : { ...overlap.earlier, decision: overlap.decision, message: overlapMessage(overlap) };
    if (overlap?.decision === 'waits') {
      // Nothing of this run is written yet: it starts for real once the earlier one has ended.
      return {
        runId: input.executionName,
        overlap: overlapState,
        waiting: {
          waitSeconds: OVERLAP_WAIT_SECONDS,
          alerted: watched?.runId === overlap.earlier.runId,
        },
        request: { ...input.request, overlapWatch: overlap.watch },
      };
    }
    const copyRegions = config.copyRegions.map((copy) => copy.region);
    const [listed, quotas, timings] = await Promise.all([
      rds(config.sourceRegion).listDatabases(),
      readSnapshotQuotas(rds, [config.sourceRegion, ...copyRegions]),
      readBackupTimings(reports),
    ]);
    const protectedDatabases = selectProtectedDatabases(listed, config.selection);
    const wanted = input.request.databaseIds;
    let databases = protectedDatabases;
    if (wanted !== undefined && wanted.length > 0) {
      const unknown = wanted.find((id) => !protectedDatabases.some((database) => database.id === id));
      if (unknown !== undefined) throw new DatabaseNotFoundError(unknown);
      databases = protectedDatabases.filter((database) => wanted.includes(database.id));
    }
    // This run's own snapshots are the next ones: nothing is deleted before them.
    const snapshotQuota = forecastSnapshotQuotas({
      sourceRegion: config.sourceRegion,
      copyRegions,
      kinds: config.selection.kinds,
      databases,
      quotas,
      removals: [],
    });
    // The fleet goes to the run's work document, not into the workflow's
    // state: the state carries counts whatever the fleet's size.
    await writeNewBackupQueue(reports, {
      runId: input.executionName,
      startedAt,
      sourceRegion: config.sourceRegion,
      copyRegions: config.copyRegions,
      snapshotTimeoutMinutes: config.backup.snapshotTimeoutMinutes,
      concurrentCopiesPerRegion: config.backup.concurrentCopiesPerRegion,
      ...(config.vault === undefined
        ? {}
        : {
            vault: {
              accountId: config.vault.accountId,
              shareKeyId: vaultShareKeyAlias(deploymentOf(config)),
              retentionDays: vaultRetentionDays(config),
              regions: config.vault.regions,
            },
          }),
      databases: databases.map(({ kind, id }) => ({ kind, id, expected: timings[id] ?? {} })),
    });
    // After the queue, so that a run which finds this one finds its queue.
    await writeLatestBackupRun(reports, { schemaVersion: 1, runId: input.executionName, startedAt });
    return {
      runId: input.executionName,
      startedAt,
      databases: databases.length,
      /** A run of every protected database, not of some asked for: what the dead-man's switch counts. */
      wholeFleet: wanted === undefined || wanted.length === 0,
      /** No round run yet: the first child of backup-rounds starts after round 0. */
      rounds: { done: false, round: 0 },
      /** The start of the name of each child of backup-rounds: the run's, within the name's 80 characters. */
      childName: backupRoundsNamePrefix(input.executionName),
      snapshotQuotas: snapshotQuota.headroom,
      findings: snapshotQuota.findings,
      ...(overlapState === undefined ? {} : { overlap: overlapState }),
    };
  },
});
