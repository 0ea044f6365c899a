import { describe, expect, it } from 'vitest';
import { compareInventory, evaluateRpo, provenBadReason } from '../../../src/domain/drill.ts';
import { buildInventory } from '../../../src/verifier/inventory.ts';
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

describe('the inventory compared with the previous drill, across databases', () => {
  const table = (database: string | undefined, name: string, rows: number) => ({
    ...(database === undefined ? {} : { database }),
    schema: 'public',
    table: name,
    rows,
    exact: true,
  });

  it('tells the same table of two databases apart', () => {
    const previous = buildInventory(2, [table('app', 'orders', 100), table('crm', 'orders', 100)]);
    const current = buildInventory(2, [table('app', 'orders', 100), table('crm', 'orders', 10)]);
    expect(compareInventory(current, previous, 50)).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^crm\.public\.orders shrank from 100 to 10 rows/),
    });
  });

  it('finds the tables of a report from before databases were named in whichever database holds them', () => {
    const previous = buildInventory(1, [table(undefined, 'orders', 100), table(undefined, 'refunds', 5)]);
    const current = buildInventory(2, [table('app', 'orders', 101), table('postgres', 'orders', 0)]);
    expect(compareInventory(current, previous, 50)).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^public\.refunds disappeared \(had 5 rows\); now/),
    });
  });
});

describe('the RPO', () => {
  it('says where the newest row time came from', () => {
    const rpo = evaluateRpo(
      new Date('2026-11-01T12:00:00.000Z'),
      '2026-11-01T11:59:00.000Z',
      900,
      'column app.public.orders.created_at, newest of 2 timestamp columns read in 1 database',
    );
    expect(rpo).toEqual({
      rpoSeconds: 60,
      check: {
        name: 'freshness',
        status: 'pass',
        detail:
          'newest row 2026-11-01T11:59:00.000Z (column app.public.orders.created_at, newest of 2 timestamp columns read in 1 database), ' +
          'snapshot 2026-11-01T12:00:00.000Z: RPO 60 s (target 15 min)',
        durationMs: 0,
      },
    });
  });
});
