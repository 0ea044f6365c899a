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
//    `deletionRefusal` is the rule for one snapshot, shared by this planner
//    and the re-check made just before each delete.
//    A vault transfer's staging copy (the copy made for a vault account,
//    tagged restorable:vault-staging) is never a good copy, and is deleted
//    once its backup run is over: VAULT_STAGING_MAX_AGE_HOURS after the day's
//    snapshot, whatever the retention. Its run removes it when it is done;
//    the prune removes the ones of runs that ended without (and, deleting
//    it, ends its share with the vault account).
// 4. A run never deletes more than `maxDeletionShare` of the deployment's own
//    snapshots: one that would is refused whole (the mass-deletion brake), as
//    a clock, a config or a listing gone wrong looks like exactly that.
//    What a run leaves expired (the cap, the brake) is a violation.
import type { Database, DatabaseKind, Snapshot } from '../ports/rds.ts';
import { type Deployment, ownsSnapshot } from './deployment.ts';
import { isManaged, isProvenBad, isVaultStaging, PROVEN_BAD_TAG } from './tags.ts';

export interface PrunePolicy {
  readonly retentionDays: number;
  /** The per-run cap; `auto` follows the fleet (`deletionCapOf`). */
  readonly maxDeletionsPerRun: number | 'auto';
  /**
   * A run that would delete more than this share of the deployment's own
   * snapshots deletes nothing; `auto` follows the retention (`deletionShareOf`).
   */
  readonly maxDeletionShare: number | 'auto';
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

export type DeletionReason =
  | 'expired'
  | 'expired-failed'
  | 'expired-proven-bad'
  | 'expired-stuck-copy'
  | 'expired-vault-staging';

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
  | 'mass-deletion-refused'
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
  /**
   * What this run deletes: the oldest expired snapshots, at most the cap,
   * listed database by database (one database's deletions in every region
   * side by side, so that a batch reads each database's snapshots once).
   */
  readonly deletions: PlannedDeletion[];
  /** Expired snapshots left for the next run by the deletion cap or the brake. */
  readonly deferred: PlannedDeletion[];
  /** The tool's snapshots that stay. */
  readonly kept: number;
  /** The cap this run applied (`auto` resolved). */
  readonly cap: number;
  /** Whether the mass-deletion brake refused every deletion. */
  readonly braked: boolean;
  readonly findings: Finding[];
}

/** The least an `auto` cap allows, for the smallest fleets. */
export const MIN_AUTO_DELETION_CAP = 50;

/**
 * The per-run deletion cap. `auto`: twice the steady state (one expired daily
 * snapshot per protected database and region), so that a day's deletions
 * always fit and a backlog left by a missed run is gone within days.
 */
export function deletionCapOf(
  maxDeletionsPerRun: number | 'auto',
  protectedDatabases: number,
  regions: number,
): number {
  if (maxDeletionsPerRun !== 'auto') return maxDeletionsPerRun;
  return Math.max(MIN_AUTO_DELETION_CAP, 2 * protectedDatabases * regions);
}

/**
 * The share of a deployment's snapshots a normal day's prune deletes: a
 * database keeps `retentionDays` daily snapshots in each region and has one
 * more, the expired one, when the prune runs.
 */
export function steadyDeletionShare(retentionDays: number): number {
  return 1 / (retentionDays + 1);
}

/** The lowest share `auto` allows: a quarter of the snapshots at once is never routine. */
const MIN_AUTO_DELETION_SHARE = 0.25;

/**
 * The brake's share. `auto`: twice what a normal day deletes, so a day's run
 * and one missed run's backlog pass while a clock or listing gone wrong
 * (most snapshots looking expired) does not; at least a quarter, and with a
 * retention of a day, where half the snapshots go every day, no brake.
 */
export function deletionShareOf(maxDeletionShare: number | 'auto', retentionDays: number): number {
  if (maxDeletionShare !== 'auto') return maxDeletionShare;
  return Math.min(1, Math.max(MIN_AUTO_DELETION_SHARE, 2 * steadyDeletionShare(retentionDays)));
}

/** What the rule for one snapshot needs to know besides the snapshots themselves. */
export interface DeletionRuleContext {
  readonly now: Date;
  readonly retentionDays: number;
  readonly snapshotTimeoutMinutes: number;
  readonly deployment: Deployment;
  /** ARNs of snapshots a running drill restores from. */
  readonly inUseSnapshotArns: ReadonlySet<string>;
  /** When a snapshot's data was taken (`takenAt`, with the sources the caller knows of). */
  readonly takenAtOf: (snapshot: Snapshot) => Date | undefined;
}

export type RefusalRule =
  | 'not-owned'
  | 'in-retention'
  | 'in-progress'
  | 'last-good-copy'
  | 'no-good-copy'
  | 'in-use';

export interface DeletionRefusal {
  readonly rule: RefusalRule;
  readonly detail: string;
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

/** An available snapshot that no drill proved bad, and no vault staging copy: what "a good copy" means. */
export const isGoodCopy = (snapshot: Snapshot) =>
  snapshot.status === 'available' && !isProvenBad(snapshot.tags) && !isVaultStaging(snapshot.tags);

/**
 * How long after the day's snapshot its vault staging copy may stay: a
 * backup run's transfer into the vault takes hours; one left after two days
 * is of a run that ended without removing it (its execution failed or was
 * stopped), and the vault has its copies or never will from it.
 */
export const VAULT_STAGING_MAX_AGE_HOURS = 48;

const resourceOf = (snapshot: Snapshot) => `${snapshot.region}/${snapshot.id}`;
const databaseKey = (region: string, kind: DatabaseKind, id: string) => `${region}|${kind}|${id}`;
const keyOf = (snapshot: Snapshot) =>
  databaseKey(snapshot.region, snapshot.database.kind, snapshot.database.id);

/**
 * Why the policy forbids deleting `snapshot` now, or undefined when it allows
 * it, given the snapshots of its database in its region (`siblings`; the
 * snapshot itself may be among them): rules 1 to 3 for one snapshot. The
 * planner applies it to the listing of every region, and the delete step
 * again to the live state just before the call.
 */
export function deletionRefusal(
  snapshot: Snapshot,
  siblings: readonly Snapshot[],
  context: DeletionRuleContext,
): DeletionRefusal | undefined {
  const { now, deployment } = context;
  if (snapshot.type !== 'manual' || !ownsSnapshot(deployment, snapshot)) {
    return { rule: 'not-owned', detail: `not a snapshot made by restorable deployment ${deployment.id}` };
  }
  const taken = context.takenAtOf(snapshot);
  // A vault staging copy lives as long as its backup run, whatever the
  // retention, and is never anyone's good copy (rules 1 and 2 do not apply).
  const staging = isVaultStaging(snapshot.tags);
  const keptHours = staging ? VAULT_STAGING_MAX_AGE_HOURS : context.retentionDays * 24;
  if (taken === undefined || now.getTime() - taken.getTime() <= keptHours * HOUR_MS) {
    return {
      rule: 'in-retention',
      detail: staging
        ? `it is a vault staging copy of the last ${VAULT_STAGING_MAX_AGE_HOURS} hours, which its backup run may still be copying`
        : `it is not older than the ${context.retentionDays}-day retention`,
    };
  }
  const stuck = isStuckCopy(snapshot, taken, now, context.snapshotTimeoutMinutes);
  if (snapshot.status !== 'available' && snapshot.status !== 'failed' && !stuck) {
    return { rule: 'in-progress', detail: `it is ${snapshot.status}` };
  }
  if (snapshot.status === 'available' && !staging) {
    const goodCopyTimes = siblings
      .filter(
        (other) =>
          other.arn !== snapshot.arn &&
          other.region === snapshot.region &&
          other.database.kind === snapshot.database.kind &&
          other.database.id === snapshot.database.id &&
          other.type === 'manual' &&
          ownsSnapshot(deployment, other) &&
          isGoodCopy(other),
      )
      .flatMap((other) => {
        const time = context.takenAtOf(other);
        return time === undefined ? [] : [time.getTime()];
      });
    // Rule 2: until a good copy exists, every available snapshot stays.
    if (isProvenBad(snapshot.tags) && goodCopyTimes.length === 0) {
      return {
        rule: 'no-good-copy',
        detail: `it is proven bad, but no good copy of ${snapshot.database.id} exists in ${snapshot.region} yet`,
      };
    }
    // Rule 1: the last good copy stays (all of them, if several tie).
    if (!isProvenBad(snapshot.tags) && !goodCopyTimes.some((time) => time > taken.getTime())) {
      return {
        rule: 'last-good-copy',
        detail: `it is the newest good snapshot of ${snapshot.database.id} in ${snapshot.region}`,
      };
    }
  }
  if (context.inUseSnapshotArns.has(snapshot.arn)) {
    return { rule: 'in-use', detail: 'a restore drill is using it' };
  }
  return undefined;
}

/**
 * The rule again, just before a delete, on what the delete step reads of the
 * live state: `listing`, the manual snapshots of the target's database in its
 * region, and `sources`, those of the same database in the regions where
 * copies among them were copied from (a copy's data is as old as its
 * source's). That is all the rule looks at; the property tests check that it
 * never allows what the planner, given every region's listing, forbids.
 */
export function recheckRefusal(
  target: Snapshot,
  listing: readonly Snapshot[],
  sources: readonly Snapshot[],
  context: Omit<DeletionRuleContext, 'takenAtOf'>,
): DeletionRefusal | undefined {
  const byArn = new Map([...sources, ...listing].map((snapshot) => [snapshot.arn, snapshot]));
  return deletionRefusal(target, listing, { ...context, takenAtOf: (snapshot) => takenAt(snapshot, byArn) });
}

/** The regions the copies in `listing` were copied from, other than their own. */
export function sourceRegionsOf(listing: readonly Snapshot[]): string[] {
  const regions = new Set<string>();
  for (const snapshot of listing) {
    const region = snapshot.sourceSnapshotArn?.split(':')[3];
    if (region !== undefined && region !== '' && region !== snapshot.region) regions.add(region);
  }
  return [...regions];
}

function deletionReason(snapshot: Snapshot): DeletionReason {
  if (isVaultStaging(snapshot.tags)) return 'expired-vault-staging';
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
  const siblingsOf = new Map<string, Snapshot[]>();
  for (const snapshot of managed) {
    const siblings = siblingsOf.get(keyOf(snapshot));
    if (siblings === undefined) siblingsOf.set(keyOf(snapshot), [snapshot]);
    else siblings.push(snapshot);
  }
  const context: DeletionRuleContext = {
    now,
    retentionDays: policy.retentionDays,
    snapshotTimeoutMinutes: policy.snapshotTimeoutMinutes,
    deployment: input.deployment,
    inUseSnapshotArns: input.inUseSnapshotArns,
    takenAtOf: (snapshot) => takenAt(snapshot, byArn),
  };

  const findings: Finding[] = [];
  const expired: PlannedDeletion[] = [];
  for (const snapshot of managed) {
    const refusal = deletionRefusal(snapshot, siblingsOf.get(keyOf(snapshot)) ?? [], context);
    const age = ageMs(snapshot) ?? 0;
    if (refusal?.rule === 'in-use') {
      findings.push({
        kind: 'expired-snapshot-in-use',
        severity: 'warning',
        resource: resourceOf(snapshot),
        detail: `expired ${roundHours(age - retentionMs)} h ago but a restore drill is using it; deleted after the drill`,
      });
    }
    if (refusal !== undefined) continue;
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
  const cap = deletionCapOf(policy.maxDeletionsPerRun, input.protectedDatabases.length, input.regions.length);
  const capped = expired.slice(0, cap);
  // Rule 4: the brake. A share, not a count, so that it scales with the fleet.
  const share = deletionShareOf(policy.maxDeletionShare, policy.retentionDays);
  const braked = capped.length > share * managed.length;
  const deletions = braked ? [] : capped.sort(byDatabase);
  const deferred = braked ? expired : expired.slice(cap);
  if (braked) {
    findings.push({
      kind: 'mass-deletion-refused',
      severity: 'violation',
      resource: input.deployment.id,
      detail: `this run would delete ${capped.length} of the deployment's ${managed.length} snapshots, over the ${Number(share.toFixed(3))} share allowed (retention.maxDeletionShare); nothing was deleted: check the clock, the retention and the listings, then raise the share for one run if this is meant`,
    });
  } else {
    findings.push(...backlogFindings(deferred, cap));
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

  return { deletions, deferred, kept: managed.length - deletions.length, cap, braked, findings };
}

/** Database by database, then region: the order batches delete in. */
const byDatabase = (a: PlannedDeletion, b: PlannedDeletion) =>
  a.kind.localeCompare(b.kind) ||
  a.database.localeCompare(b.database) ||
  a.region.localeCompare(b.region) ||
  a.arn.localeCompare(b.arn);

/**
 * What the cap left expired, one finding per region: a backlog that survives
 * a run is a violation, since the promise that data is gone after the
 * retention is already broken for it.
 */
function backlogFindings(deferred: readonly PlannedDeletion[], cap: number): Finding[] {
  const byRegion = new Map<string, PlannedDeletion[]>();
  for (const deletion of deferred) {
    byRegion.set(deletion.region, [...(byRegion.get(deletion.region) ?? []), deletion]);
  }
  return [...byRegion].map(([region, left]) => ({
    kind: 'deletion-deferred' as const,
    severity: 'violation' as const,
    resource: region,
    detail: `${left.length} expired snapshots (the oldest ${left[0]?.ageHours ?? 0} h old) left for the next run by this run's cap of ${cap} deletions; raise retention.maxDeletionsPerRun or set it to auto`,
  }));
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

/**
 * A deletion RDS refuses because the snapshot is busy (InvalidDBSnapshotState:
 * a copy is being made from it, or it is still being made) is tried again
 * within the run after each of these pauses, the batch waiting in the
 * workflow; still busy after the last, it is left for the next run, reported
 * as not deleted. About eight minutes in all: what a copy in flight needs
 * to move on, short beside a prune's day.
 */
export const BUSY_SNAPSHOT_RETRY_SECONDS: readonly number[] = [30, 60, 120, 240];

/** The pause before the next try of a batch's busy deletions, after `tries` tries that found them busy; none once they are spent. */
export function busySnapshotRetry(tries: number): number | undefined {
  return BUSY_SNAPSHOT_RETRY_SECONDS[tries - 1];
}

export const isViolation = (finding: Finding) => finding.severity === 'violation';
