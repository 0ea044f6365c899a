// The retention policy, as a pure function of what the regions hold. The
// retention period is a minimum and a maximum at once: every protected
// database keeps its daily snapshots for `retentionDays`, and nothing the tool
// made is kept much longer, because data customers deleted must be gone from
// backups by then. Only the tool's own manual snapshots are ever planned for
// deletion; everything else that breaks the policy is reported as a finding.
//
// Rules, per database and region:
// 1. The last good copy is the newest available snapshot that no drill proved
//    bad. It is kept whatever its age (all of them, if several tie): a
//    database whose backups fail, or whose newer snapshots are all proven bad,
//    keeps it, and that is reported as a violation.
// 2. Until a good copy exists, no available snapshot is deleted, proven bad or
//    not: a damaged copy may still be all there is.
// 3. Everything else the tool made is deleted once older than the retention:
//    available snapshots, proven-bad ones, failed ones, and copies stuck in
//    `pending`/`copying` past the snapshot timeout (RDS cancels a copy when
//    its target is deleted). Never a snapshot still being made, never one a
//    drill holds a lease on, at most `maxDeletionsPerRun` per run.
import type { Database, DatabaseKind, Snapshot } from '../ports/rds.ts';
import { type Deployment, ownsSnapshot } from './deployment.ts';
import { isManaged, isProvenBad, PROVEN_BAD_TAG } from './tags.ts';

export interface PrunePolicy {
  readonly retentionDays: number;
  readonly maxDeletionsPerRun: number;
  /** A protected database whose newest snapshot in a region is older than this is overdue. */
  readonly backupMaxAgeHours: number;
  /** A copy still `pending` or `copying` this long after it started is stuck. */
  readonly snapshotTimeoutMinutes: number;
}

export interface PruneInput {
  readonly now: Date;
  readonly policy: PrunePolicy;
  /** The deployment pruning: only its own snapshots are candidates (`ownsSnapshot`). */
  readonly deployment: Deployment;
  /** Every region the tool writes to: the source region and the copy regions. */
  readonly regions: readonly string[];
  /** Snapshots of every region, of every type and owner. */
  readonly snapshots: readonly Snapshot[];
  /** The protected databases (the audits of databases apply to them). */
  readonly protectedDatabases: readonly Database[];
  /** ARNs of snapshots a running drill restores from. */
  readonly inUseSnapshotArns: ReadonlySet<string>;
}

export type DeletionReason = 'expired' | 'expired-failed' | 'expired-proven-bad' | 'expired-stuck-copy';

export interface PlannedDeletion {
  readonly database: string;
  readonly kind: DatabaseKind;
  readonly region: string;
  readonly snapshot: string;
  readonly arn: string;
  readonly ageHours: number;
  readonly reason: DeletionReason;
}

export type FindingKind =
  | 'newest-snapshot-expired'
  | 'only-proven-bad-in-retention'
  | 'snapshot-proven-bad'
  | 'copy-stuck'
  | 'backup-overdue'
  | 'automated-backup-retention-too-long'
  | 'unmanaged-snapshot-expired'
  | 'snapshot-not-encrypted'
  | 'database-not-multi-az'
  | 'database-not-encrypted'
  | 'deletion-deferred'
  | 'expired-snapshot-in-use'
  | 'snapshot-quota-too-low';

export type Severity = 'violation' | 'warning';

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  /** The database or snapshot concerned, as `region/id`. */
  readonly resource: string;
  readonly detail: string;
}

export interface PrunePlan {
  /** What this run deletes, oldest first, at most `maxDeletionsPerRun`. */
  readonly deletions: PlannedDeletion[];
  /** Expired snapshots left for the next run by the deletion cap. */
  readonly deferred: PlannedDeletion[];
  /** The tool's snapshots that stay. */
  readonly kept: number;
  readonly findings: Finding[];
}

const HOUR_MS = 3_600_000;

/** States of a copy in flight: never deleted, unless it is stuck (see `isStuckCopy`). */
const COPY_IN_FLIGHT: ReadonlySet<string> = new Set(['pending', 'copying']);

const roundHours = (ms: number) => Math.round((ms / HOUR_MS) * 100) / 100;

/**
 * When the data in a snapshot was taken. A copy's age is its original's: a
 * copy does not reset the clock. RDS gives instance copies the original time
 * (`OriginalSnapshotCreateTime`); for a cluster copy it is taken from its
 * source snapshot when that is still listed. Never from a name or a tag.
 */
export function takenAt(snapshot: Snapshot, byArn: ReadonlyMap<string, Snapshot>): Date | undefined {
  const own = snapshot.originalCreatedAt ?? snapshot.createdAt;
  const source = snapshot.sourceSnapshotArn === undefined ? undefined : byArn.get(snapshot.sourceSnapshotArn);
  const sourceTime = source === undefined ? undefined : (source.originalCreatedAt ?? source.createdAt);
  if (own === undefined) return sourceTime;
  if (sourceTime === undefined) return own;
  return sourceTime < own ? sourceTime : own;
}

/**
 * A copy still in flight `timeoutMinutes` after it started. It started at its
 * own create time; where RDS has not set one, at the latest when its data was
 * taken, which can only make it look stuck sooner, never later.
 */
export function isStuckCopy(
  snapshot: Snapshot,
  dataTakenAt: Date | undefined,
  now: Date,
  timeoutMinutes: number,
): boolean {
  if (!COPY_IN_FLIGHT.has(snapshot.status)) return false;
  const started = snapshot.createdAt ?? dataTakenAt;
  return started !== undefined && now.getTime() - started.getTime() > timeoutMinutes * 60_000;
}

/** An available snapshot that no drill proved bad: what "a good copy" means. */
export const isGoodCopy = (snapshot: Snapshot) =>
  snapshot.status === 'available' && !isProvenBad(snapshot.tags);

const resourceOf = (snapshot: Snapshot) => `${snapshot.region}/${snapshot.id}`;
const databaseKey = (region: string, kind: DatabaseKind, id: string) => `${region}|${kind}|${id}`;
const keyOf = (snapshot: Snapshot) =>
  databaseKey(snapshot.region, snapshot.database.kind, snapshot.database.id);

function deletionReason(snapshot: Snapshot): DeletionReason {
  if (snapshot.status === 'failed') return 'expired-failed';
  if (COPY_IN_FLIGHT.has(snapshot.status)) return 'expired-stuck-copy';
  return isProvenBad(snapshot.tags) ? 'expired-proven-bad' : 'expired';
}

export function planPrune(input: PruneInput): PrunePlan {
  const { now, policy } = input;
  const retentionMs = policy.retentionDays * 24 * HOUR_MS;
  const byArn = new Map(input.snapshots.map((snapshot) => [snapshot.arn, snapshot]));
  const regions = new Set(input.regions);
  const inRegions = input.snapshots.filter((snapshot) => regions.has(snapshot.region));
  const managed = inRegions.filter(
    (snapshot) => snapshot.type === 'manual' && ownsSnapshot(input.deployment, snapshot),
  );
  const ageMs = (snapshot: Snapshot) => {
    const time = takenAt(snapshot, byArn);
    return time === undefined ? undefined : now.getTime() - time.getTime();
  };
  const isStuck = (snapshot: Snapshot) =>
    isStuckCopy(snapshot, takenAt(snapshot, byArn), now, policy.snapshotTimeoutMinutes);

  // Rule 1: the last good copy of each database in each region.
  const lastGood = new Map<string, Snapshot>();
  for (const snapshot of managed) {
    const age = ageMs(snapshot);
    if (!isGoodCopy(snapshot) || age === undefined) continue;
    const current = lastGood.get(keyOf(snapshot));
    if (current === undefined || age < (ageMs(current) ?? 0)) lastGood.set(keyOf(snapshot), snapshot);
  }
  const isKeptWhateverItsAge = (snapshot: Snapshot) => {
    if (snapshot.status !== 'available') return false;
    const good = lastGood.get(keyOf(snapshot));
    // Rule 2: no good copy yet, so every available snapshot stays.
    if (good === undefined) return true;
    return isGoodCopy(snapshot) && ageMs(snapshot) === ageMs(good);
  };

  const findings: Finding[] = [];
  const expired: PlannedDeletion[] = [];
  for (const snapshot of managed) {
    const age = ageMs(snapshot);
    if (age === undefined || age <= retentionMs) continue;
    if (isKeptWhateverItsAge(snapshot)) continue;
    const deletable = snapshot.status === 'available' || snapshot.status === 'failed' || isStuck(snapshot);
    if (!deletable) continue;
    if (input.inUseSnapshotArns.has(snapshot.arn)) {
      findings.push({
        kind: 'expired-snapshot-in-use',
        severity: 'warning',
        resource: resourceOf(snapshot),
        detail: `expired ${roundHours(age - retentionMs)} h ago but a restore drill is using it; deleted after the drill`,
      });
      continue;
    }
    expired.push({
      database: snapshot.database.id,
      kind: snapshot.database.kind,
      region: snapshot.region,
      snapshot: snapshot.id,
      arn: snapshot.arn,
      ageHours: roundHours(age),
      reason: deletionReason(snapshot),
    });
  }
  expired.sort((a, b) => b.ageHours - a.ageHours || a.arn.localeCompare(b.arn));
  const deletions = expired.slice(0, policy.maxDeletionsPerRun);
  const deferred = expired.slice(policy.maxDeletionsPerRun);
  for (const deletion of deferred) {
    findings.push({
      kind: 'deletion-deferred',
      severity: 'warning',
      resource: `${deletion.region}/${deletion.snapshot}`,
      detail: `expired (${deletion.ageHours} h old) but over this run's cap of ${policy.maxDeletionsPerRun} deletions; deleted by the next run`,
    });
  }

  findings.push(...auditSnapshots(input, inRegions, ageMs, retentionMs, lastGood));
  findings.push(...auditProvenBad(managed, ageMs, retentionMs, lastGood));
  for (const snapshot of managed.filter(isStuck)) {
    findings.push({
      kind: 'copy-stuck',
      severity: 'violation',
      resource: resourceOf(snapshot),
      detail: `copy of ${snapshot.database.id} still ${snapshot.status} more than ${policy.snapshotTimeoutMinutes} minutes after it started; it is not a usable copy, and it is deleted once older than the retention`,
    });
  }
  findings.push(...auditDatabases(input, lastGood, ageMs));

  return { deletions, deferred, kept: managed.length - deletions.length, findings };
}

/**
 * Proven-bad snapshots are reported while they are kept; when they are all a
 * database has inside the retention, the older good copy kept in their place
 * is named with them.
 */
function auditProvenBad(
  managed: readonly Snapshot[],
  ageMs: (snapshot: Snapshot) => number | undefined,
  retentionMs: number,
  lastGood: ReadonlyMap<string, Snapshot>,
): Finding[] {
  const findings: Finding[] = [];
  const newestBad = new Map<string, Snapshot>();
  for (const snapshot of managed) {
    const age = ageMs(snapshot);
    if (snapshot.status !== 'available' || !isProvenBad(snapshot.tags) || age === undefined) continue;
    if (age <= retentionMs) {
      findings.push({
        kind: 'snapshot-proven-bad',
        severity: 'warning',
        resource: resourceOf(snapshot),
        detail: `drill ${snapshot.tags[PROVEN_BAD_TAG]} proved this snapshot of ${snapshot.database.id} bad; it never counts as a good copy`,
      });
    }
    const current = newestBad.get(keyOf(snapshot));
    if (current === undefined || age < (ageMs(current) ?? 0)) newestBad.set(keyOf(snapshot), snapshot);
  }
  for (const [key, bad] of newestBad) {
    const good = lastGood.get(key);
    const badAge = ageMs(bad) ?? 0;
    const goodAge = good === undefined ? undefined : ageMs(good);
    if (good === undefined || goodAge === undefined || goodAge <= retentionMs || badAge > retentionMs)
      continue;
    findings.push({
      kind: 'only-proven-bad-in-retention',
      severity: 'violation',
      resource: resourceOf(good),
      detail: `the only snapshots of ${bad.database.id} in ${bad.region} inside the retention are proven bad (newest: ${bad.id}, by drill ${bad.tags[PROVEN_BAD_TAG]}); kept ${good.id}, ${roundHours(goodAge)} h old, as the last good copy`,
    });
  }
  return findings;
}

function auditSnapshots(
  input: PruneInput,
  snapshots: readonly Snapshot[],
  ageMs: (snapshot: Snapshot) => number | undefined,
  retentionMs: number,
  lastGood: ReadonlyMap<string, Snapshot>,
): Finding[] {
  const findings: Finding[] = [];
  for (const snapshot of snapshots) {
    if (snapshot.type !== 'manual') continue;
    // Another deployment's snapshot is audited by that deployment, under its own retention.
    if (isManaged(snapshot.tags) && !ownsSnapshot(input.deployment, snapshot)) continue;
    const age = ageMs(snapshot);
    if (!snapshot.encrypted) {
      findings.push({
        kind: 'snapshot-not-encrypted',
        severity: 'violation',
        resource: resourceOf(snapshot),
        detail: `snapshot of ${snapshot.database.id} is not encrypted at rest`,
      });
    }
    if (!isManaged(snapshot.tags) && age !== undefined && age > retentionMs) {
      findings.push({
        kind: 'unmanaged-snapshot-expired',
        severity: 'violation',
        resource: resourceOf(snapshot),
        detail: `manual snapshot of ${snapshot.database.id} not made by restorable is ${roundHours(age)} h old, over the ${input.policy.retentionDays}-day retention; never deleted by restorable, delete it or exempt it`,
      });
    }
  }
  for (const snapshot of lastGood.values()) {
    const age = ageMs(snapshot) ?? 0;
    if (age > retentionMs) {
      findings.push({
        kind: 'newest-snapshot-expired',
        severity: 'violation',
        resource: resourceOf(snapshot),
        detail: `the newest good snapshot of ${snapshot.database.id} in ${snapshot.region} is ${roundHours(age)} h old; kept as the last good copy, but no newer good backup exists`,
      });
    }
  }
  return findings;
}

function auditDatabases(
  input: PruneInput,
  lastGood: ReadonlyMap<string, Snapshot>,
  ageMs: (snapshot: Snapshot) => number | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const maxAgeMs = input.policy.backupMaxAgeHours * HOUR_MS;
  for (const database of input.protectedDatabases) {
    const resource = `${database.id}`;
    if (!database.multiAz) {
      findings.push({
        kind: 'database-not-multi-az',
        severity: 'violation',
        resource,
        detail: `${database.kind} ${database.id} is not Multi-AZ: no replica in another availability zone`,
      });
    }
    if (!database.storageEncrypted) {
      findings.push({
        kind: 'database-not-encrypted',
        severity: 'violation',
        resource,
        detail: `${database.kind} ${database.id} storage is not encrypted at rest`,
      });
    }
    if (database.backupRetentionDays > input.policy.retentionDays) {
      findings.push({
        kind: 'automated-backup-retention-too-long',
        severity: 'violation',
        resource,
        detail: `RDS keeps automated backups of ${database.id} for ${database.backupRetentionDays} days, over the ${input.policy.retentionDays}-day policy`,
      });
    }
    for (const region of input.regions) {
      const newest = lastGood.get(databaseKey(region, database.kind, database.id));
      const age = newest === undefined ? undefined : ageMs(newest);
      if (age === undefined || age > maxAgeMs) {
        findings.push({
          kind: 'backup-overdue',
          severity: 'violation',
          resource: `${region}/${database.id}`,
          detail:
            age === undefined
              ? `${database.id} has no available snapshot in ${region} that is not proven bad`
              : `${database.id}'s newest snapshot in ${region} is ${roundHours(age)} h old, over ${input.policy.backupMaxAgeHours} h`,
        });
      }
    }
  }
  return findings;
}

export const isViolation = (finding: Finding) => finding.severity === 'violation';
