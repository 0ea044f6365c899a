import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { recordBackupTask } from '../src/tasks/record-backup.ts';

export const handler = lambdaHandlerFor(recordBackupTask);
