import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { summarizeDrillsTask } from '../src/tasks/summarize-drills.ts';

export const handler = lambdaHandlerFor(summarizeDrillsTask, {});
