import type { BackupRunSummary } from '../../domain/backup.ts';
import { countStatuses, selectProtectedDatabases } from '../../domain/backup.ts';
import type { WorkflowEvent } from '../../workflow-runner/local-runner.ts';
import { reportFailedExecution, runDeployedWorkflow } from '../deployed-workflow.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { executionName, type LocalEnvironment, withLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatSnapshotQuotas } from '../snapshot-quotas.ts';
import { formatTable } from '../table.ts';

/** The `backup --json` contract. */
export function backupResult(summary: BackupRunSummary) {
  return {
    status: summary.status,
    databases: summary.databases.map((database) => ({
      id: database.id,
      status: database.status,
      snapshots: database.snapshots.map(({ region, id, status, note }) => ({
        region,
        id,
        status,
        ...(note === undefined ? {} : { note }),
      })),
      ...(database.error === undefined ? {} : { error: database.error }),
    })),
    // A large run lists only the databases that are not OK: the counts say the rest.
    ...(summary.unlisted > 0 ? { counts: summary.counts, unlisted: summary.unlisted } : {}),
    snapshotQuotas: summary.snapshotQuotas,
    findings: summary.findings.map(({ kind, severity, resource, detail }) => ({
      kind,
      severity,
      resource,
      detail,
    })),
  };
}

export function describeProgress(event: WorkflowEvent): string | undefined {
  if (event.type === 'retry') return `${event.state}: retry ${event.attempt}`;
  if (event.type === 'failed') return `${event.state}: ${event.error}`;
  if (event.type === 'step') {
    const step = event.output as { databases?: unknown; settled?: unknown; done?: unknown } | null;
    if (event.state !== 'AdvanceBackup' || typeof step?.databases !== 'number') return undefined;
    return `backup step: ${String(step.settled)} of ${step.databases} databases done`;
  }
  if (event.state === 'DiscoverDatabases') return 'discovering the protected databases';
  return undefined;
}

/** Unknown ids are bad usage: checked before anything runs, so nothing is changed. */
export async function assertProtected(
  environment: LocalEnvironment,
  context: CommandContext,
  ids: readonly string[],
) {
  if (ids.length === 0) return;
  const databases = await environment.dependencies.rds(context.config.sourceRegion).listDatabases();
  const protectedIds = selectProtectedDatabases(databases, context.config.selection).map(
    (database) => database.id,
  );
  const unknown = ids.filter((id) => !protectedIds.includes(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `--db ${unknown.join(', ')}: not a protected database (protected: ${protectedIds.join(', ') || 'none'})`,
    );
  }
}

export async function runLocalBackup(
  environment: LocalEnvironment,
  databaseIds: readonly string[],
  executionName: string,
): Promise<BackupRunSummary> {
  return (await environment.runner.run('backup', { databaseIds }, executionName)) as BackupRunSummary;
}

export function printBackupSummary(context: CommandContext, summary: BackupRunSummary): void {
  const { output } = context;
  output.say(`backup ${summary.runId}: ${summary.status}`);
  output.say(
    formatTable(
      ['database', 'status', 'snapshots'],
      summary.databases.map((database) => [
        database.id,
        database.status,
        database.snapshots
          .map((snapshot) => {
            const state =
              snapshot.note === undefined ? snapshot.status : `${snapshot.status}; ${snapshot.note}`;
            return `${snapshot.region}: ${snapshot.id} (${state})`;
          })
          .join(', '),
      ]),
    ),
  );
  if (summary.unlisted > 0) {
    const { ok, partial, failed } = summary.counts;
    output.say(
      `${summary.counts.databases} databases: ${ok} OK, ${partial} PARTIAL, ${failed} FAILED; ` +
        `${summary.unlisted} not listed (their records are in the report store)`,
    );
  }
  for (const database of summary.databases) {
    if (database.error !== undefined) output.say(`${database.id}: ${database.error}`);
  }
  if (summary.snapshotQuotas.length > 0) {
    output.say('manual snapshot quotas, with this run:');
    output.say(formatSnapshotQuotas(summary.snapshotQuotas));
  }
  for (const finding of summary.findings)
    output.say(`${finding.severity}: ${finding.kind} ${finding.resource}: ${finding.detail}`);
}

/**
 * What a deployed backup returns: a stack deployed before the quota forecast
 * returns none, and one deployed before the run queue lists every database
 * without counts.
 */
type DeployedBackupSummary = Omit<BackupRunSummary, 'snapshotQuotas' | 'findings' | 'counts' | 'unlisted'> &
  Partial<Pick<BackupRunSummary, 'snapshotQuotas' | 'findings' | 'counts' | 'unlisted'>>;

function withQuotaForecast(output: DeployedBackupSummary): BackupRunSummary {
  return {
    ...output,
    counts: output.counts ?? countStatuses(output.databases),
    unlisted: output.unlisted ?? 0,
    snapshotQuotas: output.snapshotQuotas ?? [],
    findings: output.findings ?? [],
  };
}

/** `--target aws`: starts the deployed workflow in Step Functions and follows it. */
async function runAwsBackup(context: CommandContext): Promise<number> {
  const run = await runDeployedWorkflow(context, 'backup', { databaseIds: context.flags.db });
  if (run.status === 'RUNNING') return EXIT_OK;
  if (run.status !== 'SUCCEEDED') {
    if (run.error === 'DatabaseNotFoundError')
      throw new UsageError(`--db: ${run.cause ?? 'not a protected database'}`);
    return reportFailedExecution(context.output, run);
  }
  const summary = withQuotaForecast(run.output as DeployedBackupSummary);
  printBackupSummary(context, summary);
  context.output.result(backupResult(summary));
  return summary.status === 'OK' ? EXIT_OK : EXIT_FAILURE;
}

export async function runBackupCommand(context: CommandContext): Promise<number> {
  if (context.target === 'aws') return runAwsBackup(context);
  const onEvent = (event: WorkflowEvent) => {
    const line = describeProgress(event);
    if (line !== undefined) context.output.progress(line);
  };
  return withLocalEnvironment(context, { onEvent }, async (environment) => {
    await assertProtected(environment, context, context.flags.db);
    const summary = await runLocalBackup(
      environment,
      context.flags.db,
      executionName('backup', context.clock()),
    );
    printBackupSummary(context, summary);
    context.output.result(backupResult(summary));
    return summary.status === 'OK' ? EXIT_OK : EXIT_FAILURE;
  });
}
