// The real workflows/drill.asl.json over fleets, with each drill's child
// execution stubbed (the runner's `definitions` option) by one that only
// writes its drill report, as a drill whose sandbox never came up would: the
// planner, the Map, the summary and the limits of the run are the real ones,
// and each drill is cheap. The report's key dates the database's last drill
// for the next run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalReportStore } from '../../src/adapters/local/report-store.ts';
import type { DrillRunSummary } from '../../src/cli/services/drill.ts';
import type { Config } from '../../src/config/schema.ts';
import { MAX_DRILLS_PER_RUN } from '../../src/config/schema.ts';
import { deploymentOf } from '../../src/domain/deployment.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE } from '../../src/domain/tags.ts';
import type { Database, RdsPort, Snapshot } from '../../src/ports/rds.ts';
import { MAX_ALERTED_FAILURES } from '../../src/tasks/summarize-drills.ts';
import { writeDrillReportTask } from '../../src/tasks/write-drill-report.ts';
import type { ExecutionMeasure } from '../../src/workflow-runner/execution-limits.ts';
import {
  type Definition,
  LocalWorkflowRunner,
  localFunctionArn,
} from '../../src/workflow-runner/local-runner.ts';
import { SOURCE_REGION, testConfig } from '../support/local-cloud.ts';

/** The largest message SNS publishes (SNS Publish API reference, `Message`). */
const SNS_MESSAGE_LIMIT = 262_144;

/** Half the Step Functions limits: what a run of drills may use at most, at any fleet size. */
const HALF_PAYLOAD_LIMIT = 131_072;
const HALF_HISTORY_LIMIT = 12_500;

/**
 * A drill whose restore failed with a long error: its report's checks (the
 * restore's, and connect and consistency not run) each carry the whole cause,
 * so its outcome is several kilobytes, as a drill with many checks would be.
 */
const LONG_CAUSE = `the sandbox could not be created: ${'no capacity in the subnet group; '.repeat(60)}`;
const reportOnlyDrill = {
  StartAt: 'WriteDrillReport',
  States: {
    WriteDrillReport: {
      Type: 'Task',
      Resource: localFunctionArn(writeDrillReportTask),
      Parameters: {
        'drillId.$': '$.drillId',
        'trigger.$': '$.trigger',
        'plannedAt.$': '$.plannedAt',
        'database.$': '$.database',
        'snapshot.$': '$.snapshot',
        'sandboxId.$': '$.sandboxId',
        'verifiedIn.$': '$.verifiedIn',
        error: { Error: 'SandboxCapacityError', Cause: LONG_CAUSE },
        teardown: { result: 'deleted' },
      },
      End: true,
    },
  },
} as unknown as Definition;

/** A protected PostgreSQL instance; `id` may be as long as RDS allows (63). */
const database = (id: string): Database => ({
  kind: 'instance',
  id,
  arn: `arn:aws:rds:${SOURCE_REGION}:123456789012:db:${id}`,
  engine: 'postgres',
  engineVersion: '17.2',
  status: 'available',
  multiAz: false,
  storageEncrypted: true,
  backupRetentionDays: 7,
  tags: { backup: 'daily' },
});

function rdsOf(databases: readonly Database[], config: Config) {
  const deployment = deploymentOf(config);
  return (region: string) =>
    ({
      listDatabases: async () => (region === SOURCE_REGION ? databases : []),
      listSnapshots: async ({ database: wanted }: { database: Database }): Promise<Snapshot[]> => [
        {
          id: `restorable-${wanted.id}-2026-11-02`,
          arn: `arn:aws:rds:${region}:123456789012:snapshot:restorable-${wanted.id}-2026-11-02`,
          region,
          database: { kind: 'instance', id: wanted.id },
          engine: 'postgres',
          status: 'available',
          type: 'manual',
          createdAt: new Date('2026-11-02T02:10:00Z'),
          originalCreatedAt: new Date('2026-11-02T02:10:00Z'),
          encrypted: true,
          kmsKeyId: undefined,
          sourceSnapshotArn: undefined,
          percentProgress: 100,
          tags: { [MANAGED_TAG]: MANAGED_TAG_VALUE, [DEPLOYMENT_TAG]: deployment.id },
        },
      ],
    }) as unknown as RdsPort;
}

let stateDir: string;
let measures: ExecutionMeasure[];
let alerts: { subject: string; message: string }[];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'restorable-drill-fleet-'));
  measures = [];
  alerts = [];
});

afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

function fleet(databases: readonly Database[], drills: Partial<Config['drills']>, schedules = {}) {
  const config: Config = {
    ...testConfig,
    schedules: { ...testConfig.schedules, ...schedules },
    drills: { ...testConfig.drills, ...drills },
  };
  let now = new Date('2026-11-02T06:00:00Z');
  const runner = new LocalWorkflowRunner({
    dependencies: {
      config,
      rds: rdsOf(databases, config),
      reports: new LocalReportStore(join(stateDir, 'reports'), deploymentOf(config)),
      sandboxes: () => {
        throw new Error('no sandbox to sweep in this fleet');
      },
      regionalVerifiers: () => {
        throw new Error('the stubbed drills verify nothing');
      },
      clock: () => new Date(now.getTime()),
    },
    definitions: { 'drill-database': reportOnlyDrill },
    onExecutionMeasured: (measure) => measures.push(measure),
    onAlert: (alert) => {
      alerts.push(alert);
    },
    logLevel: 'SILENT',
  });
  return {
    drill: async (at: string, request: object = {}) => {
      now = new Date(at);
      return (await runner.run('drill', request, `drill-${at.replace(/[-:]/g, '')}`)) as DrillRunSummary;
    },
  };
}

const drilled = (summary: DrillRunSummary) => summary.drills.map((outcome) => outcome.database);

describe('a scheduled drill run over a fleet larger than the per-run maximum', () => {
  it('drills at most the maximum, the most overdue first, and the next runs drill the rest', async () => {
    // Given six databases drilled on six days of October, and at most two drills a run
    const ids = ['db-a', 'db-b', 'db-c', 'db-d', 'db-e', 'db-f'];
    const run = fleet(ids.map(database), { maxPerRun: 2 });
    for (const [index, id] of [...ids].reverse().entries()) {
      await run.drill(`2026-10-0${index + 1}T06:00:00Z`, { databaseId: id });
    }

    // When the daily schedule runs on three days in November
    const first = await run.drill('2026-11-02T06:00:00Z');
    const second = await run.drill('2026-11-03T06:00:00Z');
    const third = await run.drill('2026-11-04T06:00:00Z');
    const fourth = await run.drill('2026-11-05T06:00:00Z');

    // Then each drills the two most overdue of those left, and none is drilled twice
    expect([drilled(first), drilled(second), drilled(third), drilled(fourth)]).toEqual([
      ['db-f', 'db-e'],
      ['db-d', 'db-c'],
      ['db-b', 'db-a'],
      [],
    ]);
    // And the first run reports the four it held back, all overdue, the most overdue by name, and fails
    expect(first.backlog).toMatchObject({
      heldBack: 4,
      overdue: 4,
      neverDrilled: 0,
      mostOverdue: [
        { database: 'db-d', dueBy: '2026-10-10T00:00:00.000Z' },
        { database: 'db-c', dueBy: '2026-10-11T00:00:00.000Z' },
        { database: 'db-b', dueBy: '2026-10-12T00:00:00.000Z' },
        { database: 'db-a', dueBy: '2026-10-13T00:00:00.000Z' },
      ],
    });
    expect(first.status).toBe('FAILED');
    expect(third.backlog?.heldBack).toBe(0);
  });
});

describe('scheduled drill runs over a fleet added at once', () => {
  it('spread it over the drill cycle: each run drills its share, each database once', async () => {
    // Given twelve databases never drilled, a 7-day interval and the daily schedule: 6 runs a cycle
    const ids = Array.from({ length: 12 }, (_, index) => `db-${String(index).padStart(2, '0')}`);
    const run = fleet(ids.map(database), {});

    // When the schedule runs on six days
    const runs: string[][] = [];
    for (const day of ['02', '03', '04', '05', '06', '07']) {
      runs.push(drilled(await run.drill(`2026-11-${day}T06:00:00Z`)));
    }

    // Then each run drills two, and together they drill every database once
    expect(runs.map((databases) => databases.length)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(runs.flat().sort()).toEqual(ids);
    // And the seventh run drills again the two drilled first
    expect(drilled(await run.drill('2026-11-08T06:00:00Z')).sort()).toEqual([...(runs[0] ?? [])].sort());
  });
});

describe('the state of a drill run at the per-run maximum', () => {
  it('stays under half the payload and history limits, with the longest ids and long errors', async () => {
    // Given more databases than the maximum, with ids as long as RDS allows, all due (weekly runs)
    const ids = Array.from({ length: MAX_DRILLS_PER_RUN + 20 }, (_, index) =>
      `orders-${'x'.repeat(52)}-${String(index).padStart(3, '0')}`.slice(0, 63),
    );
    const run = fleet(
      ids.map(database),
      { maxPerRun: MAX_DRILLS_PER_RUN, maxConcurrency: 10 },
      {
        drill: 'cron(0 6 ? * MON *)',
      },
    );

    // When the schedule runs, each drill failing with a long error
    const summary = await run.drill('2026-11-02T06:00:00Z');

    // Then it drills the maximum and holds the rest back
    expect(summary.drills).toHaveLength(MAX_DRILLS_PER_RUN);
    expect(summary.backlog).toMatchObject({ heldBack: 20, neverDrilled: 20 });
    expect(summary.drills[0]).toMatchObject({ verdict: 'fail', report: { json: expect.any(String) } });
    // And no state of the run comes near the limits
    const own = measures.filter((measure) => measure.workflow === 'drill').at(-1);
    expect(own?.largestPayloadBytes).toBeLessThanOrEqual(HALF_PAYLOAD_LIMIT);
    expect(own?.historyEvents).toBeLessThanOrEqual(HALF_HISTORY_LIMIT);
    // And each drill's child is named from the drill, within 80 characters: a retried start finds it
    const children = measures.filter((measure) => measure.workflow === 'drill-database');
    expect(children).toHaveLength(MAX_DRILLS_PER_RUN);
    expect(new Set(children.map((child) => child.executionName)).size).toBe(MAX_DRILLS_PER_RUN);
    for (const child of children) expect(child.executionName).toMatch(/^drill-orders-x+[-0-9a-z]*$/);
    for (const child of children) expect(child.executionName.length).toBeLessThanOrEqual(80);
    // And its alert is a summary within SNS's 256 KiB, not the run's state
    expect(alerts).toHaveLength(1);
    const message = alerts[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(SNS_MESSAGE_LIMIT);
    const alert = JSON.parse(message) as Record<string, unknown>;
    expect(Object.keys(alert).sort()).toEqual(
      ['counts', 'failed', 'runId', 'skipped', 'status', 'unlistedFailed', 'unlistedSkipped'].sort(),
    );
    expect(alert).toMatchObject({
      status: 'FAILED',
      counts: {
        drilled: MAX_DRILLS_PER_RUN,
        passed: 0,
        failed: MAX_DRILLS_PER_RUN,
        heldBack: 20,
        neverDrilled: 20,
      },
      unlistedFailed: MAX_DRILLS_PER_RUN - MAX_ALERTED_FAILURES,
    });
    const failed = alert.failed as { database: string; report: string; error?: string }[];
    expect(failed).toHaveLength(MAX_ALERTED_FAILURES);
    expect(failed[0]).toMatchObject({
      database: summary.drills[0]?.database,
      report: summary.drills[0]?.report?.json,
    });
  }, 120_000);
});
