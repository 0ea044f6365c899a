// Restore drills as the commands use them (`drill`, and `demo`'s drills):
// running the workflow on the local cloud, the one `--json` shape of a drill
// run, the summary for people and the progress lines.
import type { DrillBacklog } from '../../tasks/drill-shapes.ts';
import { describeCaughtError } from '../../tasks/shapes.ts';
import { type WorkflowEvent, WorkflowExecutionFailedError } from '../../workflow-runner/local-runner.ts';
import { UsageError } from '../errors.ts';
import type { LocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatTable } from '../table.ts';

/** One drill's outcome (write-drill-report's output). */
export interface DrillOutcome {
  readonly drillId?: string;
  readonly verdict: 'pass' | 'fail';
  readonly database: string;
  readonly snapshot?: string;
  readonly region?: string;
  /** The vault account, for a drill of its copy; null (or absent, from earlier runs) for this account's. */
  readonly account?: string | null;
  readonly rtoSeconds?: number | null;
  readonly rpoSeconds?: number | null;
  readonly checks?: { name: string; status: string; detail: string }[];
  readonly report?: { json: string; html: string };
  readonly error?: string;
}

export interface DrillRunSummary {
  readonly runId: string;
  readonly status: 'OK' | 'FAILED';
  readonly drills: DrillOutcome[];
  readonly skipped: { database: string; error: string }[];
  /** What the run left for later runs; absent from runs of a stack deployed before there was a per-run maximum. */
  readonly backlog?: DrillBacklog;
}

/** Errors of the planning step that mean the request itself was wrong. */
export const BAD_REQUEST_ERRORS = new Set([
  'DatabaseNotFoundError',
  'SnapshotNotFoundError',
  'InvalidStateError',
]);

/**
 * A drill in the `drill --json` document. `checks` is null when the run's
 * output does not carry them (a run of several databases keeps its outcomes
 * compact): they are in the drill's report.
 */
export function drillResult(outcome: DrillOutcome) {
  return {
    verdict: outcome.verdict,
    database: outcome.database,
    snapshot: outcome.snapshot ?? null,
    region: outcome.region ?? null,
    account: outcome.account ?? null,
    rtoSeconds: outcome.rtoSeconds ?? null,
    rpoSeconds: outcome.rpoSeconds ?? null,
    checks: outcome.checks ?? null,
    report: outcome.report === undefined ? null : { json: outcome.report.json, html: outcome.report.html },
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
  };
}

/**
 * The `drill --json` contract, one shape however many databases the run
 * drilled: `{ verdict, drills: [...], backlog }`, a database that could not be
 * drilled listed as a failed drill with its error, and `backlog` null unless
 * the per-run maximum held databases back.
 */
export function drillsResult(summary: DrillRunSummary) {
  const heldBack = summary.backlog?.heldBack ?? 0;
  return {
    verdict: summary.status === 'OK' ? ('pass' as const) : ('fail' as const),
    drills: [
      ...summary.drills.map(drillResult),
      ...summary.skipped.map((skipped) =>
        drillResult({ verdict: 'fail', database: skipped.database, error: skipped.error }),
      ),
    ],
    backlog: heldBack === 0 ? null : (summary.backlog ?? null),
  };
}

export function describeDrillProgress(event: WorkflowEvent): string | undefined {
  if (event.type === 'failed') return `${event.state}: ${event.error}`;
  if (event.type !== 'task') return undefined;
  const input = event.input as { database?: { id?: string }; drill?: { database?: { id?: string } } } | null;
  const database = input?.database?.id ?? input?.drill?.database?.id ?? '';
  const steps: Record<string, string> = {
    SweepSandboxes: 'removing expired sandboxes',
    PlanDrills: 'choosing snapshots',
    RestoreSandbox: `${database}: restoring into a sandbox`,
    VerifySandbox: `${database}: verifying (consistency, inventory, assertions, freshness)`,
    StartRegionalVerification: `${database}: verifying in the sandbox's region (consistency, inventory, assertions, freshness)`,
    TeardownSandbox: `${database}: tearing the sandbox down`,
    WriteDrillReport: `${database}: writing the drill report`,
  };
  return steps[event.state];
}

export function printDrillSummary(context: CommandContext, summary: DrillRunSummary): void {
  const { output } = context;
  for (const drill of summary.drills) {
    output.say(`drill of ${drill.database}: ${drill.verdict.toUpperCase()}`);
    if (drill.snapshot !== undefined) {
      const where =
        drill.account === undefined || drill.account === null
          ? drill.region
          : `${drill.region}, in the vault account ${drill.account}`;
      output.say(`  snapshot ${drill.snapshot} in ${where}`);
    }
    if (drill.checks !== undefined) {
      output.say(
        formatTable(
          ['check', 'status', 'detail'],
          drill.checks.map((check) => [check.name, check.status, check.detail]),
        )
          .split('\n')
          .map((line) => `  ${line}`)
          .join('\n'),
      );
    }
    if (drill.error !== undefined) output.say(`  ${drill.error}`);
    if (drill.report !== undefined) output.say(`  report: ${drill.report.html}`);
  }
  for (const skipped of summary.skipped) output.say(`drill of ${skipped.database}: FAIL (${skipped.error})`);
  const backlog = summary.backlog;
  if (backlog !== undefined && backlog.heldBack > 0) {
    output.say(
      `${backlog.heldBack} more databases wait for the next run (drills.maxPerRun): ` +
        `${backlog.overdue} overdue, ${backlog.neverDrilled} never drilled; the most overdue: ` +
        backlog.mostOverdue
          .map((held) =>
            held.dueBy === null ? held.database : `${held.database} (due by ${held.dueBy.slice(0, 10)})`,
          )
          .join(', '),
    );
  }
  if (summary.drills.length === 0 && summary.skipped.length === 0 && (backlog?.heldBack ?? 0) === 0)
    output.say('no drill was due');
}

export function badRequest(error: string, cause: string): UsageError {
  return new UsageError(`${describeCaughtError({ Error: error, Cause: cause })} (no sandbox was created)`);
}

export async function runLocalDrills(environment: LocalEnvironment, request: object, executionName: string) {
  try {
    return (await environment.runner.run('drill', request, executionName)) as DrillRunSummary;
  } catch (error) {
    if (error instanceof WorkflowExecutionFailedError && BAD_REQUEST_ERRORS.has(error.error)) {
      throw badRequest(error.error, error.executionCause);
    }
    throw error;
  }
}
