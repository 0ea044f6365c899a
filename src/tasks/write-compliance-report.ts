import { createHash } from 'node:crypto';
import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { type CorruptEvidence, type DrillReportEvidence, evaluateCompliance } from '../domain/compliance.ts';
import type { EvidenceIntegrity, EvidenceRef } from '../domain/compliance-report.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { DEPLOYMENT_TAG, isManaged } from '../domain/tags.ts';
import type { ReportStore } from '../ports/report-store.ts';
import {
  complianceReportKeys,
  readComplianceReports,
  renderComplianceCsv,
  serializeComplianceReport,
} from '../reports/compliance-report.ts';
import { renderComplianceReportHtml } from '../reports/compliance-report-html.ts';
import { deletionIntentDigests, listStandingDeletions } from '../reports/deletion-log.ts';
import { listDrillReportKeys, readDrillReports } from '../reports/drill-report.ts';
import {
  BACKUP_RECORDS_PREFIX,
  backupRecordSchema,
  databaseOfBackupRecordKey,
  PRUNE_LOGS_PREFIX,
  pruneLogSchema,
  SWEEP_RECORDS_PREFIX,
  sweepRecordSchema,
  writeInventory,
} from '../reports/evidence.ts';
import { readStoredDocuments } from '../reports/json-document.ts';
import { defineTask } from '../runtime/task.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** How many databases and evidence files per control the workflow's output lists. */
export const MAX_LISTED = 50;
const DAY_MS = 86_400_000;
const day = z.iso.date();

/**
 * Reads every evidence document under a prefix whose day (from its key) is
 * in range, through its schema, with its digest; the ones that do not read
 * are set apart, with the database their key names.
 */
async function readEvidence<Schema extends z.ZodType>(
  reports: ReportStore,
  prefix: string,
  kind: string,
  keep: (key: string) => boolean,
  schema: Schema,
  databaseOf: (key: string) => string | undefined = () => undefined,
): Promise<{ found: { ref: EvidenceRef; value: z.output<Schema> }[]; corrupt: CorruptEvidence[] }> {
  const keys = (await reports.list(prefix)).filter((key) => key.endsWith('.json') && keep(key));
  const { documents, corrupt } = await readStoredDocuments(reports, keys, schema, kind);
  return {
    found: documents.map(({ key, sha256: digest, value }) => ({
      ref: { kind, path: key, sha256: digest },
      value,
    })),
    corrupt: corrupt.map((file) => withDatabase({ kind, ...file }, databaseOf(file.path))),
  };
}

const withDatabase = (
  file: Omit<CorruptEvidence, 'database'>,
  database: string | undefined,
): CorruptEvidence => (database === undefined ? file : { ...file, database });

/**
 * Hashes again every evidence file earlier compliance reports listed, and the
 * earlier reports they chained to: changed or missing bytes are tampering or
 * loss. An earlier report that does not read lists nothing to check: it is
 * returned as corrupt.
 */
async function verifyEarlierEvidence(
  reports: ReportStore,
): Promise<{ integrity: EvidenceIntegrity; corrupt: CorruptEvidence[] }> {
  const expected = new Map<string, string>();
  const { documents, corrupt } = await readComplianceReports(reports);
  const earlierReports: EvidenceRef[] = [
    ...documents,
    ...corrupt.map(({ path, sha256: digest }) => ({ key: path, sha256: digest })),
  ]
    .map(({ key, sha256: digest }) => ({ kind: 'compliance-report', path: key, sha256: digest }))
    .sort((a, b) => a.path.localeCompare(b.path));
  for (const { value: report } of documents) {
    for (const result of report.controls) {
      for (const ref of result.evidence) expected.set(ref.path, ref.sha256);
    }
    for (const ref of report.integrity.earlierReports) expected.set(ref.path, ref.sha256);
  }
  const altered: EvidenceIntegrity['altered'][number][] = [];
  for (const [path, digest] of expected) {
    const body = await reports.get(path);
    const actual = body === undefined ? null : sha256(body);
    if (actual !== digest) altered.push({ path, expected: digest, actual });
  }
  return {
    integrity: { earlierReports, verified: expected.size, altered },
    corrupt: corrupt.map((file) => ({ kind: 'compliance-report', ...file })),
  };
}

/**
 * The period a report covers: as asked; the previous calendar month; or by
 * default the 30 days up to today (or up to `to`).
 */
export function reportPeriod(
  request: { from?: string | undefined; to?: string | undefined; previousMonth?: boolean | undefined },
  now: Date,
): { from: string; to: string } {
  if (request.previousMonth === true) {
    const firstOfThisMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const lastOfPrevious = new Date(firstOfThisMonth - DAY_MS);
    const firstOfPrevious = new Date(
      Date.UTC(lastOfPrevious.getUTCFullYear(), lastOfPrevious.getUTCMonth(), 1),
    );
    return {
      from: firstOfPrevious.toISOString().slice(0, 10),
      to: lastOfPrevious.toISOString().slice(0, 10),
    };
  }
  const to = request.to ?? now.toISOString().slice(0, 10);
  const from =
    request.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  return { from, to };
}

/**
 * Writes the compliance report of a period: gathers the evidence the
 * workflows wrote and the current inventory (itself stored as evidence),
 * evaluates the controls, checks that the evidence earlier reports relied on
 * is unchanged, and writes JSON, CSV and HTML.
 */
export const writeComplianceReportTask = defineTask({
  name: 'write-compliance-report',
  input: z.object({
    request: z
      .object({
        from: day.optional(),
        to: day.optional(),
        /** The whole previous calendar month: what the monthly schedule asks for. */
        previousMonth: z.boolean().optional(),
      })
      .loose(),
    executionName: z.string().min(1),
  }),
  async run(input, { config, rds, sandboxes, reports, clock }) {
    const now = clock();
    const { from, to } = reportPeriod(input.request, now);
    if (from > to) throw new InvalidInputError(`the period starts (${from}) after it ends (${to})`);
    const period = { from, to };
    const dayOfKey = (key: string) => key.split('/').find((segment) => /^\d{4}-\d{2}-\d{2}$/.test(segment));
    const inPeriod = (key: string) => {
      const keyDay = dayOfKey(key);
      return keyDay !== undefined && keyDay >= from && keyDay <= to;
    };
    // Snapshots that can disappear in the period were made up to the
    // retention period (and the day's grace) before it.
    const lookbackFrom = new Date(Date.parse(`${from}T00:00:00Z`) - (config.retention.days + 2) * DAY_MS)
      .toISOString()
      .slice(0, 10);
    const inLookback = (key: string) => {
      const keyDay = dayOfKey(key);
      return keyDay !== undefined && keyDay >= lookbackFrom && keyDay <= to;
    };
    const regions = [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)];
    const databases = selectProtectedDatabases(
      await rds(config.sourceRegion).listDatabases(),
      config.selection,
    );
    const snapshots = (
      await Promise.all(regions.map((region) => rds(region).listSnapshots({ type: 'manual' })))
    ).flat();
    const liveSandboxes = (
      await Promise.all(regions.map((region) => sandboxes(region).listSandboxes()))
    ).flat();
    const reportId = `compliance-${from}-to-${to}-${now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}`;

    const inventory = {
      schemaVersion: 1 as const,
      takenAt: now.toISOString(),
      databases: databases.map(({ id, kind, engine, multiAz, storageEncrypted, backupRetentionDays }) => ({
        id,
        kind,
        engine,
        multiAz,
        storageEncrypted,
        backupRetentionDays,
      })),
      snapshots: snapshots.map((snapshot) => ({
        region: snapshot.region,
        id: snapshot.id,
        database: snapshot.database.id,
        status: snapshot.status,
        managed: isManaged(snapshot.tags),
        deployment: snapshot.tags[DEPLOYMENT_TAG] ?? null,
        createdAt: snapshot.createdAt?.toISOString() ?? null,
        originalCreatedAt: snapshot.originalCreatedAt?.toISOString() ?? null,
        encrypted: snapshot.encrypted,
        kmsKeyId: snapshot.kmsKeyId ?? null,
      })),
      sandboxes: liveSandboxes.map((sandbox) => ({
        region: sandbox.region,
        id: sandbox.id,
        status: sandbox.status,
        deployment: sandbox.tags[DEPLOYMENT_TAG] ?? null,
        createdAt: sandbox.createdAt?.toISOString() ?? null,
      })),
    };
    const storedInventory = await writeInventory(reports, to, reportId, inventory);
    const inventoryRef: EvidenceRef = {
      kind: 'inventory',
      path: storedInventory.key,
      sha256: storedInventory.sha256,
    };

    const backups = await readEvidence(
      reports,
      BACKUP_RECORDS_PREFIX,
      'backup-record',
      inLookback,
      backupRecordSchema,
      databaseOfBackupRecordKey,
    );
    const backupRecords = backups.found.map(({ ref, value }) => ({ ref, record: value }));
    const prunes = await readEvidence(reports, PRUNE_LOGS_PREFIX, 'prune-log', inLookback, pruneLogSchema);
    const pruneLogs = prunes.found.map(({ ref, value }) => ({ ref, log: value }));
    // An intent accounts for a snapshot that is gone unless its own outcome
    // says it was not deleted (the delete failed, or a later run deleted it);
    // only the outcomes of snapshots no longer in the inventory are read.
    const present = new Set(snapshots.map((snapshot) => `${snapshot.region}/${snapshot.id}`));
    const deletionEntries = await listStandingDeletions(
      reports,
      lookbackFrom,
      to,
      (entry) => !present.has(`${entry.region}/${entry.snapshot}`),
      // An unreadable intent accounts for nothing: what it meant to delete is named as disappeared.
      () => undefined,
    );
    // The intents of runs that stopped before writing their own log are the
    // only record of what they deleted: they are evidence in their own right.
    const loggedRuns = new Set(pruneLogs.map(({ log }) => log.runId));
    const deletionEvidence: EvidenceRef[] = (
      await deletionIntentDigests(
        reports,
        deletionEntries.filter((entry) => !loggedRuns.has(entry.runId)),
      )
    ).map((digest) => ({ kind: 'deletion-intent', ...digest }));
    const sweeps = await readEvidence(
      reports,
      SWEEP_RECORDS_PREFIX,
      'sweep-record',
      inPeriod,
      sweepRecordSchema,
    );
    const sweepRecords = sweeps.found.map(({ ref, value }) => ({ ref, record: value }));
    const drillReports: DrillReportEvidence[] = [];
    const corruptDrillReports: CorruptEvidence[] = [];
    for (const database of databases) {
      const { documents, corrupt } = await readDrillReports(
        reports,
        await listDrillReportKeys(reports, database.id),
      );
      for (const { key, sha256: digest, value: report } of documents) {
        if (report.finishedAt.slice(0, 10) > to) continue;
        drillReports.push({ ref: { kind: 'drill-report', path: key, sha256: digest }, report });
      }
      // A corrupt report's day is in its key: one after the period is not this report's concern.
      for (const file of corrupt.filter((candidate) => (dayOfKey(candidate.path) ?? '') <= to)) {
        corruptDrillReports.push({ kind: 'drill-report', ...file, database: database.id });
      }
    }
    const earlier = await verifyEarlierEvidence(reports);
    const { integrity } = earlier;

    const report = evaluateCompliance({
      reportId,
      now,
      period,
      policy: {
        sourceRegion: config.sourceRegion,
        copyRegions: config.copyRegions.map((copy) => copy.region),
        retentionDays: config.retention.days,
        sandboxTtlMinutes: config.sandbox.ttlMinutes,
        drillIntervalDays: config.drills.intervalDays,
        rtoTargetSeconds: Math.round(config.drills.rtoTargetMinutes * 60),
        rpoTargetSeconds: Math.round(config.drills.rpoTargetHours * 3600),
        forDatabase: (id) => {
          const settings = config.drills.databases[id];
          return {
            drillIntervalDays: settings?.intervalDays ?? config.drills.intervalDays,
            rtoTargetSeconds: Math.round((settings?.rtoTargetMinutes ?? config.drills.rtoTargetMinutes) * 60),
            rpoTargetSeconds: Math.round((settings?.rpoTargetHours ?? config.drills.rpoTargetHours) * 3600),
          };
        },
      },
      deployment: deploymentOf(config),
      databases,
      snapshots,
      sandboxes: liveSandboxes,
      inventoryRef,
      backupRecords,
      pruneLogs,
      deletionLog: { entries: deletionEntries, evidence: deletionEvidence },
      drillReports,
      sweepRecords,
      integrity,
      corruptEvidence: [
        ...backups.corrupt,
        ...prunes.corrupt,
        ...sweeps.corrupt,
        ...corruptDrillReports,
        ...earlier.corrupt,
      ],
    });
    const keys = complianceReportKeys(report);
    const json = await reports.put(keys.json, serializeComplianceReport(report), 'application/json');
    const csv = await reports.put(keys.csv, renderComplianceCsv(report), 'text/csv; charset=utf-8');
    const html = await reports.put(keys.html, renderComplianceReportHtml(report), 'text/html; charset=utf-8');
    // Workflow output is limited (256 KB on Step Functions): per control, the
    // failing databases first and the first evidence files, with the totals;
    // the report files hold everything.
    return {
      reportId,
      period,
      status: report.status,
      controls: report.controls.map(({ id, title, status, summary, databases: results, evidence }) => ({
        id,
        title,
        status,
        summary,
        databases: [...results]
          .sort((a, b) => Number(b.status === 'fail') - Number(a.status === 'fail'))
          .slice(0, MAX_LISTED),
        databasesTotal: results.length,
        evidence: evidence.slice(0, MAX_LISTED),
        evidenceTotal: evidence.length,
      })),
      integrity: { verified: integrity.verified, altered: integrity.altered.length },
      report: { json: json.location, csv: csv.location, html: html.location, key: json.key },
    };
  },
});
