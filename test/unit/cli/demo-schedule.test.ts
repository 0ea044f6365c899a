// The demo's drill schedule, for every length of replay from 1 to 60 days:
// the compliance report of the replay finds every database restore-tested in
// time. A real `demo --days N` takes seconds per day, so the schedule is
// checked here as a pure function, against the control itself.
import { describe, expect, it } from 'vitest';
import { demoDrillSchedule, shortestDrillInterval } from '../../../src/cli/commands/demo.ts';
import { type ComplianceInput, evaluateCompliance } from '../../../src/domain/compliance.ts';
import type { DrillReport } from '../../../src/domain/drill.ts';
import type { Database } from '../../../src/ports/rds.ts';
import { DEFAULT_DEPLOYMENT } from '../../support/deployments.ts';

const DAY_MS = 86_400_000;
const END = Date.parse('2026-11-22T12:00:00Z');
const ref = (kind: string, path: string) => ({ kind, path, sha256: 'a'.repeat(64) });

const orders: Database = {
  kind: 'instance',
  id: 'orders',
  arn: 'arn:aws:rds:eu-west-1:1:db:orders',
  engine: 'postgres',
  engineVersion: '18',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 1,
  tags: {},
};

/** A drill that finished `seconds` after it started at `time`: drills on the real clock take different times. */
function drill(time: number, seconds: number): ComplianceInput['drillReports'][number] {
  const startedAt = new Date(time).toISOString();
  const finishedAt = new Date(time + seconds * 1000).toISOString();
  const report: DrillReport = {
    schemaVersion: 1,
    drillId: `drill-orders-${time}`,
    verdict: 'pass',
    startedAt,
    finishedAt,
    trigger: 'on-demand',
    database: { id: 'orders', kind: 'instance', engine: 'postgres' },
    snapshot: {
      id: 's',
      arn: 'arn',
      region: 'eu-central-1',
      takenAt: startedAt,
      encrypted: true,
      kmsKeyId: null,
      sourceSnapshotArn: null,
      sha256: null,
    },
    sandbox: {
      id: 'x',
      region: 'eu-central-1',
      instanceClass: 'c',
      teardown: 'deleted',
      teardownDetail: null,
    },
    targets: { rtoSeconds: 1800, rpoSeconds: 93_600 },
    timings: {
      restoreRequestedAt: startedAt,
      availableAt: finishedAt,
      verifiedAt: finishedAt,
      rtoSeconds: seconds,
      rpoSeconds: 600,
    },
    checks: [{ name: 'restore', status: 'pass', detail: 'ok', durationMs: 0 }],
    inventory: null,
    previousDrill: null,
  };
  return {
    ref: ref('drill-report', `drills/orders/${finishedAt.slice(0, 10)}/${report.drillId}.json`),
    report,
  };
}

/** What the replay of `days` days leaves as evidence of orders' backups and drills. */
function replay(days: number, intervalDays: number): ComplianceInput {
  const firstBackup = END - (days - 1) * DAY_MS;
  const durations = [4, 600, 30];
  return {
    reportId: 'compliance-demo',
    // The report is written right after the last drill.
    now: new Date(END + 15 * 60_000),
    period: {
      from: new Date(firstBackup).toISOString().slice(0, 10),
      to: new Date(END).toISOString().slice(0, 10),
    },
    policy: {
      sourceRegion: 'eu-west-1',
      copyRegions: [],
      retentionDays: 7,
      sandboxTtlMinutes: 120,
      drillIntervalDays: intervalDays,
      rtoTargetSeconds: 1800,
      rpoTargetSeconds: 93_600,
      forDatabase: () => ({
        drillIntervalDays: intervalDays,
        rtoTargetSeconds: 1800,
        rpoTargetSeconds: 93_600,
      }),
    },
    deployment: DEFAULT_DEPLOYMENT,
    databases: [orders],
    snapshots: [],
    sandboxes: [],
    inventoryRef: ref('inventory', 'evidence/inventories/x.json'),
    backupRecords: Array.from({ length: days }, (_, day) => {
      const startedAt = new Date(firstBackup + day * DAY_MS).toISOString();
      return {
        ref: ref('backup-record', `evidence/backups/${startedAt.slice(0, 10)}/orders/b.json`),
        record: {
          id: 'orders',
          startedAt,
          snapshots: [{ region: 'eu-west-1', id: `s-${day}`, status: 'available' }],
        },
      };
    }),
    pruneLogs: [],
    deletionLog: { entries: [], evidence: [] },
    corruptEvidence: [],
    // The longest drill follows the shortest, and so on: the gaps are as long as they can get.
    drillReports: demoDrillSchedule(days, intervalDays).map((offset, index) =>
      drill(firstBackup + offset, durations[index % durations.length] ?? 0),
    ),
    sweepRecords: [],
    integrity: { earlierReports: [], verified: 0, altered: [] },
  };
}

const controlOf = (input: ComplianceInput, id: string) =>
  evaluateCompliance(input).controls.find((control) => control.id === id);

describe('the demo drill schedule', () => {
  const lengths = Array.from({ length: 60 }, (_, index) => index + 1);

  it.each(lengths)('keeps orders restore-tested in time over a %i-day replay (interval 7 days)', (days) => {
    expect(controlOf(replay(days, 7), 'restore-tested')?.databases[0]?.status).toBe('pass');
    expect(controlOf(replay(days, 7), 'daily-backup')?.databases[0]?.status).toBe('pass');
  });

  it.each([1, 2, 3, 10])('keeps them in time with a %i-day interval too, over every length', (interval) => {
    for (const days of lengths) {
      expect(
        controlOf(replay(days, interval), 'restore-tested')?.databases[0]?.detail,
        `${days} days`,
      ).toMatch(/^(last drill|newly protected)/);
    }
  });

  it('drills on the first day, every interval less half a day, and at the end', () => {
    expect(demoDrillSchedule(1, 7)).toEqual([0]);
    expect(demoDrillSchedule(2, 7).map((time) => time / 3_600_000)).toEqual([3, 24]);
    expect(demoDrillSchedule(15, 7).map((time) => time / 3_600_000)).toEqual([3, 159, 315, 336]);
  });

  it('drills as often as the shortest interval configured for any database', () => {
    expect(shortestDrillInterval({ intervalDays: 7, databases: {} })).toBe(7);
    expect(
      shortestDrillInterval({ intervalDays: 7, databases: { orders: { intervalDays: 3 }, billing: {} } }),
    ).toBe(3);
  });
});
