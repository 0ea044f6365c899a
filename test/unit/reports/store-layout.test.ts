// The report store's layout, document kind by document kind: where each
// lives (the literal keys are the stored format: stores written by earlier
// versions must keep reading), what its key says, the prefix its listings
// take, and that what is stored there reads only through its schema.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CorruptEvidenceError } from '../../../src/domain/errors.ts';
import { type ReportStore, unsafeKeyReason } from '../../../src/ports/report-store.ts';
import {
  readBackupQueue,
  readBackupQueuePage,
  readBackupRoster,
  readBackupTimings,
  readLatestBackupRun,
} from '../../../src/reports/backup-queue.ts';
import { readComplianceReport } from '../../../src/reports/compliance-report.ts';
import {
  readBatchIntent,
  readBatchOutcome,
  readDeletionIntent,
  readDeletionOutcome,
} from '../../../src/reports/deletion-log.ts';
import { readCurrentLeases } from '../../../src/reports/drill-leases.ts';
import { readDrillReports } from '../../../src/reports/drill-report.ts';
import {
  backupRecordSchema,
  inventorySchema,
  pruneLogSchema,
  readVerification,
  sweepRecordSchema,
} from '../../../src/reports/evidence.ts';
import { readManifest } from '../../../src/reports/evidence-manifest.ts';
import { readStoredDocument } from '../../../src/reports/json-document.ts';
import { readPrunePlan, readPrunePlanBatch } from '../../../src/reports/prune-plan.ts';
import { readStored, STORED_DOCUMENTS, type StoredKindName } from '../../../src/reports/store/index.ts';
import * as layout from '../../../src/reports/store/layout.ts';
import {
  BACKUP_RECORDS_PREFIX,
  BACKUP_TIMINGS_KEY,
  BACKUP_WORK_PREFIX,
  backupQueueKey,
  backupQueuePageKey,
  backupRecordKey,
  backupRecordsOfDayPrefix,
  backupRosterKey,
  batchIntentKey,
  batchOutcomeKey,
  COMPLIANCE_REPORTS_PREFIX,
  complianceReportKeys,
  DELETION_LOG_PREFIX,
  DRILL_LEASE_PREFIX,
  DRILL_REPORTS_PREFIX,
  DRILL_WORK_PREFIX,
  databaseOfBackupRecordKey,
  dayOfManifestKey,
  dayOfSealableKey,
  deletionIntentKey,
  deletionLogOfDayPrefix,
  deletionOutcomeKey,
  drillLeaseKey,
  drillReportKeys,
  drillReportsOfDatabasePrefix,
  generatedAtOfComplianceReportKey,
  INVENTORIES_PREFIX,
  inventoryKey,
  isCurrentLeaseKey,
  LATEST_BACKUP_RUN_KEY,
  MANIFESTS_PREFIX,
  manifestKey,
  outcomeKeyOfIntentKey,
  PRUNE_LOGS_PREFIX,
  PRUNE_WORK_PREFIX,
  parseBackupRecordKey,
  parseDeletionLogKey,
  parseDrillLeaseKey,
  parseDrillReportKey,
  parsePruneLogKey,
  parseSweepRecordKey,
  pruneLogKey,
  pruneLogsOfDayPrefix,
  prunePlanBatchKey,
  prunePlanKey,
  SWEEP_RECORDS_PREFIX,
  sweepRecordKey,
  sweepRecordsOfDayPrefix,
  verificationKey,
} from '../../../src/reports/store/layout.ts';
import { CountingReportStore } from '../../support/memory-report-store.ts';

const STARTED = '2026-11-20T02:00:00.000Z';
const NOW = new Date('2026-11-20T05:00:00Z');

/** Reads the document at `key` as its kind is read; throws what the kind's reader throws. */
type Read = (reports: ReportStore, key: string) => Promise<unknown>;

interface Kind {
  readonly kind: string;
  /** Its kind in the catalog of stored documents (store/index.ts). */
  readonly catalog: StoredKindName;
  readonly key: string;
  /** The literal key: the format stored by every version so far. */
  readonly expected: string;
  /** The prefixes listings of this kind take, from the broadest. */
  readonly prefixes: readonly string[];
  /** What the key says, by the layout's own parser. */
  readonly parsed: unknown;
  readonly parse: (key: string) => unknown;
  readonly read: Read;
}

const throughSchema =
  (schema: Parameters<typeof readStoredDocument>[2], what: string): Read =>
  (reports, key) =>
    readStoredDocument(reports, key, schema, what);

/** A reader that sets damaged documents apart turns the first one back into the error it stands for. */
const readDrillReport: Read = async (reports, key) => {
  const { corrupt } = await readDrillReports(reports, [key]);
  const [first] = corrupt;
  if (first !== undefined) throw new CorruptEvidenceError(first.path, first.reason);
};

const drillReport = drillReportKeys({
  drillId: 'drill-orders-20261120T020000Z',
  finishedAt: '2026-11-20T02:40:00Z',
  database: { id: 'orders', kind: 'instance', engine: 'postgres' },
});
const complianceReport = complianceReportKeys({
  reportId: 'compliance-2026-10-01-to-2026-10-31-20261101T030000Z',
  period: { from: '2026-10-01', to: '2026-10-31' },
});

const KINDS: readonly Kind[] = [
  {
    kind: 'backup record',
    catalog: 'backup-record',
    key: backupRecordKey({ startedAt: STARTED, id: 'orders', runId: 'backup-1' }),
    expected: 'evidence/backups/2026-11-20/orders/backup-1.json',
    prefixes: [BACKUP_RECORDS_PREFIX, backupRecordsOfDayPrefix('2026-11-20')],
    parsed: { day: '2026-11-20', database: 'orders', runId: 'backup-1' },
    parse: parseBackupRecordKey,
    read: throughSchema(backupRecordSchema, 'backup record'),
  },
  {
    kind: 'prune log',
    catalog: 'prune-log',
    key: pruneLogKey({ startedAt: STARTED, runId: 'prune-1' }),
    expected: 'evidence/prunes/2026-11-20/prune-1.json',
    prefixes: [PRUNE_LOGS_PREFIX, pruneLogsOfDayPrefix('2026-11-20')],
    parsed: { day: '2026-11-20', runId: 'prune-1' },
    parse: parsePruneLogKey,
    read: throughSchema(pruneLogSchema, 'prune log'),
  },
  {
    kind: 'sweep record',
    catalog: 'sweep-record',
    key: sweepRecordKey({ sweptAt: STARTED, runId: 'sweep-1' }),
    expected: 'evidence/sweeps/2026-11-20/sweep-1.json',
    prefixes: [SWEEP_RECORDS_PREFIX, sweepRecordsOfDayPrefix('2026-11-20')],
    parsed: { day: '2026-11-20', runId: 'sweep-1' },
    parse: parseSweepRecordKey,
    read: throughSchema(sweepRecordSchema, 'sweep record'),
  },
  {
    kind: 'deletion batch intent',
    catalog: 'deletion-batch-intent',
    key: batchIntentKey({ runId: 'prune-1', runStartedAt: STARTED, batch: 3 }),
    expected: 'evidence/deletions/2026-11-20/prune-1/batch-00003.intent.json',
    prefixes: [DELETION_LOG_PREFIX, deletionLogOfDayPrefix('2026-11-20')],
    parsed: { layout: 'batch', day: '2026-11-20', runId: 'prune-1', batch: 3, type: 'intent' },
    parse: parseDeletionLogKey,
    read: readBatchIntent,
  },
  {
    kind: 'deletion batch outcome',
    catalog: 'deletion-batch-outcome',
    key: batchOutcomeKey({ runId: 'prune-1', runStartedAt: STARTED, batch: 3 }),
    expected: 'evidence/deletions/2026-11-20/prune-1/batch-00003.outcome.json',
    prefixes: [DELETION_LOG_PREFIX, deletionLogOfDayPrefix('2026-11-20')],
    parsed: { layout: 'batch', day: '2026-11-20', runId: 'prune-1', batch: 3, type: 'outcome' },
    parse: parseDeletionLogKey,
    read: readBatchOutcome,
  },
  {
    kind: "an earlier version's deletion intent",
    catalog: 'deletion-intent',
    key: deletionIntentKey({
      runId: 'prune-1',
      runStartedAt: STARTED,
      region: 'eu-west-1',
      snapshot: 'snap-1',
    }),
    expected: 'evidence/deletions/2026-11-20/prune-1/eu-west-1/snap-1.intent.json',
    prefixes: [DELETION_LOG_PREFIX, deletionLogOfDayPrefix('2026-11-20')],
    parsed: {
      layout: 'deletion',
      day: '2026-11-20',
      runId: 'prune-1',
      region: 'eu-west-1',
      snapshot: 'snap-1',
      type: 'intent',
    },
    parse: parseDeletionLogKey,
    read: readDeletionIntent,
  },
  {
    kind: "an earlier version's deletion outcome",
    catalog: 'deletion-outcome',
    key: deletionOutcomeKey({
      runId: 'prune-1',
      runStartedAt: STARTED,
      region: 'eu-west-1',
      snapshot: 'snap-1',
    }),
    expected: 'evidence/deletions/2026-11-20/prune-1/eu-west-1/snap-1.outcome.json',
    prefixes: [DELETION_LOG_PREFIX, deletionLogOfDayPrefix('2026-11-20')],
    parsed: {
      layout: 'deletion',
      day: '2026-11-20',
      runId: 'prune-1',
      region: 'eu-west-1',
      snapshot: 'snap-1',
      type: 'outcome',
    },
    parse: parseDeletionLogKey,
    read: readDeletionOutcome,
  },
  {
    kind: 'inventory',
    catalog: 'inventory',
    key: inventoryKey('2026-10-31', 'compliance-1'),
    expected: 'evidence/inventories/2026-10-31/compliance-1.json',
    prefixes: [INVENTORIES_PREFIX],
    parsed: undefined,
    parse: dayOfSealableKey,
    read: throughSchema(inventorySchema, 'inventory'),
  },
  {
    kind: 'manifest',
    catalog: 'manifest',
    key: manifestKey('2026-11-20'),
    expected: 'evidence/manifests/2026-11-20.json',
    prefixes: [MANIFESTS_PREFIX],
    parsed: '2026-11-20',
    parse: dayOfManifestKey,
    read: (reports, key) => readManifest(reports, dayOfManifestKey(key) ?? ''),
  },
  {
    kind: 'drill report',
    catalog: 'drill-report',
    key: drillReport.json,
    expected: 'drills/orders/2026-11-20/drill-orders-20261120T020000Z.json',
    prefixes: [DRILL_REPORTS_PREFIX, drillReportsOfDatabasePrefix('orders')],
    parsed: { database: 'orders', day: '2026-11-20', drillId: 'drill-orders-20261120T020000Z' },
    parse: parseDrillReportKey,
    read: readDrillReport,
  },
  {
    kind: 'compliance report',
    catalog: 'compliance-report',
    key: complianceReport.json,
    expected: 'compliance/2026-10-31/compliance-2026-10-01-to-2026-10-31-20261101T030000Z.json',
    prefixes: [COMPLIANCE_REPORTS_PREFIX],
    parsed: '20261101T030000Z',
    parse: generatedAtOfComplianceReportKey,
    read: readComplianceReport,
  },
  {
    kind: 'drill lease',
    catalog: 'drill-lease',
    key: drillLeaseKey({ drillId: 'drill-orders-1', expiresAt: '2026-11-20T08:00:00Z' }),
    expected: 'leases/drills/2026-11-20/drill-orders-1.json',
    prefixes: [DRILL_LEASE_PREFIX],
    parsed: { expiryDay: '2026-11-20', drillId: 'drill-orders-1' },
    parse: parseDrillLeaseKey,
    read: (reports) => readCurrentLeases(reports, NOW),
  },
  {
    kind: 'backup queue',
    catalog: 'backup-queue',
    key: backupQueueKey('backup-1'),
    expected: 'work/backups/backup-1/queue.json',
    prefixes: [BACKUP_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: (reports) => readBackupQueue(reports, 'backup-1'),
  },
  {
    kind: 'backup queue page',
    catalog: 'backup-queue-page',
    key: backupQueuePageKey('backup-1', 2),
    expected: 'work/backups/backup-1/pages/2.json',
    prefixes: [BACKUP_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: (reports) => readBackupQueuePage(reports, 'backup-1', 2),
  },
  {
    kind: 'backup roster',
    catalog: 'backup-roster',
    key: backupRosterKey('backup-1'),
    expected: 'work/backups/backup-1/databases.json',
    prefixes: [BACKUP_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: (reports) => readBackupRoster(reports, 'backup-1'),
  },
  {
    kind: 'latest backup run',
    catalog: 'latest-backup-run',
    key: LATEST_BACKUP_RUN_KEY,
    expected: 'work/backups/latest-run.json',
    prefixes: [BACKUP_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: (reports) => readLatestBackupRun(reports),
  },
  {
    kind: 'backup timings',
    catalog: 'backup-timings',
    key: BACKUP_TIMINGS_KEY,
    expected: 'work/backups/timings.json',
    prefixes: [BACKUP_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: (reports) => readBackupTimings(reports),
  },
  {
    kind: 'prune plan',
    catalog: 'prune-plan',
    key: prunePlanKey({ runId: 'prune-1', startedAt: STARTED }),
    expected: 'work/prunes/2026-11-20/prune-1/plan.json',
    prefixes: [PRUNE_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: readPrunePlan,
  },
  {
    kind: 'prune plan batch',
    catalog: 'prune-plan-batch',
    key: prunePlanBatchKey({ runId: 'prune-1', startedAt: STARTED }, 3),
    expected: 'work/prunes/2026-11-20/prune-1/batches/00003.json',
    prefixes: [PRUNE_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: (reports) => readPrunePlanBatch(reports, { runId: 'prune-1', startedAt: STARTED }, 3),
  },
  {
    kind: 'verification result',
    catalog: 'verification-result',
    key: verificationKey('drill-orders-1'),
    expected: 'work/drills/drill-orders-1/verification.json',
    prefixes: [DRILL_WORK_PREFIX],
    parsed: undefined,
    parse: () => undefined,
    read: readVerification,
  },
];

/**
 * The layout's key builders (a function whose name ends in Key or Keys and
 * that builds a key rather than reads one, or a constant key) that no kind
 * of the catalog takes its key from: a document kind with no schema.
 */
function uncataloguedKeys(
  exports: Readonly<Record<string, unknown>>,
  catalog: Readonly<Record<string, { key: unknown; builtBy?: unknown }>>,
): string[] {
  const entries = Object.values(catalog);
  const constants = new Set(
    entries.map(({ key }) => (typeof key === 'function' && key.length === 0 ? key() : undefined)),
  );
  return Object.entries(exports)
    .filter(([name, value]) =>
      typeof value === 'function'
        ? /Keys?$/.test(name) && !/^(parse|is)/.test(name) && !/Of[A-Z]/.test(name)
        : /_KEY$/.test(name),
    )
    .filter(([, value]) =>
      typeof value === 'function'
        ? !entries.some((entry) => entry.key === value || entry.builtBy === value)
        : !constants.has(value),
    )
    .map(([name]) => name)
    .sort();
}

describe('the catalog of stored documents', () => {
  it('holds every kind of this specification, and nothing else', () => {
    expect(Object.keys(STORED_DOCUMENTS).sort()).toEqual(KINDS.map(({ catalog }) => catalog).sort());
  });

  it('gives every key the layout builds to a kind with a schema: a new kind without one fails here', () => {
    expect(uncataloguedKeys(layout, STORED_DOCUMENTS)).toEqual([]);
  });

  it.each(Object.entries(STORED_DOCUMENTS))('has a schema and a description for %s', (_, entry) => {
    expect(entry.schema).toBeInstanceOf(z.ZodType);
    expect(entry.description).not.toBe('');
  });

  describe('the rule', () => {
    it('finds a key builder, or a constant key, that no kind takes its key from', () => {
      const extended = {
        ...layout,
        snapshotNoteKey: (id: string) => `evidence/notes/${id}.json`,
        NOTES_INDEX_KEY: 'evidence/notes/index.json',
      };

      expect(uncataloguedKeys(extended, STORED_DOCUMENTS)).toEqual(['NOTES_INDEX_KEY', 'snapshotNoteKey']);
    });

    it('leaves the functions that read keys', () => {
      expect(
        uncataloguedKeys(
          { parseNoteKey: () => undefined, dayOfNoteKey: () => undefined, isNoteKey: () => false },
          {},
        ),
      ).toEqual([]);
    });
  });
});

describe('the report store layout', () => {
  describe.each(KINDS)('a $kind', ({ catalog, key, expected, prefixes, parsed, parse, read }) => {
    it('is a kind of the catalog, whose listings find it, and reads through its schema only', async () => {
      const entry = STORED_DOCUMENTS[catalog];
      expect(key.startsWith(entry.prefix)).toBe(true);
      const reports = new CountingReportStore();
      await reports.put(key, `${JSON.stringify({ schemaVersion: 99 })}\n`, 'application/json');

      await expect(readStored(reports, catalog, key)).rejects.toMatchObject({
        name: 'CorruptEvidenceError',
        path: key,
      });
    });

    it('lives at the key every version has stored it at', () => {
      expect(key).toBe(expected);
    });

    it('has a key that says what it is of', () => {
      expect(parse(key)).toEqual(parsed);
    });

    it('is found by the listings of its kind, whose prefixes are safe', () => {
      for (const prefix of prefixes) {
        expect(key.startsWith(prefix)).toBe(true);
        expect(unsafeKeyReason(prefix, true)).toBeUndefined();
      }
    });

    it('has a safe key', () => {
      expect(unsafeKeyReason(key, false)).toBeUndefined();
    });

    it('stored in any other shape, is corrupt evidence naming its key', async () => {
      const reports = new CountingReportStore();
      await reports.put(key, `${JSON.stringify({ schemaVersion: 2 })}\n`, 'application/json');

      const error = await read(reports, key).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );

      expect(error).toBeInstanceOf(CorruptEvidenceError);
      expect((error as CorruptEvidenceError).path).toBe(key);
    });
  });

  it('gives every kind its own key: no two kinds share a place', () => {
    expect(new Set(KINDS.map(({ key }) => key)).size).toBe(KINDS.length);
  });

  it("parses no other kind's key as one of its own", () => {
    for (const { kind, parse } of KINDS.filter(({ parsed }) => parsed !== undefined)) {
      const others = KINDS.filter((other) => other.kind !== kind && other.parse !== parse);
      for (const other of others) expect(parse(other.key), `${kind} ← ${other.key}`).toBeUndefined();
    }
  });

  it("pairs a deletion intent's key with its outcome's, in both layouts", () => {
    const batch = { runId: 'prune-1', runStartedAt: STARTED, batch: 0 };
    const single = { runId: 'prune-1', runStartedAt: STARTED, region: 'eu-west-1', snapshot: 'snap-1' };

    expect(outcomeKeyOfIntentKey(batchIntentKey(batch))).toBe(batchOutcomeKey(batch));
    expect(outcomeKeyOfIntentKey(deletionIntentKey(single))).toBe(deletionOutcomeKey(single));
  });

  it("reads the database of a backup record's key, and of no other key", () => {
    expect(databaseOfBackupRecordKey('evidence/backups/2026-11-20/orders/backup-1.json')).toBe('orders');
    expect(databaseOfBackupRecordKey('evidence/prunes/2026-11-20/prune-1.json')).toBeUndefined();
  });

  it.each([
    ['a backup record', 'evidence/backups/2026-11-20/orders/backup-1.json', '2026-11-20'],
    ['a deletion batch', 'evidence/deletions/2026-11-19/prune-1/batch-00000.intent.json', '2026-11-19'],
    ['a drill report', 'drills/orders/2026-11-18/drill-orders-1.json', '2026-11-18'],
    ['a manifest, which is about a day, not of one', 'evidence/manifests/2026-11-20.json', undefined],
    ['an inventory, which a report takes of a period', 'evidence/inventories/2026-10-31/c-1.json', undefined],
    ['a work document', 'work/prunes/2026-11-20/prune-1/plan.json', undefined],
  ])('dates %s by its key for sealing', (_, key, day) => {
    expect(dayOfSealableKey(key)).toBe(day);
  });

  it('reads a lease of an earlier version, keyed by no day, as current: it fails safe', () => {
    expect(parseDrillLeaseKey('leases/drills/drill-old.json')).toEqual({
      expiryDay: undefined,
      drillId: 'drill-old',
    });
    expect(isCurrentLeaseKey('leases/drills/drill-old.json', NOW)).toBe(true);
    expect(isCurrentLeaseKey('leases/drills/2026-11-19/drill-1.json', NOW)).toBe(false);
    expect(isCurrentLeaseKey('leases/drills/2026-11-20/drill-1.json', NOW)).toBe(true);
  });

  it('refuses, as bad input, report keys that a segment would break', () => {
    expect(() =>
      drillReportKeys({
        drillId: '../x',
        finishedAt: STARTED,
        database: { id: 'orders', kind: 'instance', engine: 'postgres' },
      }),
    ).toThrow(/drillId "..\/x" cannot be part of a store key/);
    expect(() =>
      complianceReportKeys({ reportId: 'c-1', period: { from: '2026-10-01', to: '2026-10-32' } }),
    ).toThrow(/period.to "2026-10-32" is not a date/);
  });
});
