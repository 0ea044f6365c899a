import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { deleteSnapshotTask } from '../src/tasks/delete-snapshot.ts';

export const handler = lambdaHandlerFor(deleteSnapshotTask);
