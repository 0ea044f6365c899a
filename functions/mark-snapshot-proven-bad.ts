import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { markSnapshotProvenBadTask } from '../src/tasks/mark-snapshot-proven-bad.ts';

export const handler = lambdaHandlerFor(markSnapshotProvenBadTask);
