import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { createSnapshotTask } from '../src/tasks/create-snapshot.ts';

export const handler = lambdaHandlerFor(createSnapshotTask);
