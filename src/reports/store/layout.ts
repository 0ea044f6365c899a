// Where every document of the report store lives: the one definition of each
// key, of the prefix its listings take, and of what a key says (its day, its
// database, its run). Their schemas are store/schemas.ts, and the catalog
// of kinds (key, schema, description) store/index.ts. The modules of the
// documents (evidence.ts, deletion-log.ts, drill-report.ts, …) hold their
// reading and writing and take their keys from here; tasks and commands go
// through those functions and never spell a key. Keys only ever gain new kinds: a
// store written by an earlier version reads with the same keys.
//
// Evidence (kept; the compliance report reads it):
//   evidence/backups/<day>/<database>/<run>.json               what a backup run did for one database
//   evidence/prunes/<day>/<run>.json                           a prune's log
//   evidence/sweeps/<day>/<run>.json                           the sandboxes a sweep removed
//   evidence/deletions/<run day>/<run>/batch-<n>.intent.json   a deletion batch's write-ahead intent
//   evidence/deletions/<run day>/<run>/batch-<n>.outcome.json  and its outcome
//   evidence/deletions/<run day>/<run>/<region>/<snapshot>.intent.json    earlier versions' per-deletion
//   evidence/deletions/<run day>/<run>/<region>/<snapshot>.outcome.json   intent and outcome, still read
//   evidence/inventories/<day>/<report>.json                   the inventory a compliance report used
//   evidence/manifests/<day>.json                              a closed day's evidence, sealed
// Reports:
//   drills/<database>/<day finished>/<drill>.json and .html    a drill's report
//   compliance/<period's last day>/<report>.json, .csv, .html  a compliance report
// Leases (removed once expired):
//   leases/drills/<expiry day>/<drill>.json                    a drill's hold on its snapshot
//   leases/drills/<drill>.json                                 earlier versions' leases, keyed by no day
// Work documents (a run's own state, kept out of the workflow's state):
//   work/backups/<run folder>/queue.json                       a backup run's queue
//   work/backups/<run folder>/pages/<n>.json                   and its pages of databases
//   work/backups/timings.json                                  how long each database's snapshots and copies took
//   work/prunes/<run day>/<run>/plan.json                      a prune's plan
//   work/drills/<drill>/verification.json                      a verifier's result, read by the drill report
import { z } from 'zod';
import type { ComplianceReport } from '../../domain/compliance-report.ts';
import type { DrillReport } from '../../domain/drill.ts';
import { InvalidInputError } from '../../domain/errors.ts';
import { fnv1a } from '../../domain/hash.ts';
import { WORK_DOCUMENT_PREFIX } from '../../ports/report-store.ts';
import { KEY_SEGMENT } from '../json-document.ts';

const DAY = '(\\d{4}-\\d{2}-\\d{2})';
const SEGMENT = '([^/]+)';
const dayOf = (time: string) => time.slice(0, 10);

// ---------------------------------------------------------------------------
// Backup records, prune logs, sweep records

export const BACKUP_RECORDS_PREFIX = 'evidence/backups/';
export const PRUNE_LOGS_PREFIX = 'evidence/prunes/';
export const SWEEP_RECORDS_PREFIX = 'evidence/sweeps/';

export const backupRecordKey = (record: { startedAt: string; id: string; runId: string }) =>
  `${BACKUP_RECORDS_PREFIX}${dayOf(record.startedAt)}/${record.id}/${record.runId}.json`;
export const backupRecordsOfDayPrefix = (day: string) => `${BACKUP_RECORDS_PREFIX}${day}/`;

const BACKUP_RECORD_KEY = new RegExp(`^evidence/backups/${DAY}/${SEGMENT}/${SEGMENT}\\.json$`);

/** The day, database and run a backup record's key names; undefined for any other key. */
export function parseBackupRecordKey(
  key: string,
): { day: string; database: string; runId: string } | undefined {
  const match = BACKUP_RECORD_KEY.exec(key);
  if (match === null) return undefined;
  const [, day = '', database = '', runId = ''] = match;
  return { day, database, runId };
}

/** The database a backup record's key names, if it is one. */
export const databaseOfBackupRecordKey = (key: string) => parseBackupRecordKey(key)?.database;

export const pruneLogKey = (log: { startedAt: string; runId: string }) =>
  `${PRUNE_LOGS_PREFIX}${dayOf(log.startedAt)}/${log.runId}.json`;
export const pruneLogsOfDayPrefix = (day: string) => `${PRUNE_LOGS_PREFIX}${day}/`;

export const sweepRecordKey = (record: { sweptAt: string; runId: string }) =>
  `${SWEEP_RECORDS_PREFIX}${dayOf(record.sweptAt)}/${record.runId}.json`;
export const sweepRecordsOfDayPrefix = (day: string) => `${SWEEP_RECORDS_PREFIX}${day}/`;

const DAY_RUN_KEY = (prefix: string) => new RegExp(`^${prefix}${DAY}/${SEGMENT}\\.json$`);
const PRUNE_LOG_KEY = DAY_RUN_KEY('evidence/prunes/');
const SWEEP_RECORD_KEY = DAY_RUN_KEY('evidence/sweeps/');

function parseDayRun(pattern: RegExp, key: string): { day: string; runId: string } | undefined {
  const match = pattern.exec(key);
  if (match === null) return undefined;
  const [, day = '', runId = ''] = match;
  return { day, runId };
}

export const parsePruneLogKey = (key: string) => parseDayRun(PRUNE_LOG_KEY, key);
export const parseSweepRecordKey = (key: string) => parseDayRun(SWEEP_RECORD_KEY, key);

// ---------------------------------------------------------------------------
// Inventories and manifests

export const INVENTORIES_PREFIX = 'evidence/inventories/';
export const inventoryKey = (to: string, reportId: string) => `${INVENTORIES_PREFIX}${to}/${reportId}.json`;

export const MANIFESTS_PREFIX = 'evidence/manifests/';
export const manifestKey = (day: string) => `${MANIFESTS_PREFIX}${day}.json`;

const MANIFEST_KEY = new RegExp(`^evidence/manifests/${DAY}\\.json$`);

/** The day a manifest's key names; undefined for any other key. */
export const dayOfManifestKey = (key: string) => MANIFEST_KEY.exec(key)?.[1];

/** Every key under it is evidence, of a kind above. */
export const EVIDENCE_PREFIX = 'evidence/';

const DAY_SEGMENT = new RegExp(`/${DAY}/`);

/**
 * The day an evidence key (not a manifest's, not an inventory's: those are
 * about days, not of one) or a drill report's key names: where sealing starts.
 */
export function dayOfSealableKey(key: string): string | undefined {
  if (key.startsWith(MANIFESTS_PREFIX) || key.startsWith(INVENTORIES_PREFIX)) return undefined;
  if (!key.startsWith(EVIDENCE_PREFIX) && !key.startsWith(DRILL_REPORTS_PREFIX)) return undefined;
  return DAY_SEGMENT.exec(key)?.[1];
}

// ---------------------------------------------------------------------------
// The deletion log

export const DELETION_LOG_PREFIX = 'evidence/deletions/';
export const deletionLogOfDayPrefix = (day: string) => `${DELETION_LOG_PREFIX}${day}/`;

type DeletionRef = { runId: string; runStartedAt: string; region: string; snapshot: string };
type BatchRef = { runId: string; runStartedAt: string; batch: number };

const deletionBaseKey = (ref: DeletionRef) =>
  `${DELETION_LOG_PREFIX}${dayOf(ref.runStartedAt)}/${ref.runId}/${ref.region}/${ref.snapshot}`;
const batchBaseKey = (ref: BatchRef) =>
  `${DELETION_LOG_PREFIX}${dayOf(ref.runStartedAt)}/${ref.runId}/batch-${String(ref.batch).padStart(5, '0')}`;

export const deletionIntentKey = (ref: DeletionRef) => `${deletionBaseKey(ref)}.intent.json`;
export const deletionOutcomeKey = (ref: DeletionRef) => `${deletionBaseKey(ref)}.outcome.json`;
export const batchIntentKey = (ref: BatchRef) => `${batchBaseKey(ref)}.intent.json`;
export const batchOutcomeKey = (ref: BatchRef) => `${batchBaseKey(ref)}.outcome.json`;

const DELETION_KEY = new RegExp(
  `^evidence/deletions/${DAY}/${SEGMENT}/${SEGMENT}/${SEGMENT}\\.(intent|outcome)\\.json$`,
);
const BATCH_KEY = new RegExp(`^evidence/deletions/${DAY}/${SEGMENT}/batch-(\\d+)\\.(intent|outcome)\\.json$`);

/** What a deletion log key names: a batch's document, or one of a single deletion (earlier versions). */
export type DeletionLogKey =
  | { readonly layout: 'batch'; day: string; runId: string; batch: number; type: 'intent' | 'outcome' }
  | {
      readonly layout: 'deletion';
      day: string;
      runId: string;
      region: string;
      snapshot: string;
      type: 'intent' | 'outcome';
    };

/** Undefined for a key that is no deletion log document. */
export function parseDeletionLogKey(key: string): DeletionLogKey | undefined {
  const batch = BATCH_KEY.exec(key);
  if (batch !== null) {
    const [, day = '', runId = '', index = '', type] = batch;
    return {
      layout: 'batch',
      day,
      runId,
      batch: Number(index),
      type: type === 'intent' ? 'intent' : 'outcome',
    };
  }
  const single = DELETION_KEY.exec(key);
  if (single === null) return undefined;
  const [, day = '', runId = '', region = '', snapshot = '', type] = single;
  return { layout: 'deletion', day, runId, region, snapshot, type: type === 'intent' ? 'intent' : 'outcome' };
}

/** The outcome key that goes with an intent key, in either layout. */
export const outcomeKeyOfIntentKey = (intentKey: string) =>
  intentKey.replace(/\.intent\.json$/, '.outcome.json');

// ---------------------------------------------------------------------------
// Drill reports and compliance reports

export const DRILL_REPORTS_PREFIX = 'drills/';
export const drillReportsOfDatabasePrefix = (databaseId: string) => `${DRILL_REPORTS_PREFIX}${databaseId}/`;

function keySegment(what: string, field: string, value: string): string {
  if (!KEY_SEGMENT.test(value)) {
    throw new InvalidInputError(`${what} ${field} ${JSON.stringify(value)} cannot be part of a store key`);
  }
  return value;
}

/** A drill's report, dated by when the drill finished, in UTC; InvalidInputError for what cannot be a key. */
export function drillReportKeys(report: Pick<DrillReport, 'drillId' | 'finishedAt' | 'database'>): {
  json: string;
  html: string;
} {
  const finished = Date.parse(report.finishedAt);
  if (Number.isNaN(finished)) {
    throw new InvalidInputError(`drill report finishedAt ${JSON.stringify(report.finishedAt)} is not a time`);
  }
  const day = new Date(finished).toISOString().slice(0, 10);
  const base = `${drillReportsOfDatabasePrefix(keySegment('drill report', 'database.id', report.database.id))}${day}/${keySegment('drill report', 'drillId', report.drillId)}`;
  return { json: `${base}.json`, html: `${base}.html` };
}

const DRILL_REPORT_KEY = new RegExp(`^drills/${SEGMENT}/${DAY}/${SEGMENT}\\.(json|html)$`);

/** The database, day and drill a drill report's key names; undefined for any other key. */
export function parseDrillReportKey(
  key: string,
): { database: string; day: string; drillId: string } | undefined {
  const match = DRILL_REPORT_KEY.exec(key);
  if (match === null) return undefined;
  const [, database = '', day = '', drillId = ''] = match;
  return { database, day, drillId };
}

export const databaseOfDrillReportKey = (key: string) => /^drills\/([^/]+)\//.exec(key)?.[1];
export const dayOfDrillReportKey = (key: string) => /^drills\/[^/]+\/(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];

export const COMPLIANCE_REPORTS_PREFIX = 'compliance/';

/** A compliance report, filed by its period's last day; InvalidInputError for what cannot be a key. */
export function complianceReportKeys(report: Pick<ComplianceReport, 'reportId' | 'period'>): {
  json: string;
  csv: string;
  html: string;
} {
  keySegment('compliance report', 'reportId', report.reportId);
  if (!z.iso.date().safeParse(report.period.to).success) {
    throw new InvalidInputError(
      `compliance report period.to ${JSON.stringify(report.period.to)} is not a date (YYYY-MM-DD)`,
    );
  }
  const base = `${COMPLIANCE_REPORTS_PREFIX}${report.period.to}/${report.reportId}`;
  return { json: `${base}.json`, csv: `${base}.csv`, html: `${base}.html` };
}

/** The time in a report key (`compliance/<to>/compliance-<from>-to-<to>-<time>.json`), which orders reports. */
export const generatedAtOfComplianceReportKey = (key: string) =>
  /^compliance\/.*-(\d{8}T\d{6}Z)\.json$/.exec(key)?.[1];

// ---------------------------------------------------------------------------
// Drill leases

export const DRILL_LEASE_PREFIX = 'leases/drills/';

export const drillLeaseKey = (lease: { drillId: string; expiresAt: string }) =>
  `${DRILL_LEASE_PREFIX}${dayOf(lease.expiresAt)}/${lease.drillId}.json`;

const LEASE_KEY = new RegExp(`^leases/drills/(?:${DAY}/)?${SEGMENT}\\.json$`);

/** The expiry day (absent from earlier versions' keys) and drill a lease's key names; undefined for any other key. */
export function parseDrillLeaseKey(
  key: string,
): { expiryDay: string | undefined; drillId: string } | undefined {
  const match = LEASE_KEY.exec(key);
  if (match === null) return undefined;
  return { expiryDay: match[1], drillId: match[2] ?? '' };
}

const expiryDayOf = (key: string) => key.slice(DRILL_LEASE_PREFIX.length).split('/')[0] ?? '';

/** Whether a lease key starts with its expiry day (every lease but those of earlier versions). */
export const isDatedLeaseKey = (key: string) => /^\d{4}-\d{2}-\d{2}$/.test(expiryDayOf(key));

/** Whether a lease key's expiry day is today or later (UTC): only those can still be active. */
export function isCurrentLeaseKey(key: string, now: Date): boolean {
  return !isDatedLeaseKey(key) || expiryDayOf(key) >= now.toISOString().slice(0, 10);
}

/** Whether a key is the lease of this drill, in either layout. */
export const isLeaseKeyOf = (key: string, drillId: string) => parseDrillLeaseKey(key)?.drillId === drillId;

// ---------------------------------------------------------------------------
// Work documents

export const BACKUP_WORK_PREFIX = `${WORK_DOCUMENT_PREFIX}backups/`;
export const BACKUP_TIMINGS_KEY = `${BACKUP_WORK_PREFIX}timings.json`;
/** The deployment's latest backup run to start, for the next to tell whether it overlaps it. */
export const LATEST_BACKUP_RUN_KEY = `${BACKUP_WORK_PREFIX}latest-run.json`;

/**
 * A run id is an execution name, which may hold characters a key segment
 * may not (Step Functions allows `+`, `=`, `@` and more): such a name is
 * made safe, and followed by a hash of the whole so that two runs never share
 * a folder.
 */
function backupRunFolder(runId: string): string {
  if (KEY_SEGMENT.test(runId)) return `${BACKUP_WORK_PREFIX}${runId}/`;
  const safe = runId
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return `${BACKUP_WORK_PREFIX}${safe === '' ? 'run' : safe}-${fnv1a(runId)}/`;
}

export const backupQueueKey = (runId: string) => `${backupRunFolder(runId)}queue.json`;
export const backupQueuePageKey = (runId: string, page: number) =>
  `${backupRunFolder(runId)}pages/${page}.json`;
export const backupRosterKey = (runId: string) => `${backupRunFolder(runId)}databases.json`;

export const PRUNE_WORK_PREFIX = `${WORK_DOCUMENT_PREFIX}prunes/`;
export const prunePlanKey = (plan: { runId: string; startedAt: string }) =>
  `${PRUNE_WORK_PREFIX}${dayOf(plan.startedAt)}/${plan.runId}/plan.json`;
/** One deletion batch's slice of the plan, so that a batch reads its own 500 and not the fleet's. */
export const prunePlanBatchKey = (plan: { runId: string; startedAt: string }, batch: number) =>
  `${PRUNE_WORK_PREFIX}${dayOf(plan.startedAt)}/${plan.runId}/batches/${String(batch).padStart(5, '0')}.json`;

export const DRILL_WORK_PREFIX = `${WORK_DOCUMENT_PREFIX}drills/`;
export const verificationKey = (drillId: string) => `${DRILL_WORK_PREFIX}${drillId}/verification.json`;
