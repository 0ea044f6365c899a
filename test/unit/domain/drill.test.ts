import { describe, expect, it } from 'vitest';
import {
  chooseBaseline,
  chooseFreshnessBaseline,
  compareInventory,
  type DrillReport,
  evaluateRpo,
  type FreshnessBaseline,
  provenBadReason,
} from '../../../src/domain/drill.ts';
import { parseDrillReport, serializeDrillReport } from '../../../src/reports/drill-report.ts';
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

interface PastDrill {
  readonly id: string;
  /** Day the snapshot was taken, at 02:00 UTC; null when its time is unknown. */
  readonly snapshotDay: string | null;
  /** Day the drill finished, at 06:00 UTC. */
  readonly finishedDay: string;
  readonly inventory?: CheckResult['status'];
  readonly freshness?: CheckResult['status'];
  readonly newestRowAt?: string | null;
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
      ...(drill.newestRowAt === undefined ? {} : { newestRowAt: drill.newestRowAt }),
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

describe('the freshness baseline of a drill', () => {
  const newest = '2026-11-01T01:59:00.000Z';

  it.each([
    ['no earlier drill', [], undefined],
    [
      'the latest drill of an older-or-equal snapshot whose freshness passed',
      [
        { id: 'a', snapshotDay: '2026-11-01', finishedDay: '2026-11-01', newestRowAt: newest },
        { id: 'b', snapshotDay: '2026-11-03', finishedDay: '2026-11-03', newestRowAt: newest },
        { id: 'newer', snapshotDay: '2026-11-20', finishedDay: '2026-11-04', newestRowAt: newest },
      ],
      'b',
    ],
    [
      'a drill whose freshness passed, not a later stale one',
      [
        { id: 'fresh', snapshotDay: '2026-11-01', finishedDay: '2026-11-01', newestRowAt: newest },
        {
          id: 'stale',
          snapshotDay: '2026-11-08',
          finishedDay: '2026-11-08',
          freshness: 'fail',
          newestRowAt: newest,
        },
      ],
      'fresh',
    ],
    [
      'a drill that recorded its newest row, not a later one that could not or was written before it was recorded',
      [
        { id: 'recorded', snapshotDay: '2026-11-01', finishedDay: '2026-11-01', newestRowAt: newest },
        { id: 'unread', snapshotDay: '2026-11-07', finishedDay: '2026-11-07', newestRowAt: null },
        { id: 'old-report', snapshotDay: '2026-11-08', finishedDay: '2026-11-08' },
      ],
      'recorded',
    ],
  ] as const)('is %s', (_case, drills: readonly PastDrill[], expected) => {
    expect(chooseFreshnessBaseline(drills.map(pastDrill), at('2026-11-10'))?.drillId).toBe(expected);
  });

  it('tells the drill, its snapshot’s time and its newest row', () => {
    const drill = pastDrill({
      id: 'a',
      snapshotDay: '2026-11-01',
      finishedDay: '2026-11-02',
      newestRowAt: newest,
    });
    expect(chooseFreshnessBaseline([drill], at('2026-11-10'))).toEqual({
      drillId: 'a',
      snapshotTakenAt: '2026-11-01T02:00:00.000Z',
      newestRowAt: newest,
    });
  });
});

describe('the RPO check', () => {
  const target = 26 * 3600;
  const snapshot = new Date('2026-11-10T02:00:00.000Z');
  const baselineWith = (newestRowAt: string): FreshnessBaseline => ({
    drillId: 'drill-orders-20261108T050000Z',
    snapshotTakenAt: '2026-11-08T02:00:00.000Z',
    newestRowAt,
  });

  it.each([
    ['a first drill with fresh data', '2026-11-10T01:00:00.000Z', undefined, 'pass', 3600],
    ['a first drill with data older than the target', '2026-11-08T01:00:00.000Z', undefined, 'fail', 176_400],
    [
      'fresh data, whatever the baseline',
      '2026-11-10T01:00:00.000Z',
      baselineWith('2026-11-08T01:00:00.000Z'),
      'pass',
      3600,
    ],
    [
      'an idle database: the same newest row as at the baseline',
      '2026-11-08T01:00:00.000Z',
      baselineWith('2026-11-08T01:00:00.000Z'),
      'pass',
      176_400,
    ],
    [
      'rows written since the baseline, but a stale snapshot',
      '2026-11-08T12:00:00.000Z',
      baselineWith('2026-11-08T01:00:00.000Z'),
      'fail',
      136_800,
    ],
    [
      'a newest row older than at the baseline: rows went missing',
      '2026-11-07T01:00:00.000Z',
      baselineWith('2026-11-08T01:00:00.000Z'),
      'fail',
      262_800,
    ],
    [
      'a first drill with data exactly as old as the target',
      '2026-11-09T00:00:00.000Z',
      undefined,
      'pass',
      target,
    ],
    [
      'a first drill with data a second older than the target',
      '2026-11-08T23:59:59.000Z',
      undefined,
      'fail',
      target + 1,
    ],
  ] as const)('for %s (newest row %s)', (_case, newestRowTime, baseline, status, rpoSeconds) => {
    const result = evaluateRpo(snapshot, newestRowTime, target, undefined, baseline);
    expect(result.check.status).toBe(status);
    expect(result.rpoSeconds).toBe(rpoSeconds);
  });

  it('says why an idle database passes, with the measured age', () => {
    const result = evaluateRpo(
      snapshot,
      '2026-11-08T01:00:00.000Z',
      target,
      undefined,
      baselineWith('2026-11-08T01:00:00.000Z'),
    );
    expect(result.check.detail).toBe(
      'newest row 2026-11-08T01:00:00.000Z, snapshot 2026-11-10T02:00:00.000Z: RPO 49.0 h (target 26.0 h); ' +
        'no rows written since drill drill-orders-20261108T050000Z at 2026-11-08T02:00:00.000Z: ' +
        'the database was idle; the snapshot holds its newest data',
    );
  });

  it.each([
    ['an hour later', '2026-11-10T03:00:00.000Z', 'error', null],
    ['within the clock skew', '2026-11-10T02:04:00.000Z', 'pass', 0],
  ] as const)(
    'treats a newest row %s than the snapshot as no write time beyond the skew',
    (_case, newestRowTime, status, rpoSeconds) => {
      const result = evaluateRpo(snapshot, newestRowTime, target, 'column app.public.invoices.due_on');
      expect(result).toMatchObject({ check: { status }, rpoSeconds });
      if (status === 'error') expect(result.check.detail).toContain('is later than the snapshot');
    },
  );

  it('is an error when the newest row could not be read, baseline or not', () => {
    const result = evaluateRpo(
      snapshot,
      undefined,
      target,
      undefined,
      baselineWith('2026-11-08T01:00:00.000Z'),
    );
    expect(result).toMatchObject({ check: { status: 'error' }, rpoSeconds: null });
  });
});

describe('the newest row time in a drill report', () => {
  const report = pastDrill({
    id: 'a',
    snapshotDay: '2026-11-01',
    finishedDay: '2026-11-01',
    newestRowAt: '2026-11-01T01:59:00.000Z',
  });

  it('is kept when the report is stored and read back', () => {
    expect(parseDrillReport(serializeDrillReport(report)).timings.newestRowAt).toBe(
      '2026-11-01T01:59:00.000Z',
    );
  });

  it('may be absent from a report written before drills recorded it', () => {
    const { newestRowAt: _absent, ...olderTimings } = report.timings;
    expect(
      parseDrillReport(serializeDrillReport({ ...report, timings: olderTimings })).timings.newestRowAt,
    ).toBeUndefined();
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
