import { lambdaHandlerFor } from '../src/runtime/aws-lambda.ts';
import { sealEvidenceTask } from '../src/tasks/seal-evidence.ts';

export const handler = lambdaHandlerFor(sealEvidenceTask);
