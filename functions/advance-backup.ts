import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { advanceBackupTask } from '../src/tasks/advance-backup.ts';

export const handler = lambdaHandlerFor(advanceBackupTask);
