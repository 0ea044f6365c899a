import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { planDrillsTask } from '../src/tasks/plan-drills.ts';

export const handler = lambdaHandlerFor(planDrillsTask);
