// The stored documents of a backup run in progress, beside the evidence
// (evidence.ts): the run's work document, its queue of databases with each
// one's progress (schema version 1), and the deployment's backup timings,
// how long each database's snapshot and copies took last (version 1).
//
// Keys:
//   work/backups/<run>/queue.json    the run's queue, rewritten by each step
//   work/backups/timings.json        the deployment's observed durations, once per run
//
// The queue is written compact (not pretty-printed): a fleet's queue is
// megabytes, read and written by every step of the run.
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.ts';
import type { ReportStore, StoredObject } from '../ports/report-store.ts';
import {
  isoTimeSchema as isoTime,
  KEY_SEGMENT,
  readStoredDocument,
  validateDocument,
} from './json-document.ts';

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
  databases: z.array(queueDatabase),
});
export type BackupQueue = z.output<typeof backupQueueSchema>;

export const BACKUP_TIMINGS_KEY = 'work/backups/timings.json';

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

export function backupQueueKey(runId: string): string {
  // A run id is an execution name: checked rather than trusted as a key segment.
  if (!KEY_SEGMENT.test(runId)) {
    throw new InvalidInputError(`run id ${JSON.stringify(runId)} cannot name a work document`);
  }
  return `work/backups/${runId}/queue.json`;
}

const putJson = (reports: ReportStore, key: string, body: string) =>
  reports.put(key, body, 'application/json');

export function writeBackupQueue(reports: ReportStore, queue: BackupQueue): Promise<StoredObject> {
  return putJson(
    reports,
    backupQueueKey(queue.runId),
    JSON.stringify(validateDocument(backupQueueSchema, queue, 'backup queue')),
  );
}

/** The run's queue; CorruptEvidenceError when it does not read, InvalidInputError when there is none. */
export async function readBackupQueue(reports: ReportStore, runId: string): Promise<BackupQueue> {
  const key = backupQueueKey(runId);
  const stored = await readStoredDocument(reports, key, backupQueueSchema, 'backup queue');
  if (stored === undefined) throw new InvalidInputError(`backup run ${runId} has no work document at ${key}`);
  return stored.value;
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
