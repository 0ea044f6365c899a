import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { writePruneLogTask } from '../src/tasks/write-prune-log.ts';

export const handler = lambdaHandlerFor(writePruneLogTask);
