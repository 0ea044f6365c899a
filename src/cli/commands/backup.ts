import type { BackupRunSummary } from '../../domain/backup.ts';
import { countStatuses } from '../../domain/backup.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import type { CommandContext } from '../main.ts';
import {
  assertProtected,
  backupResult,
  describeProgress,
  printBackupSummary,
  runLocalBackup,
} from '../services/backup.ts';
import { runWorkflowCommand, type WorkflowCommand } from '../workflow-command.ts';

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

/** `restorable backup`: the backup workflow, of every protected database or the given ones. */
const BACKUP: WorkflowCommand<{ databaseIds: string[] }, BackupRunSummary> = {
  workflow: 'backup',
  request: (context) => ({ databaseIds: context.flags.db }),
  print: printBackupSummary,
  result: backupResult,
  exitCode: (summary) => (summary.status === 'OK' ? EXIT_OK : EXIT_FAILURE),
  local: {
    describeProgress,
    run: async (environment, { databaseIds }, executionName) => {
      await assertProtected(environment, databaseIds);
      return runLocalBackup(environment, databaseIds, executionName);
    },
  },
  aws: {
    summaryOf: (output) => withQuotaForecast(output as DeployedBackupSummary),
    badRequest: (error, cause) =>
      error === 'DatabaseNotFoundError'
        ? new UsageError(`--db: ${cause || 'not a protected database'}`)
        : undefined,
  },
};

export const runBackupCommand = (context: CommandContext) => runWorkflowCommand(BACKUP, context);
