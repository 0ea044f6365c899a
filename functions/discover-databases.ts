import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { discoverDatabasesTask } from '../src/tasks/discover-databases.ts';

export const handler = lambdaHandlerFor(discoverDatabasesTask);
