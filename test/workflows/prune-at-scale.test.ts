// The prune of a fleet: the real workflows/prune.asl.json in the local ASL
// interpreter, which enforces the Step Functions limits (256 KiB of state,
// 25,000 history events), with the AWS adapters over the fake RDS SDK and an
// in-memory S3. Deletions run in batches read from the run's plan document,
// so the state never holds them; the cap follows the fleet; the brake stops a
// run that would delete too much; what a run leaves expired is an alert.
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import type { PruneRunResult } from '../../src/cli/services/prune.ts';
import type { Config } from '../../src/config/schema.ts';
import { ThrottlingError } from '../../src/domain/errors.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, PROVEN_BAD_TAG } from '../../src/domain/tags.ts';
import type { RdsPort } from '../../src/ports/rds.ts';
import { writeLease } from '../../src/reports/drill-leases.ts';
import { deleteBatch } from '../../src/tasks/delete-snapshot.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import { DEFAULT_DEPLOYMENT } from '../support/deployments.ts';
import { type FakeRds, installFakeRds } from '../support/fake-rds-sdk.ts';
import { installFakeS3 } from '../support/fake-s3-sdk.ts';
import { COPY_REGION, SOURCE_REGION, testConfig } from '../support/local-cloud.ts';
import { deleteInOneBatch } from '../support/prune-batches.ts';

const BUCKET = 'restorable-reports-test';
const DAY_MS = 86_400_000;
const FIRST_DAY = new Date('2026-11-20T04:00:00Z');
const REGIONS = [SOURCE_REGION, COPY_REGION];
const OWNED = { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id };
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);

let now: Date;
let fake: FakeRds;
let alerts: { subject: string; message: string }[];

const withRetention = (retention: Partial<Config['retention']>): Config => ({
  ...testConfig,
  retention: { ...testConfig.retention, ...retention },
});

const dependencies = (config: Config = testConfig) => ({
  config,
  rds: awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) }),
  reports: new S3ReportStore(new S3Client({ region: SOURCE_REGION }), BUCKET),
  sandboxes: () => {
    throw new Error('the prune uses no sandbox');
  },
  regionalVerifiers: () => {
    throw new Error('the prune verifies no sandbox');
  },
  clock: () => new Date(now.getTime()),
});

const prune = (name: string, config?: Config) =>
  new LocalWorkflowRunner({
    dependencies: dependencies(config),
    logLevel: 'SILENT',
    onAlert: (alert) => {
      alerts.push(alert);
    },
  }).run('prune', {}, name) as Promise<PruneRunResult>;

const databaseId = (index: number) => `db-${String(index).padStart(4, '0')}`;
const snapshotId = (database: string, takenAt: Date) =>
  `restorable-${database}-${takenAt.toISOString().slice(0, 10)}`;

/** A daily snapshot of each database, in every region, taken `daysAgo` days before now. */
function backUp(databases: number, daysAgo: number): void {
  const takenAt = new Date(now.getTime() - daysAgo * DAY_MS - 2 * 3_600_000);
  for (let index = 1; index <= databases; index++) {
    const database = databaseId(index);
    for (const region of REGIONS) {
      fake.seedSnapshot(region, {
        kind: 'instance',
        id: snapshotId(database, takenAt),
        databaseId: database,
        createdAt: takenAt,
        tags: OWNED,
      });
    }
  }
}

function seedFleet(databases: number, snapshotAges: readonly number[]): void {
  for (let index = 1; index <= databases; index++) {
    fake.seedInstance(SOURCE_REGION, { id: databaseId(index), tags: { backup: 'daily' }, multiAz: true });
  }
  for (const age of snapshotAges) backUp(databases, age);
}

const snapshotCount = () =>
  REGIONS.reduce((sum, region) => sum + fake.snapshots(region, 'instance').length, 0);

beforeEach(() => {
  now = FIRST_DAY;
  alerts = [];
  rdsMock.reset();
  fake = installFakeRds(rdsMock, { now: () => now, manualSnapshotQuota: 100_000 });
  installFakeS3(s3Mock, { bucket: BUCKET });
});

afterAll(() => {
  rdsMock.restore();
  s3Mock.restore();
});

describe('the prune of a fleet', () => {
  it('deletes more than the old state could hold, within every Step Functions limit', async () => {
    // 350 databases, four snapshots each in the retention and one past it,
    // in both regions: 700 deletions, two batches.
    seedFleet(350, [1, 2, 3, 4, 8]);

    const run = await prune('prune-fleet');

    expect(run.status).toBe('OK');
    expect(run.deletedTotal).toBe(700);
    expect(run.deleted.length).toBeLessThan(700);
    expect(snapshotCount()).toBe(350 * 2 * 4);
    // About one read and one delete per deletion.
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(700);
    const listings = rdsMock
      .commandCalls(DescribeDBSnapshotsCommand)
      .filter((call) => call.args[0].input.DBInstanceIdentifier !== undefined);
    expect(listings).toHaveLength(700);
  });

  it('keeps up day after day with its default cap: no backlog builds at 100 databases', async () => {
    seedFleet(100, [1, 2, 3, 4, 5, 6, 7]);
    const backlog: number[] = [];

    for (let day = 0; day < 3; day++) {
      now = new Date(FIRST_DAY.getTime() + day * DAY_MS);
      backUp(100, 0);
      const run = await prune(`prune-day-${day + 1}`);
      expect(run.status).toBe('OK');
      backlog.push(run.deferredTotal);
    }

    // The fixed cap of 50 left 150, 300, then 450 behind, every run OK.
    expect(backlog).toEqual([0, 0, 0]);
    // Each day's backup is taken at 02:00, so the one of 7 days ago has just expired.
    expect(snapshotCount()).toBe(100 * 2 * 7);
    expect(alerts).toEqual([]);
  });

  it('alerts on a backlog left by an explicit cap', async () => {
    seedFleet(10, [1, 2, 3, 4, 5, 6, 8]);

    const run = await prune('prune-capped', withRetention({ maxDeletionsPerRun: 5 }));

    expect(run.status).toBe('FAILED');
    expect(run.deletedTotal).toBe(5);
    expect(run.deferredTotal).toBe(15);
    expect(run.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'deletion-deferred',
          severity: 'violation',
          resource: SOURCE_REGION,
        }),
      ]),
    );
    expect(alerts).toEqual([
      expect.objectContaining({
        subject: 'restorable prune prune-capped: 2 policy violations, 0 failed deletions',
      }),
    ]);
  });

  it('reports every deletion of a batch that failed whole as failed, and alerts', async () => {
    seedFleet(10, [1, 2, 3, 4, 8]);
    rdsMock
      .on(DescribeDBSnapshotsCommand, { DBInstanceIdentifier: databaseId(3) })
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));

    const run = await prune('prune-batch-failed');

    expect(run.status).toBe('FAILED');
    expect(run.deletedTotal).toBe(0);
    expect(run.failedTotal).toBe(20);
    expect(run.failed[0]?.error).toContain('not authorized');
    expect(alerts).toEqual([
      expect.objectContaining({
        subject: 'restorable prune prune-batch-failed: 0 policy violations, 20 failed deletions',
      }),
    ]);
  });

  describe('the mass-deletion brake', () => {
    beforeEach(() => {
      // Three of each database's four snapshots are past the retention: the
      // auto cap (50) lets 50 of the 80 through, over a quarter.
      seedFleet(10, [1, 8, 9, 10]);
    });

    it('deletes nothing in a run that would delete more than the share, and alerts', async () => {
      const run = await prune('prune-braked');

      expect(run.status).toBe('FAILED');
      expect(run.deletedTotal).toBe(0);
      expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
      expect(snapshotCount()).toBe(80);
      expect(run.findings).toEqual([
        expect.objectContaining({
          kind: 'mass-deletion-refused',
          severity: 'violation',
          detail: expect.stringContaining("would delete 50 of the deployment's 80 snapshots"),
        }),
      ]);
      expect(alerts).toEqual([
        expect.objectContaining({
          subject: 'restorable prune prune-braked: 1 policy violations, 0 failed deletions',
        }),
      ]);
    });

    it('deletes in a run within the share', async () => {
      const run = await prune(
        'prune-allowed',
        withRetention({ maxDeletionsPerRun: 100, maxDeletionShare: 0.75 }),
      );

      expect(run.status).toBe('OK');
      expect(run.deletedTotal).toBe(60);
      expect(snapshotCount()).toBe(20);
      expect(alerts).toEqual([]);
    });
  });
});

describe('the check against the live state before each delete', () => {
  const database = databaseId(1);
  const expired = new Date(FIRST_DAY.getTime() - 8 * DAY_MS - 2 * 3_600_000);
  const newer = new Date(FIRST_DAY.getTime() - DAY_MS - 2 * 3_600_000);
  const deletion = {
    database,
    kind: 'instance' as const,
    region: SOURCE_REGION,
    snapshot: snapshotId(database, expired),
    arn: `arn:aws:rds:${SOURCE_REGION}:123456789012:snapshot:${snapshotId(database, expired)}`,
    ageHours: 194,
    reason: 'expired' as const,
  };
  const deleteNow = async () =>
    (
      await deleteInOneBatch(dependencies(), { runId: 'prune-check', runStartedAt: now.toISOString() }, [
        deletion,
      ])
    )[0];
  const rdsCalls = () => rdsMock.calls().filter((call) => call.args[0] instanceof DescribeDBSnapshotsCommand);
  const port = () =>
    awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) })(SOURCE_REGION);

  beforeEach(() => {
    fake.seedInstance(SOURCE_REGION, { id: database, tags: { backup: 'daily' }, multiAz: true });
    for (const takenAt of [expired, newer]) {
      fake.seedSnapshot(SOURCE_REGION, {
        kind: 'instance',
        id: snapshotId(database, takenAt),
        databaseId: database,
        createdAt: takenAt,
        tags: OWNED,
      });
    }
    rdsMock.resetHistory();
  });

  it('reads the live state once: the database’s snapshots in the region', async () => {
    expect(await deleteNow()).toMatchObject({ status: 'deleted' });
    expect(rdsCalls()).toHaveLength(1);
    expect(rdsMock.calls()).toHaveLength(2);
  });

  it('refuses when a drill took a lease on the snapshot since the plan', async () => {
    await writeLease(dependencies().reports, {
      snapshotArn: deletion.arn,
      drillId: 'drill-db-0001',
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      deployment: DEFAULT_DEPLOYMENT.id,
    });

    expect(await deleteNow()).toEqual({ status: 'refused', detail: 'a restore drill is using it' });
    expect(rdsCalls()).toHaveLength(1);
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it('refuses when the newer good copy went away', async () => {
    await port().deleteSnapshot({ kind: 'instance', id: snapshotId(database, newer) });
    rdsMock.resetHistory();

    expect(await deleteNow()).toEqual({
      status: 'refused',
      detail: `it is the newest good snapshot of ${database} in ${SOURCE_REGION}`,
    });
    expect(rdsCalls()).toHaveLength(1);
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it.each([
    ['the newer copy was proven bad', 'newer', { [PROVEN_BAD_TAG]: 'drill-x' }, /newest good snapshot/],
    [
      'the snapshot now belongs to another deployment',
      'expired',
      { [DEPLOYMENT_TAG]: 'staging-eu-west-1' },
      /not a snapshot made by restorable deployment/,
    ],
  ] as const)('refuses when the tags changed: %s', async (_case, which, tags, refusal) => {
    const takenAt = which === 'newer' ? newer : expired;
    const id = snapshotId(database, takenAt);
    await port().tagSnapshot(
      { kind: 'instance', id, arn: `arn:aws:rds:${SOURCE_REGION}:123456789012:snapshot:${id}` },
      tags,
    );
    rdsMock.resetHistory();

    expect(await deleteNow()).toMatchObject({ status: 'refused', detail: expect.stringMatching(refusal) });
    expect(rdsCalls()).toHaveLength(1);
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('a deletion batch throttled by RDS', () => {
  it('stops, and its retry deletes the rest and counts what the first attempt deleted', async () => {
    // Prepare: four databases with one expired snapshot each; RDS throttles
    // the first delete call, while the three others in flight go through.
    seedFleet(4, [1, 8]);
    const takenAt = new Date(now.getTime() - 8 * DAY_MS - 2 * 3_600_000);
    const deletions = [1, 2, 3, 4].map((index) => {
      const id = snapshotId(databaseId(index), takenAt);
      return {
        database: databaseId(index),
        kind: 'instance' as const,
        region: SOURCE_REGION,
        snapshot: id,
        arn: `arn:aws:rds:${SOURCE_REGION}:123456789012:snapshot:${id}`,
        ageHours: 194,
        reason: 'expired' as const,
      };
    });
    let deleteCalls = 0;
    const rds = dependencies().rds;
    const throttlingFirstDelete = (region: string): RdsPort => {
      const port = rds(region);
      return {
        ...port,
        // The adapter's methods are its class's: named here, not spread.
        listSnapshots: (filter) => port.listSnapshots(filter),
        deleteSnapshot: async (ref) => {
          deleteCalls += 1;
          if (deleteCalls === 1) throw new ThrottlingError('DeleteDBSnapshot: throttled: Rate exceeded');
          await port.deleteSnapshot(ref);
        },
      };
    };
    const batch = () =>
      deleteBatch(
        { ...dependencies(), rds: throttlingFirstDelete, logger: new Logger({ logLevel: 'SILENT' }) },
        { runId: 'prune-throttled', runStartedAt: now.toISOString(), batch: 0, deletions },
      );

    // Act
    const first = await batch().then(
      () => undefined,
      (error: unknown) => error,
    );
    const retried = await batch();

    // Assess
    expect(first).toBeInstanceOf(ThrottlingError);
    expect(retried.deleted).toBe(4);
    expect(retried.outcome.outcomes.map((entry) => entry.status)).toEqual([
      'deleted',
      'deleted',
      'deleted',
      'deleted',
    ]);
    expect(
      retried.outcome.outcomes.filter(
        (entry) => entry.detail === 'already gone when the deletion was retried',
      ),
    ).toHaveLength(3);
    expect(snapshotCount()).toBe(4 * 2 + 4);
  });
});
