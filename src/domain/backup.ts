// Pure rules of the backup workflow: which databases are protected, what a
// day's snapshot is called, how long to wait between polls, and how a run is
// summarised. No I/O here.
import type { Config } from '../config/schema.ts';
import type { Database, DatabaseKind, DatabaseRef, Tags } from '../ports/rds.ts';
import { type Deployment, withDiscriminator } from './deployment.ts';
import {
  DATABASE_KIND_TAG,
  DATABASE_TAG,
  DEPLOYMENT_TAG,
  MANAGED_TAG,
  MANAGED_TAG_VALUE,
  RUN_TAG,
} from './tags.ts';

export type BackupStatus = 'OK' | 'PARTIAL' | 'FAILED';

export interface SnapshotOutcome {
  readonly region: string;
  readonly id: string;
  readonly status: string;
  /** What the record must say of the snapshot besides its status, e.g. that it is not encrypted. */
  readonly note?: string;
}

/**
 * What a backup record says of a snapshot that is not encrypted at rest: a
 * violation it reports without failing the backup (the prune and the
 * compliance report count it too). A snapshot is unencrypted when its
 * database's storage is.
 */
export const UNENCRYPTED_SOURCE_NOTE = "not encrypted at rest: the database's storage is not encrypted";
/**
 * Of a copy that is not encrypted: RDS cannot encrypt the copy of an
 * unencrypted cluster snapshot (an instance snapshot's copy it encrypts).
 */
export const UNENCRYPTED_COPY_NOTE = 'copied unencrypted: the source snapshot is not encrypted';

export interface DatabaseBackupResult {
  readonly id: string;
  readonly kind: DatabaseKind;
  readonly status: BackupStatus;
  readonly snapshots: SnapshotOutcome[];
  readonly error?: string;
}

export interface BackupRunSummary {
  readonly runId: string;
  readonly startedAt: string;
  readonly status: BackupStatus;
  readonly databases: DatabaseBackupResult[];
}

/** A database is protected when its kind is selected and it matches by id or carries every selection tag. */
export function isProtected(database: Database, selection: Config['selection']): boolean {
  if (!selection.kinds.includes(database.kind)) return false;
  if (selection.ids.includes(database.id)) return true;
  const wanted = Object.entries(selection.tags);
  return wanted.length > 0 && wanted.every(([key, value]) => database.tags[key] === value);
}

export function selectProtectedDatabases(
  databases: readonly Database[],
  selection: Config['selection'],
): Database[] {
  return databases
    .filter((database) => isProtected(database, selection))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * The snapshot a deployment takes of a database for the UTC day of
 * `startedAt`: `restorable-<db>-<day>`, followed by the deployment's
 * discriminator unless it is the default deployment. The same day always
 * gives the same id, which is what makes a re-run reuse the snapshot instead
 * of taking a second one. `attempt` > 1 names a retake after a snapshot of
 * that day ended `failed` (failed snapshots are never deleted).
 */
export function dailySnapshotId(
  database: DatabaseRef,
  startedAt: Date,
  deployment: Deployment,
  attempt = 1,
): string {
  const day = startedAt.toISOString().slice(0, 10);
  const base = withDiscriminator(`restorable-${database.id}-${day}`, deployment);
  return attempt === 1 ? base : `${base}-retake-${attempt}`;
}

export const MAX_SNAPSHOT_ATTEMPTS_PER_DAY = 3;

export function snapshotTags(database: DatabaseRef, runId: string, deployment: Deployment): Tags {
  return {
    [MANAGED_TAG]: MANAGED_TAG_VALUE,
    [DEPLOYMENT_TAG]: deployment.id,
    [DATABASE_TAG]: database.id,
    [DATABASE_KIND_TAG]: database.kind,
    [RUN_TAG]: runId,
  };
}

export interface PollState {
  readonly attempt: number;
  readonly delaySeconds: number;
  /** ISO time after which the snapshot counts as stuck. */
  readonly deadline: string;
}

const FIRST_POLL_DELAY_SECONDS = 30;
const MAX_POLL_DELAY_SECONDS = 300;

export function firstPoll(now: Date, timeoutMinutes: number): PollState {
  return {
    attempt: 0,
    delaySeconds: FIRST_POLL_DELAY_SECONDS,
    deadline: new Date(now.getTime() + timeoutMinutes * 60_000).toISOString(),
  };
}

/** Exponential backoff between status polls, capped so a long snapshot is still seen promptly. */
export function nextPoll(poll: PollState): PollState {
  return {
    attempt: poll.attempt + 1,
    delaySeconds: Math.min(poll.delaySeconds * 2, MAX_POLL_DELAY_SECONDS),
    deadline: poll.deadline,
  };
}

export function databaseStatus(
  sourceAvailable: boolean,
  copies: readonly { status: string }[],
): BackupStatus {
  if (!sourceAvailable) return 'FAILED';
  return copies.every((copy) => copy.status === 'available') ? 'OK' : 'PARTIAL';
}

/** OK when every database is OK; FAILED when none got a usable snapshot (or none was found); else PARTIAL. */
export function summarizeStatus(results: readonly DatabaseBackupResult[]): BackupStatus {
  if (results.length === 0) return 'FAILED';
  if (results.every((result) => result.status === 'OK')) return 'OK';
  if (results.every((result) => result.status === 'FAILED')) return 'FAILED';
  return 'PARTIAL';
}
