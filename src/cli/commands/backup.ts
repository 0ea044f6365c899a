import type { BackupRunSummary } from '../../domain/backup.ts';
import { countStatuses } from '../../domain/backup.ts';
import type { WorkflowEvent } from '../../workflow-runner/local-runner.ts';
import { reportFailedExecution, runDeployedWorkflow } from '../deployed-workflow.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { executionName, withLocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';

import {
  assertProtected,
  backupResult,
  describeProgress,
  printBackupSummary,
  runLocalBackup,
} from '../services/backup.ts';

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
