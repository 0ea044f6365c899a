import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { checkSnapshotTask } from '../src/tasks/check-snapshot.ts';

export const handler = lambdaHandlerFor(checkSnapshotTask);
