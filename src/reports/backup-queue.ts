// The stored documents of a backup run in progress, beside the evidence
// (evidence.ts), each schema version 1: the run's work document (its
// parameters and an index of its pages), the pages of its queue (databases
// with each one's progress, `BACKUP_QUEUE_PAGE_SIZE` a page), its roster
// (the databases of each page, written once), the deployment's latest run
// to start (what the next run checks for an overlap), and the
// deployment's backup timings, how long each database's snapshot and copies
// took last.
//
// Keys (store/layout.ts): the run's work document is rewritten by each step,
// a page by the steps that act on it, the timings once per run.
//
// A step reads the work document and only the pages its index says have
// work due: what a step costs does not grow with the fleet. Documents are
// written compact (not pretty-printed): they are read by every step.
import type { z } from 'zod';
import { CorruptEvidenceError, InvalidInputError } from '../domain/errors.ts';
import type { ReportStore, StoredObject } from '../ports/report-store.ts';
import { readStoredDocument, validateDocument } from './json-document.ts';
import {
  BACKUP_TIMINGS_KEY,
  backupQueueKey,
  backupQueuePageKey,
  backupRosterKey,
  LATEST_BACKUP_RUN_KEY,
} from './store/layout.ts';
import {
  type BackupQueue,
  type BackupQueuePage,
  type BackupRoster,
  type BackupTimings,
  backupQueuePageSchema,
  backupQueueSchema,
  backupRosterSchema,
  backupTimingsSchema,
  type LatestBackupRun,
  latestBackupRunSchema,
} from './store/schemas.ts';

export type { BackupQueue, BackupQueuePage, BackupRoster, BackupTimings, LatestBackupRun };
export {
  backupQueuePageSchema,
  backupQueueSchema,
  backupRosterSchema,
  backupTimingsSchema,
  latestBackupRunSchema,
};

export const BACKUP_QUEUE_PAGE_SIZE = 250;

const putJson = (reports: ReportStore, key: string, body: string) =>
  reports.put(key, body, 'application/json');

export function writeBackupQueue(reports: ReportStore, queue: BackupQueue): Promise<StoredObject> {
  return putJson(
    reports,
    backupQueueKey(queue.runId),
    JSON.stringify(validateDocument(backupQueueSchema, queue, 'backup queue')),
  );
}

export function writeBackupQueuePage(reports: ReportStore, page: BackupQueuePage): Promise<StoredObject> {
  return putJson(
    reports,
    backupQueuePageKey(page.runId, page.page),
    JSON.stringify(validateDocument(backupQueuePageSchema, page, 'backup queue page')),
  );
}

async function readRequired<Schema extends z.ZodType>(
  reports: ReportStore,
  key: string,
  schema: Schema,
  what: string,
): Promise<z.output<Schema>> {
  const stored = await readStoredDocument(reports, key, schema, what);
  if (stored === undefined) throw new InvalidInputError(`${what} ${key} does not exist`);
  return stored.value;
}

/** The run's work document; CorruptEvidenceError when it does not read, InvalidInputError when there is none. */
export function readBackupQueue(reports: ReportStore, runId: string): Promise<BackupQueue> {
  return readRequired(reports, backupQueueKey(runId), backupQueueSchema, 'backup queue');
}

export async function readBackupQueuePage(
  reports: ReportStore,
  runId: string,
  page: number,
): Promise<BackupQueuePage> {
  const stored = await readRequired(
    reports,
    backupQueuePageKey(runId, page),
    backupQueuePageSchema,
    'backup queue page',
  );
  if (stored.runId !== runId || stored.page !== page) {
    const key = backupQueuePageKey(runId, page);
    throw new CorruptEvidenceError(key, `it holds page ${stored.page} of run ${stored.runId}`);
  }
  return stored;
}

export function writeBackupRoster(reports: ReportStore, roster: BackupRoster): Promise<StoredObject> {
  return putJson(
    reports,
    backupRosterKey(roster.runId),
    JSON.stringify(validateDocument(backupRosterSchema, roster, 'backup roster')),
  );
}

/** The run's roster; undefined for a run whose queue was written before rosters were. */
export async function readBackupRoster(
  reports: ReportStore,
  runId: string,
): Promise<BackupRoster | undefined> {
  return (await readStoredDocument(reports, backupRosterKey(runId), backupRosterSchema, 'backup roster'))
    ?.value;
}

export function writeLatestBackupRun(reports: ReportStore, run: LatestBackupRun): Promise<StoredObject> {
  return putJson(
    reports,
    LATEST_BACKUP_RUN_KEY,
    JSON.stringify(validateDocument(latestBackupRunSchema, run, 'latest backup run')),
  );
}

/** Undefined before the first run (or a run of a version without it). */
export async function readLatestBackupRun(reports: ReportStore): Promise<LatestBackupRun | undefined> {
  return (
    await readStoredDocument(reports, LATEST_BACKUP_RUN_KEY, latestBackupRunSchema, 'latest backup run')
  )?.value;
}

/** The deployment's timings; empty when no run has written them yet. */
export async function readBackupTimings(reports: ReportStore): Promise<BackupTimings['databases']> {
  return (
    (await readStoredDocument(reports, BACKUP_TIMINGS_KEY, backupTimingsSchema, 'backup timings'))?.value
      .databases ?? {}
  );
}

export function writeBackupTimings(reports: ReportStore, timings: BackupTimings): Promise<StoredObject> {
  return putJson(
    reports,
    BACKUP_TIMINGS_KEY,
    JSON.stringify(validateDocument(backupTimingsSchema, timings, 'backup timings')),
  );
}
