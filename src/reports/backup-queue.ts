// The stored documents of a backup run in progress, beside the evidence
// (evidence.ts), each schema version 1: the run's work document (its
// parameters and an index of its pages), the pages of its queue (databases
// with each one's progress, `BACKUP_QUEUE_PAGE_SIZE` a page), its roster
// (the databases of each page, written once), the deployment's latest run
// to start (what the next run checks for an overlap), and the
// deployment's backup timings, how long each database's snapshot and copies
// took last.
//
// Keys (store-layout.ts): the run's work document is rewritten by each step,
// a page by the steps that act on it, the timings once per run.
//
// A step reads the work document and only the pages its index says have
// work due: what a step costs does not grow with the fleet. Documents are
// written compact (not pretty-printed): they are read by every step.
import { z } from 'zod';
import { CorruptEvidenceError, InvalidInputError } from '../domain/errors.ts';
import type { ReportStore, StoredObject } from '../ports/report-store.ts';
import { isoTimeSchema as isoTime, readStoredDocument, validateDocument } from './json-document.ts';
import {
  BACKUP_TIMINGS_KEY,
  backupQueueKey,
  backupQueuePageKey,
  backupRosterKey,
  LATEST_BACKUP_RUN_KEY,
} from './store-layout.ts';

const version = z.literal(1, { error: 'must be 1: this version of restorable reads schema version 1 only' });
const seconds = z.number().nonnegative();

const pollState = z.object({
  attempt: z.number().int().min(0),
  delaySeconds: z.number().int().min(0),
  deadline: isoTime,
});

const work = z.object({
  state: z.enum(['queued', 'running', 'available', 'failed']),
  snapshotId: z.string().min(1).optional(),
  arn: z.string().min(1).optional(),
  encrypted: z.boolean().optional(),
  reused: z.boolean().optional(),
  startedAt: isoTime.optional(),
  poll: pollState.optional(),
  dueAt: isoTime.optional(),
  expectedAt: isoTime.optional(),
  refusedForLimit: z.number().int().min(1).optional(),
  tries: z.number().int().min(0),
  seconds: seconds.optional(),
  error: z.string().optional(),
});

const queueDatabase = z.object({
  id: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  expected: z.object({
    snapshotSeconds: seconds.optional(),
    copySeconds: z.record(z.string(), seconds).optional(),
  }),
  snapshot: work,
  copies: z.record(z.string(), work),
  record: z.object({
    state: z.enum(['pending', 'written', 'failed']),
    tries: z.number().int().min(0),
    dueAt: isoTime.optional(),
    error: z.string().optional(),
  }),
});

const pageSummary = z.object({
  databases: z.number().int().min(0),
  settled: z.number().int().min(0),
  dueAt: isoTime.optional(),
  runningCopies: z.record(z.string(), z.number().int().min(0)),
  readyCopies: z.record(z.string(), z.number().int().min(0)),
  copiesDueAt: z.record(z.string(), isoTime),
  /** Set once the page did not read: its databases failed, named by the run's roster. */
  lost: z.object({ key: z.string().min(1), reason: z.string() }).optional(),
});

export const backupQueueSchema = z.object({
  schemaVersion: version,
  runId: z.string().min(1),
  startedAt: isoTime,
  sourceRegion: z.string().min(1),
  copyRegions: z.array(z.object({ region: z.string().min(1), kmsKeyId: z.string().min(1) })),
  snapshotTimeoutMinutes: z.number().int().positive(),
  concurrentCopiesPerRegion: z.number().int().positive(),
  /** The time of the last step and the wait it asked for (domain/backup-queue.ts `stepTime`). */
  lastStep: z.object({ at: isoTime, waitSeconds: z.number().int().min(0) }).optional(),
  /** What each page holds, in queue order (domain/backup-queue.ts `summarizePage`). */
  pages: z.array(pageSummary),
});
export type BackupQueue = z.output<typeof backupQueueSchema>;

export const BACKUP_QUEUE_PAGE_SIZE = 250;

export const backupQueuePageSchema = z.object({
  schemaVersion: version,
  runId: z.string().min(1),
  page: z.number().int().min(0),
  databases: z.array(queueDatabase),
});
export type BackupQueuePage = z.output<typeof backupQueuePageSchema>;

/**
 * The run's databases by page, written once with the queue: what names the
 * databases of a page that no longer reads, so that they are reported
 * failed by name rather than lost from the run.
 */
export const backupRosterSchema = z.object({
  schemaVersion: version,
  runId: z.string().min(1),
  pages: z.array(z.array(z.object({ id: z.string().min(1), kind: z.enum(['instance', 'cluster']) }))),
});
export type BackupRoster = z.output<typeof backupRosterSchema>;

const timing = z.object({
  snapshotSeconds: seconds.optional(),
  copySeconds: z.record(z.string(), seconds).optional(),
});

export const backupTimingsSchema = z.object({
  schemaVersion: version,
  updatedAt: isoTime,
  databases: z.record(z.string(), timing),
});
export type BackupTimings = z.output<typeof backupTimingsSchema>;

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

/** The deployment's latest backup run to start: the one a new run may overlap. */
export const latestBackupRunSchema = z.object({
  schemaVersion: version,
  runId: z.string().min(1),
  startedAt: isoTime,
});
export type LatestBackupRun = z.output<typeof latestBackupRunSchema>;

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
