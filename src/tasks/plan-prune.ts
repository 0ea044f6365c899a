import { z } from 'zod';
import { selectProtectedDatabases } from '../domain/backup.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { activeLeaseArns } from '../domain/drill-leases.ts';
import { isViolation, planPrune } from '../domain/prune.ts';
import { forecastSnapshotQuotas } from '../domain/snapshot-quota.ts';

/** How many findings and deferred deletions a run lists; the totals are always given. */
export const MAX_LISTED = 200;

import { defineTask } from '../runtime/task.ts';
import { readCurrentLeases } from './drill-leases.ts';
import { readSnapshotQuotas } from './snapshot-quotas.ts';

/**
 * Lists every region the tool writes to and plans the prune. Read-only: the
 * deletions happen in their own states, each checked again before it is made.
 */
export const planPruneTask = defineTask({
  name: 'plan-prune',
  input: z.object({
    request: z.object({ dryRun: z.boolean().optional() }).loose(),
    executionName: z.string().min(1),
  }),
  async run(input, { config, rds, reports, clock }) {
    const now = clock();
    const copyRegions = config.copyRegions.map((copy) => copy.region);
    const regions = [config.sourceRegion, ...copyRegions];
    const [databases, leases, quotas, ...snapshotsByRegion] = await Promise.all([
      rds(config.sourceRegion).listDatabases(),
      readCurrentLeases(reports, now),
      readSnapshotQuotas(rds, regions),
      ...regions.map((region) => rds(region).listSnapshots({ type: 'manual' })),
    ]);
    const protectedDatabases = selectProtectedDatabases(databases, config.selection);
    const plan = planPrune({
      now,
      policy: {
        retentionDays: config.retention.days,
        maxDeletionsPerRun: config.retention.maxDeletionsPerRun,
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
    // Workflow state is limited (256 KB on Step Functions): the deletions are
    // bounded by the per-run cap, and the long lists are cut, violations first,
    // with their totals kept.
    const findings = [...plan.findings, ...snapshotQuota.findings].sort(
      (a, b) => Number(isViolation(b)) - Number(isViolation(a)),
    );
    return {
      runId: input.executionName,
      startedAt: now.toISOString(),
      dryRun: input.request.dryRun ?? false,
      retentionDays: config.retention.days,
      deletions: plan.deletions,
      kept: plan.kept,
      deferred: plan.deferred.slice(0, MAX_LISTED),
      deferredTotal: plan.deferred.length,
      findings: findings.slice(0, MAX_LISTED),
      findingsTotal: findings.length,
      violations: findings.filter(isViolation).length,
      snapshotQuotas: snapshotQuota.headroom,
    };
  },
});
