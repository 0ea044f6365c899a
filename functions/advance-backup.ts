import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { awsVault } from '../src/runtime/aws-ports/vault.ts';
import { advanceBackupTask } from '../src/tasks/advance-backup.ts';

export const handler = lambdaHandlerFor(advanceBackupTask, {
  rds: awsRds,
  reports: awsReports,
  vault: awsVault,
});
