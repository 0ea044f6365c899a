import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { copySnapshotTask } from '../src/tasks/copy-snapshot.ts';

export const handler = lambdaHandlerFor(copySnapshotTask);
