import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { evaluateCompliance } from '../domain/compliance.ts';
import type { EvidenceRef } from '../domain/compliance-report.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { DEPLOYMENT_TAG, isManaged } from '../domain/tags.ts';
import { sandboxRegionsOf } from '../domain/vault.ts';
import {
  evidenceForControls,
  gatherComplianceEvidence,
  verifyEarlierEvidence,
} from '../reports/compliance-evidence.ts';
import { renderComplianceCsv, serializeComplianceReport } from '../reports/compliance-report.ts';
import { renderComplianceReportHtml } from '../reports/compliance-report-html.ts';
import { writeInventory } from '../reports/evidence.ts';
import { complianceReportKeys } from '../reports/store/layout.ts';
import { withBoundedReads } from '../reports/store-reads.ts';
import { defineTask } from '../runtime/task.ts';

/** How many databases and evidence files per control the workflow's output lists. */
export const MAX_LISTED = 50;
const DAY_MS = 86_400_000;
const day = z.iso.date();

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
 * workflows wrote, from the sealed days' manifests and the other days'
 * documents (`reports/compliance-evidence.ts`), and the current inventory
 * (itself stored as evidence), evaluates the controls, checks the manifests'
 * chain and the previous report, and writes JSON, CSV and HTML.
 */
export const writeComplianceReportTask = defineTask({
  name: 'write-compliance-report',
  needs: ['rds', 'sandboxes', 'reports'],
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
  async run(input, { config, rds, sandboxes, reports: store, clock }) {
    const reports = withBoundedReads(store);
    const now = clock();
    const { from, to } = reportPeriod(input.request, now);
    if (from > to) throw new InvalidInputError(`the period starts (${from}) after it ends (${to})`);
    const period = { from, to };
    // Snapshots that can disappear in the period were made up to the
    // retention period (and the day's grace) before it.
    const lookbackFrom = new Date(Date.parse(`${from}T00:00:00Z`) - (config.retention.days + 2) * DAY_MS)
      .toISOString()
      .slice(0, 10);
    const regions = sandboxRegionsOf(config);
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

    const gathered = await gatherComplianceEvidence(reports, {
      from,
      to,
      lookbackFrom,
      databases: databases.map((database) => database.id),
    });
    const evidence = await evidenceForControls(reports, gathered, {
      from,
      present: new Set(snapshots.map((snapshot) => `${snapshot.region}/${snapshot.id}`)),
    });
    const earlier = await verifyEarlierEvidence(reports, gathered, reportId);
    const { integrity } = earlier;

    const report = evaluateCompliance({
      reportId,
      now,
      period,
      policy: {
        sourceRegion: config.sourceRegion,
        copyRegions: config.copyRegions.map((copy) => copy.region),
        ...(config.vault === undefined
          ? {}
          : { vaultRegions: config.vault.regions.map((vault) => vault.region) }),
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
      ...evidence,
      integrity,
      corruptEvidence: [...evidence.corruptEvidence, ...earlier.corrupt],
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
