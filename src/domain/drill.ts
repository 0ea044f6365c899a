// Pure rules of a restore drill: which snapshot to drill, which earlier drills
// are its baselines, how the inventory compares with its baseline, what RPO
// and RTO were measured, and the verdict. A drill passes only when every check
// ran and passed (fail closed).
import type { DatabaseKind } from '../ports/rds.ts';
import { qualifiedTableName } from '../verifier/inventory.ts';
import type { CheckResult, Inventory, TableInventory } from '../verifier/types.ts';

export type Verdict = 'pass' | 'fail';

export interface DrillTimings {
  readonly restoreRequestedAt: string;
  readonly availableAt: string | null;
  readonly verifiedAt: string | null;
  /** Restore requested → verified, in seconds; null when the drill did not get that far. */
  readonly rtoSeconds: number | null;
  /** Snapshot time − newest row time, in seconds; null when freshness could not be measured. */
  readonly rpoSeconds: number | null;
  /**
   * The newest row's time the freshness query found: what the next drill
   * compares with to tell an idle database from a stale snapshot. Null when it
   * could not be read; absent in reports written before drills recorded it.
   */
  readonly newestRowAt?: string | null;
}

export interface DrillReport {
  readonly schemaVersion: 1;
  readonly drillId: string;
  readonly verdict: Verdict;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly trigger: 'schedule' | 'on-demand';
  readonly database: { readonly id: string; readonly kind: DatabaseKind; readonly engine: string };
  /** Where the restored data came from: the provenance a reviewer traces. */
  readonly snapshot: {
    readonly id: string;
    readonly arn: string;
    readonly region: string;
    readonly takenAt: string | null;
    readonly encrypted: boolean;
    readonly kmsKeyId: string | null;
    readonly sourceSnapshotArn: string | null;
    /** SHA-256 of the snapshot archive where the cloud exposes one (the local cloud does). */
    readonly sha256: string | null;
    /**
     * Why the drill proved the snapshot itself bad (see `provenBadReason`);
     * absent or null when it did not. Recorded here as evidence, and as a tag
     * on the snapshot so that the prune never keeps it as a good copy.
     */
    readonly provenBad?: string | null;
    /** Set when the snapshot was another account's: the vault account's copy, shared with this account for the drill. */
    readonly account?: string;
  };
  readonly sandbox: {
    readonly id: string;
    readonly region: string;
    readonly instanceClass: string;
    readonly teardown: 'deleted' | 'failed' | 'not-created';
    readonly teardownDetail: string | null;
  };
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  readonly timings: DrillTimings;
  readonly checks: CheckResult[];
  /** Counts and a digest only, never row contents. */
  readonly inventory: Inventory | null;
  /** The inventory baseline (see `chooseBaseline`); null when there was none. */
  readonly previousDrill: { readonly drillId: string; readonly finishedAt: string } | null;
}

export interface SnapshotCandidate {
  readonly id: string;
  readonly arn: string;
  readonly region: string;
  readonly status: string;
  readonly takenAt: Date | undefined;
}

/** The newest available snapshot; undefined when there is none. */
export function newestAvailable<T extends SnapshotCandidate>(snapshots: readonly T[]): T | undefined {
  return snapshots
    .filter((snapshot) => snapshot.status === 'available' && snapshot.takenAt !== undefined)
    .sort((a, b) => (b.takenAt?.getTime() ?? 0) - (a.takenAt?.getTime() ?? 0))[0];
}

const passed = (report: DrillReport, checkName: string): boolean =>
  report.checks.some((result) => result.name === checkName && result.status === 'pass');

/**
 * Among earlier drills that `qualifies` accepts, the one of the newest snapshot
 * taken no later than the drilled one (by data time, `snapshot.takenAt`), and
 * of those the one that finished last. Drills are ordered by the data they
 * saw, not by when they ran: a drill of an older snapshot, run after a newer
 * one's, does not displace it as the baseline of later drills. Without the
 * drilled snapshot's time nothing can be shown to be as old: there is no
 * baseline; nor is a drill whose own snapshot time is unknown one.
 */
function latestAtOrBefore(
  reports: readonly DrillReport[],
  snapshotTakenAt: Date | undefined,
  qualifies: (report: DrillReport) => boolean,
): DrillReport | undefined {
  if (snapshotTakenAt === undefined) return undefined;
  const dataTime = (report: DrillReport) =>
    report.snapshot.takenAt === null ? Number.NaN : Date.parse(report.snapshot.takenAt);
  return reports
    .filter((report) => dataTime(report) <= snapshotTakenAt.getTime() && qualifies(report))
    .sort((a, b) => dataTime(b) - dataTime(a) || Date.parse(b.finishedAt) - Date.parse(a.finishedAt))[0];
}

/**
 * The inventory baseline: the latest drill whose inventory check passed, of
 * the newest snapshot no newer than the drilled one. A drill that found lost
 * rows is not a baseline, or the next drill would accept the loss; nor is a
 * drill of a newer snapshot, which holds rows an older snapshot never had.
 */
export function chooseBaseline(
  reports: readonly DrillReport[],
  snapshotTakenAt: Date | undefined,
): DrillReport | undefined {
  return latestAtOrBefore(
    reports,
    snapshotTakenAt,
    (report) => report.inventory !== null && passed(report, 'inventory'),
  );
}

/** What the RPO check compares the newest row with, besides the snapshot time. */
export interface FreshnessBaseline {
  readonly drillId: string;
  readonly snapshotTakenAt: string;
  readonly newestRowAt: string;
}

/**
 * The freshness baseline: the latest drill whose freshness check passed and
 * that recorded its newest row, of the newest snapshot no newer than the
 * drilled one. Only a passing check vouches for its newest row: a stale
 * snapshot must not make the next stale one look idle.
 */
export function chooseFreshnessBaseline(
  reports: readonly DrillReport[],
  snapshotTakenAt: Date | undefined,
): FreshnessBaseline | undefined {
  const baseline = latestAtOrBefore(
    reports,
    snapshotTakenAt,
    (report) => typeof report.timings.newestRowAt === 'string' && passed(report, 'freshness'),
  );
  const newestRowAt = baseline?.timings.newestRowAt;
  const snapshotTime = baseline?.snapshot.takenAt;
  if (baseline === undefined || typeof newestRowAt !== 'string' || typeof snapshotTime !== 'string')
    return undefined;
  return { drillId: baseline.drillId, snapshotTakenAt: snapshotTime, newestRowAt };
}

const check = (name: string, status: CheckResult['status'], detail: string): CheckResult => ({
  name,
  status,
  detail,
  durationMs: 0,
});

/**
 * Compares the inventory with the previous drill's: a table that disappeared,
 * or that lost more than `thresholdPercent` of its rows, fails the check and is
 * named with its numbers. That is how accidental deletion or ransomware shows
 * up in backups.
 */
export function compareInventory(
  current: Inventory | undefined,
  previous: Inventory | undefined,
  thresholdPercent: number,
): CheckResult {
  if (current === undefined) return check('inventory', 'error', 'the inventory could not be taken');
  const summary = `${current.schemas} schemas, ${current.tables.length} tables, ${current.totalRows} rows`;
  if (previous === undefined)
    return check(
      'inventory',
      'pass',
      `${summary}; no earlier passing drill of a snapshot as old or older: baseline recorded`,
    );
  const now = new Map(current.tables.map((table) => [qualifiedTableName(table), table]));
  const problems: string[] = [];
  for (const before of previous.tables) {
    const name = qualifiedTableName(before);
    const after = now.get(name) ?? sameTableInAnyDatabase(before, current.tables);
    if (after === undefined) {
      problems.push(`${name} disappeared (had ${before.rows} rows)`);
      continue;
    }
    if (before.rows > 0) {
      const lostPercent = ((before.rows - after.rows) / before.rows) * 100;
      if (lostPercent > thresholdPercent) {
        problems.push(
          `${name} shrank from ${before.rows} to ${after.rows} rows (-${lostPercent.toFixed(1)}%, threshold ${thresholdPercent}%)`,
        );
      }
    }
  }
  if (problems.length > 0) return check('inventory', 'fail', `${problems.join('; ')}; now ${summary}`);
  const added = current.tables.length - previous.tables.length;
  return check(
    'inventory',
    'pass',
    `${summary}; ${current.totalRows - previous.totalRows >= 0 ? '+' : ''}${current.totalRows - previous.totalRows} rows` +
      `${added > 0 ? `, ${added} new tables` : ''} since the previous drill`,
  );
}

/**
 * A table of a report from before PostgreSQL inventories named their database
 * (the verifier then read one database only), found in whichever database now
 * holds a table of that schema and name; the largest, so that the first drill
 * after the change does not report the tables of the others as shrunk.
 */
function sameTableInAnyDatabase(
  before: TableInventory,
  tables: readonly TableInventory[],
): TableInventory | undefined {
  if (before.database !== undefined) return undefined;
  return tables
    .filter((table) => table.schema === before.schema && table.table === before.table)
    .sort((a, b) => b.rows - a.rows)[0];
}

/**
 * RPO: how much older the newest row is than the snapshot, against the target;
 * `source` says where the newest row time came from. Beyond the target, the
 * check still passes when the newest row is the very one the freshness
 * baseline found: nothing was written since, the database was idle and the
 * snapshot holds its newest data. A newest row older than the baseline's is no
 * sign of idleness (rows went missing), and without a baseline, as at the
 * first drill, the target applies.
 */
/** How far a database's clock may run ahead of the snapshot's without making its rows look written later. */
const CLOCK_SKEW_MS = 5 * 60_000;

export function evaluateRpo(
  snapshotTakenAt: Date | undefined,
  newestRowTime: string | undefined,
  targetSeconds: number,
  source: string | undefined,
  baseline?: FreshnessBaseline,
): { check: CheckResult; rpoSeconds: number | null } {
  if (snapshotTakenAt === undefined || newestRowTime === undefined) {
    return { check: check('freshness', 'error', 'the newest row time could not be read'), rpoSeconds: null };
  }
  const aheadMs = Date.parse(newestRowTime) - snapshotTakenAt.getTime();
  // A snapshot holds no row written after it: a newest "row" later than the
  // snapshot (beyond clock skew) is a time that is no write time, such as a
  // due date, and would make any snapshot look fresh.
  if (aheadMs > CLOCK_SKEW_MS) {
    return {
      check: check(
        'freshness',
        'error',
        `the newest row time ${newestRowTime}${source === undefined ? '' : ` (${source})`} is later than the snapshot ` +
          `(${snapshotTakenAt.toISOString()}): it is no write time; set the database's freshnessQuery to measure the RPO`,
      ),
      rpoSeconds: null,
    };
  }
  const rpoSeconds = Math.max(0, Math.round(-aheadMs / 1000));
  const measured =
    `newest row ${newestRowTime}${source === undefined ? '' : ` (${source})`}, snapshot ${snapshotTakenAt.toISOString()}: ` +
    `RPO ${formatDuration(rpoSeconds)} (target ${formatDuration(targetSeconds)})`;
  if (rpoSeconds <= targetSeconds) return { check: check('freshness', 'pass', measured), rpoSeconds };
  const idle = baseline !== undefined && Date.parse(newestRowTime) === Date.parse(baseline.newestRowAt);
  return {
    check: idle
      ? check(
          'freshness',
          'pass',
          `${measured}; no rows written since drill ${baseline.drillId} at ${baseline.snapshotTakenAt}: ` +
            'the database was idle; the snapshot holds its newest data',
        )
      : check('freshness', 'fail', measured),
    rpoSeconds,
  };
}

/** RTO: restore requested → verified. */
export function evaluateRto(
  restoreRequestedAt: string,
  verifiedAt: string | null,
  targetSeconds: number,
): { check: CheckResult; rtoSeconds: number | null } {
  if (verifiedAt === null) {
    return {
      check: check('recovery-time', 'error', 'the restore was not verified: no RTO'),
      rtoSeconds: null,
    };
  }
  const rtoSeconds = Math.max(
    0,
    Math.round((Date.parse(verifiedAt) - Date.parse(restoreRequestedAt)) / 1000),
  );
  return {
    check: check(
      'recovery-time',
      rtoSeconds <= targetSeconds ? 'pass' : 'fail',
      `restore requested ${restoreRequestedAt}, verified ${verifiedAt}: RTO ${formatDuration(rtoSeconds)} ` +
        `(target ${formatDuration(targetSeconds)})`,
    ),
    rtoSeconds,
  };
}

/** Fail closed: anything but every check passing fails the drill, and so does having no checks. */
/**
 * Errors of a restore that are the snapshot's own fault: its archive does not
 * match its digest, or the cloud could not restore it. Every other failure
 * (throttling, capacity, a missing subnet group, a verifier that could not
 * connect) says nothing about the snapshot.
 */
const SNAPSHOT_FAULT_ERRORS: ReadonlySet<string> = new Set(['SnapshotCorruptedError', 'SandboxFailedError']);

/**
 * Why a drill proves its snapshot bad, or undefined when it does not: the
 * restore failed with one of `SNAPSHOT_FAULT_ERRORS`, or the engine's
 * consistency check found corruption (`fail`; an `error`, a check that could
 * not run, proves nothing). A shrunken table is not proof: the data may have
 * shrunk at the source, and an older snapshot holds the rows either way.
 */
export function provenBadReason(
  checks: readonly CheckResult[],
  restoreErrorName: string | undefined,
): string | undefined {
  if (restoreErrorName !== undefined && SNAPSHOT_FAULT_ERRORS.has(restoreErrorName)) {
    const restore = checks.find((result) => result.name === 'restore');
    return `restore failed: ${restore?.detail ?? restoreErrorName}`;
  }
  const consistency = checks.find((result) => result.name === 'consistency');
  if (consistency?.status === 'fail') return `consistency check failed: ${consistency.detail}`;
  return undefined;
}

export function verdictOf(checks: readonly CheckResult[]): Verdict {
  return checks.length > 0 && checks.every((result) => result.status === 'pass') ? 'pass' : 'fail';
}

export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
