// The scheduled drills with the default configuration (a 7-day interval, a
// daily schedule, two drills at a time), replayed for six weeks over a fleet
// protected on the same day, checked against the compliance control itself:
// every database restore-tested within its interval at every moment, however
// late in its run each drill finishes. Drill durations vary from run to run,
// so a database's place in the queue, and its finish time, moves.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import {
  type ComplianceInput,
  type DrillReportEvidence,
  evaluateCompliance,
} from '../../../src/domain/compliance.ts';
import type { DrillReport } from '../../../src/domain/drill.ts';
import { chooseScheduledDrills } from '../../../src/domain/drill-schedule.ts';
import { longestScheduleGapHours } from '../../../src/domain/schedule.ts';
import type { Database } from '../../../src/ports/rds.ts';
import { drillIdFor, lastDrillDayOf } from '../../../src/tasks/plan-drills.ts';
import { DEFAULT_DEPLOYMENT } from '../../support/deployments.ts';

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2026-10-01T00:00:00Z');
const DAYS = 42;
const ref = (kind: string, path: string) => ({ kind, path, sha256: 'a'.repeat(64) });

const defaults = configSchema.parse({
  sourceRegion: 'eu-west-1',
  copyRegions: [{ region: 'eu-central-1', kmsKeyId: 'alias/k' }],
  selection: { tags: { backup: 'daily' } },
});

const databaseOf = (id: string): Database => ({
  kind: 'instance',
  id,
  arn: `arn:aws:rds:eu-west-1:1:db:${id}`,
  engine: 'postgres',
  engineVersion: '18',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 1,
  tags: { backup: 'daily' },
});

/** A passing drill report, stored under the day it finished, as write-drill-report stores it. */
function drillReport(
  id: string,
  plannedAt: number,
  startedAt: number,
  finishedAt: number,
): DrillReportEvidence {
  const started = new Date(startedAt).toISOString();
  const finished = new Date(finishedAt).toISOString();
  const report: DrillReport = {
    schemaVersion: 1,
    drillId: drillIdFor(id, new Date(plannedAt), DEFAULT_DEPLOYMENT),
    verdict: 'pass',
    startedAt: started,
    finishedAt: finished,
    trigger: 'schedule',
    database: { id, kind: 'instance', engine: 'postgres' },
    snapshot: {
      id: 's',
      arn: 'arn',
      region: 'eu-central-1',
      takenAt: started,
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
    targets: { rtoSeconds: 3600, rpoSeconds: 93_600 },
    timings: {
      restoreRequestedAt: started,
      availableAt: finished,
      verifiedAt: finished,
      rtoSeconds: Math.round((finishedAt - startedAt) / 1000),
      rpoSeconds: 600,
    },
    checks: [{ name: 'restore', status: 'pass', detail: 'ok', durationMs: 0 }],
    inventory: null,
    previousDrill: null,
  };
  return { ref: ref('drill-report', `drills/${id}/${finished.slice(0, 10)}/${report.drillId}.json`), report };
}

/** Deterministic drill durations between 20 and 70 minutes. */
function durations(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (20 + (state % 51)) * 60_000;
  };
}

/** Six weeks of daily scheduled runs under the default configuration, as drill reports. */
function replay(fleetSize: number) {
  const databases = Array.from({ length: fleetSize }, (_, index) => databaseOf(`db-${index}`));
  const drillReports: DrillReportEvidence[] = [];
  const drillsPerRun: number[] = [];
  const duration = durations(fleetSize);
  const runGapHours = longestScheduleGapHours(defaults.schedules.drill);
  for (let day = 0; day < DAYS; day += 1) {
    const runAt = FIRST_DAY + day * DAY_MS + 6 * 3_600_000;
    const choice = chooseScheduledDrills(
      databases.map((database) => ({
        id: database.id,
        // As the planner reads it: from the keys of the database's reports.
        lastDrillDay: lastDrillDayOf(
          drillReports
            .filter(({ report }) => report.database.id === database.id)
            .map(({ ref: stored }) => stored.path),
        ),
        intervalDays: defaults.drills.intervalDays,
      })),
      new Date(runAt),
      { runGapHours, maxPerRun: defaults.drills.maxPerRun },
    );
    drillsPerRun.push(choice.drill.length);
    // The Map runs maxConcurrency drills at a time, in the planned order.
    const lanes = Array.from({ length: defaults.drills.maxConcurrency }, () => runAt);
    for (const id of choice.drill) {
      const lane = lanes.indexOf(Math.min(...lanes));
      const startedAt = lanes[lane] ?? runAt;
      const finishedAt = startedAt + duration();
      lanes[lane] = finishedAt;
      drillReports.push(drillReport(id, runAt, startedAt, finishedAt));
    }
  }
  return { databases, drillReports, drillsPerRun };
}

function complianceOf(fleetSize: number) {
  const { databases, drillReports, drillsPerRun } = replay(fleetSize);
  const end = FIRST_DAY + DAYS * DAY_MS;
  const input: ComplianceInput = {
    reportId: 'compliance-replay',
    now: new Date(end),
    period: {
      from: new Date(FIRST_DAY).toISOString().slice(0, 10),
      to: new Date(end - DAY_MS).toISOString().slice(0, 10),
    },
    policy: {
      sourceRegion: 'eu-west-1',
      copyRegions: [],
      retentionDays: 7,
      sandboxTtlMinutes: 180,
      drillIntervalDays: defaults.drills.intervalDays,
      rtoTargetSeconds: 3600,
      rpoTargetSeconds: 93_600,
      forDatabase: () => ({
        drillIntervalDays: defaults.drills.intervalDays,
        rtoTargetSeconds: 3600,
        rpoTargetSeconds: 93_600,
      }),
    },
    deployment: DEFAULT_DEPLOYMENT,
    databases,
    snapshots: [],
    sandboxes: [],
    inventoryRef: ref('inventory', 'evidence/inventories/x.json'),
    // Every database protected from the first day's backup on.
    backupRecords: databases.map((database) => ({
      ref: ref('backup-record', `evidence/backups/2026-10-01/${database.id}/b.json`),
      record: {
        id: database.id,
        startedAt: new Date(FIRST_DAY + 2 * 3_600_000).toISOString(),
        snapshots: [{ region: 'eu-west-1', id: `s-${database.id}`, status: 'available' }],
      },
    })),
    pruneLogs: [],
    deletionLog: { entries: [], evidence: [] },
    corruptEvidence: [],
    drillReports,
    sweepRecords: [],
    integrity: { earlierReports: [], verified: 0, altered: [] },
  };
  return {
    control: evaluateCompliance(input).controls.find((control) => control.id === 'restore-tested'),
    drillsPerRun,
  };
}

describe('scheduled drills under the default configuration', () => {
  it.each([1, 7, 40, 300])(
    'keep each of a fleet of %i added at once restore-tested within its interval',
    (fleetSize) => {
      const { control, drillsPerRun } = complianceOf(fleetSize);

      expect(control?.databases.filter((database) => database.status !== 'pass')).toEqual([]);
      expect(control?.databases).toHaveLength(fleetSize);
      // And no run drills more than the fleet's share of a 6-run cycle
      expect(Math.max(...drillsPerRun)).toBeLessThanOrEqual(Math.ceil(fleetSize / 6));
    },
  );
});
