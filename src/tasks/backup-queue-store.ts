// Reading and writing a backup run's queue as the steps see it: the work
// document and the pages a step needs, the pages written before the
// document, so that a step that dies between the two leaves pages that the
// document still points the next step to (any page a step changed had work
// due, which the old index still says).
import {
  type EarlierRun,
  type QueueDatabase,
  queuedVaultTransfer,
  queuedWork,
  summarizePage,
} from '../domain/backup-queue.ts';
import { CorruptEvidenceError, InvalidInputError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import {
  BACKUP_QUEUE_PAGE_SIZE,
  type BackupQueue,
  type BackupQueuePage,
  readBackupQueue,
  readBackupQueuePage,
  readLatestBackupRun,
  writeBackupQueue,
  writeBackupQueuePage,
  writeBackupRoster,
} from '../reports/backup-queue.ts';
import { mapWithConcurrency } from '../reports/store-reads.ts';

/** Store calls in flight at once when a step reads or writes pages. */
const PAGE_CONCURRENCY = 8;

export type NewBackupQueue = Omit<BackupQueue, 'schemaVersion' | 'pages' | 'lastStep'> & {
  readonly databases: readonly Pick<QueueDatabase, 'id' | 'kind' | 'expected'>[];
};

/** Writes a run's queue with every database queued: its roster and pages, then its work document. */
export async function writeNewBackupQueue(reports: ReportStore, run: NewBackupQueue): Promise<void> {
  const { databases, ...parameters } = run;
  const copyRegions = run.copyRegions.map((copy) => copy.region);
  const vaultRegions = run.vault?.regions.map((vault) => vault.region);
  const pages: QueueDatabase[][] = [];
  for (let start = 0; start < databases.length; start += BACKUP_QUEUE_PAGE_SIZE) {
    pages.push(
      databases.slice(start, start + BACKUP_QUEUE_PAGE_SIZE).map((database) => ({
        ...database,
        snapshot: queuedWork(),
        copies: Object.fromEntries(copyRegions.map((region) => [region, queuedWork()])),
        ...(vaultRegions === undefined ? {} : { vault: queuedVaultTransfer(vaultRegions) }),
        record: { state: 'pending', tries: 0 },
      })),
    );
  }
  await writeBackupRoster(reports, {
    schemaVersion: 1,
    runId: run.runId,
    pages: pages.map((page) => page.map(({ id, kind }) => ({ id, kind }))),
  });
  await mapWithConcurrency(pages, PAGE_CONCURRENCY, (page, index) =>
    writeBackupQueuePage(reports, { schemaVersion: 1, runId: run.runId, page: index, databases: page }),
  );
  await writeBackupQueue(reports, {
    schemaVersion: 1,
    ...parameters,
    pages: pages.map((page) => summarizePage(page, copyRegions)),
  });
}

export function readPages(reports: ReportStore, runId: string, pages: readonly number[]) {
  return mapWithConcurrency(pages, PAGE_CONCURRENCY, (page) => readBackupQueuePage(reports, runId, page));
}

/** Every database of the run, in queue order; CorruptEvidenceError when a page does not read. */
export async function readAllDatabases(reports: ReportStore, queue: BackupQueue): Promise<QueueDatabase[]> {
  const pages = await readPages(
    reports,
    queue.runId,
    queue.pages.map((_, index) => index),
  );
  return pages.flatMap((page) => page.databases);
}

export type PageRead =
  | BackupQueuePage
  | { readonly page: number; readonly lost: { key: string; reason: string } };

/**
 * The pages, each read or, when it does not read (CorruptEvidenceError),
 * lost with its key and why: a corrupt page fails its own databases, not the
 * run. Any other error (the store's) fails the read, for the workflow to retry.
 */
export function readPagesOrLost(
  reports: ReportStore,
  runId: string,
  pages: readonly number[],
): Promise<PageRead[]> {
  return mapWithConcurrency(pages, PAGE_CONCURRENCY, async (page): Promise<PageRead> => {
    try {
      return await readBackupQueuePage(reports, runId, page);
    } catch (error) {
      if (!(error instanceof CorruptEvidenceError)) throw error;
      return { page, lost: { key: error.path, reason: error.reason } };
    }
  });
}

/** Every page of the run, in queue order: read, or lost (as the index says, or as it reads now). */
export function readAllPages(reports: ReportStore, queue: BackupQueue): Promise<PageRead[]> {
  return mapWithConcurrency(queue.pages, PAGE_CONCURRENCY, async (summary, page): Promise<PageRead> => {
    if (summary.lost !== undefined) return { page, lost: summary.lost };
    const [read] = await readPagesOrLost(reports, queue.runId, [page]);
    return read as PageRead;
  });
}

export async function writePages(
  reports: ReportStore,
  runId: string,
  pages: readonly { readonly page: number; readonly databases: readonly QueueDatabase[] }[],
): Promise<void> {
  await mapWithConcurrency(pages, PAGE_CONCURRENCY, (page) =>
    writeBackupQueuePage(reports, {
      schemaVersion: 1,
      runId,
      page: page.page,
      databases: [...page.databases],
    }),
  );
}

/**
 * The deployment's latest backup run to start, as its queue's index says;
 * undefined when there is none, or its queue is gone (expired) or does not
 * read (that run fails at its next step, and drives nothing).
 */
export async function readEarlierRun(reports: ReportStore): Promise<EarlierRun | undefined> {
  const latest = await readLatestBackupRun(reports);
  if (latest === undefined) return undefined;
  try {
    const queue = await readBackupQueue(reports, latest.runId);
    return {
      runId: queue.runId,
      startedAt: queue.startedAt,
      databases: queue.pages.reduce((sum, page) => sum + page.databases, 0),
      settled: queue.pages.reduce((sum, page) => sum + page.settled, 0),
      lastActiveAt: queue.lastStep?.at ?? queue.startedAt,
    };
  } catch (error) {
    if (error instanceof InvalidInputError || error instanceof CorruptEvidenceError) return undefined;
    throw error;
  }
}
