// Reading a verification's checks in tests.
import type { CheckResult } from '../../src/verifier/types.ts';

/** Each check as `[name, status]`, in order. */
export const statuses = (checks: readonly CheckResult[]) => checks.map((check) => [check.name, check.status]);

/** The check named `name`; throws, naming those there are, when there is none. */
export function find(checks: readonly CheckResult[], name: string): CheckResult {
  const check = checks.find((candidate) => candidate.name === name);
  if (check === undefined)
    throw new Error(`no check named ${name} in ${checks.map((c) => c.name).join(', ')}`);
  return check;
}
