import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { deploymentOf, ownsSnapshot } from '../domain/deployment.ts';
import { activeLeaseArns } from '../domain/drill-leases.ts';
import { METRIC, quotaHeadroomPoints, snapshotAgePoints } from '../domain/metrics.ts';
import { isViolation, planPrune } from '../domain/prune.ts';
import { forecastSnapshotQuotas } from '../domain/snapshot-quota.ts';

/** How many findings a run lists in the workflow's state; the totals are always given. */
export const MAX_LISTED = 200;

/**
 * How many deletions of each kind (planned, made, failed, deferred) the
 * workflow's state lists: with the findings, a bad day's state stays well
 * inside the 256 KiB limit. The plan and the run's log hold them all.
 */
export const MAX_LISTED_DELETIONS = 50;

import { readCurrentLeases, removeExpiredLeases } from '../reports/drill-leases.ts';
import { batchCountOf, writePrunePlan } from '../reports/prune-plan.ts';
import { defineTask } from '../runtime/task.ts';
import { readSnapshotQuotas } from './snapshot-quotas.ts';

/**
 * Lists every region the tool writes to and plans the prune. Deletes
 * nothing: it writes the plan for the deletion batches (not on a dry run),
 * each deletion checked again before it is made.
 */
export const planPruneTask = defineTask({
  name: 'plan-prune',
  needs: ['rds', 'reports'],
  input: z.object({
    request: z.object({ dryRun: z.boolean().optional() }).loose(),
    executionName: z.string().min(1),
  }),
  async run(input, { config, rds, reports, clock, metrics }) {
    const now = clock();
    const copyRegions = config.copyRegions.map((copy) => copy.region);
    const regions = [config.sourceRegion, ...copyRegions];
    const [databases, leases, quotas, ...snapshotsByRegion] = await Promise.all([
      rds(config.sourceRegion).listDatabases(),
      readCurrentLeases(reports, now),
      readSnapshotQuotas(rds, regions),
      ...regions.map((region) => rds(region).listSnapshots({ type: 'manual' })),
    ]);
    const dryRun = input.request.dryRun ?? false;
    // Leases expire and go, so that each deletion batch reads only the current ones.
    if (!dryRun) await removeExpiredLeases(reports, now);
    const protectedDatabases = selectProtectedDatabases(databases, config.selection);
    const plan = planPrune({
      now,
      policy: {
        retentionDays: config.retention.days,
        maxDeletionsPerRun: config.retention.maxDeletionsPerRun,
        maxDeletionShare: config.retention.maxDeletionShare,
        backupMaxAgeHours: config.backup.maxAgeHours,
        snapshotTimeoutMinutes: config.backup.snapshotTimeoutMinutes,
      },
      deployment: deploymentOf(config),
      regions,
      snapshots: snapshotsByRegion.flat(),
      protectedDatabases,
      inUseSnapshotArns: activeLeaseArns(leases, now),
    });
    // The next backup snapshots every protected database, after this run's
    // deletions (in a dry run: after the deletions a real run would make).
    const snapshotQuota = forecastSnapshotQuotas({
      sourceRegion: config.sourceRegion,
      copyRegions,
      kinds: config.selection.kinds,
      databases: protectedDatabases,
      quotas,
      removals: plan.deletions,
    });
    // Workflow state is limited (256 KiB on Step Functions): the deletions go
    // to the plan document, which the batches read, and the long lists are
    // cut, violations first, with their totals kept.
    const findings = [...plan.findings, ...snapshotQuota.findings].sort(
      (a, b) => Number(isViolation(b)) - Number(isViolation(a)),
    );
    const deployment = deploymentOf(config);
    const protectedIds = new Set(protectedDatabases.map((database) => database.id));
    metrics?.record([
      ...snapshotAgePoints(
        now,
        snapshotsByRegion
          .flat()
          .filter((snapshot) => protectedIds.has(snapshot.database.id) && ownsSnapshot(deployment, snapshot)),
      ),
      ...quotaHeadroomPoints(snapshotQuota.headroom),
      ...(dryRun
        ? []
        : [
            { name: METRIC.deletionsPlanned, unit: 'Count' as const, value: plan.deletions.length },
            { name: METRIC.deletionBacklog, unit: 'Count' as const, value: plan.deferred.length },
          ]),
    ]);
    const runId = input.executionName;
    const startedAt = now.toISOString();
    const planKey =
      dryRun || plan.deletions.length === 0
        ? null
        : await writePrunePlan(reports, {
            schemaVersion: 1,
            runId,
            startedAt,
            deletions: plan.deletions,
            deferred: plan.deferred,
          });
    return {
      runId,
      startedAt,
      dryRun,
      retentionDays: config.retention.days,
      plan: planKey,
      // Only a dry run lists them here: a real run's log reads what the batches did.
      deletions: dryRun ? plan.deletions.slice(0, MAX_LISTED_DELETIONS) : [],
      deletionsTotal: plan.deletions.length,
      batches: { total: batchCountOf(plan.deletions.length), next: 0, deleted: 0, failed: 0 },
      kept: plan.kept,
      deferred: plan.deferred.slice(0, MAX_LISTED_DELETIONS),
      deferredTotal: plan.deferred.length,
      findings: findings.slice(0, MAX_LISTED),
      findingsTotal: findings.length,
      violations: findings.filter(isViolation).length,
      snapshotQuotas: snapshotQuota.headroom,
    };
  },
});
