// A Multi-AZ DB cluster over moto_server, an emulator independent of the
// fakes the unit tests use: discovery reads its compute and storage, its
// snapshot's engine version comes back, the sandbox adapter restores the
// snapshot with them (and with no CreateDBInstance), and the sweeper finds
// the sandbox once it has expired and deletes it.
//
// moto creates no instances in a Multi-AZ DB cluster, so the sandbox never
// reports `available` here; that path is pinned by the adapter's unit tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsRdsAdapter } from '../../src/adapters/aws/rds.ts';
import { AwsSandboxAdapter } from '../../src/adapters/aws/sandbox.ts';
import { LocalReportStore } from '../../src/adapters/local/report-store.ts';
import { deploymentOf } from '../../src/domain/deployment.ts';
import { sandboxTags } from '../../src/domain/sandbox.ts';
import { invokeTask } from '../../src/runtime/task.ts';
import { sweepSandboxesTask } from '../../src/tasks/sweep-sandboxes.ts';
import { SOURCE_REGION, testConfig } from '../support/local-cloud.ts';
import { credentials, motoEndpoint, resetMoto } from './moto.ts';

const NOW = new Date('2026-11-20T06:00:00Z');
const SANDBOX_ID = 'rsbx-ledger-202611200600';
const clients: { destroy(): void }[] = [];
let stateDir: string;

function rdsClient(region: string): RDSClient {
  // maxAttempts 1: a failing call fails the test at once instead of retrying.
  const client = new RDSClient({ region, endpoint: motoEndpoint(), credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

function sandboxAdapter(region: string): AwsSandboxAdapter {
  const secrets = new SecretsManagerClient({ region, endpoint: motoEndpoint(), credentials, maxAttempts: 1 });
  clients.push(secrets);
  return new AwsSandboxAdapter(rdsClient(region), secrets, region, {
    network: { subnetGroup: 'default', securityGroupIds: [] },
  });
}

async function describeSandboxCluster() {
  const clusters = (await rdsClient(SOURCE_REGION).send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
  return clusters.find((cluster) => cluster.DBClusterIdentifier === SANDBOX_ID);
}

beforeAll(async () => {
  await resetMoto();
  stateDir = await mkdtemp(join(tmpdir(), 'restorable-multi-az-'));
  const rds = rdsClient(SOURCE_REGION);
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'ledger',
      Engine: 'postgres',
      EngineVersion: '16.3',
      DBClusterInstanceClass: 'db.m6gd.large',
      StorageType: 'io1',
      Iops: 3000,
      AllocatedStorage: 100,
      MasterUsername: 'ledger',
      MasterUserPassword: 'emulated-password',
      Tags: [{ Key: 'backup', Value: 'daily' }],
    }),
  );
  await rds.send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: 'ledger',
      DBClusterSnapshotIdentifier: 'restorable-ledger-2026-11-20',
    }),
  );
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await rm(stateDir, { recursive: true, force: true });
});

describe('a Multi-AZ DB cluster over moto_server', () => {
  it('is discovered as a cluster with its compute and storage, and its snapshot reports the engine version', async () => {
    // Act
    const port = new AwsRdsAdapter(rdsClient(SOURCE_REGION), SOURCE_REGION);
    const ledger = (await port.listDatabases()).find((database) => database.id === 'ledger');
    const snapshot = await port.describeSnapshot({ kind: 'cluster', id: 'restorable-ledger-2026-11-20' });

    // Assess
    expect(ledger).toMatchObject({
      kind: 'cluster',
      engine: 'postgres',
      multiAzCluster: { instanceClass: 'db.m6gd.large', storageType: 'io1', iops: 3000 },
    });
    expect(snapshot?.engineVersion).toBe('16.3');
  });

  it('is restored into a sandbox cluster with its compute, storage and engine version, and no instance of ours', async () => {
    // Act
    const sandbox = await sandboxAdapter(SOURCE_REGION).restoreSandbox({
      region: SOURCE_REGION,
      sandboxId: SANDBOX_ID,
      // moto finds the snapshot of RestoreDBClusterFromSnapshot by identifier
      // only; RDS takes either ("You can use either the name or the Amazon
      // Resource Name (ARN) to specify a DB cluster snapshot",
      // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html).
      snapshot: { kind: 'cluster', id: 'restorable-ledger-2026-11-20', arn: 'restorable-ledger-2026-11-20' },
      engine: 'postgres',
      engineVersion: '16.3',
      instanceClass: 'db.t4g.medium',
      multiAzCluster: { instanceClass: 'db.m6gd.large', storageType: 'io1', iops: 3000 },
      tags: sandboxTags({
        drillId: 'drill-ledger-20261120T060000Z',
        databaseId: 'ledger',
        expiresAt: new Date(NOW.getTime() + 60 * 60_000),
        deployment: deploymentOf(testConfig),
      }),
    });

    // Assess
    expect(sandbox).toMatchObject({
      kind: 'cluster',
      id: SANDBOX_ID,
      status: 'creating',
      engine: 'postgres',
    });
    expect(await describeSandboxCluster()).toMatchObject({
      Engine: 'postgres',
      EngineVersion: '16.3',
      DBClusterInstanceClass: 'db.m6gd.large',
      StorageType: 'io1',
      Iops: 3000,
    });
    const instances = await rdsClient(SOURCE_REGION).send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [SANDBOX_ID] }] }),
    );
    expect(instances.DBInstances ?? []).toEqual([]);
  });

  it('is found by the sweeper once expired, and deleted with its cluster', async () => {
    // Act
    const result = await invokeTask(
      sweepSandboxesTask,
      { executionName: 'sweep-multi-az' },
      {
        config: testConfig,
        sandboxes: sandboxAdapter,
        reports: new LocalReportStore(stateDir),
        clock: () => new Date(NOW.getTime() + 2 * 60 * 60_000),
        logger: new Logger({ logLevel: 'SILENT' }),
      },
    );

    // Assess
    expect(result.deleted).toEqual([expect.objectContaining({ region: SOURCE_REGION, id: SANDBOX_ID })]);
    expect(await describeSandboxCluster()).toBeUndefined();
  });
});
