// X-Ray subsegments for every AWS SDK call of the deployed functions: the
// Powertools Tracer wraps each client the adapters make (clients.ts). The
// tracer and the X-Ray SDK it brings are loaded on the first invocation, not
// at import, so a cold start does not pay for them before the handler runs;
// a package built without them (the Powertools layer providing them instead)
// traces the invocations only.
import { instrumentClients } from '../adapters/aws/clients.ts';

let loading: Promise<void> | undefined;

export function traceAwsClients(serviceName = 'restorable'): Promise<void> {
  loading ??= import('@aws-lambda-powertools/tracer').then(
    ({ Tracer }) => {
      const tracer = new Tracer({ serviceName });
      instrumentClients((client) => tracer.captureAWSv3Client(client));
    },
    (error: unknown) => {
      if (!isModuleNotFound(error)) throw error;
    },
  );
  return loading;
}

function isModuleNotFound(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND')
  );
}
