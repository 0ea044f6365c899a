// Drill reports for tests: one that passed, one that failed its checks, one as
// fast as the local cloud restores, and one whose restore failed. They have
// the checks a real drill writes (restore, connect, consistency, assertions,
// inventory, freshness, recovery-time, teardown); details and digests come from
// the domain's and the verifier's own functions so they read like real reports.
import { compareInventory, type DrillReport, evaluateRpo, evaluateRto } from '../../src/domain/drill.ts';
import { buildInventory } from '../../src/verifier/inventory.ts';
import type { CheckResult, Inventory } from '../../src/verifier/types.ts';

const check = (
  name: string,
  status: CheckResult['status'],
  detail: string,
  durationMs: number,
): CheckResult => ({
  name,
  status,
  detail,
  durationMs,
});

const timed = (result: CheckResult, durationMs: number): CheckResult => ({ ...result, durationMs });

// ---------------------------------------------------------------------------
// A passing drill: an Aurora PostgreSQL cluster restored from its cross-region copy.

const ordersPrevious = buildInventory(3, [
  { schema: 'audit', table: 'events', rows: 880_412, exact: false },
  { schema: 'public', table: 'schema_migrations', rows: 86, exact: true },
  { schema: 'shop', table: 'customers', rows: 47_630, exact: true },
  { schema: 'shop', table: 'order_items', rows: 3_790_550, exact: false },
  { schema: 'shop', table: 'orders', rows: 1_181_902, exact: false },
  { schema: 'shop', table: 'products', rows: 2_131, exact: true },
]);

export const passingInventory: Inventory = buildInventory(3, [
  { schema: 'audit', table: 'events', rows: 912_004, exact: false },
  { schema: 'public', table: 'schema_migrations', rows: 87, exact: true },
  { schema: 'shop', table: 'customers', rows: 48_211, exact: true },
  { schema: 'shop', table: 'order_items', rows: 3_880_102, exact: false },
  { schema: 'shop', table: 'orders', rows: 1_204_331, exact: false },
  { schema: 'shop', table: 'products', rows: 2_140, exact: true },
]);

const passingTimings = {
  restoreRequestedAt: '2025-06-01T02:00:20.000Z',
  availableAt: '2025-06-01T02:16:48.000Z',
  verifiedAt: '2025-06-01T02:21:30.000Z',
};
const passingSnapshotTakenAt = '2025-06-01T01:00:12.000Z';
const passingRpo = evaluateRpo(
  new Date(passingSnapshotTakenAt),
  '2025-06-01T01:00:02.000Z',
  900,
  'the freshness query',
);
const passingRto = evaluateRto(passingTimings.restoreRequestedAt, passingTimings.verifiedAt, 3600);

export const passingDrill: DrillReport = {
  schemaVersion: 1,
  drillId: 'drill-orders-20250601T020005Z',
  verdict: 'pass',
  startedAt: '2025-06-01T02:00:05.000Z',
  finishedAt: '2025-06-01T02:27:41.000Z',
  trigger: 'schedule',
  database: { id: 'orders', kind: 'cluster', engine: 'aurora-postgresql' },
  snapshot: {
    id: 'restorable-orders-2025-06-01',
    arn: 'arn:aws:rds:eu-central-1:123456789012:cluster-snapshot:restorable-orders-2025-06-01',
    region: 'eu-central-1',
    takenAt: passingSnapshotTakenAt,
    encrypted: true,
    kmsKeyId: 'arn:aws:kms:eu-central-1:123456789012:key/6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b',
    sourceSnapshotArn: 'arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:restorable-orders-2025-06-01',
    sha256: 'e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8',
  },
  sandbox: {
    id: 'restorable-drill-orders-0601',
    region: 'eu-central-1',
    instanceClass: 'db.r6g.large',
    teardown: 'deleted',
    teardownDetail: 'sandbox restorable-drill-orders-0601 deleted',
  },
  targets: { rtoSeconds: 3600, rpoSeconds: 900 },
  timings: { ...passingTimings, rtoSeconds: passingRto.rtoSeconds, rpoSeconds: passingRpo.rpoSeconds },
  checks: [
    check(
      'restore',
      'pass',
      'restored restorable-orders-2025-06-01 into restorable-drill-orders-0601 in eu-central-1',
      0,
    ),
    check('connect', 'pass', 'connected to orders as restorable_verifier (PostgreSQL 16.4) in 412 ms', 412),
    check(
      'consistency',
      'pass',
      'amcheck: 38 B-tree indexes on 14 tables verified, no corruption found (budget 600 s)',
      96_210,
    ),
    check('assertion: recent-orders', 'pass', 'recent orders: 18204 rows (expected at least 1000)', 1_304),
    timed(compareInventory(passingInventory, ordersPrevious, 20), 8_731),
    timed(passingRpo.check, 95),
    passingRto.check,
    check('teardown', 'pass', 'sandbox restorable-drill-orders-0601 deleted', 0),
  ],
  inventory: passingInventory,
  previousDrill: { drillId: 'drill-orders-20250525T020004Z', finishedAt: '2025-05-25T02:26:10.000Z' },
};

// ---------------------------------------------------------------------------
// A failing drill: a MySQL instance whose backup shows corruption, a table that
// lost most of its rows, an unmeasurable RPO, an RTO over target, and a sandbox
// that could not be torn down.

const billingPrevious = buildInventory(2, [
  { schema: 'billing', table: 'customers', rows: 12_408, exact: true },
  { schema: 'billing', table: 'invoices', rows: 640_118, exact: false },
  { schema: 'billing', table: 'payments', rows: 1_200_000, exact: false },
  { schema: 'reporting', table: 'monthly_totals', rows: 96, exact: true },
]);

export const failingInventory: Inventory = buildInventory(2, [
  { schema: 'billing', table: 'customers', rows: 12_470, exact: true },
  { schema: 'billing', table: 'invoices', rows: 641_302, exact: false },
  { schema: 'billing', table: 'payments', rows: 310_000, exact: false },
  { schema: 'reporting', table: 'monthly_totals', rows: 97, exact: true },
]);

/** The failing check's detail, as the consistency check reports it (a MySQL error message). */
export const failingConsistencyDetail =
  "CHECK TABLE billing.invoices: error: Incorrect key file for table 'invoices'; try to repair it " +
  '(index <idx_customer_due>, 2 of 7 tables checked before the error)';

const failingTeardownDetail =
  'sandbox restorable-drill-billing-0601 was not deleted: InvalidDBInstanceState: instance is not in available ' +
  'state; the sweeper removes it when its time to live ends';

const failingTimings = {
  restoreRequestedAt: '2025-06-01T03:00:31.000Z',
  availableAt: '2025-06-01T04:21:05.000Z',
  verifiedAt: '2025-06-01T04:37:02.000Z',
};
const failingRto = evaluateRto(failingTimings.restoreRequestedAt, failingTimings.verifiedAt, 3600);

export const failingDrill: DrillReport = {
  schemaVersion: 1,
  drillId: 'drill-billing-20250601T030011Z',
  verdict: 'fail',
  startedAt: '2025-06-01T03:00:11.000Z',
  finishedAt: '2025-06-01T04:49:58.000Z',
  trigger: 'on-demand',
  database: { id: 'billing', kind: 'instance', engine: 'mysql' },
  snapshot: {
    id: 'restorable-billing-2025-06-01',
    arn: 'arn:aws:rds:eu-west-1:123456789012:snapshot:restorable-billing-2025-06-01',
    region: 'eu-west-1',
    takenAt: '2025-06-01T01:05:44.000Z',
    encrypted: true,
    kmsKeyId: 'alias/restorable-billing',
    sourceSnapshotArn: null,
    sha256: null,
  },
  sandbox: {
    id: 'restorable-drill-billing-0601',
    region: 'eu-west-1',
    instanceClass: 'db.m6g.large',
    teardown: 'failed',
    teardownDetail: failingTeardownDetail,
  },
  targets: { rtoSeconds: 3600, rpoSeconds: 900 },
  timings: { ...failingTimings, rtoSeconds: failingRto.rtoSeconds, rpoSeconds: null },
  checks: [
    check(
      'restore',
      'pass',
      'restored restorable-billing-2025-06-01 into restorable-drill-billing-0601 in eu-west-1',
      0,
    ),
    check('connect', 'pass', 'connected to billing as restorable_verifier (MySQL 8.0.39) in 388 ms', 388),
    check('consistency', 'fail', failingConsistencyDetail, 41_877),
    check('assertion: open-invoices', 'pass', 'open invoices: 5120 rows (expected at least 1)', 734),
    timed(compareInventory(failingInventory, billingPrevious, 20), 3_120),
    check(
      'freshness',
      'error',
      "freshness query failed: ER_NO_SUCH_TABLE: Table 'billing.ledger_entries' doesn't exist",
      12,
    ),
    failingRto.check,
    check('teardown', 'fail', failingTeardownDetail, 0),
  ],
  inventory: failingInventory,
  previousDrill: { drillId: 'drill-billing-20250525T030009Z', finishedAt: '2025-05-25T03:41:17.000Z' },
};

// ---------------------------------------------------------------------------
// A drill as the local cloud runs it: a PostgreSQL instance restored from its
// cross-region copy in 4 s, against a 30 min RTO target.

const fastTimings = {
  restoreRequestedAt: '2026-11-22T12:00:05.000Z',
  availableAt: '2026-11-22T12:00:07.000Z',
  verifiedAt: '2026-11-22T12:00:09.000Z',
};
const fastRto = evaluateRto(fastTimings.restoreRequestedAt, fastTimings.verifiedAt, 1800);

export const fastDrill: DrillReport = {
  ...passingDrill,
  drillId: 'drill-orders-20261122T120004Z',
  startedAt: '2026-11-22T12:00:04.000Z',
  finishedAt: '2026-11-22T12:00:10.000Z',
  targets: { rtoSeconds: 1800, rpoSeconds: 93_600 },
  timings: { ...fastTimings, rtoSeconds: fastRto.rtoSeconds, rpoSeconds: 610 },
  checks: passingDrill.checks.map((result) => (result.name === 'recovery-time' ? fastRto.check : result)),
};

// ---------------------------------------------------------------------------
// A drill whose restore failed: the cross-region copy could not be restored,
// so every check of the data reports the restore's error as not run, as
// `write-drill-report` writes them.

/** The restore's error, as long as the cloud's messages get. */
export const restoreError =
  'SandboxFailedError: the restore of restorable-orders-2025-06-08 into restorable-drill-orders-0608 failed: ' +
  'InvalidRestoreFault: the DB cluster snapshot arn:aws:rds:eu-central-1:123456789012:cluster-snapshot:' +
  'restorable-orders-2025-06-08 cannot be restored: the KMS key used to encrypt it is pending deletion ' +
  '(key 6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b)';

const notRun = (name: string): CheckResult => check(name, 'error', `not run: ${restoreError}`, 0);
const failedRestoreRto = evaluateRto('2025-06-08T02:00:20.000Z', null, 3600);

export const restoreFailedDrill: DrillReport = {
  schemaVersion: 1,
  drillId: 'drill-orders-20250608T020005Z',
  verdict: 'fail',
  startedAt: '2025-06-08T02:00:05.000Z',
  finishedAt: '2025-06-08T02:41:12.000Z',
  trigger: 'schedule',
  database: { id: 'orders', kind: 'cluster', engine: 'aurora-postgresql' },
  snapshot: {
    id: 'restorable-orders-2025-06-08',
    arn: 'arn:aws:rds:eu-central-1:123456789012:cluster-snapshot:restorable-orders-2025-06-08',
    region: 'eu-central-1',
    takenAt: '2025-06-08T01:00:09.000Z',
    encrypted: true,
    kmsKeyId: 'arn:aws:kms:eu-central-1:123456789012:key/6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b',
    sourceSnapshotArn: 'arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:restorable-orders-2025-06-08',
    sha256: null,
    provenBad: 'the cloud could not restore it (SandboxFailedError)',
  },
  sandbox: {
    id: 'restorable-drill-orders-0608',
    region: 'eu-central-1',
    instanceClass: 'db.r6g.large',
    teardown: 'deleted',
    teardownDetail: 'sandbox restorable-drill-orders-0608 deleted',
  },
  targets: { rtoSeconds: 3600, rpoSeconds: 900 },
  timings: {
    restoreRequestedAt: '2025-06-08T02:00:20.000Z',
    availableAt: null,
    verifiedAt: null,
    rtoSeconds: failedRestoreRto.rtoSeconds,
    rpoSeconds: null,
  },
  checks: [
    check('restore', 'error', restoreError, 0),
    notRun('connect'),
    notRun('consistency'),
    notRun('assertion: recent-orders'),
    notRun('inventory'),
    notRun('freshness'),
    failedRestoreRto.check,
    check('teardown', 'pass', 'sandbox restorable-drill-orders-0608 deleted', 0),
  ],
  inventory: null,
  previousDrill: { drillId: 'drill-orders-20250601T020005Z', finishedAt: '2025-06-01T02:27:41.000Z' },
};
