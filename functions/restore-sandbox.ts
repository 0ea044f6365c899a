import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { awsSandboxes } from '../src/runtime/aws-ports/sandboxes.ts';
import { awsVaultForDrills } from '../src/runtime/aws-ports/vault.ts';
import { restoreSandboxTask } from '../src/tasks/restore-sandbox.ts';

export const handler = lambdaHandlerFor(restoreSandboxTask, {
  rds: awsRds,
  sandboxes: awsSandboxes,
  reports: awsReports,
  vault: awsVaultForDrills,
});
