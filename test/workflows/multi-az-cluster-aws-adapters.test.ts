// A Multi-AZ DB cluster (RDS for PostgreSQL in a DB cluster, not Aurora)
// through the AWS RDS adapter over the stateful fake of the RDS SDK: the real
// backup workflow takes and copies its cluster snapshots, then the drill's
// planning and restore steps ask the sandbox port for a restore with the
// cluster's compute and storage and the snapshot's engine version. The
// sandbox port records the request: what RDS does with it is pinned by the
// sandbox adapter's own tests.
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateDBClusterSnapshotCommand, CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { BackupRunSummary } from '../../src/domain/backup.ts';
import type { RestoreSandboxRequest, SandboxPort } from '../../src/ports/sandbox.ts';
import { invokeTask, type TaskDependencies } from '../../src/runtime/task.ts';
import { planDrillsTask } from '../../src/tasks/plan-drills.ts';
import { restoreSandboxTask } from '../../src/tasks/restore-sandbox.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import { type FakeRds, installFakeRds } from '../support/fake-rds-sdk.ts';
import { installFakeS3 } from '../support/fake-s3-sdk.ts';
import { COPY_REGION, SOURCE_REGION, TEST_CONFIG_YAML, testConfig } from '../support/local-cloud.ts';

const BUCKET = 'restorable-reports-test';
const NOW = new Date('2026-11-20T02:00:00Z');
const LEDGER_COMPUTE = { instanceClass: 'db.m6gd.large', storageType: 'io1', iops: 3000 };
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);

let fake: FakeRds;
let restores: RestoreSandboxRequest[];

function dependencies(config: Config): Omit<TaskDependencies, 'logger'> {
  return {
    config,
    rds: awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) }),
    reports: new S3ReportStore(new S3Client({ region: SOURCE_REGION }), BUCKET),
    sandboxes: (region) =>
      ({
        region,
        restoreSandbox: async (request: RestoreSandboxRequest) => {
          restores.push(request);
          return { ...request, id: request.sandboxId, kind: request.snapshot.kind, status: 'creating' };
        },
      }) as unknown as SandboxPort,
    regionalVerifiers: () => {
      throw new Error('these drills are verified in the stack region');
    },
    clock: () => new Date(NOW.getTime()),
  };
}

async function backUp(): Promise<BackupRunSummary> {
  const runner = new LocalWorkflowRunner({ dependencies: dependencies(testConfig), logLevel: 'SILENT' });
  return (await runner.run('backup', { databaseIds: [] }, 'backup-aws')) as BackupRunSummary;
}

/** Plans an on-demand drill of the ledger's copy, then runs its restore step. */
async function drillLedger(config: Config) {
  const deps = { ...dependencies(config), logger: new Logger({ logLevel: 'SILENT' }) };
  const plan = await invokeTask(
    planDrillsTask,
    { request: { databaseId: 'ledger' }, executionName: 'drill-ledger' },
    deps,
  );
  const [drill] = plan.drills;
  if (drill === undefined) throw new Error(`no drill planned: ${JSON.stringify(plan.skipped)}`);
  // The plan travels through the workflow's state as JSON.
  const outcome = await invokeTask(restoreSandboxTask, JSON.parse(JSON.stringify(drill)), deps);
  return { drill, outcome };
}

beforeEach(() => {
  rdsMock.reset();
  restores = [];
  fake = installFakeRds(rdsMock, { now: () => NOW });
  installFakeS3(s3Mock, { bucket: BUCKET });
  fake.seedCluster(SOURCE_REGION, {
    id: 'ledger',
    engine: 'postgres',
    engineVersion: '16.3',
    tags: { backup: 'daily' },
    members: ['ledger-instance-1', 'ledger-instance-2', 'ledger-instance-3'],
    multiAzCluster: { ...LEDGER_COMPUTE, allocatedStorage: 100 },
  });
});

afterAll(() => {
  rdsMock.restore();
  s3Mock.restore();
});

describe('a Multi-AZ DB cluster with the AWS adapters', () => {
  it('is backed up with cluster snapshots, copied, and not through its writer and readers', async () => {
    // Act
    const summary = await backUp();

    // Assess
    expect(summary.status).toBe('OK');
    expect(summary.databases.map(({ id, status }) => ({ id, status }))).toEqual([
      { id: 'ledger', status: 'OK' },
    ]);
    expect(rdsMock).toHaveReceivedCommandWith(CreateDBClusterSnapshotCommand, {
      DBClusterIdentifier: 'ledger',
    });
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBSnapshotCommand);
    expect(fake.snapshots(COPY_REGION, 'cluster')).toHaveLength(1);
  });

  it("is drilled from its copy with the cluster's instance class and storage and the snapshot's engine version", async () => {
    // Prepare
    await backUp();

    // Act
    const { drill, outcome } = await drillLedger(testConfig);

    // Assess
    expect(drill.database).toEqual({
      kind: 'cluster',
      id: 'ledger',
      engine: 'postgres',
      multiAzCluster: LEDGER_COMPUTE,
    });
    expect(restores).toEqual([
      expect.objectContaining({
        region: COPY_REGION,
        snapshot: expect.objectContaining({ kind: 'cluster', id: 'restorable-ledger-2026-11-20' }),
        engine: 'postgres',
        engineVersion: '16.3',
        multiAzCluster: LEDGER_COMPUTE,
      }),
    ]);
    // The drill report names the class the sandbox really runs on.
    expect(outcome.instanceClass).toBe('db.m6gd.large');
  });

  it('is drilled on the instance class the config names for Multi-AZ DB cluster sandboxes, with its own storage', async () => {
    // Prepare
    await backUp();
    const config = parseConfig(
      TEST_CONFIG_YAML.replace(
        '  ttlMinutes: 60',
        '  ttlMinutes: 60\n  multiAzClusterInstanceClass: db.c6gd.medium',
      ),
    );

    // Act
    const { outcome } = await drillLedger(config);

    // Assess
    expect(restores.map((request) => request.multiAzCluster)).toEqual([
      { instanceClass: 'db.c6gd.medium', storageType: 'io1', iops: 3000 },
    ]);
    expect(outcome.instanceClass).toBe('db.c6gd.medium');
  });
});
