import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The RDS certificate authorities shipped with the package (RDS_CA_BUNDLE_PATH,
 * relative to LAMBDA_TASK_ROOT): they are not in Node's trust store, and the
 * verifier's TLS connections to sandboxes need them. Undefined when the
 * package ships none (the verifier then refuses TLS).
 */
export function readRdsCaBundle(environment: NodeJS.ProcessEnv): string | undefined {
  const path = environment.RDS_CA_BUNDLE_PATH;
  if (path === undefined || path === '') return undefined;
  return readFileSync(resolve(environment.LAMBDA_TASK_ROOT ?? '.', path), 'utf8');
}
