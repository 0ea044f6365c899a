import { z } from 'zod';
import {
  chooseBaseline,
  chooseFreshnessBaseline,
  compareInventory,
  type DrillReport,
  evaluateRpo,
  evaluateRto,
  provenBadReason,
  verdictOf,
} from '../domain/drill.ts';
import { CorruptEvidenceError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { listDrillReportKeys, readDrillReports, serializeDrillReport } from '../reports/drill-report.ts';
import { renderDrillReportHtml } from '../reports/drill-report-html.ts';
import { readVerification, type Verification } from '../reports/evidence.ts';
import type { CorruptDocument } from '../reports/json-document.ts';
import { drillReportKeys, parseDrillReportKey } from '../reports/store/layout.ts';
import { defineTask } from '../runtime/task.ts';
import type { CheckResult, Inventory } from '../verifier/types.ts';
import { plannedDrill, restoreOutcome } from './drill-shapes.ts';
import { caughtError, describeCaughtError, isoTime } from './shapes.ts';

const notRun = (name: string, why: string): CheckResult => ({
  name,
  status: 'error',
  detail: `not run: ${why}`,
  durationMs: 0,
});

/**
 * Every earlier drill report of the database that reads: the candidates for
 * its baselines. A report that does not read is no candidate: it is added to
 * `unreadable`, and the others still count.
 */
async function earlierDrills(
  reports: ReportStore,
  databaseId: string,
  drillId: string,
  unreadable: CorruptDocument[],
): Promise<DrillReport[]> {
  const keys = (await listDrillReportKeys(reports, databaseId)).filter(
    (key) => parseDrillReportKey(key)?.drillId !== drillId,
  );
  const { documents, corrupt } = await readDrillReports(reports, keys);
  unreadable.push(...corrupt);
  return documents.map((document) => document.value);
}

/**
 * Ends every drill, whatever happened: turns what the earlier states learnt
 * into the checks and the verdict (fail closed: a check that did not run is
 * an error), and writes the drill report as JSON and HTML.
 */
export const writeDrillReportTask = defineTask({
  name: 'write-drill-report',
  needs: ['reports'],
  input: plannedDrill.extend({
    restore: restoreOutcome.optional(),
    availability: z.object({ availableAt: isoTime.optional() }).loose().optional(),
    verification: z.object({ verifiedAt: isoTime, key: z.string().min(1) }).optional(),
    error: caughtError.optional(),
    teardown: z.object({ result: z.enum(['deleted', 'failed']), error: caughtError.optional() }).loose(),
  }),
  async run(input, { config, reports, clock, logger }) {
    const settings = config.drills.databases[input.database.id];
    const targets = {
      rtoSeconds: Math.round((settings?.rtoTargetMinutes ?? config.drills.rtoTargetMinutes) * 60),
      rpoSeconds: Math.round((settings?.rpoTargetHours ?? config.drills.rpoTargetHours) * 3600),
    };
    const failure = input.error === undefined ? undefined : describeCaughtError(input.error);
    const availableAt = input.availability?.availableAt ?? null;
    const checks: CheckResult[] = [];
    checks.push(
      availableAt === null
        ? {
            name: 'restore',
            status: 'error',
            detail: failure ?? 'the sandbox never became available',
            durationMs: 0,
          }
        : {
            name: 'restore',
            status: 'pass',
            detail: `restored ${input.snapshot.id} into ${input.sandboxId} in ${input.snapshot.region}`,
            durationMs: 0,
          },
    );

    // A verifier's result that does not read is a verification that did not
    // happen: its checks fail closed, naming the file, and the report is written.
    let verification: Verification | undefined;
    let unreadableVerification: string | undefined;
    if (input.verification !== undefined) {
      try {
        verification = await readVerification(reports, input.verification.key);
      } catch (error) {
        if (!(error instanceof CorruptEvidenceError)) throw error;
        unreadableVerification = error.message;
      }
    }
    const why = failure ?? unreadableVerification ?? 'the restore did not complete';
    if (verification === undefined) {
      checks.push(notRun('connect', why), notRun('consistency', why));
      for (const assertion of settings?.assertions ?? [])
        checks.push(notRun(`assertion: ${assertion.name}`, why));
    } else {
      checks.push(...verification.checks.filter((result) => result.name !== 'inventory'));
    }

    const inventory: Inventory | undefined = verification?.inventory;
    const takenAt = input.restore?.snapshotProvenance.takenAt ?? null;
    const snapshotTakenAt = takenAt === null ? undefined : new Date(takenAt);
    const unreadable: CorruptDocument[] = [];
    const earlier = await earlierDrills(reports, input.database.id, input.drillId, unreadable);
    for (const file of unreadable) {
      logger.warn('unreadable drill report skipped as a baseline', { key: file.path, reason: file.reason });
    }
    const previous = chooseBaseline(earlier, snapshotTakenAt);
    // The verifier's own reason, when it could not take the inventory, says more than the comparison can.
    const inventoryError = verification?.checks.find((result) => result.name === 'inventory');
    const inventoryCheck =
      verification === undefined
        ? notRun('inventory', why)
        : inventoryError !== undefined
          ? inventoryError
          : compareInventory(
              inventory,
              previous?.inventory ?? undefined,
              settings?.shrinkThresholdPercent ?? config.drills.shrinkThresholdPercent,
            );
    // Said in the report itself: the comparison was made with an older
    // baseline (or none) because newer reports could not be read.
    checks.push(
      unreadable.length === 0
        ? inventoryCheck
        : {
            ...inventoryCheck,
            detail: `${inventoryCheck.detail}; skipped unreadable earlier reports as baseline: ${unreadable.map((file) => file.path).join(', ')}`,
          },
    );
    const rpo =
      verification === undefined
        ? { check: notRun('freshness', why), rpoSeconds: null }
        : verification.freshnessCheck !== undefined
          ? { check: verification.freshnessCheck, rpoSeconds: null }
          : evaluateRpo(
              snapshotTakenAt,
              verification.newestRowTime,
              targets.rpoSeconds,
              verification.newestRowSource,
              chooseFreshnessBaseline(earlier, snapshotTakenAt),
            );
    checks.push(rpo.check);
    const restoreRequestedAt = input.restore?.restoreRequestedAt ?? input.plannedAt;
    const verifiedAt = verification?.verifiedAt ?? null;
    const rto = evaluateRto(restoreRequestedAt, verifiedAt, targets.rtoSeconds);
    checks.push(rto.check);
    const teardownFailed = input.teardown.result === 'failed';
    const teardownDetail = teardownFailed
      ? `sandbox ${input.sandboxId} was not deleted: ${input.teardown.error === undefined ? 'unknown error' : describeCaughtError(input.teardown.error)}; the sweeper removes it when its time to live ends`
      : `sandbox ${input.sandboxId} deleted`;
    checks.push({
      name: 'teardown',
      status: teardownFailed ? 'fail' : 'pass',
      detail: teardownDetail,
      durationMs: 0,
    });

    // Only an error before the sandbox became available is the restore's own.
    const provenBad = provenBadReason(checks, availableAt === null ? input.error?.Error : undefined) ?? null;
    const report: DrillReport = {
      schemaVersion: 1,
      drillId: input.drillId,
      verdict: verdictOf(checks),
      startedAt: input.plannedAt,
      finishedAt: clock().toISOString(),
      trigger: input.trigger,
      database: input.database,
      snapshot: {
        id: input.snapshot.id,
        arn: input.snapshot.arn,
        region: input.snapshot.region,
        takenAt,
        encrypted: input.restore?.snapshotProvenance.encrypted ?? false,
        kmsKeyId: input.restore?.snapshotProvenance.kmsKeyId ?? null,
        sourceSnapshotArn: input.restore?.snapshotProvenance.sourceSnapshotArn ?? null,
        sha256: input.restore?.snapshotProvenance.sha256 ?? null,
        provenBad,
        ...(input.snapshot.account === undefined ? {} : { account: input.snapshot.account }),
      },
      sandbox: {
        id: input.sandboxId,
        region: input.snapshot.region,
        instanceClass: input.restore?.instanceClass ?? config.sandbox.instanceClass,
        teardown: teardownFailed ? 'failed' : 'deleted',
        teardownDetail,
      },
      targets,
      timings: {
        restoreRequestedAt,
        availableAt,
        verifiedAt,
        rtoSeconds: rto.rtoSeconds,
        rpoSeconds: rpo.rpoSeconds,
        newestRowAt: verification?.newestRowTime ?? null,
      },
      checks,
      inventory: inventory ?? null,
      previousDrill:
        previous === undefined ? null : { drillId: previous.drillId, finishedAt: previous.finishedAt },
    };
    const keys = drillReportKeys(report);
    const json = await reports.put(keys.json, serializeDrillReport(report), 'application/json');
    const html = await reports.put(keys.html, renderDrillReportHtml(report), 'text/html; charset=utf-8');
    return {
      drillId: report.drillId,
      verdict: report.verdict,
      database: report.database.id,
      snapshot: report.snapshot.id,
      region: report.snapshot.region,
      /** The vault account, for a drill of its copy; null for this account's snapshot. */
      account: report.snapshot.account ?? null,
      rtoSeconds: report.timings.rtoSeconds,
      rpoSeconds: report.timings.rpoSeconds,
      checks: report.checks.map(({ name, status, detail }) => ({ name, status, detail })),
      report: { json: json.location, html: html.location, sha256: json.sha256 },
      // The workflow tags the snapshot when this is set (MarkSnapshotProvenBad).
      provenBad:
        provenBad === null ? null : { reason: provenBad, drillId: report.drillId, snapshot: input.snapshot },
    };
  },
});
