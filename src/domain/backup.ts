// Pure rules of the backup workflow: which databases are protected, what a
// day's snapshot is called, how long to wait between polls, and how a run is
// summarised. No I/O here.
import type { Config } from '../config/schema.ts';
import type { Database, DatabaseKind, DatabaseRef, SnapshotRef, Tags } from '../ports/rds.ts';
import { type Deployment, withDiscriminator } from './deployment.ts';
import { fnv1a } from './hash.ts';
import type { Finding } from './prune.ts';
import type { SnapshotQuotaHeadroom } from './snapshot-quota.ts';
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
  /** In a deployment with a vault account: the vault account's copy in each vault region. */
  readonly vaultCopies?: SnapshotOutcome[];
  readonly error?: string;
}

export interface BackupCounts {
  readonly databases: number;
  readonly ok: number;
  readonly partial: number;
  readonly failed: number;
}

export interface BackupRunSummary {
  readonly runId: string;
  readonly startedAt: string;
  readonly status: BackupStatus;
  /** How many databases ended in each status. */
  readonly counts: BackupCounts;
  /**
   * Every database of a run of at most `MAX_LISTED_DATABASES`; of a larger
   * one, only those not OK, at most that many: the summary stays small
   * whatever the fleet's size, and the records say the rest.
   */
  readonly databases: DatabaseBackupResult[];
  /** Databases the summary does not list. */
  readonly unlisted: number;
  /** Each region's and kind's manual snapshot quota, as the run found it before its snapshots. */
  readonly snapshotQuotas: SnapshotQuotaHeadroom[];
  /** Warnings that do not change the status, e.g. a quota the run's snapshots would exceed. */
  readonly findings: Finding[];
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

// The longest snapshot identifiers RDS accepts, from the Amazon RDS API
// Reference: CreateDBSnapshot and CopyDBSnapshot take "1 to 255 letters, numbers, or
// hyphens"; CreateDBClusterSnapshot and CopyDBClusterSnapshot "1 to 63
// letters, numbers, or hyphens". Either must start with a letter and can't
// end with a hyphen or contain two consecutive hyphens.
const SNAPSHOT_ID_MAX_LENGTH: Readonly<Record<DatabaseKind, number>> = {
  instance: 255,
  cluster: 63,
};
const HASH_LENGTH = 8;

/**
 * The snapshot a deployment takes of a database for the UTC day of
 * `startedAt`: `restorable-<db>-<day>`, followed by the deployment's
 * discriminator unless it is the default deployment. The same day always
 * gives the same id, which is what makes a re-run reuse the snapshot instead
 * of taking a second one. `attempt` > 1 names a retake after a snapshot of
 * that day ended `failed` (failed snapshots are never deleted).
 *
 * A database id too long for that to fit the limit of its kind (for a
 * cluster, more than 41 characters on a default first attempt, 25 with a
 * discriminator and a retake) is cut and followed by a hash of the whole
 * name: two databases sharing a long prefix still get distinct snapshots,
 * and every id that fits is the one earlier versions gave.
 */
export function dailySnapshotId(
  database: DatabaseRef,
  startedAt: Date,
  deployment: Deployment,
  attempt = 1,
): string {
  const day = startedAt.toISOString().slice(0, 10);
  const retake = attempt === 1 ? '' : `-retake-${attempt}`;
  return fitSnapshotId(
    `restorable-${database.id}`,
    `${withDiscriminator(`-${day}`, deployment)}${retake}`,
    SNAPSHOT_ID_MAX_LENGTH[database.kind],
  );
}

// What follows the database part of a daily snapshot id: the day, then the
// discriminator and the retake when there are. A database id may itself hold
// something shaped like a day, but what follows it there never has the shape
// of the rest of this tail, so the match starts at the snapshot's own day.
const DAILY_SNAPSHOT_TAIL = /(?:-\d{4}-\d{2}-\d{2}(?:-[0-9a-f]+)?(?:-retake-\d+)?)?$/;

/**
 * The id of the copy of a snapshot into a copy region. The copy keeps the
 * source's name; a copy that failed keeps its own, so the next try
 * (`attempt` > 1) gets a suffix. A source id too long to take the suffix
 * within the limit of its kind has its database part cut and followed by a
 * hash of the whole name, as in `dailySnapshotId`.
 */
export function copySnapshotId(source: SnapshotRef, attempt: number): string {
  if (attempt === 1) return source.id;
  const tailAt = source.id.search(DAILY_SNAPSHOT_TAIL);
  return fitSnapshotId(
    source.id.slice(0, tailAt),
    `${source.id.slice(tailAt)}-recopy-${attempt}`,
    SNAPSHOT_ID_MAX_LENGTH[source.kind],
  );
}

/**
 * The id of the copy of a day's snapshot made for the vault account (a vault
 * transfer's staging copy, in the source region): the snapshot's id and
 * `-vault`, then `-<attempt>` for an attempt after a failed one. Never a
 * daily snapshot's or a copy's id, so it is never taken for one.
 */
export function vaultStagingSnapshotId(source: SnapshotRef, attempt: number): string {
  const tailAt = source.id.search(DAILY_SNAPSHOT_TAIL);
  return fitSnapshotId(
    source.id.slice(0, tailAt),
    `${source.id.slice(tailAt)}-vault${attempt === 1 ? '' : `-${attempt}`}`,
    SNAPSHOT_ID_MAX_LENGTH[source.kind],
  );
}

const RECOPY_SUFFIX = /-recopy-(\d+)$/;

/**
 * Whether `snapshotId` is one of the tool's daily snapshots of `database` or
 * a copy of one, for any day, deployment and attempt: the id that
 * `dailySnapshotId` (and `copySnapshotId`) would give it, rebuilt from the
 * id's own tail, so that a long database id cut and hashed is recognised
 * too, and a database whose id merely starts with this one's is not. What
 * names the database of a snapshot whose record does not read.
 */
export function isDailySnapshotOf(snapshotId: string, database: DatabaseRef): boolean {
  const recopy = RECOPY_SUFFIX.exec(snapshotId);
  const sourceId = recopy === null ? snapshotId : snapshotId.slice(0, recopy.index);
  const tail = sourceId.slice(sourceId.search(DAILY_SNAPSHOT_TAIL));
  if (tail === '') return false;
  const source = fitSnapshotId(`restorable-${database.id}`, tail, SNAPSHOT_ID_MAX_LENGTH[database.kind]);
  return recopy === null
    ? source === snapshotId
    : copySnapshotId({ kind: database.kind, id: source }, Number(recopy[1])) === snapshotId;
}

/**
 * `head` then `tail` when that fits in `maxLength`; otherwise `head` cut,
 * then a hash of the uncut name, then `tail`. The hash keeps names distinct
 * that differ only past the cut; the tail stays whole so that the name still
 * says which attempt it is (and, of a daily snapshot, which day and
 * deployment). `head` starts with a letter and holds no two consecutive
 * hyphens, and the cut drops a trailing hyphen, so the result is a valid
 * identifier.
 */
function fitSnapshotId(head: string, tail: string, maxLength: number): string {
  const name = `${head}${tail}`;
  if (name.length <= maxLength) return name;
  const kept = head.slice(0, maxLength - tail.length - HASH_LENGTH - 1).replace(/-$/, '');
  return `${kept}-${fnv1a(name)}${tail}`;
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

export function countStatuses(results: readonly { readonly status: BackupStatus }[]): BackupCounts {
  const count = (status: BackupStatus) => results.filter((result) => result.status === status).length;
  return { databases: results.length, ok: count('OK'), partial: count('PARTIAL'), failed: count('FAILED') };
}

/** OK when every database is OK; FAILED when none got a usable snapshot (or none was found); else PARTIAL. */
export function statusOfCounts(counts: BackupCounts): BackupStatus {
  if (counts.databases === 0) return 'FAILED';
  if (counts.ok === counts.databases) return 'OK';
  if (counts.failed === counts.databases) return 'FAILED';
  return 'PARTIAL';
}

export const MAX_LISTED_DATABASES = 50;

/** The databases a run's summary lists (see `BackupRunSummary.databases`), in the run's order. */
export function listedDatabases<T extends { readonly status: BackupStatus }>(results: readonly T[]): T[] {
  if (results.length <= MAX_LISTED_DATABASES) return [...results];
  return results.filter((result) => result.status !== 'OK').slice(0, MAX_LISTED_DATABASES);
}
