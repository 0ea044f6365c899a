// A fleet's evidence as the workflows write it, built through the evidence
// modules' own serialisers, and what the compliance report task needs to run
// over it without a cloud: the databases and snapshots of a fake RDS, and a
// report store that counts its reads. Shared by the report's tests and the
// compliance benchmark.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../../src/config/schema.ts';
import { deploymentOf } from '../../src/domain/deployment.ts';
import type { DrillReport } from '../../src/domain/drill.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE } from '../../src/domain/tags.ts';
import type { Database, RdsPort, Snapshot } from '../../src/ports/rds.ts';
import type { PutIfAbsentResult, ReportStore, StoredObject } from '../../src/ports/report-store.ts';
import type { SandboxPort } from '../../src/ports/sandbox.ts';
import {
  writeBatchIntent,
  writeBatchOutcome,
  writeDeletionIntent,
  writeDeletionOutcome,
} from '../../src/reports/deletion-log.ts';
import { serializeDrillReport } from '../../src/reports/drill-report.ts';
import { writeBackupRecord, writePruneLog, writeSweepRecord } from '../../src/reports/evidence.ts';
import { drillReportKeys } from '../../src/reports/store/layout.ts';
import type { TaskDependencies } from '../../src/runtime/task.ts';
import { passingDrill } from '../reports/fixtures.ts';
import { CountingReportStore } from './memory-report-store.ts';

export { CountingReportStore };

export const SOURCE_REGION = 'eu-west-1';
export const COPY_REGION = 'eu-central-1';
const DAY_MS = 86_400_000;

export const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);

export const databaseIds = (count: number) =>
  Array.from({ length: count }, (_, index) => `db${String(index).padStart(5, '0')}`);

/** A store that keeps what is put, to capture what a serialiser writes. */
class CapturingStore implements ReportStore {
  readonly written: { key: string; body: string }[] = [];
  async put(key: string, body: string | Uint8Array): Promise<StoredObject> {
    this.written.push({ key, body: typeof body === 'string' ? body : Buffer.from(body).toString('utf8') });
    return { key, sha256: '', location: key };
  }
  async putIfAbsent(key: string, body: string | Uint8Array): Promise<PutIfAbsentResult> {
    return { written: true, object: await this.put(key, body) };
  }
  async get(): Promise<undefined> {
    return undefined;
  }
  async list(): Promise<string[]> {
    return [];
  }
  async delete(): Promise<void> {}
}

const snapshotId = (database: string, day: string) => `restorable-${database}-${day}`;

/** Whether a database is drilled on a day: every 7 days, the fleet spread over the week. */
export const isDrillDay = (databaseIndex: number, day: string) => (dayNumber(day) + databaseIndex) % 7 === 0;

/**
 * Every document the workflows write on one day for the fleet: a backup
 * record per database (a snapshot and its copy), the prune's log and its
 * deletion log (the snapshots of 8 days before), the sweep's record, and
 * the drill reports of the databases whose turn it is. The deletion log is
 * written as the prune writes it, in batches (`batches`), or one document
 * per deletion, as earlier versions wrote it and upgraded stores still hold.
 */
export type DeletionLogLayout = 'batches' | 'per-deletion';

/** Deletions per batch, as the prune's DeleteBatch takes them. */
const BATCH_SIZE = 500;

export async function evidenceOfDay(
  day: string,
  databases: readonly string[],
  deletionLog: DeletionLogLayout = 'batches',
): Promise<{ key: string; body: string }[]> {
  const store = new CapturingStore();
  for (const id of databases) {
    await writeBackupRecord(store, {
      schemaVersion: 1,
      runId: `backup-${day}`,
      startedAt: `${day}T02:00:00.000Z`,
      recordedAt: `${day}T02:30:00.000Z`,
      id,
      kind: 'instance',
      status: 'OK',
      snapshots: [SOURCE_REGION, COPY_REGION].map((region) => ({
        region,
        id: snapshotId(id, day),
        status: 'available',
      })),
    });
  }
  const runId = `prune-${day}`;
  const runStartedAt = `${day}T03:00:00.000Z`;
  const expired = addDays(day, -8);
  const deleted = databases.flatMap((database) =>
    [SOURCE_REGION, COPY_REGION].map((region) => ({
      database,
      region,
      snapshot: snapshotId(database, expired),
      ageHours: 193,
    })),
  );
  for (let batch = 0; deletionLog === 'batches' && batch * BATCH_SIZE < deleted.length; batch++) {
    const rows = deleted.slice(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE);
    await writeBatchIntent(store, {
      schemaVersion: 1,
      runId,
      runStartedAt,
      intendedAt: runStartedAt,
      batch,
      deletions: rows.map((row) => ({
        database: row.database,
        kind: 'instance',
        region: row.region,
        snapshot: row.snapshot,
        arn: `arn:aws:rds:${row.region}:123456789012:snapshot:${row.snapshot}`,
        ageHours: row.ageHours,
        reason: 'older than the retention',
      })),
    });
    await writeBatchOutcome(
      store,
      { runStartedAt },
      {
        schemaVersion: 1,
        runId,
        batch,
        at: runStartedAt,
        completedBy: null,
        outcomes: rows.map((row) => ({
          region: row.region,
          snapshot: row.snapshot,
          status: 'deleted',
          at: runStartedAt,
          detail: null,
        })),
        skipped: [],
      },
    );
  }
  for (const row of deletionLog === 'per-deletion' ? deleted : []) {
    const intent = {
      schemaVersion: 1 as const,
      runId,
      runStartedAt,
      intendedAt: runStartedAt,
      database: row.database,
      kind: 'instance' as const,
      region: row.region,
      snapshot: row.snapshot,
      arn: `arn:aws:rds:${row.region}:123456789012:snapshot:${row.snapshot}`,
      ageHours: row.ageHours,
      reason: 'older than the retention',
    };
    await writeDeletionIntent(store, intent);
    await writeDeletionOutcome(store, intent, {
      schemaVersion: 1,
      runId,
      region: row.region,
      snapshot: row.snapshot,
      status: 'deleted',
      at: runStartedAt,
      completedBy: null,
      detail: null,
    });
  }
  await writePruneLog(store, {
    schemaVersion: 1,
    runId,
    startedAt: runStartedAt,
    dryRun: false,
    deleted,
    failed: [],
    findings: [],
    status: 'OK',
  });
  await writeSweepRecord(store, {
    schemaVersion: 1,
    runId: `sweep-${day}`,
    sweptAt: `${day}T05:00:00.000Z`,
    deleted: [],
  });
  databases.forEach((id, index) => {
    if (!isDrillDay(index, day)) return;
    const report = drillReportOf(id, day);
    store.written.push({ key: drillReportKeys(report).json, body: serializeDrillReport(report) });
  });
  return store.written;
}

/** A passing drill of a database that finished on the day, restoring that day's copy. */
export function drillReportOf(database: string, day: string): DrillReport {
  return {
    ...passingDrill,
    drillId: `drill-${database}-${day.replaceAll('-', '')}T060000Z`,
    startedAt: `${day}T06:00:00.000Z`,
    finishedAt: `${day}T06:30:00.000Z`,
    database: { id: database, kind: 'instance', engine: 'postgres' },
    snapshot: { ...passingDrill.snapshot, id: snapshotId(database, day), takenAt: `${day}T02:05:00.000Z` },
    timings: {
      ...passingDrill.timings,
      restoreRequestedAt: `${day}T06:00:00.000Z`,
      verifiedAt: `${day}T06:30:00.000Z`,
    },
    previousDrill: null,
  };
}

/** Writes the fleet's evidence of every day from `from` to `to` into the store. */
export async function writeFleetEvidence(
  reports: ReportStore,
  databases: readonly string[],
  from: string,
  to: string,
  deletionLog: DeletionLogLayout = 'batches',
): Promise<void> {
  for (let day = from; day <= to; day = addDays(day, 1)) {
    for (const { key, body } of await evidenceOfDay(day, databases, deletionLog))
      await reports.put(key, body, 'application/json');
  }
}

const databaseOf = (id: string): Database => ({
  kind: 'instance',
  id,
  arn: `arn:aws:rds:${SOURCE_REGION}:123456789012:db:${id}`,
  engine: 'postgres',
  engineVersion: '17.2',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 7,
  tags: { backup: 'daily' },
});

/**
 * The dependencies of the report task over the store: RDS holds the fleet's
 * databases and, in each region, the snapshots of the 8 days up to `lastDay`
 * (the prune has deleted the older ones); no sandbox is left.
 */
export function reportDependencies(
  config: Config,
  reports: ReportStore,
  databases: readonly string[],
  lastDay: string,
  now: Date,
): TaskDependencies {
  const deployment = deploymentOf(config).id;
  const snapshotsIn = (region: string): Snapshot[] =>
    databases.flatMap((id) =>
      Array.from({ length: 8 }, (_, back) => {
        const day = addDays(lastDay, -back);
        const createdAt = new Date(`${day}T02:05:00.000Z`);
        return {
          id: snapshotId(id, day),
          arn: `arn:aws:rds:${region}:123456789012:snapshot:${snapshotId(id, day)}`,
          region,
          database: { kind: 'instance' as const, id },
          engine: 'postgres',
          status: 'available',
          type: 'manual' as const,
          createdAt,
          originalCreatedAt: createdAt,
          encrypted: true,
          kmsKeyId: 'alias/restorable',
          sourceSnapshotArn: undefined,
          percentProgress: 100,
          tags: { [MANAGED_TAG]: MANAGED_TAG_VALUE, [DEPLOYMENT_TAG]: deployment },
        };
      }),
    );
  const fleet = databases.map(databaseOf);
  const rds = (region: string) =>
    ({
      listDatabases: async () => (region === SOURCE_REGION ? fleet : []),
      listSnapshots: async () => snapshotsIn(region),
    }) as unknown as RdsPort;
  return {
    config,
    rds,
    reports,
    sandboxes: () => ({ listSandboxes: async () => [] }) as unknown as SandboxPort,
    regionalVerifiers: () => {
      throw new Error('the compliance report verifies nothing');
    },
    clock: () => now,
    logger: new Logger({ logLevel: 'SILENT' }),
  };
}
