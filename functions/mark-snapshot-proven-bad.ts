import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { awsRds } from '../src/runtime/aws-ports/rds.ts';
import { awsVaultForDrills } from '../src/runtime/aws-ports/vault.ts';
import { markSnapshotProvenBadTask } from '../src/tasks/mark-snapshot-proven-bad.ts';

export const handler = lambdaHandlerFor(markSnapshotProvenBadTask, { rds: awsRds, vault: awsVaultForDrills });
