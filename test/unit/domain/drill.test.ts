import { describe, expect, it } from 'vitest';
import { provenBadReason } from '../../../src/domain/drill.ts';
import type { CheckResult } from '../../../src/verifier/types.ts';

const check = (name: string, status: CheckResult['status'], detail = `${name} ${status}`): CheckResult => ({
  name,
  status,
  detail,
  durationMs: 0,
});

describe('a drill proves its snapshot bad', () => {
  it.each([
    ['its archive does not match its digest', 'SnapshotCorruptedError', [check('restore', 'error')], true],
    ['the cloud could not restore it', 'SandboxFailedError', [check('restore', 'error')], true],
    [
      'the engine found corruption in it',
      undefined,
      [check('restore', 'pass'), check('consistency', 'fail')],
      true,
    ],
  ] as const)('when %s', (_case, restoreError, checks, proven) => {
    expect(provenBadReason(checks, restoreError) !== undefined).toBe(proven);
  });

  it.each([
    ['the cloud had no capacity for a sandbox', 'SandboxCapacityError', [check('restore', 'error')]],
    ['the sandbox took too long', 'SandboxTimeoutError', [check('restore', 'error')]],
    ['throttling', 'ThrottlingError', [check('restore', 'error')]],
    [
      'the consistency check could not run',
      undefined,
      [check('restore', 'pass'), check('consistency', 'error')],
    ],
    ['a table shrank', undefined, [check('consistency', 'pass'), check('inventory', 'fail')]],
    ['the data is stale', undefined, [check('consistency', 'pass'), check('freshness', 'fail')]],
  ] as const)('never when only %s', (_case, restoreError, checks) => {
    expect(provenBadReason(checks, restoreError)).toBeUndefined();
  });

  it('says why, with the failed check’s own detail', () => {
    const reason = provenBadReason([check('consistency', 'fail', 'index orders_pkey is corrupt')], undefined);
    expect(reason).toBe('consistency check failed: index orders_pkey is corrupt');
  });
});
