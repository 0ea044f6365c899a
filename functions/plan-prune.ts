import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { planPruneTask } from '../src/tasks/plan-prune.ts';

export const handler = lambdaHandlerFor(planPruneTask);
