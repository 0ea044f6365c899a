import { z } from 'zod';
import {
  type BackupRunSummary,
  countStatuses,
  listedDatabases,
  statusOfCounts,
  UNENCRYPTED_COPY_NOTE,
  UNENCRYPTED_SOURCE_NOTE,
} from '../domain/backup.ts';
import { databaseOutcome, type QueueDatabase } from '../domain/backup-queue.ts';
import type { Finding } from '../domain/prune.ts';
import {
  type BackupTimings,
  readBackupQueue,
  readBackupTimings,
  writeBackupTimings,
} from '../reports/backup-queue.ts';
import { defineTask } from '../runtime/task.ts';
import { readAllDatabases } from './backup-queue-store.ts';
import { finding, isoTime, snapshotQuotaHeadroom } from './shapes.ts';

/**
 * The deployment's timings after a run: each database's durations as this
 * run observed them, else as they were. Databases the run did not back up
 * keep theirs (a run may back up only some).
 */
export function updatedTimings(
  previous: BackupTimings['databases'],
  databases: readonly QueueDatabase[],
): BackupTimings['databases'] {
  const timings = { ...previous };
  for (const database of databases) {
    const before = previous[database.id] ?? database.expected;
    const copySeconds = { ...before.copySeconds };
    for (const [region, copy] of Object.entries(database.copies)) {
      if (copy.seconds !== undefined) copySeconds[region] = copy.seconds;
    }
    const snapshotSeconds = database.snapshot.seconds ?? before.snapshotSeconds;
    timings[database.id] = {
      ...(snapshotSeconds === undefined ? {} : { snapshotSeconds }),
      ...(Object.keys(copySeconds).length === 0 ? {} : { copySeconds }),
    };
  }
  return timings;
}

/**
 * Ends a backup run: reads the outcome of every database from the run's
 * queue, counts them, lists a bounded number (domain/backup.ts
 * `listedDatabases`) and keeps the durations observed for the next run.
 */
export const summarizeBackupRunTask = defineTask({
  name: 'summarize-backup-run',
  input: z.object({
    runId: z.string().min(1),
    startedAt: isoTime,
    /**
     * The discovery's forecast of the manual snapshot quotas for this run.
     * Absent from a run started before the quotas were read (in flight across
     * an upgrade), which is summarised all the same.
     */
    snapshotQuotas: z.array(snapshotQuotaHeadroom).default([]),
    findings: z.array(finding).default([]),
  }),
  async run(input, { reports, clock }): Promise<BackupRunSummary> {
    const queue = await readBackupQueue(reports, input.runId);
    const queued = await readAllDatabases(reports, queue);
    const copyRegions = queue.copyRegions.map((copy) => copy.region);
    const outcomes = queued.map((database) =>
      databaseOutcome(database, queue.sourceRegion, copyRegions, {
        unencryptedSource: UNENCRYPTED_SOURCE_NOTE,
        unencryptedCopy: UNENCRYPTED_COPY_NOTE,
      }),
    );
    await writeBackupTimings(reports, {
      schemaVersion: 1,
      updatedAt: clock().toISOString(),
      databases: updatedTimings(await readBackupTimings(reports), queued),
    });
    const counts = countStatuses(outcomes);
    const databases = listedDatabases(outcomes);
    return {
      runId: input.runId,
      startedAt: input.startedAt,
      status: statusOfCounts(counts),
      counts,
      databases,
      unlisted: outcomes.length - databases.length,
      snapshotQuotas: input.snapshotQuotas,
      findings: input.findings as Finding[],
    };
  },
});
