import { z } from 'zod';
import {
  type BackupRunSummary,
  countStatuses,
  listedDatabases,
  statusOfCounts,
  UNENCRYPTED_COPY_NOTE,
  UNENCRYPTED_SOURCE_NOTE,
} from '../domain/backup.ts';
import { databaseOutcome, lostDatabaseOutcome, type QueueDatabase } from '../domain/backup-queue.ts';
import { CorruptEvidenceError } from '../domain/errors.ts';
import { backupRunPoints } from '../domain/metrics.ts';
import type { Finding } from '../domain/prune.ts';
import {
  type BackupTimings,
  readBackupQueue,
  readBackupRoster,
  readBackupTimings,
  writeBackupTimings,
} from '../reports/backup-queue.ts';
import { defineTask } from '../runtime/task.ts';
import { readAllPages } from './backup-queue-store.ts';
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
 * queue (those of a page that does not read failed, named by the run's
 * roster, with the page's key and why), counts them, lists a bounded number (domain/backup.ts
 * `listedDatabases`) and keeps the durations observed for the next run.
 */
export const summarizeBackupRunTask = defineTask({
  name: 'summarize-backup-run',
  needs: ['reports'],
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
    /** Whether the run backed up every protected database; absent from a run started before it was said. */
    wholeFleet: z.boolean().default(false),
  }),
  async run(input, { reports, clock, metrics }): Promise<BackupRunSummary> {
    const queue = await readBackupQueue(reports, input.runId);
    const pages = await readAllPages(reports, queue);
    const queued = pages.flatMap((page) => ('lost' in page ? [] : page.databases));
    const roster = pages.some((page) => 'lost' in page)
      ? await readBackupRoster(reports, input.runId)
      : undefined;
    const copyRegions = queue.copyRegions.map((copy) => copy.region);
    const outcomes = pages.flatMap((page) => {
      if (!('lost' in page)) {
        return page.databases.map((database) =>
          databaseOutcome(
            database,
            queue.sourceRegion,
            copyRegions,
            { unencryptedSource: UNENCRYPTED_SOURCE_NOTE, unencryptedCopy: UNENCRYPTED_COPY_NOTE },
            queue.vault?.regions.map((vault) => vault.region) ?? [],
          ),
        );
      }
      const named = roster?.pages[page.page];
      // A run queued before rosters has no names for a lost page: its error is the page's.
      if (named === undefined) throw new CorruptEvidenceError(page.lost.key, page.lost.reason);
      return named.map((database) => lostDatabaseOutcome(database, page.lost));
    });
    await writeBackupTimings(reports, {
      schemaVersion: 1,
      updatedAt: clock().toISOString(),
      databases: updatedTimings(await readBackupTimings(reports), queued),
    });
    const counts = countStatuses(outcomes);
    const databases = listedDatabases(outcomes);
    const status = statusOfCounts(counts);
    metrics?.record(
      backupRunPoints({ status, wholeFleet: input.wholeFleet, counts, snapshotQuotas: input.snapshotQuotas }),
    );
    return {
      runId: input.runId,
      startedAt: input.startedAt,
      status,
      counts,
      databases,
      unlisted: outcomes.length - databases.length,
      snapshotQuotas: input.snapshotQuotas,
      findings: input.findings as Finding[],
    };
  },
});
