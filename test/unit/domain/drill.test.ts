import { describe, expect, it } from 'vitest';
import { chooseBaseline, type DrillReport, provenBadReason } from '../../../src/domain/drill.ts';
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

interface PastDrill {
  readonly id: string;
  /** Day the snapshot was taken, at 02:00 UTC; null when its time is unknown. */
  readonly snapshotDay: string | null;
  /** Day the drill finished, at 06:00 UTC. */
  readonly finishedDay: string;
  readonly inventory?: CheckResult['status'];
  readonly freshness?: CheckResult['status'];
}

function pastDrill(drill: PastDrill): DrillReport {
  const checks = [
    check('inventory', drill.inventory ?? 'pass'),
    check('freshness', drill.freshness ?? 'pass'),
  ];
  return {
    schemaVersion: 1,
    drillId: drill.id,
    verdict: checks.every((result) => result.status === 'pass') ? 'pass' : 'fail',
    startedAt: `${drill.finishedDay}T05:00:00.000Z`,
    finishedAt: `${drill.finishedDay}T06:00:00.000Z`,
    trigger: 'on-demand',
    database: { id: 'orders', kind: 'instance', engine: 'postgres' },
    snapshot: {
      id: `restorable-orders-${drill.snapshotDay ?? 'unknown'}`,
      arn: `arn:aws:rds:eu-central-1:000000000000:snapshot:restorable-orders-${drill.snapshotDay ?? 'unknown'}`,
      region: 'eu-central-1',
      takenAt: drill.snapshotDay === null ? null : `${drill.snapshotDay}T02:00:00.000Z`,
      encrypted: true,
      kmsKeyId: null,
      sourceSnapshotArn: null,
      sha256: null,
    },
    sandbox: {
      id: `rsbx-${drill.id}`,
      region: 'eu-central-1',
      instanceClass: 'db.t4g.medium',
      teardown: 'deleted',
      teardownDetail: null,
    },
    targets: { rtoSeconds: 600, rpoSeconds: 93_600 },
    timings: {
      restoreRequestedAt: `${drill.finishedDay}T05:00:00.000Z`,
      availableAt: `${drill.finishedDay}T05:10:00.000Z`,
      verifiedAt: `${drill.finishedDay}T05:20:00.000Z`,
      rtoSeconds: 1200,
      rpoSeconds: 60,
    },
    checks,
    inventory: { schemas: 1, tables: [], totalRows: 0, digest: '0'.repeat(64) },
    previousDrill: null,
  };
}

const at = (day: string) => new Date(`${day}T02:00:00.000Z`);

describe('the inventory baseline of a drill', () => {
  it.each([
    ['no earlier drill', [], '2026-11-10', undefined],
    [
      'the latest drill of an older snapshot',
      [
        { id: 'a', snapshotDay: '2026-11-01', finishedDay: '2026-11-01' },
        { id: 'b', snapshotDay: '2026-11-08', finishedDay: '2026-11-08' },
      ],
      '2026-11-10',
      'b',
    ],
    [
      'a drill of the same snapshot',
      [{ id: 'a', snapshotDay: '2026-11-10', finishedDay: '2026-11-10' }],
      '2026-11-10',
      'a',
    ],
    [
      'the latest of several drills of the same snapshot',
      [
        { id: 'a', snapshotDay: '2026-11-08', finishedDay: '2026-11-08' },
        { id: 'b', snapshotDay: '2026-11-08', finishedDay: '2026-11-09' },
      ],
      '2026-11-10',
      'b',
    ],
    [
      'none for an older snapshot when only newer ones were drilled',
      [{ id: 'newer', snapshotDay: '2026-11-10', finishedDay: '2026-11-10' }],
      '2026-11-03',
      undefined,
    ],
    [
      'the drill of the newest older snapshot, not a later drill of an even older one',
      [
        { id: 'newer', snapshotDay: '2026-11-08', finishedDay: '2026-11-08' },
        { id: 'older-drilled-later', snapshotDay: '2026-11-02', finishedDay: '2026-11-09' },
      ],
      '2026-11-10',
      'newer',
    ],
    [
      'an older snapshot’s drill when the newer one’s is of a newer snapshot than the drilled one',
      [
        { id: 'older', snapshotDay: '2026-11-02', finishedDay: '2026-11-02' },
        { id: 'newer', snapshotDay: '2026-11-10', finishedDay: '2026-11-10' },
      ],
      '2026-11-05',
      'older',
    ],
    [
      'a drill whose inventory passed, not a later one that found lost rows',
      [
        { id: 'good', snapshotDay: '2026-11-01', finishedDay: '2026-11-01' },
        { id: 'loss', snapshotDay: '2026-11-08', finishedDay: '2026-11-08', inventory: 'fail' },
        { id: 'no-inventory', snapshotDay: '2026-11-09', finishedDay: '2026-11-09', inventory: 'error' },
      ],
      '2026-11-10',
      'good',
    ],
    [
      'none of a drill whose snapshot time is unknown',
      [{ id: 'unknown', snapshotDay: null, finishedDay: '2026-11-08' }],
      '2026-11-10',
      undefined,
    ],
    [
      'none when the drilled snapshot’s time is unknown',
      [{ id: 'a', snapshotDay: '2026-11-01', finishedDay: '2026-11-01' }],
      null,
      undefined,
    ],
  ] as const)('is %s', (_case, drills: readonly PastDrill[], snapshotDay, expected) => {
    const baseline = chooseBaseline(
      drills.map(pastDrill),
      snapshotDay === null ? undefined : at(snapshotDay),
    );
    expect(baseline?.drillId).toBe(expected);
  });

  it('is not a drill without an inventory, even if its check passed', () => {
    const drill = {
      ...pastDrill({ id: 'a', snapshotDay: '2026-11-01', finishedDay: '2026-11-01' }),
      inventory: null,
    };
    expect(chooseBaseline([drill], at('2026-11-10'))).toBeUndefined();
  });
});
