import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsReports } from '../src/runtime/aws-ports/reports.ts';
import { awsVaultForDrills } from '../src/runtime/aws-ports/vault.ts';
import { planDrillsTask } from '../src/tasks/plan-drills.ts';

export const handler = lambdaHandlerFor(planDrillsTask, {
  rds: awsRds,
  reports: awsReports,
  vault: awsVaultForDrills,
});
