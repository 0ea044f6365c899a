import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE } from '../../../src/domain/tags.ts';
import type { Database, RdsPort, Snapshot } from '../../../src/ports/rds.ts';
import type { ReportStore } from '../../../src/ports/report-store.ts';
import { invokeTask, type TaskDependencies } from '../../../src/runtime/task.ts';
import { lastDrillDayOf, planDrillsTask } from '../../../src/tasks/plan-drills.ts';

// A stack in eu-west-1 copying to eu-central-1 and us-east-1, whose
// scheduled drills restore in the second copy region.
const config = parseConfig(`
sourceRegion: eu-west-1
copyRegions:
  - { region: eu-central-1, kmsKeyId: alias/k }
  - { region: us-east-1, kmsKeyId: alias/k }
selection: { tags: { backup: daily } }
sandbox:
  regions:
    us-east-1:
      subnetGroup: restorable-sandbox-east
      securityGroupIds: [sg-0e0e0e0e0e0e0e0e0]
      verifierSubnetIds: [subnet-0e0e0e0e0e0e0e0e0]
      verifierSecurityGroupIds: [sg-0f0f0f0f0f0f0f0f0]
drills: { region: us-east-1 }
`);

const orders: Database = {
  kind: 'instance',
  id: 'orders',
  arn: 'arn:aws:rds:eu-west-1:123456789012:db:orders',
  engine: 'postgres',
  engineVersion: '17.2',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 7,
  tags: { backup: 'daily' },
};

/** The day's snapshot of orders (or its copy) in `region`, made by this deployment. */
const snapshotIn = (region: string): Snapshot => ({
  id: `restorable-orders-2026-11-02-${region}`,
  arn: `arn:aws:rds:${region}:123456789012:snapshot:restorable-orders-2026-11-02`,
  region,
  database: { kind: 'instance', id: 'orders' },
  engine: 'postgres',
  status: 'available',
  type: 'manual',
  createdAt: new Date('2026-11-02T02:10:00Z'),
  originalCreatedAt: new Date('2026-11-02T02:10:00Z'),
  encrypted: true,
  kmsKeyId: undefined,
  sourceSnapshotArn: undefined,
  percentProgress: 100,
  tags: { [MANAGED_TAG]: MANAGED_TAG_VALUE, [DEPLOYMENT_TAG]: 'prod-eu-west-1' },
});

function dependencies(): TaskDependencies {
  const rds = (region: string) =>
    ({
      listDatabases: async () => (region === 'eu-west-1' ? [orders] : []),
      listSnapshots: async () => [snapshotIn(region)],
    }) as unknown as RdsPort;
  return {
    config,
    rds,
    reports: { list: async () => [] } as unknown as ReportStore,
    sandboxes: () => {
      throw new Error('planning uses no sandbox');
    },
    regionalVerifiers: () => {
      throw new Error('planning verifies nothing');
    },
    clock: () => new Date('2026-11-02T06:00:00Z'),
    logger: new Logger({ logLevel: 'SILENT' }),
  };
}

describe('planning drills', () => {
  it('restores a scheduled drill in drills.region, verified by the regional verifier there', async () => {
    // When the schedule plans the due drills
    const plan = await invokeTask(
      planDrillsTask,
      { request: {}, executionName: 'drill-run' },
      dependencies(),
    );

    // Then orders is drilled from its copy in us-east-1, not from the first copy region
    expect(plan.drills).toHaveLength(1);
    expect(plan.drills[0]).toMatchObject({
      trigger: 'schedule',
      snapshot: { region: 'us-east-1', id: snapshotIn('us-east-1').id },
      verifiedIn: 'drill-region',
    });
  });

  it('restores an on-demand drill in the region asked for (drill --region), verified by the stack', async () => {
    const plan = await invokeTask(
      planDrillsTask,
      { request: { databaseId: 'orders', region: 'eu-west-1' }, executionName: 'drill-orders' },
      dependencies(),
    );

    expect(plan.drills[0]).toMatchObject({
      trigger: 'on-demand',
      snapshot: { region: 'eu-west-1', id: snapshotIn('eu-west-1').id },
      verifiedIn: 'stack-region',
    });
  });
});

describe('drill settings of a database that is not protected', () => {
  // orders is protected by its tag; the settings meant for it were typed
  // "ordres", so its drill would run without its assertions.
  const withSettingsFor = (...ids: string[]) => ({
    ...config,
    drills: {
      ...config.drills,
      databases: Object.fromEntries(ids.map((id) => [id, { assertions: [] }])),
    },
  });

  it.each([
    ['on schedule', {}],
    ['on demand', { databaseId: 'orders' }],
  ])('fail the run %s, naming the key and the nearest protected database', async (_case, request) => {
    const plan = await invokeTask(
      planDrillsTask,
      { request, executionName: 'drill-run' },
      { ...dependencies(), config: withSettingsFor('orders', 'ordres') },
    );

    expect(plan.drills.map((drill) => drill.database.id)).toEqual(['orders']);
    expect(plan.skipped).toEqual([
      {
        database: 'ordres',
        error:
          'drills.databases.ordres names no protected database (nearest: orders): its settings apply to no drill; correct or remove it',
      },
    ]);
  });

  it('leave nothing to report when every key is a protected database', async () => {
    const plan = await invokeTask(
      planDrillsTask,
      { request: {}, executionName: 'drill-run' },
      { ...dependencies(), config: withSettingsFor('orders') },
    );

    expect(plan.skipped).toEqual([]);
  });
});

describe('planning the scheduled drills of a fleet larger than the per-run maximum', () => {
  // Thirty databases never drilled, all due with the weekly schedule; one has
  // no snapshot the tool can drill, and says why at length.
  const fleet = Array.from({ length: 30 }, (_, index) => ({
    ...orders,
    id: `db-${String(index).padStart(2, '0')}`,
  }));
  const weekly = { ...config, schedules: { ...config.schedules, drill: 'cron(0 6 ? * MON *)' } };
  const plan = () =>
    invokeTask(
      planDrillsTask,
      { request: {}, executionName: 'drill-run' },
      {
        ...dependencies(),
        config: { ...weekly, drills: { ...weekly.drills, maxPerRun: 5 } },
        rds: (region: string) =>
          ({
            listDatabases: async () => (region === 'eu-west-1' ? fleet : []),
            listSnapshots: async ({ database }: { database: Database }) => {
              if (database.id === 'db-01') throw new Error(`listing failed: ${'throttled; '.repeat(100)}`);
              return [{ ...snapshotIn(region), database: { kind: 'instance', id: database.id } }];
            },
          }) as unknown as RdsPort,
      },
    );

  it('plans at most the maximum, a database that cannot be drilled included, and counts the rest', async () => {
    const { drills, skipped, backlog } = await plan();

    expect(drills.map((drill) => drill.database.id)).toEqual(['db-00', 'db-02', 'db-03', 'db-04']);
    expect(skipped.map((skip) => skip.database)).toEqual(['db-01']);
    expect(backlog).toMatchObject({ heldBack: 25, overdue: 0, neverDrilled: 25, spread: 0 });
    expect(backlog.mostOverdue.map((held) => held.database)).toEqual(
      ['05', '06', '07', '08', '09', '10', '11', '12', '13', '14'].map((number) => `db-${number}`),
    );
  });

  it("cuts a skipped database's error, so that the run's state stays bounded", async () => {
    const { skipped } = await plan();

    expect(skipped[0]?.error).toHaveLength(300);
    expect(skipped[0]?.error).toMatch(/^listing failed: throttled; .*…$/);
  });
});

describe("the day of a database's last drill", () => {
  it.each([
    ['none', [], undefined],
    [
      'the day planned, which the drill id holds, not the day its report was stored',
      ['drills/orders/2026-11-03/drill-orders-20261102T060000Z.json'],
      '2026-11-02',
    ],
    [
      'the latest planned of all, whatever the order of the keys',
      [
        'drills/orders/2026-11-03/drill-orders-20261102T060000Z.json',
        'drills/orders/2026-11-03/drill-orders-20261103T050000Z-0a1b2c.json',
        'drills/orders/2026-11-03/drill-orders-20261102T060000Z.html',
      ],
      '2026-11-03',
    ],
    [
      'the day in the key, for an id that holds no time',
      ['drills/orders/2026-11-04/imported.json'],
      '2026-11-04',
    ],
  ])('%s', (_, keys, day) => {
    expect(lastDrillDayOf(keys)?.toISOString().slice(0, 10)).toBe(day);
  });
});
