// The prune as the commands use it (`prune`, and `demo` for each replayed
// day): running the workflow on the local cloud, the `--json` result, the
// exit code and the summary for people.
import type { Finding } from '../../domain/prune.ts';
import type { SnapshotQuotaHeadroom } from '../../domain/snapshot-quota.ts';
import type { CompletedDeletion } from '../../tasks/write-prune-log.ts';
import { EXIT_FAILURE, EXIT_OK } from '../errors.ts';
import type { LocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatSnapshotQuotas } from '../snapshot-quotas.ts';
import { formatTable } from '../table.ts';

interface DeletionRow {
  readonly database: string;
  readonly region: string;
  readonly snapshot: string;
  readonly ageHours: number;
  readonly reason: string;
  readonly status?: string;
  readonly error?: string;
}

/** What the prune workflow returns (write-prune-log's output). */
export interface PruneRunResult {
  readonly runId: string;
  readonly dryRun: boolean;
  /** The first deletions (see deletedTotal); the run's log holds them all. */
  readonly deleted: DeletionRow[];
  /** Absent from the output of a stack deployed before deletions ran in batches: then `deleted` is all. */
  readonly deletedTotal?: number;
  readonly failed: DeletionRow[];
  readonly failedTotal?: number;
  readonly deferred: DeletionRow[];
  readonly kept: number;
  readonly findings: Finding[];
  readonly findingsTotal: number;
  readonly deferredTotal: number;
  readonly violations: number;
  /** Each region's and kind's manual snapshot quota for the next backup, after this run's deletions. */
  readonly snapshotQuotas: readonly SnapshotQuotaHeadroom[];
  /** Deletions of earlier runs that stopped, whose outcome this run recorded (the first ones; see completedTotal). */
  readonly completed: readonly CompletedDeletion[];
  readonly completedTotal: number;
  readonly status: 'OK' | 'FAILED';
  readonly log: { location: string; sha256: string } | null;
}

/** The `prune --json` contract. */
export function pruneResult(run: PruneRunResult) {
  const row = ({ database, region, snapshot, ageHours, reason }: DeletionRow) => ({
    database,
    region,
    snapshot,
    ageHours,
    reason,
  });
  return {
    dryRun: run.dryRun,
    deleted: run.deleted.map(row),
    deletedTotal: run.deletedTotal ?? run.deleted.length,
    kept: run.kept,
    findings: run.findings.map(({ kind, resource, detail, severity }) => ({
      kind,
      resource,
      detail,
      severity,
    })),
    findingsTotal: run.findingsTotal,
    failed: run.failed.map((failure) => ({ ...row(failure), error: failure.error ?? '' })),
    failedTotal: run.failedTotal ?? run.failed.length,
    completed: run.completed,
    completedTotal: run.completedTotal,
    snapshotQuotas: run.snapshotQuotas,
    log: run.log?.location ?? null,
  };
}

export const pruneExitCode = (run: PruneRunResult) =>
  run.failed.length > 0 || run.violations > 0 ? EXIT_FAILURE : EXIT_OK;

export async function runLocalPrune(environment: LocalEnvironment, dryRun: boolean, executionName: string) {
  return (await environment.runner.run('prune', { dryRun }, executionName)) as PruneRunResult;
}

export function printPruneSummary(context: CommandContext, run: PruneRunResult): void {
  const { output } = context;
  const verb = run.dryRun ? 'would delete' : 'deleted';
  output.say(
    `prune ${run.runId}${run.dryRun ? ' (dry run: nothing deleted)' : ''}: ${verb} ${run.deletedTotal ?? run.deleted.length}, kept ${run.kept}`,
  );
  if (run.deleted.length > 0) {
    output.say(
      formatTable(
        ['region', 'snapshot', 'age', 'reason'],
        run.deleted.map((row) => [row.region, row.snapshot, `${row.ageHours.toFixed(1)} h`, row.reason]),
      ),
    );
  }
  const deletedTotal = run.deletedTotal ?? run.deleted.length;
  if (deletedTotal > run.deleted.length) {
    output.say(`… and ${deletedTotal - run.deleted.length} more deletions (the deletion log lists them all)`);
  }
  for (const failure of run.failed)
    output.say(`failed to delete ${failure.region}/${failure.snapshot}: ${failure.error}`);
  const failedTotal = run.failedTotal ?? run.failed.length;
  if (failedTotal > run.failed.length)
    output.say(`… and ${failedTotal - run.failed.length} more failed deletions`);
  for (const finding of run.findings)
    output.say(`${finding.severity}: ${finding.kind} ${finding.resource}: ${finding.detail}`);
  if (run.findingsTotal > run.findings.length) {
    output.say(
      `… and ${run.findingsTotal - run.findings.length} more findings (${run.violations} violations in all)`,
    );
  }
  if (run.completedTotal > 0) {
    const gone = run.completed.filter((entry) => entry.status === 'deleted').length;
    output.say(
      `completed the deletion log of ${run.completedTotal} deletions of runs that stopped` +
        ` (${gone} of those listed were deleted, the others are planned again)`,
    );
  }
  if (run.snapshotQuotas.length > 0) {
    output.say(
      `manual snapshot quotas for the next backup, ${run.dryRun ? 'had this run deleted' : 'after this run'}:`,
    );
    output.say(formatSnapshotQuotas(run.snapshotQuotas));
  }
  if (run.log !== null) output.say(`deletion log: ${run.log.location}`);
}
