import { describe, expect, it } from 'vitest';
import {
  type ComplianceInput,
  type DrillReportEvidence,
  daysOf,
  describeDays,
  evaluateCompliance,
} from '../../../src/domain/compliance.ts';
import type { DrillReport } from '../../../src/domain/drill.ts';
import { SANDBOX_TAG } from '../../../src/domain/sandbox.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG } from '../../../src/domain/tags.ts';
import type { Database, Snapshot } from '../../../src/ports/rds.ts';
import { reportPeriod } from '../../../src/tasks/write-compliance-report.ts';
import { DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT } from '../../support/deployments.ts';

const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'];
const ref = (kind: string, path: string) => ({ kind, path, sha256: 'a'.repeat(64) });

const database = (id: string, overrides: Partial<Database> = {}): Database => ({
  kind: 'instance',
  id,
  arn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`,
  engine: 'postgres',
  engineVersion: '16',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 1,
  tags: {},
  ...overrides,
});

const backup = (id: string, day: string, copied = true) => ({
  ref: ref('backup-record', `evidence/backups/${day}/${id}/backup-${day}.json`),
  record: {
    id,
    startedAt: `${day}T02:00:00.000Z`,
    snapshots: [
      { region: 'eu-west-1', id: `restorable-${id}-${day}`, status: 'available' },
      { region: 'eu-central-1', id: `restorable-${id}-${day}`, status: copied ? 'available' : 'failed' },
    ],
  },
});

/** A snapshot of the inventory, as a day's backup made it. */
const inventorySnapshot = (id: string, day: string, region: string): Snapshot => ({
  id: `restorable-${id}-${day}`,
  arn: `arn:aws:rds:${region}:1:snapshot:restorable-${id}-${day}`,
  region,
  database: { kind: 'instance', id },
  engine: 'postgres',
  status: 'available',
  type: 'manual',
  createdAt: new Date(`${day}T02:00:00Z`),
  originalCreatedAt: new Date(`${day}T02:00:00Z`),
  encrypted: true,
  kmsKeyId: 'k',
  sourceSnapshotArn: undefined,
  percentProgress: 100,
  tags: { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id },
});

const INVENTORY = DAYS.flatMap((day) =>
  ['orders', 'billing'].flatMap((id) => [
    inventorySnapshot(id, day, 'eu-west-1'),
    inventorySnapshot(id, day, 'eu-central-1'),
  ]),
);

function drillReport(
  id: string,
  finishedAt: string,
  overrides: Partial<DrillReport> = {},
): DrillReportEvidence {
  const report: DrillReport = {
    schemaVersion: 1,
    drillId: `drill-${id}-${finishedAt}`,
    verdict: 'pass',
    startedAt: finishedAt,
    finishedAt,
    trigger: 'schedule',
    database: { id, kind: 'instance', engine: 'postgres' },
    snapshot: {
      id: 's',
      arn: 'arn',
      region: 'eu-central-1',
      takenAt: finishedAt,
      encrypted: true,
      kmsKeyId: null,
      sourceSnapshotArn: null,
      sha256: null,
    },
    sandbox: {
      id: 'rsbx',
      region: 'eu-central-1',
      instanceClass: 'db.t4g.medium',
      teardown: 'deleted',
      teardownDetail: null,
    },
    targets: { rtoSeconds: 1800, rpoSeconds: 93600 },
    timings: {
      restoreRequestedAt: finishedAt,
      availableAt: finishedAt,
      verifiedAt: finishedAt,
      rtoSeconds: 600,
      rpoSeconds: 3600,
    },
    checks: [{ name: 'restore', status: 'pass', detail: 'ok', durationMs: 0 }],
    inventory: null,
    previousDrill: null,
    ...overrides,
  };
  return {
    ref: ref('drill-report', `drills/${id}/${finishedAt.slice(0, 10)}/${report.drillId}.json`),
    report,
  };
}

function input(overrides: Partial<ComplianceInput> = {}): ComplianceInput {
  return {
    reportId: 'compliance-test',
    now: new Date('2026-11-05T12:00:00Z'),
    period: { from: '2026-11-01', to: '2026-11-05' },
    policy: {
      sourceRegion: 'eu-west-1',
      copyRegions: ['eu-central-1'],
      retentionDays: 7,
      sandboxTtlMinutes: 120,
      drillIntervalDays: 7,
      rtoTargetSeconds: 1800,
      rpoTargetSeconds: 93600,
      forDatabase: () => ({ drillIntervalDays: 7, rtoTargetSeconds: 1800, rpoTargetSeconds: 93600 }),
    },
    deployment: DEFAULT_DEPLOYMENT,
    databases: [database('orders'), database('billing')],
    snapshots: INVENTORY,
    sandboxes: [],
    inventoryRef: ref('inventory', 'evidence/inventories/2026-11-05/x.json'),
    backupRecords: DAYS.flatMap((day) => [backup('orders', day), backup('billing', day)]),
    pruneLogs: [
      {
        ref: ref('prune-log', 'evidence/prunes/2026-11-05/p.json'),
        log: { startedAt: '2026-11-05T04:00:00Z', dryRun: false, deleted: [] },
      },
    ],
    deletionLog: { entries: [], evidence: [] },
    drillReports: [
      drillReport('orders', '2026-11-04T05:00:00.000Z'),
      drillReport('billing', '2026-11-04T05:00:00.000Z'),
    ],
    sweepRecords: [],
    integrity: { earlierReports: [], verified: 0, altered: [] },
    corruptEvidence: [],
    ...overrides,
  };
}

const controlOf = (report: ReturnType<typeof evaluateCompliance>, id: string) =>
  report.controls.find((control) => control.id === id);

describe('the compliance report', () => {
  it('is compliant when every promise was kept, and says which evidence shows it', () => {
    const report = evaluateCompliance(input());
    expect(report.status).toBe('compliant');
    expect(report.controls.map((control) => `${control.id}: ${control.status}`)).toEqual([
      'daily-backup: pass',
      'cross-region-copy: pass',
      'retention: pass',
      'automated-backup-retention: pass',
      'encryption-at-rest: pass',
      'multi-az: pass',
      'restore-tested: pass',
      'latest-drill-passed: pass',
      'rto-rpo: pass',
      'sandbox-ttl: pass',
      'evidence-readable: pass',
    ]);
    expect(controlOf(report, 'daily-backup')?.evidence).toHaveLength(11);
    expect(controlOf(report, 'daily-backup')?.promise).toBe('retention');
    expect(controlOf(report, 'multi-az')?.promise).toBe('replication');
    expect(report.coverage.orders).toHaveLength(5);
  });

  it('names the days a database was not backed up', () => {
    const records = input().backupRecords.filter(
      ({ record }) =>
        !(record.id === 'orders' && ['2026-11-02', '2026-11-03'].includes(record.startedAt.slice(0, 10))),
    );
    const report = evaluateCompliance(input({ backupRecords: records, snapshots: [] }));
    expect(report.status).toBe('non-compliant');
    expect(controlOf(report, 'daily-backup')?.databases).toEqual([
      { id: 'orders', status: 'fail', detail: 'no snapshot on 2026-11-02 to 2026-11-03' },
      expect.objectContaining({ id: 'billing', status: 'pass' }),
    ]);
    expect(report.coverage.orders?.map((cell) => cell.backup)).toEqual([true, false, false, true, true]);
  });

  it('counts a snapshot still in the inventory for a day without a backup record', () => {
    const records = input().backupRecords.filter(
      ({ record }) => record.startedAt.slice(0, 10) !== '2026-11-03',
    );
    expect(evaluateCompliance(input({ backupRecords: records })).status).toBe('compliant');
    expect(
      evaluateCompliance(input({ backupRecords: records, deployment: STAGING_DEPLOYMENT })).status,
      "another deployment's snapshots are not this deployment's backups",
    ).toBe('non-compliant');
  });

  describe('days before a database was first protected', () => {
    // Protected from 2026-11-01 (its first backup record and oldest snapshot), reported over October and November.
    const longPeriod = { period: { from: '2026-10-07', to: '2026-11-05' } };

    it('are out of scope: the controls count only the days since, and say which were not yet protected', () => {
      const report = evaluateCompliance(input(longPeriod));

      expect(report.status).toBe('compliant');
      expect(controlOf(report, 'daily-backup')?.databases[0]).toEqual({
        id: 'orders',
        status: 'pass',
        detail: 'a snapshot on each of the 5 days; 2026-10-07 to 2026-10-31 not yet protected',
      });
      expect(controlOf(report, 'cross-region-copy')?.databases[0]?.detail).toBe(
        'every backup copied to eu-central-1; 2026-10-07 to 2026-10-31 not yet protected',
      );
      const cells = report.coverage.orders ?? [];
      expect(cells).toHaveLength(30);
      expect(cells.filter((cell) => !cell.inScope).map((cell) => cell.day)).toEqual(
        daysOf({ from: '2026-10-07', to: '2026-10-31' }),
      );
      expect(cells.filter((cell) => cell.inScope).map((cell) => cell.day)).toEqual(DAYS);
    });

    it('start at the oldest snapshot the inventory holds, when it is older than every backup record', () => {
      const older = inventorySnapshot('orders', '2026-10-20', 'eu-west-1');
      const report = evaluateCompliance(input({ ...longPeriod, snapshots: [...INVENTORY, older] }));

      expect(controlOf(report, 'daily-backup')?.databases[0]).toEqual({
        id: 'orders',
        status: 'fail',
        detail: 'no snapshot on 2026-10-21 to 2026-10-31; 2026-10-07 to 2026-10-19 not yet protected',
      });
      expect(controlOf(report, 'cross-region-copy')?.databases[0]?.detail).toBe(
        'no copy for 2026-10-20 in eu-central-1; 2026-10-07 to 2026-10-19 not yet protected',
      );
    });

    it('count every day when there is no evidence of the database at all (fail closed)', () => {
      const report = evaluateCompliance(
        input({ ...longPeriod, databases: [database('orders'), database('billing'), database('new')] }),
      );

      expect(controlOf(report, 'daily-backup')?.databases[2]).toEqual({
        id: 'new',
        status: 'fail',
        detail: 'no snapshot on 2026-10-07 to 2026-11-05',
      });
      expect(report.coverage.new?.every((cell) => cell.inScope)).toBe(true);
    });

    it('give a database never drilled one interval from when it was first protected', () => {
      const report = evaluateCompliance(
        input({
          ...longPeriod,
          now: new Date('2026-11-09T12:00:00Z'),
          period: { from: '2026-10-11', to: '2026-11-09' },
          drillReports: [],
        }),
      );

      expect(controlOf(report, 'restore-tested')?.databases[0]).toEqual({
        id: 'orders',
        status: 'fail',
        detail: 'never restore-tested',
      });
      const inTime = evaluateCompliance(input({ ...longPeriod, drillReports: [] }));
      expect(controlOf(inTime, 'restore-tested')?.databases[0]).toEqual({
        id: 'orders',
        status: 'pass',
        detail: 'newly protected: first drill due by 2026-11-08',
      });
    });
  });

  it('says that a snapshot kept past the retention was kept as the last good copy, as the prune log names it', () => {
    const lastGood = inventorySnapshot('orders', '2026-10-20', 'eu-west-1');
    const pruneLogs = [
      {
        ref: ref('prune-log', 'evidence/prunes/2026-11-05/p.json'),
        log: {
          startedAt: '2026-11-05T04:00:00Z',
          dryRun: false,
          deleted: [],
          findings: [
            { kind: 'backup-overdue', resource: 'eu-west-1/orders' },
            { kind: 'newest-snapshot-expired', resource: 'eu-west-1/restorable-orders-2026-10-20' },
          ],
        },
      },
    ];
    const report = evaluateCompliance(input({ snapshots: [...INVENTORY, lastGood], pruneLogs }));

    expect(controlOf(report, 'retention')?.databases[0]).toEqual({
      id: 'orders',
      status: 'fail',
      detail:
        'eu-west-1/restorable-orders-2026-10-20 still kept, older than 7 days + 1: kept as the last good copy, ' +
        'as no newer good backup exists (prune of 2026-11-05T04:00:00Z: newest-snapshot-expired)',
    });
    const unexplained = evaluateCompliance(input({ snapshots: [...INVENTORY, lastGood] }));
    expect(controlOf(unexplained, 'retention')?.databases[0]?.detail).toBe(
      'eu-west-1/restorable-orders-2026-10-20 still kept, older than 7 days + 1',
    );
  });

  it('fails the copy control for a backup that never reached a copy region', () => {
    const records = input().backupRecords.map((item) =>
      item.record.id === 'billing' && item.record.startedAt.startsWith('2026-11-04')
        ? backup('billing', '2026-11-04', false)
        : item,
    );
    const report = evaluateCompliance(input({ backupRecords: records, snapshots: [] }));
    expect(controlOf(report, 'cross-region-copy')?.databases[1]).toEqual({
      id: 'billing',
      status: 'fail',
      detail: 'no copy for 2026-11-04 in eu-central-1',
    });
    expect(controlOf(report, 'daily-backup')?.status).toBe('pass');
  });

  it.each([
    ['deleted late', 200, 'deleted late, at 200 h'],
    ['deleted early', 100, 'deleted early, at 100 h'],
  ])('fails the retention control for a snapshot %s', (_case, ageHours, message) => {
    const pruneLogs = [
      {
        ref: ref('prune-log', 'evidence/prunes/2026-11-05/p.json'),
        log: {
          startedAt: '2026-11-05T04:00:00Z',
          dryRun: false,
          deleted: [{ database: 'orders', region: 'eu-west-1', snapshot: 'old', ageHours }],
        },
      },
    ];
    const report = evaluateCompliance(input({ pruneLogs }));
    expect(controlOf(report, 'retention')?.databases[0]?.detail).toContain(message);
  });

  describe('accounting for every snapshot that disappeared', () => {
    const lost = 'restorable-orders-2026-11-02';
    const withoutLost = INVENTORY.filter(
      (snapshot) => !(snapshot.id === lost && snapshot.region === 'eu-central-1'),
    );

    it('fails the retention control for a backed-up snapshot gone from the inventory with no deletion logged', () => {
      const report = evaluateCompliance(input({ snapshots: withoutLost }));
      expect(controlOf(report, 'retention')?.databases[0]).toEqual({
        id: 'orders',
        status: 'fail',
        detail: `eu-central-1/${lost} disappeared with no entry in any deletion log`,
      });
      expect(report.status).toBe('non-compliant');
    });

    it('counts the intent of the write-ahead log, even from a run that stopped before writing its own log', () => {
      const deletionLog = {
        entries: [{ runId: 'prune-killed', region: 'eu-central-1', snapshot: lost }],
        evidence: [
          ref(
            'deletion-intent',
            `evidence/deletions/2026-11-05/prune-killed/eu-central-1/${lost}.intent.json`,
          ),
        ],
      };
      const report = evaluateCompliance(input({ snapshots: withoutLost, deletionLog }));
      expect(controlOf(report, 'retention')?.status).toBe('pass');
      expect(controlOf(report, 'retention')?.evidence.map((item) => item.kind)).toContain('deletion-intent');
    });

    it.each([
      ['deleted', 'pass'],
      ['already-gone', 'fail'],
    ])('counts a run log row of status %s as accounting for it: %s', (status, expected) => {
      const pruneLogs = [
        {
          ref: ref('prune-log', 'evidence/prunes/2026-11-05/p.json'),
          log: {
            startedAt: '2026-11-05T04:00:00Z',
            dryRun: false,
            deleted: [{ database: 'orders', region: 'eu-central-1', snapshot: lost, ageHours: 170, status }],
          },
        },
      ];
      const report = evaluateCompliance(input({ snapshots: withoutLost, pruneLogs }));
      expect(controlOf(report, 'retention')?.status).toBe(expected);
    });
  });

  it('fails the retention control when no prune ran in the period', () => {
    expect(controlOf(evaluateCompliance(input({ pruneLogs: [] })), 'retention')?.status).toBe('fail');
  });

  it.each([
    ['multi-az', { multiAz: false }, 'single availability zone'],
    ['encryption-at-rest', { storageEncrypted: false }, 'database storage is not encrypted'],
    ['automated-backup-retention', { backupRetentionDays: 35 }, 'automated backups kept 35 days'],
  ] as const)('fails %s for a database that breaks it', (id, overrides, detail) => {
    const report = evaluateCompliance(
      input({ databases: [database('orders', overrides), database('billing')] }),
    );
    expect(controlOf(report, id)?.databases[0]).toEqual({ id: 'orders', status: 'fail', detail });
  });

  it('fails the drill controls for a database never restore-tested, or whose last drill failed or was slow', () => {
    const drillReports = [
      drillReport('orders', '2026-11-04T05:00:00.000Z', {
        verdict: 'fail',
        checks: [{ name: 'consistency', status: 'fail', detail: 'corrupt', durationMs: 0 }],
        timings: {
          restoreRequestedAt: 'x',
          availableAt: null,
          verifiedAt: null,
          rtoSeconds: 4000,
          rpoSeconds: null,
        },
      }),
    ];
    const report = evaluateCompliance(input({ drillReports }));
    expect(controlOf(report, 'restore-tested')?.databases[1]).toEqual({
      id: 'billing',
      status: 'pass',
      detail: 'newly protected: first drill due by 2026-11-08',
    });
    const longer = evaluateCompliance(
      input({
        drillReports,
        period: { from: '2026-10-25', to: '2026-11-05' },
        backupRecords: ['2026-10-25', ...DAYS].flatMap((day) => [
          backup('orders', day),
          backup('billing', day),
        ]),
      }),
    );
    expect(controlOf(longer, 'restore-tested')?.databases[1]).toEqual({
      id: 'billing',
      status: 'fail',
      detail: 'never restore-tested',
    });
    expect(controlOf(report, 'latest-drill-passed')?.databases[0]?.detail).toContain('failed: consistency');
    expect(controlOf(report, 'rto-rpo')?.databases[0]?.detail).toMatch(
      /RTO 4000 s over 1800 s.*RPO not measured/,
    );
  });

  it.each([
    ['passes the RPO of an idle database whose drill judged it idle', 'pass', 'pass'],
    ['fails an RPO over target whose freshness check failed', 'fail', 'fail'],
  ] as const)('%s', (_case, freshness, expected) => {
    const base = drillReport('orders', '2026-11-04T05:00:00.000Z');
    const over = {
      ...base,
      report: {
        ...base.report,
        timings: { ...base.report.timings, rpoSeconds: 200_000 },
        checks: [
          ...base.report.checks,
          { name: 'freshness', status: freshness, detail: 'newest row …', durationMs: 0 },
        ],
      },
    };
    const report = evaluateCompliance(
      input({ drillReports: [over, drillReport('billing', '2026-11-04T05:00:00.000Z')] }),
    );
    expect(controlOf(report, 'rto-rpo')?.databases[0]?.status).toBe(expected);
  });

  it('fails restore-tested when a database went untested for most of a period longer than the interval', () => {
    const drillReports = [
      drillReport('orders', '2026-09-20T05:00:00.000Z'),
      drillReport('orders', '2026-10-28T05:00:00.000Z'),
      drillReport('billing', '2026-09-30T05:00:00.000Z'),
      drillReport('billing', '2026-10-06T05:00:00.000Z'),
      drillReport('billing', '2026-10-12T05:00:00.000Z'),
      drillReport('billing', '2026-10-18T05:00:00.000Z'),
      drillReport('billing', '2026-10-24T05:00:00.000Z'),
    ];
    const report = evaluateCompliance(
      input({
        drillReports,
        now: new Date('2026-10-30T12:00:00Z'),
        period: { from: '2026-10-01', to: '2026-10-30' },
      }),
    );
    expect(controlOf(report, 'restore-tested')?.databases).toEqual([
      {
        id: 'orders',
        status: 'fail',
        detail:
          'not restore-tested in the 7 days before 2026-10-01; no drill between 2026-09-20 and 2026-10-28',
      },
      { id: 'billing', status: 'pass', detail: 'last drill 2026-10-24; interval 7 days' },
    ]);
  });

  it('fails restore-tested when the last drill is older than the interval', () => {
    const drillReports = [
      drillReport('orders', '2026-10-20T05:00:00.000Z'),
      drillReport('billing', '2026-11-04T05:00:00.000Z'),
    ];
    const report = evaluateCompliance(input({ drillReports }));
    expect(controlOf(report, 'restore-tested')?.databases[0]?.detail).toContain(
      'last drill 2026-10-20, over 7 days',
    );
  });

  it('fails the sandbox control for a sandbox alive past its time to live', () => {
    const sandboxes = [
      {
        region: 'eu-central-1',
        kind: 'instance' as const,
        id: 'rsbx-orders-1',
        status: 'available' as const,
        engine: 'postgres',
        createdAt: new Date('2026-11-05T08:00:00Z'),
        tags: { [SANDBOX_TAG]: 'true', [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id },
      },
    ];
    const report = evaluateCompliance(input({ sandboxes }));
    expect(controlOf(report, 'sandbox-ttl')?.status).toBe('fail');
  });

  it("leaves another deployment's sandbox, however old, to that deployment's report", () => {
    const sandboxes = [
      {
        region: 'eu-central-1',
        kind: 'instance' as const,
        id: `rsbx-orders-1-${STAGING_DEPLOYMENT.discriminator}`,
        status: 'available' as const,
        engine: 'postgres',
        createdAt: new Date('2026-11-05T08:00:00Z'),
        tags: { [SANDBOX_TAG]: 'true', [DEPLOYMENT_TAG]: STAGING_DEPLOYMENT.id },
      },
    ];
    const ours = evaluateCompliance(input({ sandboxes }));
    const theirs = evaluateCompliance(input({ sandboxes, deployment: STAGING_DEPLOYMENT }));
    expect(controlOf(ours, 'sandbox-ttl')?.status).toBe('pass');
    expect(controlOf(theirs, 'sandbox-ttl')?.status).toBe('fail');
  });

  it('is non-compliant when evidence used by an earlier report was altered', () => {
    const integrity = {
      earlierReports: [],
      verified: 3,
      altered: [{ path: 'evidence/x.json', expected: 'a', actual: 'b' }],
    };
    const report = evaluateCompliance(input({ integrity }));
    expect(report.controls.every((control) => control.status === 'pass')).toBe(true);
    expect(report.status).toBe('non-compliant');
  });

  it('marks controls not applicable when nothing is protected', () => {
    const report = evaluateCompliance(input({ databases: [] }));
    expect(controlOf(report, 'daily-backup')?.status).toBe('not-applicable');
    expect(report.status).toBe('compliant');
  });
});

describe('days', () => {
  it('fails the database whose evidence file is corrupt, and only that one, and lists the file', () => {
    const corrupt = {
      kind: 'drill-report',
      path: 'drills/orders/2026-11-03/drill-orders-x.json',
      sha256: 'c'.repeat(64),
      reason: 'drill report is not valid JSON: Unexpected end of JSON input',
      database: 'orders',
    };

    const report = evaluateCompliance(input({ corruptEvidence: [corrupt] }));

    expect(report.status).toBe('non-compliant');
    const readable = controlOf(report, 'evidence-readable');
    expect(readable?.status).toBe('fail');
    expect(readable?.databases).toEqual([
      {
        id: 'orders',
        status: 'fail',
        detail: `${corrupt.path} is unreadable: ${corrupt.reason}`,
      },
      { id: 'billing', status: 'pass', detail: 'every evidence file of the database read and valid' },
    ]);
    expect(readable?.evidence).toEqual([{ kind: corrupt.kind, path: corrupt.path, sha256: corrupt.sha256 }]);
    // The other controls are computed from the evidence that reads: billing's results stand.
    expect(
      report.controls
        .filter((control) => control.id !== 'evidence-readable')
        .map((control) => control.status),
    ).toEqual(Array(10).fill('pass'));
  });

  it('fails on a corrupt fleet-wide evidence file with an "(all)" result, leaving every database passing', () => {
    const report = evaluateCompliance(
      input({
        corruptEvidence: [
          {
            kind: 'prune-log',
            path: 'evidence/prunes/2026-11-04/p.json',
            sha256: 'd'.repeat(64),
            reason: 'prune log is invalid:\n  - deleted: is missing (expected array)',
          },
        ],
      }),
    );

    const readable = controlOf(report, 'evidence-readable');
    expect(readable?.databases.map((result) => `${result.id}: ${result.status}`)).toEqual([
      'orders: pass',
      'billing: pass',
      '(all): fail',
    ]);
    expect(readable?.databases.at(-1)?.detail).toContain('evidence/prunes/2026-11-04/p.json is unreadable');
    expect(report.status).toBe('non-compliant');
  });

  it('lists the days of a period, inclusive', () => {
    expect(daysOf({ from: '2026-10-30', to: '2026-11-02' })).toEqual([
      '2026-10-30',
      '2026-10-31',
      '2026-11-01',
      '2026-11-02',
    ]);
  });

  it('describes days as ranges', () => {
    expect(describeDays(['2026-11-01', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-09'])).toBe(
      '2026-11-01, 2026-11-03 to 2026-11-05, 2026-11-09',
    );
  });
});

describe('the period of a report', () => {
  it.each([
    [{}, '2026-11-22T07:00:00Z', { from: '2026-10-24', to: '2026-11-22' }],
    [{ to: '2026-10-31' }, '2026-11-22T07:00:00Z', { from: '2026-10-02', to: '2026-10-31' }],
    [
      { from: '2026-11-01', to: '2026-11-05' },
      '2026-11-22T07:00:00Z',
      { from: '2026-11-01', to: '2026-11-05' },
    ],
    [{ previousMonth: true }, '2026-03-01T07:00:00Z', { from: '2026-02-01', to: '2026-02-28' }],
    [{ previousMonth: true }, '2026-01-01T07:00:00Z', { from: '2025-12-01', to: '2025-12-31' }],
    [{ previousMonth: true }, '2026-08-15T07:00:00Z', { from: '2026-07-01', to: '2026-07-31' }],
  ])('for %j on %s is %j', (request, now, period) => {
    expect(reportPeriod(request, new Date(now))).toEqual(period);
  });
});

describe('the vault-copy control (a deployment with a vault account)', () => {
  const VAULT_REGIONS = ['eu-central-1', 'eu-north-1'];
  const withVault = (id: string, day: string, missing: readonly string[] = []) => {
    const record = backup(id, day);
    return {
      ...record,
      record: {
        ...record.record,
        vaultCopies: VAULT_REGIONS.map((region) =>
          missing.includes(region)
            ? { region, id: '', status: 'failed' }
            : { region, id: `restorable-${id}-${day}`, status: 'available' },
        ),
      },
    };
  };
  const vaultInput = (backupRecords: ComplianceInput['backupRecords']) =>
    input({ policy: { ...input().policy, vaultRegions: VAULT_REGIONS }, backupRecords });

  it('passes when every backup of the period is in the vault, in every vault region, citing the records', () => {
    const report = evaluateCompliance(
      vaultInput(DAYS.flatMap((day) => [withVault('orders', day), withVault('billing', day)])),
    );

    const control = controlOf(report, 'vault-copy');
    expect(control?.status).toBe('pass');
    expect(control?.title).toBe(
      'A copy of every backup in the vault account, in every vault region (eu-central-1, eu-north-1)',
    );
    expect(control?.promise).toBe('replication');
    expect(control?.databases[0]).toEqual({
      id: 'orders',
      status: 'pass',
      detail: 'every backup in the vault in eu-central-1, eu-north-1',
    });
    expect(control?.evidence).toHaveLength(10);
    expect(report.status).toBe('compliant');
  });

  it('fails a database with a backup missing from a vault region, naming the day and the region', () => {
    const records = DAYS.flatMap((day) => [
      withVault('orders', day, day === '2026-11-03' ? ['eu-north-1'] : []),
      withVault('billing', day),
    ]);
    const report = evaluateCompliance(vaultInput(records));

    expect(controlOf(report, 'vault-copy')?.status).toBe('fail');
    expect(controlOf(report, 'vault-copy')?.databases[0]).toEqual({
      id: 'orders',
      status: 'fail',
      detail: 'not in the vault: 2026-11-03 in eu-north-1',
    });
    expect(report.status).toBe('non-compliant');
  });

  it('holds no database to the days before its first backup with a vault transfer', () => {
    const records = DAYS.flatMap((day) =>
      day < '2026-11-03'
        ? [backup('orders', day), backup('billing', day)]
        : [withVault('orders', day), withVault('billing', day)],
    );
    const report = evaluateCompliance(vaultInput(records));

    expect(controlOf(report, 'vault-copy')?.databases[0]).toEqual({
      id: 'orders',
      status: 'pass',
      detail:
        'every backup in the vault in eu-central-1, eu-north-1; 2026-11-01 to 2026-11-02 before the vault',
    });
  });

  it('fails a day whose record has no vault transfer once the vault was set up', () => {
    const records = DAYS.flatMap((day) => [
      day === '2026-11-04' ? backup('orders', day) : withVault('orders', day),
      withVault('billing', day),
    ]);
    const report = evaluateCompliance(vaultInput(records));

    expect(controlOf(report, 'vault-copy')?.databases[0]?.detail).toBe(
      'not in the vault: 2026-11-04 in eu-central-1, 2026-11-04 in eu-north-1',
    );
  });

  it('is not a control of a deployment without a vault account', () => {
    expect(controlOf(evaluateCompliance(input()), 'vault-copy')).toBeUndefined();
  });
});
