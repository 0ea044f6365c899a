import { createHash } from 'node:crypto';
import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import {
  type BackupRecordEvidence,
  type DrillReportEvidence,
  evaluateCompliance,
  type PruneLogEvidence,
  type SweepRecordEvidence,
} from '../domain/compliance.ts';
import type { EvidenceIntegrity, EvidenceRef } from '../domain/compliance-report.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { DEPLOYMENT_TAG, isManaged } from '../domain/tags.ts';
import type { ReportStore } from '../ports/report-store.ts';
import {
  COMPLIANCE_REPORTS_PREFIX,
  complianceReportKeys,
  parseComplianceReport,
  renderComplianceCsv,
  serializeComplianceReport,
} from '../reports/compliance-report.ts';
import { renderComplianceReportHtml } from '../reports/compliance-report-html.ts';
import { listDeletionLog } from '../reports/deletion-log.ts';
import { DRILL_REPORTS_PREFIX, parseDrillReport } from '../reports/drill-report.ts';
import { defineTask } from '../runtime/task.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** How many databases and evidence files per control the workflow's output lists. */
export const MAX_LISTED = 50;
const DAY_MS = 86_400_000;
const day = z.iso.date();

/** Reads every JSON object under a prefix whose day (from its key) is in range, with its digest. */
async function readEvidence<T>(
  reports: ReportStore,
  prefix: string,
  kind: string,
  keep: (key: string) => boolean,
): Promise<{ ref: EvidenceRef; value: T }[]> {
  const found: { ref: EvidenceRef; value: T }[] = [];
  for (const key of await reports.list(prefix)) {
    if (!key.endsWith('.json') || !keep(key)) continue;
    const body = await reports.get(key);
    if (body === undefined) continue;
    found.push({
      ref: { kind, path: key, sha256: sha256(body) },
      value: JSON.parse(Buffer.from(body).toString('utf8')) as T,
    });
  }
  return found;
}

/**
 * Hashes again every evidence file earlier compliance reports listed, and the
 * earlier reports they chained to: changed or missing bytes are tampering or loss.
 */
async function verifyEarlierEvidence(reports: ReportStore): Promise<EvidenceIntegrity> {
  const expected = new Map<string, string>();
  const earlierReports: EvidenceRef[] = [];
  for (const key of await reports.list(COMPLIANCE_REPORTS_PREFIX)) {
    if (!key.endsWith('.json')) continue;
    const body = await reports.get(key);
    if (body === undefined) continue;
    earlierReports.push({ kind: 'compliance-report', path: key, sha256: sha256(body) });
    const report = parseComplianceReport(Buffer.from(body).toString('utf8'));
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
  return { earlierReports, verified: expected.size, altered };
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
      schemaVersion: 1,
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
    const storedInventory = await reports.put(
      `evidence/inventories/${to}/${reportId}.json`,
      `${JSON.stringify(inventory, null, 2)}\n`,
      'application/json',
    );
    const inventoryRef: EvidenceRef = {
      kind: 'inventory',
      path: storedInventory.key,
      sha256: storedInventory.sha256,
    };

    const backupRecords = (
      await readEvidence<BackupRecordEvidence['record']>(
        reports,
        'evidence/backups/',
        'backup-record',
        inLookback,
      )
    ).map(({ ref, value }) => ({ ref, record: value }));
    const pruneLogs = (
      await readEvidence<PruneLogEvidence['log']>(reports, 'evidence/prunes/', 'prune-log', inLookback)
    ).map(({ ref, value }) => ({ ref, log: value }));
    const deletionEntries = await listDeletionLog(reports, lookbackFrom, to);
    // The intents of runs that stopped before writing their own log are the
    // only record of what they deleted: they are evidence in their own right.
    const loggedRuns = new Set(
      pruneLogs.map(({ ref }) =>
        ref.path
          .split('/')
          .at(-1)
          ?.replace(/\.json$/, ''),
      ),
    );
    const deletionEvidence: EvidenceRef[] = [];
    for (const entry of deletionEntries) {
      if (loggedRuns.has(entry.runId)) continue;
      const body = await reports.get(entry.intentKey);
      if (body !== undefined) {
        deletionEvidence.push({ kind: 'deletion-intent', path: entry.intentKey, sha256: sha256(body) });
      }
    }
    const sweepRecords = (
      await readEvidence<SweepRecordEvidence['record']>(reports, 'evidence/sweeps/', 'sweep-record', inPeriod)
    ).map(({ ref, value }) => ({ ref, record: value }));
    const drillReports: DrillReportEvidence[] = [];
    for (const database of databases) {
      for (const key of await reports.list(`${DRILL_REPORTS_PREFIX}${database.id}/`)) {
        if (!key.endsWith('.json')) continue;
        const body = await reports.get(key);
        if (body === undefined) continue;
        const report = parseDrillReport(Buffer.from(body).toString('utf8'));
        if (report.finishedAt.slice(0, 10) > to) continue;
        drillReports.push({ ref: { kind: 'drill-report', path: key, sha256: sha256(body) }, report });
      }
    }
    const integrity = await verifyEarlierEvidence(reports);

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
