// The schema of every document the report store holds, in one place: the
// evidence (backup records, prune logs, sweep records, the deletion log,
// inventories, manifests), the reports (drill and compliance reports), the
// leases, and the work documents (backup queue, its pages and timings, prune
// plans, verification results). Where each lives is store/layout.ts; the
// catalog of kinds, each with its key, schema and description, is
// store/index.ts. The document modules (evidence.ts, deletion-log.ts, …)
// read and write through these schemas; this module imports none of them.
import { z } from 'zod';
import { PROMISES, type PromiseId } from '../../domain/compliance-report.ts';
import { type DrillReport, verdictOf } from '../../domain/drill.ts';
import {
  isoTimeSchema as isoTime,
  keySegmentSchema as keySegment,
  secondsSchema as seconds,
  sha256Schema as sha256,
} from '../json-document.ts';

export { drillLeaseSchema } from '../../domain/drill-leases.ts';

/** Any ISO time with an offset: the rule of the deletion log and the prune plan. */
const offsetTime = z.iso.datetime({ offset: true });

// ---------------------------------------------------------------------------
// Backup records, prune logs, sweep records, inventories, verification results (evidence.ts)

const version = z.literal(1, { error: 'must be 1: this version of restorable reads schema version 1 only' });
const kind = z.enum(['instance', 'cluster']);

export const backupRecordSchema = z
  .object({
    schemaVersion: version,
    runId: z.string().min(1),
    startedAt: isoTime,
    recordedAt: isoTime,
    id: z.string().min(1),
    kind,
    status: z.enum(['OK', 'PARTIAL', 'FAILED']),
    snapshots: z.array(
      z.object({
        region: z.string().min(1),
        id: z.string(),
        status: z.string().min(1),
        note: z.string().optional(),
      }),
    ),
    error: z.string().optional(),
    /** In a run with a vault account: its copy in each vault region (absent before vault copies existed). */
    vaultCopies: z
      .array(
        z.object({
          region: z.string().min(1),
          id: z.string(),
          status: z.enum(['available', 'failed']),
          note: z.string().optional(),
        }),
      )
      .optional(),
    /**
     * How long the snapshot and each copy took, in seconds, where this run
     * started and timed them: the evidence the next run schedules its checks by.
     */
    durations: z
      .object({
        snapshotSeconds: z.number().nonnegative().optional(),
        copySeconds: z.record(z.string(), z.number().nonnegative()).optional(),
      })
      .optional(),
  })
  .loose();
export type BackupRecord = z.output<typeof backupRecordSchema>;

const deletionRow = z
  .object({
    database: z.string().min(1),
    region: z.string().min(1),
    snapshot: z.string().min(1),
    ageHours: z.number(),
    /** `already-gone`: someone else deleted it first; it does not account for its disappearance. */
    status: z.string().optional(),
  })
  .loose();

export const pruneLogSchema = z
  .object({
    schemaVersion: version,
    runId: z.string().min(1),
    startedAt: isoTime,
    dryRun: z.boolean(),
    deleted: z.array(deletionRow),
    failed: z.array(deletionRow.extend({ error: z.string() })),
    findings: z.array(
      z.object({
        kind: z.string().min(1),
        severity: z.enum(['violation', 'warning']),
        resource: z.string(),
        detail: z.string(),
      }),
    ),
    status: z.enum(['OK', 'FAILED']),
  })
  .loose();
export type PruneLog = z.output<typeof pruneLogSchema>;

export const sweepRecordSchema = z
  .object({
    schemaVersion: version,
    runId: z.string().min(1),
    sweptAt: isoTime,
    deleted: z.array(
      z
        .object({
          region: z.string().min(1),
          id: z.string().min(1),
          reason: z.string(),
          createdAt: isoTime.nullable(),
        })
        .loose(),
    ),
  })
  .loose();
export type SweepRecord = z.output<typeof sweepRecordSchema>;

export const inventorySchema = z
  .object({
    schemaVersion: version,
    takenAt: isoTime,
    databases: z.array(z.object({ id: z.string().min(1) }).loose()),
    snapshots: z.array(z.object({ region: z.string().min(1), id: z.string().min(1) }).loose()),
    sandboxes: z.array(z.object({ region: z.string().min(1), id: z.string().min(1) }).loose()),
  })
  .loose();
export type InventoryDocument = z.input<typeof inventorySchema>;

const checkResult = z.object({
  name: z.string().min(1),
  status: z.enum(['pass', 'fail', 'error']),
  detail: z.string(),
  durationMs: z.number().nonnegative(),
});

export const verificationSchema = z.object({
  verifiedAt: isoTime,
  checks: z.array(checkResult),
  inventory: z
    .object({
      schemas: z.number().int().nonnegative(),
      tables: z.array(
        z.object({
          /** PostgreSQL: the database of the table; MySQL's schema is its database. */
          database: z.string().optional(),
          schema: z.string(),
          table: z.string(),
          rows: z.number().int().nonnegative(),
          exact: z.boolean(),
        }),
      ),
      totalRows: z.number().int().nonnegative(),
      digest: z.string(),
    })
    .optional(),
  newestRowTime: z.string().optional(),
  /** Where the newest row time came from: the freshness query, or the column found. */
  newestRowSource: z.string().optional(),
  freshnessCheck: checkResult.optional(),
});
export type Verification = z.output<typeof verificationSchema>;

// ---------------------------------------------------------------------------
// The write-ahead deletion log (deletion-log.ts)

/** A segment of a deletion log key: the log's own rule, older than `keySegmentSchema`. */
const logSegment = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" and "-" only');

export const deletionIntentSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: logSegment,
  runStartedAt: offsetTime,
  intendedAt: offsetTime,
  database: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  region: logSegment,
  snapshot: logSegment,
  arn: z.string().startsWith('arn:'),
  ageHours: z.number(),
  reason: z.string().min(1),
});

export const deletionOutcomeSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: logSegment,
  region: logSegment,
  snapshot: logSegment,
  /**
   * deleted: this run deleted it; not-deleted: it did not (the delete failed,
   * or the run stopped before it; `detail` says whether a later run did).
   */
  status: z.enum(['deleted', 'not-deleted']),
  at: offsetTime,
  /** The later run that recorded this outcome for a run that stopped; null when the run itself did. */
  completedBy: logSegment.nullable(),
  detail: z.string().nullable(),
});

export type DeletionIntent = z.infer<typeof deletionIntentSchema>;
export type DeletionOutcome = z.infer<typeof deletionOutcomeSchema>;

const intendedDeletion = deletionIntentSchema.pick({
  database: true,
  kind: true,
  region: true,
  snapshot: true,
  arn: true,
  ageHours: true,
  reason: true,
});

export const batchIntentSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: logSegment,
  runStartedAt: offsetTime,
  intendedAt: offsetTime,
  batch: z.number().int().min(0),
  /** Every deletion the batch may make, written before the first of them. */
  deletions: z.array(intendedDeletion),
});

const batchOutcomeEntry = deletionOutcomeSchema.pick({
  region: true,
  snapshot: true,
  status: true,
  at: true,
  detail: true,
});

export const batchOutcomeSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: logSegment,
  batch: z.number().int().min(0),
  at: offsetTime,
  completedBy: logSegment.nullable(),
  /** One per deletion of the batch's intent. */
  outcomes: z.array(batchOutcomeEntry),
  /**
   * The planned deletions the batch did not intend: gone before it looked, or
   * refused by the check against the live state (`detail` says why).
   */
  skipped: z.array(
    z.strictObject({
      region: logSegment,
      snapshot: logSegment,
      status: z.enum(['already-gone', 'refused']),
      detail: z.string(),
    }),
  ),
});

export type BatchIntent = z.infer<typeof batchIntentSchema>;
export type BatchOutcome = z.infer<typeof batchOutcomeSchema>;
export type BatchOutcomeEntry = z.infer<typeof batchOutcomeEntry>;

// ---------------------------------------------------------------------------
// Drill reports (drill-report.ts)

const checkResultSchema = z.strictObject({
  name: z.string().min(1),
  status: z.enum(['pass', 'fail', 'error']),
  detail: z.string(),
  durationMs: z.number().nonnegative(),
});

const tableInventorySchema = z.strictObject({
  // PostgreSQL tables since the verifier checks every database; older reports and MySQL have none.
  database: z.string().min(1).optional(),
  schema: z.string().min(1),
  table: z.string().min(1),
  rows: z.number().int().nonnegative(),
  exact: z.boolean(),
});

const drillInventorySchema = z.strictObject({
  schemas: z.number().int().nonnegative(),
  tables: z.array(tableInventorySchema),
  totalRows: z.number().int().nonnegative(),
  digest: sha256,
});

export const drillReportSchema = z
  .strictObject({
    schemaVersion: z.literal(1, {
      error: 'must be 1: this version of restorable reads drill reports of schema version 1 only',
    }),
    drillId: keySegment,
    verdict: z.enum(['pass', 'fail']),
    startedAt: isoTime,
    finishedAt: isoTime,
    trigger: z.enum(['schedule', 'on-demand']),
    database: z.strictObject({
      id: keySegment,
      kind: z.enum(['instance', 'cluster']),
      engine: z.string().min(1),
    }),
    snapshot: z.strictObject({
      id: z.string().min(1),
      arn: z.string().startsWith('arn:', 'must be an ARN (arn:...)'),
      region: z.string().min(1),
      takenAt: isoTime.nullable(),
      encrypted: z.boolean(),
      kmsKeyId: z.string().min(1).nullable(),
      sourceSnapshotArn: z.string().startsWith('arn:', 'must be an ARN (arn:...)').nullable(),
      sha256: sha256.nullable(),
      // Reports written before drills recorded it have no such field.
      provenBad: z.string().min(1).nullable().optional(),
    }),
    sandbox: z.strictObject({
      id: z.string().min(1),
      region: z.string().min(1),
      instanceClass: z.string().min(1),
      teardown: z.enum(['deleted', 'failed', 'not-created']),
      teardownDetail: z.string().nullable(),
    }),
    targets: z.strictObject({ rtoSeconds: z.number().positive(), rpoSeconds: z.number().positive() }),
    timings: z.strictObject({
      restoreRequestedAt: isoTime,
      availableAt: isoTime.nullable(),
      verifiedAt: isoTime.nullable(),
      rtoSeconds: seconds.nullable(),
      rpoSeconds: seconds.nullable(),
      // Reports written before drills recorded it have no such field.
      newestRowAt: isoTime.nullable().optional(),
    }),
    checks: z.array(checkResultSchema),
    inventory: drillInventorySchema.nullable(),
    previousDrill: z.strictObject({ drillId: keySegment, finishedAt: isoTime }).nullable(),
  })
  .superRefine((report, context) => {
    // Fail closed: a report may not claim a pass that its own checks deny.
    if (report.verdict === 'pass' && verdictOf(report.checks) !== 'pass') {
      const failing = report.checks.filter((check) => check.status !== 'pass').map((check) => check.name);
      context.addIssue({
        code: 'custom',
        path: ['verdict'],
        message:
          failing.length === 0
            ? 'is "pass" but the report has no checks: a drill passes only when every check ran and passed'
            : `is "pass" but these checks did not pass: ${failing.join(', ')}`,
      });
    }
  });

// ---------------------------------------------------------------------------
// Prune plans and their batches (prune-plan.ts)

export const plannedDeletionSchema = z.strictObject({
  database: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  region: z.string().min(1),
  snapshot: z.string().min(1),
  arn: z.string().startsWith('arn:'),
  ageHours: z.number(),
  reason: z.enum([
    'expired',
    'expired-failed',
    'expired-proven-bad',
    'expired-stuck-copy',
    'expired-vault-staging',
  ]),
});

export type PlannedDeletionDocument = z.infer<typeof plannedDeletionSchema>;

export const prunePlanSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  startedAt: offsetTime,
  /** What the run deletes, in the order the batches take them. */
  deletions: z.array(plannedDeletionSchema),
  /** Expired snapshots left for a later run (the cap, the brake). */
  deferred: z.array(plannedDeletionSchema),
});

export type PrunePlanDocument = z.infer<typeof prunePlanSchema>;

export const prunePlanBatchSchema = z.strictObject({
  schemaVersion: z.literal(1),
  runId: z.string().min(1),
  batch: z.number().int().min(0),
  deletions: z.array(plannedDeletionSchema),
});

// ---------------------------------------------------------------------------
// A backup run's queue, its pages, and the backup timings (backup-queue.ts)

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

const vaultStep = z.object({
  state: z.enum(['pending', 'done', 'failed']),
  tries: z.number().int().min(0),
  dueAt: isoTime.optional(),
  error: z.string().optional(),
});

/** A database's snapshot on its way into the vault account (domain/backup-queue.ts `VaultTransfer`). */
const vaultTransfer = z.object({
  staging: work,
  direct: z.boolean().optional(),
  share: vaultStep,
  copies: z.record(z.string(), work),
  unshare: vaultStep,
  removeStaging: vaultStep,
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
  vault: vaultTransfer.optional(),
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
  /** The run's vault account, when the configuration names one (domain/backup-queue.ts `VaultTransfer`). */
  vault: z
    .object({
      accountId: z.string().regex(/^\d{12}$/),
      /** The share key the staging copies are made under (domain/vault.ts `vaultShareKeyAlias`). */
      shareKeyId: z.string().min(1),
      retentionDays: z.number().int().positive(),
      regions: z.array(z.object({ region: z.string().min(1), kmsKeyArn: z.string().min(1) })),
    })
    .optional(),
  /** The time of the last step and the wait it asked for (domain/backup-queue.ts `stepTime`). */
  lastStep: z.object({ at: isoTime, waitSeconds: z.number().int().min(0) }).optional(),
  /** What each page holds, in queue order (domain/backup-queue.ts `summarizePage`). */
  pages: z.array(pageSummary),
});
export type BackupQueue = z.output<typeof backupQueueSchema>;

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

/** The deployment's latest backup run to start: the one a new run may overlap. */
export const latestBackupRunSchema = z.object({
  schemaVersion: version,
  runId: z.string().min(1),
  startedAt: isoTime,
});
export type LatestBackupRun = z.output<typeof latestBackupRunSchema>;

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

// ---------------------------------------------------------------------------
// Drill leases (drill-leases.ts; the lease itself is domain/drill-leases.ts)

/** What can still be read from a lease that does not match its schema: the snapshot it protects. */
export const salvageableLeaseSchema = z.object({ snapshotArn: z.string().min(1) }).loose();

// ---------------------------------------------------------------------------
// Evidence manifests (evidence-manifest.ts)

const document = { path: z.string().min(1), sha256 };

export const deletionSchema = z.strictObject({
  runId: z.string().min(1),
  region: z.string().min(1),
  snapshot: z.string().min(1),
  intentKey: z.string().min(1),
  /** Read only for a run without its own log: then the intent is evidence in its own right. */
  intentSha256: sha256.nullable(),
  /** What the outcome says, null while there is none; `unreadable` leaves the intent standing, as no outcome does. */
  outcome: z.enum(['deleted', 'not-deleted', 'unreadable']).nullable(),
});

/** What the compliance controls read of a drill report (`DrillFacts`): its verdict, times and checks, not its inventory. */
export const drillFactsSchema = z.strictObject({
  drillId: z.string().min(1),
  verdict: z.enum(['pass', 'fail']),
  finishedAt: isoTime,
  database: z.strictObject({ id: z.string().min(1) }),
  snapshot: z.strictObject({ takenAt: isoTime.nullable() }),
  sandbox: z.strictObject({ teardown: z.enum(['deleted', 'failed', 'not-created']) }),
  targets: z.strictObject({ rpoSeconds: z.number().positive() }),
  timings: z.strictObject({
    rtoSeconds: z.number().nonnegative().nullable(),
    rpoSeconds: z.number().nonnegative().nullable(),
  }),
  checks: z.array(z.strictObject({ name: z.string().min(1), status: z.enum(['pass', 'fail', 'error']) })),
});

export const factsOfDrill = (report: DrillReport): z.output<typeof drillFactsSchema> => ({
  drillId: report.drillId,
  verdict: report.verdict,
  finishedAt: report.finishedAt,
  database: { id: report.database.id },
  snapshot: { takenAt: report.snapshot.takenAt },
  sandbox: { teardown: report.sandbox.teardown },
  targets: { rpoSeconds: report.targets.rpoSeconds },
  timings: { rtoSeconds: report.timings.rtoSeconds, rpoSeconds: report.timings.rpoSeconds },
  checks: report.checks.map(({ name, status }) => ({ name, status })),
});

export const corruptSchema = z.strictObject({
  kind: z.string().min(1),
  path: z.string().min(1),
  sha256,
  reason: z.string(),
  database: z.string().min(1).optional(),
});

/**
 * What the controls read of a backup record (`BackupRecordEvidence`): the
 * database, when its run started, and where each snapshot stood.
 */
const backupFactsSchema = z.strictObject({
  id: z.string().min(1),
  startedAt: isoTime,
  snapshots: z.array(
    z.strictObject({ region: z.string().min(1), id: z.string(), status: z.string().min(1) }),
  ),
  /** In a deployment with a vault account: where its copies are (absent in manifests sealed before). */
  vaultCopies: z
    .array(z.strictObject({ region: z.string().min(1), id: z.string(), status: z.string().min(1) }))
    .optional(),
});

/**
 * What the controls read of a prune log (`PruneLogEvidence`, and the run it
 * accounts for): its deletions and the kinds of its findings, not its
 * failures or the findings' wording.
 */
const pruneFactsSchema = z.strictObject({
  runId: z.string().min(1),
  startedAt: isoTime,
  dryRun: z.boolean(),
  deleted: z.array(
    z.strictObject({
      database: z.string().min(1),
      region: z.string().min(1),
      snapshot: z.string().min(1),
      ageHours: z.number(),
      status: z.string().optional(),
    }),
  ),
  findings: z.array(z.strictObject({ kind: z.string().min(1), resource: z.string() })),
});

/** What the controls read of a sweep record (`SweepRecordEvidence`): when, and which sandboxes of what age. */
const sweepFactsSchema = z.strictObject({
  sweptAt: isoTime,
  deleted: z.array(
    z.strictObject({ region: z.string().min(1), id: z.string().min(1), createdAt: isoTime.nullable() }),
  ),
});

export type BackupFacts = z.output<typeof backupFactsSchema>;
export type PruneFacts = z.output<typeof pruneFactsSchema>;
export type SweepFacts = z.output<typeof sweepFactsSchema>;

export const factsOfBackup = (record: BackupRecord): BackupFacts => ({
  id: record.id,
  startedAt: record.startedAt,
  snapshots: record.snapshots.map(({ region, id, status }) => ({ region, id, status })),
  ...(record.vaultCopies === undefined
    ? {}
    : { vaultCopies: record.vaultCopies.map(({ region, id, status }) => ({ region, id, status })) }),
});

export const factsOfPrune = (log: PruneLog): PruneFacts => ({
  runId: log.runId,
  startedAt: log.startedAt,
  dryRun: log.dryRun,
  deleted: log.deleted.map(({ database, region, snapshot, ageHours, status }) =>
    status === undefined
      ? { database, region, snapshot, ageHours }
      : { database, region, snapshot, ageHours, status },
  ),
  findings: log.findings.map(({ kind, resource }) => ({ kind, resource })),
});

export const factsOfSweep = (record: SweepRecord): SweepFacts => ({
  sweptAt: record.sweptAt,
  deleted: record.deleted.map(({ region, id, createdAt }) => ({ region, id, createdAt })),
});

/** What the evidence of one day says: each document's key, digest and facts. */
const dayEvidenceShape = {
  backupRecords: z.array(z.strictObject({ ...document, record: backupFactsSchema })),
  pruneLogs: z.array(z.strictObject({ ...document, log: pruneFactsSchema })),
  sweepRecords: z.array(z.strictObject({ ...document, record: sweepFactsSchema })),
  drillReports: z.array(z.strictObject({ ...document, report: drillFactsSchema })),
  /** Documents of the day that do not read: named, never left out silently. */
  corrupt: z.array(corruptSchema),
};

const manifestHead = {
  day: z.iso.date(),
  /** When the day closed and could be sealed (`isClosedDay`): the same whichever seal wrote it. */
  sealedAt: isoTime,
  /** The manifest of the day before, as it was when this one was sealed; null for the first one. */
  previous: z.strictObject(document).nullable(),
};

/**
 * The manifest as written now (schema version 2): per document its key,
 * digest and facts, and the deletion log grouped by the intent document
 * that holds each deletion (a batch holds hundreds).
 */
export const manifestV2Schema = z.strictObject({
  schemaVersion: z.literal(2),
  ...manifestHead,
  ...dayEvidenceShape,
  deletions: z.array(
    z.strictObject({
      intentKey: z.string().min(1),
      runId: z.string().min(1),
      /** Read only for a run without its own log: then the intent is evidence in its own right. */
      intentSha256: sha256.nullable(),
      deletions: z.array(deletionSchema.pick({ region: true, snapshot: true, outcome: true })),
    }),
  ),
});

/**
 * The manifest as earlier versions wrote it (schema version 1): whole
 * backup records, prune logs and sweep records, and one entry per deletion.
 * Still read, as the facts it holds: a store sealed by an earlier version
 * keeps its manifests (they are evidence, and the next day links to them).
 */
const manifestV1Schema = z.strictObject({
  schemaVersion: z.literal(1),
  ...manifestHead,
  backupRecords: z.array(z.strictObject({ ...document, record: backupRecordSchema })),
  pruneLogs: z.array(z.strictObject({ ...document, log: pruneLogSchema })),
  sweepRecords: z.array(z.strictObject({ ...document, record: sweepRecordSchema })),
  drillReports: z.array(z.strictObject({ ...document, report: drillFactsSchema })),
  deletions: z.array(deletionSchema),
  corrupt: z.array(corruptSchema),
});

export type StoredManifest = z.output<typeof manifestV2Schema>;

/** A day's manifest as it is used: the facts, and one entry per deletion, whichever version wrote it. */
export interface EvidenceManifest extends DayEvidence {
  readonly schemaVersion: 1 | 2;
  readonly day: string;
  readonly sealedAt: string;
  readonly previous: { readonly path: string; readonly sha256: string } | null;
}

export interface DayEvidence {
  readonly backupRecords: { path: string; sha256: string; record: BackupFacts }[];
  readonly pruneLogs: { path: string; sha256: string; log: PruneFacts }[];
  readonly sweepRecords: { path: string; sha256: string; record: SweepFacts }[];
  readonly drillReports: { path: string; sha256: string; report: z.output<typeof drillFactsSchema> }[];
  readonly deletions: LoggedDeletionSummary[];
  readonly corrupt: CorruptDayDocument[];
}

export type LoggedDeletionSummary = z.output<typeof deletionSchema>;
export type CorruptDayDocument = z.output<typeof corruptSchema>;

/** Reads a stored manifest of either version as the facts it holds. */
export const manifestSchema = z
  .discriminatedUnion('schemaVersion', [manifestV1Schema, manifestV2Schema], {
    error:
      'schemaVersion must be 1 or 2: this version of restorable reads evidence manifests of those versions',
  })
  .transform((stored): EvidenceManifest => {
    const head = { day: stored.day, sealedAt: stored.sealedAt, previous: stored.previous };
    if (stored.schemaVersion === 2) {
      return {
        schemaVersion: 2,
        ...head,
        backupRecords: stored.backupRecords,
        pruneLogs: stored.pruneLogs,
        sweepRecords: stored.sweepRecords,
        drillReports: stored.drillReports,
        deletions: stored.deletions.flatMap(({ intentKey, runId, intentSha256, deletions }) =>
          deletions.map((entry) => ({ runId, ...entry, intentKey, intentSha256 })),
        ),
        corrupt: stored.corrupt,
      };
    }
    return {
      schemaVersion: 1,
      ...head,
      backupRecords: stored.backupRecords.map(({ record, ...ref }) => ({
        ...ref,
        record: factsOfBackup(record),
      })),
      pruneLogs: stored.pruneLogs.map(({ log, ...ref }) => ({ ...ref, log: factsOfPrune(log) })),
      sweepRecords: stored.sweepRecords.map(({ record, ...ref }) => ({
        ...ref,
        record: factsOfSweep(record),
      })),
      drillReports: stored.drillReports,
      deletions: stored.deletions,
      corrupt: stored.corrupt,
    };
  });

/** A manifest as it is written (schema version 2): deletions grouped by their intent document. */
export function storedManifestOf(manifest: Omit<EvidenceManifest, 'schemaVersion'>): StoredManifest {
  const byIntent = new Map<string, StoredManifest['deletions'][number]>();
  for (const { runId, region, snapshot, intentKey, intentSha256, outcome } of manifest.deletions) {
    let group = byIntent.get(intentKey);
    if (group === undefined) {
      group = { intentKey, runId, intentSha256, deletions: [] };
      byIntent.set(intentKey, group);
    }
    group.deletions.push({ region, snapshot, outcome });
  }
  return {
    schemaVersion: 2,
    day: manifest.day,
    sealedAt: manifest.sealedAt,
    previous: manifest.previous,
    backupRecords: manifest.backupRecords,
    pruneLogs: manifest.pruneLogs,
    sweepRecords: manifest.sweepRecords,
    drillReports: manifest.drillReports,
    deletions: [...byIntent.values()],
    corrupt: manifest.corrupt,
  };
}

// ---------------------------------------------------------------------------
// Compliance reports (compliance-report.ts)

const isoDay = z.iso.date({ error: 'must be a calendar date such as 2025-06-01 (YYYY-MM-DD, UTC)' });

const controlStatus = z.enum(['pass', 'fail', 'not-applicable']);
const PROMISE_IDS = Object.keys(PROMISES) as [PromiseId, ...PromiseId[]];

const evidenceRefSchema = z.strictObject({
  kind: z.string().min(1),
  path: z.string().min(1),
  sha256,
});

const databaseControlResultSchema = z.strictObject({
  /** A database id, or a label such as "(all)" for a result about no database in particular. */
  id: z.string().min(1),
  status: controlStatus,
  detail: z.string(),
});

const controlResultSchema = z.strictObject({
  id: z.string().min(1),
  title: z.string().min(1),
  promise: z.enum(PROMISE_IDS),
  status: controlStatus,
  summary: z.string(),
  databases: z.array(databaseControlResultSchema),
  evidence: z.array(evidenceRefSchema),
});

const coverageCellSchema = z.strictObject({
  day: isoDay,
  /** Reports written before this field had every day in scope. */
  inScope: z.boolean().default(true),
  backup: z.boolean(),
  copies: z.array(z.string().min(1)),
});

const drillPointSchema = z.strictObject({
  drillId: keySegment,
  finishedAt: isoTime,
  verdict: z.enum(['pass', 'fail']),
  rtoSeconds: seconds.nullable(),
  rpoSeconds: seconds.nullable(),
});

const integritySchema = z.strictObject({
  earlierReports: z.array(evidenceRefSchema),
  manifests: z.array(evidenceRefSchema).optional(),
  verified: z.number().int().nonnegative(),
  altered: z.array(z.strictObject({ path: z.string().min(1), expected: sha256, actual: sha256.nullable() })),
});

const DAY_MS = 86_400_000;

/** Every day from `from` to `to`, both included, as YYYY-MM-DD (UTC); empty when `to` precedes `from`. */
export function daysOfPeriod(period: { readonly from: string; readonly to: string }): string[] {
  const start = Date.parse(`${period.from}T00:00:00Z`);
  const end = Date.parse(`${period.to}T00:00:00Z`);
  const days: string[] = [];
  if (Number.isNaN(start) || Number.isNaN(end)) return days;
  for (let time = start; time <= end; time += DAY_MS) days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}

export const complianceReportSchema = z
  .strictObject({
    schemaVersion: z.literal(1, {
      error: 'must be 1: this version of restorable reads compliance reports of schema version 1 only',
    }),
    reportId: keySegment,
    generatedAt: isoTime,
    period: z.strictObject({ from: isoDay, to: isoDay }),
    status: z.enum(['compliant', 'non-compliant']),
    policy: z.strictObject({
      retentionDays: z.number().int().positive(),
      copyRegions: z.array(z.string().min(1)),
      sourceRegion: z.string().min(1),
      drillIntervalDays: z.number().int().positive(),
      rtoTargetSeconds: z.number().positive(),
      rpoTargetSeconds: z.number().positive(),
    }),
    databases: z.array(
      z.strictObject({ id: keySegment, kind: z.enum(['instance', 'cluster']), engine: z.string().min(1) }),
    ),
    controls: z.array(controlResultSchema),
    coverage: z.record(keySegment, z.array(coverageCellSchema)),
    drills: z.record(keySegment, z.array(drillPointSchema)),
    integrity: integritySchema,
  })
  .superRefine((report, context) => {
    const issue = (path: PropertyKey[], message: string): void => {
      context.addIssue({ code: 'custom', path, message });
    };
    const days = daysOfPeriod(report.period);
    if (days.length === 0) issue(['period', 'to'], `is before period.from (${report.period.from})`);
    const databaseIds = new Set<string>();
    report.databases.forEach((database, index) => {
      if (databaseIds.has(database.id)) issue(['databases', index, 'id'], `repeats database ${database.id}`);
      databaseIds.add(database.id);
    });

    // Fail closed: the verdict may not claim more than its controls and its
    // evidence show. Altered earlier evidence alone makes a report non-compliant.
    const failing = report.controls.filter((control) => control.status === 'fail');
    const altered = report.integrity.altered.length;
    if (report.status === 'compliant' && failing.length > 0) {
      issue(
        ['status'],
        `is "compliant" but these controls failed: ${failing.map((control) => control.id).join(', ')}`,
      );
    }
    if (report.status === 'compliant' && altered > 0) {
      issue(['status'], `is "compliant" but ${altered} earlier evidence files were altered or lost`);
    }
    if (report.status === 'non-compliant' && failing.length === 0 && altered === 0) {
      issue(['status'], 'is "non-compliant" but no control failed and no evidence was altered');
    }
    const controlIds = new Set<string>();
    report.controls.forEach((control, index) => {
      if (controlIds.has(control.id)) issue(['controls', index, 'id'], `repeats control ${control.id}`);
      controlIds.add(control.id);
      for (const result of control.databases) {
        if (control.status === 'pass' && result.status === 'fail') {
          issue(['controls', index, 'status'], `is "pass" but database ${result.id} failed`);
        }
      }
    });

    // The coverage grid: one cell per database per day of the period, in order.
    for (const id of databaseIds) {
      const cells = report.coverage[id];
      if (cells === undefined) {
        issue(['coverage', id], 'is missing: every database needs one coverage cell per day of the period');
        continue;
      }
      cells.forEach((cell, index) => {
        if (!cell.inScope && (cell.backup || cell.copies.length > 0)) {
          issue(['coverage', id, index], 'is out of scope (not yet protected) but holds a backup');
        }
      });
      const cellDays = cells.map((cell) => cell.day);
      if (cellDays.join() !== days.join()) {
        issue(
          ['coverage', id],
          `must hold one cell per day from ${report.period.from} to ${report.period.to} in order ` +
            `(${days.length} cells), not ${cells.length} cells from ${cellDays[0] ?? '-'} to ${cellDays.at(-1) ?? '-'}`,
        );
      }
    }
    for (const section of ['coverage', 'drills'] as const) {
      for (const id of Object.keys(report[section])) {
        if (!databaseIds.has(id)) issue([section, id], `is not a database of the report`);
      }
    }
  });
