import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  type DBClusterSnapshot,
  DBClusterSnapshotNotFoundFault,
  type DBSnapshot,
  DBSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsRdsAdapter, awsRdsPortProvider } from '../../../src/adapters/aws/rds.ts';
import { databaseTypeOf } from '../../../src/domain/database-type.ts';
import {
  AccessDeniedError,
  CopyLimitExceededError,
  DatabaseNotFoundError,
  EncryptionKeyError,
  InvalidRequestError,
  InvalidStateError,
  type RestorableError,
  SnapshotAlreadyExistsError,
  SnapshotNotFoundError,
  SnapshotQuotaExceededError,
  ThrottlingError,
} from '../../../src/domain/errors.ts';
import type { RdsPort, Snapshot } from '../../../src/ports/rds.ts';
import { type FakeRds, installFakeRds } from '../../support/fake-rds-sdk.ts';

const REGION = 'eu-west-1';
const SOURCE_REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-4333-8444-555555555555`;
const VAULT_ACCOUNT = '111122223333';
const TAKEN_AT = new Date('2025-03-01T02:00:00Z');
const ORIGINAL_TAKEN_AT = new Date('2025-02-28T02:00:00Z');

const rdsMock = mockClient(RDSClient);

/** Every input sent with a command, to pin that nothing else was sent. */
function inputsOf(command: Parameters<typeof rdsMock.commandCalls>[0]): object[] {
  return rdsMock.commandCalls(command).map((call) => call.args[0].input);
}

function adapter(region = REGION): RdsPort {
  return new AwsRdsAdapter(new RDSClient({ region }), region);
}

/** An error as the SDK raises it for an RDS error code: its `name` is what matters. */
function rdsError(name: string, message = `${name} raised by RDS`): RDSServiceException {
  return new RDSServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}

function dbSnapshot(overrides: Partial<DBSnapshot> = {}): DBSnapshot {
  return {
    DBSnapshotIdentifier: 'orders-2025-03-01',
    DBSnapshotArn: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:orders-2025-03-01`,
    DBInstanceIdentifier: 'orders',
    Engine: 'postgres',
    Status: 'available',
    SnapshotType: 'manual',
    SnapshotCreateTime: TAKEN_AT,
    Encrypted: true,
    KmsKeyId: KMS_KEY,
    PercentProgress: 100,
    TagList: [{ Key: 'restorable:plan', Value: 'daily' }],
    ...overrides,
  };
}

function clusterSnapshot(overrides: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: 'billing-2025-03-01',
    DBClusterSnapshotArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:billing-2025-03-01`,
    DBClusterIdentifier: 'billing',
    Engine: 'aurora-postgresql',
    Status: 'available',
    SnapshotType: 'manual',
    SnapshotCreateTime: TAKEN_AT,
    StorageEncrypted: true,
    KmsKeyId: KMS_KEY,
    PercentProgress: 100,
    TagList: [{ Key: 'restorable:plan', Value: 'hourly' }],
    ...overrides,
  };
}

beforeEach(() => {
  rdsMock.reset();
});

describe('AwsRdsAdapter.listDatabases', () => {
  it('maps standalone DB instances and Aurora clusters, with the tags of the describe output', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders',
          DBInstanceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`,
          Engine: 'postgres',
          EngineVersion: '16.4',
          DBInstanceStatus: 'available',
          MultiAZ: true,
          StorageEncrypted: true,
          BackupRetentionPeriod: 7,
          TagList: [{ Key: 'team', Value: 'payments' }],
        },
      ],
    });
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'billing',
          DBClusterArn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:billing`,
          Engine: 'aurora-postgresql',
          EngineVersion: '16.6',
          Status: 'backing-up',
          MultiAZ: false,
          StorageEncrypted: false,
          BackupRetentionPeriod: 0,
          TagList: [{ Key: 'team', Value: 'finance' }],
        },
      ],
    });

    // Act
    const databases = await adapter().listDatabases();

    // Assess
    expect(databases).toEqual([
      {
        kind: 'instance',
        id: 'orders',
        arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`,
        engine: 'postgres',
        engineVersion: '16.4',
        status: 'available',
        multiAz: true,
        storageEncrypted: true,
        backupRetentionDays: 7,
        tags: { team: 'payments' },
      },
      {
        kind: 'cluster',
        id: 'billing',
        arn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:billing`,
        engine: 'aurora-postgresql',
        engineVersion: '16.6',
        status: 'backing-up',
        multiAz: false,
        storageEncrypted: false,
        backupRetentionDays: 0,
        tags: { team: 'finance' },
      },
    ]);
    expect(rdsMock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
  });

  it('leaves out the DB instances that are members of an Aurora cluster, the cluster being the protected unit', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'billing-writer',
          DBClusterIdentifier: 'billing',
          Engine: 'aurora-postgresql',
        },
        { DBInstanceIdentifier: 'orders', Engine: 'postgres' },
      ],
    });
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: 'billing', Engine: 'aurora-postgresql' }],
    });

    // Act
    const databases = await adapter().listDatabases();

    // Assess
    expect(databases.map(({ kind, id }) => ({ kind, id }))).toEqual([
      { kind: 'instance', id: 'orders' },
      { kind: 'cluster', id: 'billing' },
    ]);
  });

  it('tells the three kinds apart: a DB instance, an Aurora cluster, and a Multi-AZ DB cluster with its compute and storage', async () => {
    // Prepare: a Multi-AZ DB cluster is an RDS for PostgreSQL or MySQL
    // cluster; DescribeDBInstances lists its writer and readers as members.
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        { DBInstanceIdentifier: 'orders', Engine: 'postgres', EngineVersion: '16.4' },
        { DBInstanceIdentifier: 'ledger-instance-1', DBClusterIdentifier: 'ledger', Engine: 'postgres' },
        { DBInstanceIdentifier: 'ledger-instance-2', DBClusterIdentifier: 'ledger', Engine: 'postgres' },
        { DBInstanceIdentifier: 'ledger-instance-3', DBClusterIdentifier: 'ledger', Engine: 'postgres' },
      ],
    });
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        { DBClusterIdentifier: 'billing', Engine: 'aurora-postgresql', EngineVersion: '16.6' },
        {
          DBClusterIdentifier: 'ledger',
          Engine: 'postgres',
          EngineVersion: '16.3',
          MultiAZ: true,
          DBClusterInstanceClass: 'db.m6gd.large',
          StorageType: 'io1',
          Iops: 3000,
          AllocatedStorage: 100,
        },
      ],
    });

    // Act
    const databases = await adapter().listDatabases();

    // Assess
    const kinds = databases.map(({ kind, id, engine, multiAzCluster }) => ({
      kind,
      id,
      engine,
      multiAzCluster,
    }));
    expect(kinds).toEqual([
      { kind: 'instance', id: 'orders', engine: 'postgres', multiAzCluster: undefined },
      { kind: 'cluster', id: 'billing', engine: 'aurora-postgresql', multiAzCluster: undefined },
      {
        kind: 'cluster',
        id: 'ledger',
        engine: 'postgres',
        multiAzCluster: { instanceClass: 'db.m6gd.large', storageType: 'io1', iops: 3000 },
      },
    ]);
    expect(databases.map(databaseTypeOf)).toEqual(['instance', 'aurora-cluster', 'multi-az-cluster']);
    expect(databases.find((database) => database.id === 'billing')).not.toHaveProperty('multiAzCluster');
  });

  it('reports a Multi-AZ DB cluster whose instance class RDS does not give without compute settings, rather than inventing any', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: 'ledger', Engine: 'mysql', StorageType: 'gp3' }],
    });

    // Act
    const [ledger] = await adapter().listDatabases();

    // Assess
    expect(ledger).toMatchObject({ kind: 'cluster', id: 'ledger', engine: 'mysql' });
    expect(ledger).not.toHaveProperty('multiAzCluster');
  });

  it('leaves out the Neptune and DocumentDB databases that the RDS API also describes', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: 'orders', Engine: 'mysql' }],
    });
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        { DBClusterIdentifier: 'graph', Engine: 'neptune' },
        { DBClusterIdentifier: 'documents', Engine: 'docdb' },
        { DBClusterIdentifier: 'billing', Engine: 'aurora-mysql' },
      ],
    });

    // Act
    const databases = await adapter().listDatabases();

    // Assess
    expect(databases.map((database) => database.id)).toEqual(['orders', 'billing']);
  });

  it('reads every page of instances and of clusters, passing back each Marker', async () => {
    // Prepare
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({
        DBInstances: [{ DBInstanceIdentifier: 'a', Engine: 'postgres' }],
        Marker: 'instances-2',
      })
      .resolvesOnce({ DBInstances: [{ DBInstanceIdentifier: 'b', Engine: 'postgres' }] });
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolvesOnce({
        DBClusters: [{ DBClusterIdentifier: 'c', Engine: 'aurora-mysql' }],
        Marker: 'clusters-2',
      })
      .resolvesOnce({ DBClusters: [{ DBClusterIdentifier: 'd', Engine: 'aurora-mysql' }] });

    // Act
    const databases = await adapter().listDatabases();

    // Assess
    expect(databases.map((database) => database.id)).toEqual(['a', 'b', 'c', 'd']);
    const instancePages = rdsMock.commandCalls(DescribeDBInstancesCommand).map((call) => call.args[0].input);
    expect(instancePages).toEqual([
      { MaxRecords: 100, Marker: undefined },
      { MaxRecords: 100, Marker: 'instances-2' },
    ]);
    const clusterPages = rdsMock.commandCalls(DescribeDBClustersCommand).map((call) => call.args[0].input);
    expect(clusterPages).toEqual([
      { MaxRecords: 100, Marker: undefined },
      { MaxRecords: 100, Marker: 'clusters-2' },
    ]);
    expect(rdsMock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
  });

  it('reports a throttled describe as a ThrottlingError', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).rejects(rdsError('Throttling', 'Rate exceeded'));
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

    // Act
    const listing = adapter().listDatabases();

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ThrottlingError);
  });
});

describe('AwsRdsAdapter.createSnapshot', () => {
  it('takes a DB snapshot of a DB instance with the tags, and maps the snapshot RDS returns', async () => {
    // Prepare
    rdsMock.on(CreateDBSnapshotCommand).resolves({
      DBSnapshot: dbSnapshot({ Status: 'creating', SnapshotCreateTime: undefined, PercentProgress: 0 }),
    });

    // Act
    const snapshot = await adapter().createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'orders-2025-03-01',
      tags: { 'restorable:plan': 'daily' },
    });

    // Assess
    const expectedInput = {
      DBInstanceIdentifier: 'orders',
      DBSnapshotIdentifier: 'orders-2025-03-01',
      Tags: [{ Key: 'restorable:plan', Value: 'daily' }],
    };
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(CreateDBSnapshotCommand, expectedInput);
    expect(inputsOf(CreateDBSnapshotCommand)).toEqual([expectedInput]);
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBClusterSnapshotCommand);
    expect(snapshot).toEqual({
      id: 'orders-2025-03-01',
      arn: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:orders-2025-03-01`,
      region: REGION,
      database: { kind: 'instance', id: 'orders' },
      engine: 'postgres',
      status: 'creating',
      type: 'manual',
      createdAt: undefined,
      originalCreatedAt: undefined,
      encrypted: true,
      kmsKeyId: KMS_KEY,
      sourceSnapshotArn: undefined,
      percentProgress: 0,
      tags: { 'restorable:plan': 'daily' },
    } satisfies Snapshot);
  });

  it('takes a DB cluster snapshot of an Aurora cluster with the tags, and maps the snapshot RDS returns', async () => {
    // Prepare
    rdsMock.on(CreateDBClusterSnapshotCommand).resolves({
      DBClusterSnapshot: clusterSnapshot({ Status: 'creating', PercentProgress: undefined }),
    });

    // Act
    const snapshot = await adapter().createSnapshot({
      database: { kind: 'cluster', id: 'billing' },
      snapshotId: 'billing-2025-03-01',
      tags: { 'restorable:plan': 'hourly' },
    });

    // Assess
    const expectedInput = {
      DBClusterIdentifier: 'billing',
      DBClusterSnapshotIdentifier: 'billing-2025-03-01',
      Tags: [{ Key: 'restorable:plan', Value: 'hourly' }],
    };
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(CreateDBClusterSnapshotCommand, expectedInput);
    expect(inputsOf(CreateDBClusterSnapshotCommand)).toEqual([expectedInput]);
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBSnapshotCommand);
    expect(snapshot).toEqual({
      id: 'billing-2025-03-01',
      arn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:billing-2025-03-01`,
      region: REGION,
      database: { kind: 'cluster', id: 'billing' },
      engine: 'aurora-postgresql',
      status: 'creating',
      type: 'manual',
      createdAt: TAKEN_AT,
      originalCreatedAt: TAKEN_AT,
      encrypted: true,
      kmsKeyId: KMS_KEY,
      sourceSnapshotArn: undefined,
      percentProgress: 0,
      tags: { 'restorable:plan': 'hourly' },
    } satisfies Snapshot);
  });
});

describe('AwsRdsAdapter.describeSnapshot', () => {
  it('describes a DB snapshot by identifier and maps a cross-region copy', async () => {
    // Prepare
    const sourceArn = `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:snapshot:orders-2025-02-28`;
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        dbSnapshot({
          DBSnapshotIdentifier: 'orders-2025-02-28-dr',
          Status: 'Copying',
          OriginalSnapshotCreateTime: ORIGINAL_TAKEN_AT,
          SourceDBSnapshotIdentifier: sourceArn,
          PercentProgress: 40,
        }),
      ],
    });

    // Act
    const snapshot = await adapter().describeSnapshot({ kind: 'instance', id: 'orders-2025-02-28-dr' });

    // Assess
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DescribeDBSnapshotsCommand, {
      DBSnapshotIdentifier: 'orders-2025-02-28-dr',
    });
    expect(snapshot).toMatchObject({
      id: 'orders-2025-02-28-dr',
      status: 'copying',
      createdAt: TAKEN_AT,
      originalCreatedAt: ORIGINAL_TAKEN_AT,
      sourceSnapshotArn: sourceArn,
      percentProgress: 40,
    });
  });

  it('describes a DB cluster snapshot by identifier and maps its source ARN', async () => {
    // Prepare
    const sourceArn = `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:cluster-snapshot:billing-2025-02-28`;
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [
        clusterSnapshot({ SourceDBClusterSnapshotArn: sourceArn, StorageEncrypted: false }),
      ],
    });

    // Act
    const snapshot = await adapter().describeSnapshot({ kind: 'cluster', id: 'billing-2025-03-01' });

    // Assess
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DescribeDBClusterSnapshotsCommand, {
      DBClusterSnapshotIdentifier: 'billing-2025-03-01',
    });
    expect(snapshot).toMatchObject({
      id: 'billing-2025-03-01',
      database: { kind: 'cluster', id: 'billing' },
      encrypted: false,
      sourceSnapshotArn: sourceArn,
      originalCreatedAt: TAKEN_AT,
    });
  });

  it.each([
    ['DB snapshot', 'instance' as const],
    ['DB cluster snapshot', 'cluster' as const],
  ])('reports the engine version a %s was taken with', async (_, kind) => {
    // Prepare
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot({ EngineVersion: '15.7' })] });
    rdsMock
      .on(DescribeDBClusterSnapshotsCommand)
      .resolves({ DBClusterSnapshots: [clusterSnapshot({ Engine: 'postgres', EngineVersion: '16.3' })] });

    // Act
    const snapshot = await adapter().describeSnapshot({ kind, id: 'any' });

    // Assess
    expect(snapshot?.engineVersion).toBe(kind === 'instance' ? '15.7' : '16.3');
  });

  it('leaves the engine version out when RDS does not give one', async () => {
    // Prepare
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [clusterSnapshot()] });

    // Act
    const snapshot = await adapter().describeSnapshot({ kind: 'cluster', id: 'billing-2025-03-01' });

    // Assess
    expect(snapshot).not.toHaveProperty('engineVersion');
  });

  it('asks for the automated type when the identifier is that of an automated snapshot', async () => {
    // Prepare
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        dbSnapshot({ DBSnapshotIdentifier: 'rds:orders-2025-03-01-02-00', SnapshotType: 'automated' }),
      ],
    });

    // Act
    const snapshot = await adapter().describeSnapshot({
      kind: 'instance',
      id: 'rds:orders-2025-03-01-02-00',
    });

    // Assess
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, {
      DBSnapshotIdentifier: 'rds:orders-2025-03-01-02-00',
      SnapshotType: 'automated',
    });
    expect(snapshot?.type).toBe('automated');
  });

  it('does not take a same-account snapshot identifier for a source ARN', async () => {
    // Prepare
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [dbSnapshot({ SourceDBSnapshotIdentifier: 'orders-2025-02-28' })],
    });

    // Act
    const snapshot = await adapter().describeSnapshot({ kind: 'instance', id: 'orders-2025-03-01' });

    // Assess
    expect(snapshot?.sourceSnapshotArn).toBeUndefined();
  });

  it('reports a status the port does not know as pending', async () => {
    // Prepare
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot({ Status: 'upgrading' })] });

    // Act
    const snapshot = await adapter().describeSnapshot({ kind: 'instance', id: 'orders-2025-03-01' });

    // Assess
    expect(snapshot?.status).toBe('pending');
  });

  it.each([
    { kind: 'instance' as const, command: DescribeDBSnapshotsCommand, fault: DBSnapshotNotFoundFault },
    {
      kind: 'cluster' as const,
      command: DescribeDBClusterSnapshotsCommand,
      fault: DBClusterSnapshotNotFoundFault,
    },
  ])('returns undefined when RDS has no such $kind snapshot', async ({ kind, command, fault }) => {
    // Prepare
    rdsMock.on(command).rejects(new fault({ message: 'not found', $metadata: { httpStatusCode: 404 } }));

    // Act
    const snapshot = await adapter().describeSnapshot({ kind, id: 'gone' });

    // Assess
    expect(snapshot).toBeUndefined();
  });

  it('returns undefined when RDS answers with no snapshot', async () => {
    // Prepare
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });

    // Act
    const snapshot = await adapter().describeSnapshot({ kind: 'instance', id: 'gone' });

    // Assess
    expect(snapshot).toBeUndefined();
  });
});

describe('AwsRdsAdapter.listSnapshots', () => {
  it('lists the snapshots of both kinds without a filter, with the tags of the describe output', async () => {
    // Prepare
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [dbSnapshot()] });
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [clusterSnapshot()] });

    // Act
    const snapshots = await adapter().listSnapshots();

    // Assess
    expect(snapshots.map(({ id, database, tags }) => ({ id, database, tags }))).toEqual([
      {
        id: 'orders-2025-03-01',
        database: { kind: 'instance', id: 'orders' },
        tags: { 'restorable:plan': 'daily' },
      },
      {
        id: 'billing-2025-03-01',
        database: { kind: 'cluster', id: 'billing' },
        tags: { 'restorable:plan': 'hourly' },
      },
    ]);
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, {
      DBInstanceIdentifier: undefined,
      SnapshotType: undefined,
      MaxRecords: 100,
    });
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBClusterSnapshotsCommand, {
      DBClusterIdentifier: undefined,
      SnapshotType: undefined,
      MaxRecords: 100,
    });
    expect(rdsMock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
  });

  it('lists the snapshots shared with the account as shared, whatever type the response gives them', async () => {
    // Prepare
    const owner = '999988887777';
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        dbSnapshot({
          DBSnapshotArn: `arn:aws:rds:${REGION}:${owner}:snapshot:orders-intermediate`,
          SnapshotType: 'manual',
        }),
      ],
    });
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [clusterSnapshot({ SnapshotType: 'shared' })],
    });

    // Act
    const snapshots = await adapter().listSnapshots({ type: 'shared' });

    // Assess
    expect(snapshots.map(({ type, arn }) => ({ type, arn }))).toEqual([
      { type: 'shared', arn: `arn:aws:rds:${REGION}:${owner}:snapshot:orders-intermediate` },
      { type: 'shared', arn: clusterSnapshot().DBClusterSnapshotArn },
    ]);
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' });
    expect(rdsMock).toHaveReceivedCommandWith(DescribeDBClusterSnapshotsCommand, { SnapshotType: 'shared' });
  });

  it('lists only the snapshots of the DB instance and type asked for', async () => {
    // Prepare
    rdsMock
      .on(DescribeDBSnapshotsCommand)
      .resolves({ DBSnapshots: [dbSnapshot({ SnapshotType: 'automated' })] });

    // Act
    const snapshots = await adapter().listSnapshots({
      database: { kind: 'instance', id: 'orders' },
      type: 'automated',
    });

    // Assess
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DescribeDBSnapshotsCommand, {
      DBInstanceIdentifier: 'orders',
      SnapshotType: 'automated',
      MaxRecords: 100,
    });
    expect(rdsMock).not.toHaveReceivedCommand(DescribeDBClusterSnapshotsCommand);
    expect(snapshots).toHaveLength(1);
  });

  it('lists only the snapshots of the Aurora cluster asked for', async () => {
    // Prepare
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [clusterSnapshot()] });

    // Act
    await adapter().listSnapshots({ database: { kind: 'cluster', id: 'billing' } });

    // Assess
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DescribeDBClusterSnapshotsCommand, {
      DBClusterIdentifier: 'billing',
      MaxRecords: 100,
    });
    expect(rdsMock).not.toHaveReceivedCommand(DescribeDBSnapshotsCommand);
  });

  it('lists only cluster snapshots when the filter asks for the cluster kind', async () => {
    // Prepare
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [clusterSnapshot()] });

    // Act
    await adapter().listSnapshots({ kind: 'cluster', type: 'manual' });

    // Assess
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DescribeDBClusterSnapshotsCommand, {
      SnapshotType: 'manual',
      MaxRecords: 100,
    });
    expect(rdsMock).not.toHaveReceivedCommand(DescribeDBSnapshotsCommand);
  });

  it('lists nothing, without calling RDS, when the kind and the database of the filter disagree', async () => {
    // Act
    const snapshots = await adapter().listSnapshots({
      kind: 'instance',
      database: { kind: 'cluster', id: 'billing' },
    });

    // Assess
    expect(snapshots).toEqual([]);
    expect(rdsMock).not.toHaveReceivedAnyCommand();
  });

  it('reads every page of both kinds, passing back each Marker', async () => {
    // Prepare
    rdsMock
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [dbSnapshot({ DBSnapshotIdentifier: 'a' })], Marker: 'snapshots-2' })
      .resolvesOnce({ DBSnapshots: [dbSnapshot({ DBSnapshotIdentifier: 'b' })] });
    rdsMock
      .on(DescribeDBClusterSnapshotsCommand)
      .resolvesOnce({
        DBClusterSnapshots: [clusterSnapshot({ DBClusterSnapshotIdentifier: 'c' })],
        Marker: 'cluster-snapshots-2',
      })
      .resolvesOnce({ DBClusterSnapshots: [clusterSnapshot({ DBClusterSnapshotIdentifier: 'd' })] });

    // Act
    const snapshots = await adapter().listSnapshots();

    // Assess
    expect(snapshots.map((snapshot) => snapshot.id)).toEqual(['a', 'b', 'c', 'd']);
    const markers = (calls: Array<{ args: [{ input: { Marker?: string } }] }>) =>
      calls.map((call) => call.args[0].input.Marker);
    expect(markers(rdsMock.commandCalls(DescribeDBSnapshotsCommand))).toEqual([undefined, 'snapshots-2']);
    expect(markers(rdsMock.commandCalls(DescribeDBClusterSnapshotsCommand))).toEqual([
      undefined,
      'cluster-snapshots-2',
    ]);
    expect(rdsMock).not.toHaveReceivedCommand(ListTagsForResourceCommand);
  });
});

describe('AwsRdsAdapter.copySnapshot', () => {
  it('copies a DB snapshot into its own region from the source ARN, re-encrypted, tagged with the request’s tags alone (CopyTags not sent)', async () => {
    // Prepare
    const sourceArn = `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:snapshot:orders-2025-03-01`;
    rdsMock.on(CopyDBSnapshotCommand).resolves({
      DBSnapshot: dbSnapshot({
        DBSnapshotIdentifier: 'orders-2025-03-01-dr',
        Status: 'pending',
        SourceDBSnapshotIdentifier: sourceArn,
        SourceRegion: SOURCE_REGION,
        OriginalSnapshotCreateTime: ORIGINAL_TAKEN_AT,
      }),
    });

    // Act
    const copy = await adapter().copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: sourceArn,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'orders-2025-03-01-dr',
      sourceEncrypted: true,
      kmsKeyId: KMS_KEY,
      tags: { 'restorable:copy-of': sourceArn },
    });

    // Assess
    const expectedInput = {
      SourceDBSnapshotIdentifier: sourceArn,
      TargetDBSnapshotIdentifier: 'orders-2025-03-01-dr',
      KmsKeyId: KMS_KEY,
      SourceRegion: SOURCE_REGION,
      Tags: [{ Key: 'restorable:copy-of', Value: sourceArn }],
    };
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(CopyDBSnapshotCommand, expectedInput);
    expect(inputsOf(CopyDBSnapshotCommand)).toEqual([expectedInput]);
    expect(rdsMock).not.toHaveReceivedCommand(CopyDBClusterSnapshotCommand);
    expect(copy).toMatchObject({
      id: 'orders-2025-03-01-dr',
      region: REGION,
      status: 'pending',
      sourceSnapshotArn: sourceArn,
      originalCreatedAt: ORIGINAL_TAKEN_AT,
    });
  });

  it('copies a DB cluster snapshot into its own region from the source ARN, re-encrypted, tagged with the request’s tags alone (CopyTags not sent)', async () => {
    // Prepare
    const sourceArn = `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:cluster-snapshot:billing-2025-03-01`;
    rdsMock.on(CopyDBClusterSnapshotCommand).resolves({
      DBClusterSnapshot: clusterSnapshot({
        DBClusterSnapshotIdentifier: 'billing-2025-03-01-dr',
        Status: 'copying',
        SourceDBClusterSnapshotArn: sourceArn,
      }),
    });

    // Act
    const copy = await adapter().copySnapshot({
      kind: 'cluster',
      sourceSnapshotArn: sourceArn,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'billing-2025-03-01-dr',
      sourceEncrypted: true,
      kmsKeyId: KMS_KEY,
      tags: { 'restorable:copy-of': sourceArn },
    });

    // Assess
    const expectedInput = {
      SourceDBClusterSnapshotIdentifier: sourceArn,
      TargetDBClusterSnapshotIdentifier: 'billing-2025-03-01-dr',
      KmsKeyId: KMS_KEY,
      SourceRegion: SOURCE_REGION,
      Tags: [{ Key: 'restorable:copy-of', Value: sourceArn }],
    };
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(CopyDBClusterSnapshotCommand, expectedInput);
    expect(inputsOf(CopyDBClusterSnapshotCommand)).toEqual([expectedInput]);
    expect(rdsMock).not.toHaveReceivedCommand(CopyDBSnapshotCommand);
    expect(copy).toMatchObject({
      id: 'billing-2025-03-01-dr',
      region: REGION,
      status: 'copying',
      sourceSnapshotArn: sourceArn,
    });
  });

  it('sends the copy through the client of the destination region', async () => {
    // Prepare
    const clientFactory = vi.fn((region: string) => new RDSClient({ region }));
    const port = awsRdsPortProvider({ clientFactory })('ap-southeast-2');
    rdsMock.on(CopyDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot() });

    // Act
    await port.copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:snapshot:orders-2025-03-01`,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'orders-2025-03-01-dr',
      sourceEncrypted: true,
      kmsKeyId: KMS_KEY,
      tags: {},
    });

    // Assess
    const client = rdsMock.send.getCall(0).thisValue as RDSClient;
    expect(await client.config.region()).toBe('ap-southeast-2');
    expect(clientFactory).toHaveBeenCalledExactlyOnceWith('ap-southeast-2');
  });

  it('reports the limit of concurrent cross-region copies, which RDS words as a snapshot quota, as a CopyLimitExceededError', async () => {
    // Prepare
    rdsMock
      .on(CopyDBSnapshotCommand)
      .rejects(rdsError('SnapshotQuotaExceededFault', 'Cannot copy more than 5 snapshots across regions'));

    // Act
    const copying = adapter().copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:snapshot:orders-2025-03-01`,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'orders-2025-03-01-dr',
      sourceEncrypted: true,
      kmsKeyId: KMS_KEY,
      tags: {},
    });

    // Assess
    await expect(copying).rejects.toBeInstanceOf(CopyLimitExceededError);
  });

  it('reports the manual snapshot quota met by a copy as a SnapshotQuotaExceededError', async () => {
    // Prepare
    rdsMock
      .on(CopyDBClusterSnapshotCommand)
      .rejects(rdsError('SnapshotQuotaExceededFault', 'Cannot create more than 100 manual snapshots'));

    // Act
    const copying = adapter().copySnapshot({
      kind: 'cluster',
      sourceSnapshotArn: `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:cluster-snapshot:billing-2025-03-01`,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'billing-2025-03-01-dr',
      sourceEncrypted: true,
      kmsKeyId: KMS_KEY,
      tags: {},
    });

    // Assess
    await expect(copying).rejects.toBeInstanceOf(SnapshotQuotaExceededError);
  });

  it('names the source snapshot when the snapshot to copy does not exist', async () => {
    // Prepare
    const sourceArn = `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:snapshot:gone`;
    rdsMock.on(CopyDBSnapshotCommand).rejects(rdsError('DBSnapshotNotFoundFault'));

    // Act
    const copying = adapter().copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: sourceArn,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'gone-dr',
      sourceEncrypted: true,
      kmsKeyId: KMS_KEY,
      tags: {},
    });

    // Assess
    await expect(copying).rejects.toMatchObject({ name: 'SnapshotNotFoundError', snapshotId: sourceArn });
  });
});

describe('AwsRdsAdapter.deleteSnapshot', () => {
  it('deletes a DB snapshot by identifier', async () => {
    // Prepare
    rdsMock.on(DeleteDBSnapshotCommand).resolves({ DBSnapshot: dbSnapshot({ Status: 'deleted' }) });

    // Act
    await adapter().deleteSnapshot({ kind: 'instance', id: 'orders-2025-03-01' });

    // Assess
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DeleteDBSnapshotCommand, {
      DBSnapshotIdentifier: 'orders-2025-03-01',
    });
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBClusterSnapshotCommand);
  });

  it('deletes a DB cluster snapshot by identifier', async () => {
    // Prepare
    rdsMock.on(DeleteDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: clusterSnapshot() });

    // Act
    await adapter().deleteSnapshot({ kind: 'cluster', id: 'billing-2025-03-01' });

    // Assess
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DeleteDBClusterSnapshotCommand, {
      DBClusterSnapshotIdentifier: 'billing-2025-03-01',
    });
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBSnapshotCommand);
  });
});

describe('AwsRdsAdapter.describeSnapshotQuotas', () => {
  it('reports the ManualSnapshots and ManualClusterSnapshots account quotas by kind, and no other quota', async () => {
    // Prepare
    rdsMock.on(DescribeAccountAttributesCommand).resolves({
      AccountQuotas: [
        { AccountQuotaName: 'DBInstances', Used: 12, Max: 40 },
        { AccountQuotaName: 'ManualSnapshots', Used: 87, Max: 100 },
        { AccountQuotaName: 'ManualClusterSnapshots', Used: 3, Max: 250 },
        { AccountQuotaName: 'AllocatedStorage', Used: 900, Max: 100_000 },
      ],
    });

    // Act
    const quotas = await adapter().describeSnapshotQuotas();

    // Assess
    expect(quotas).toEqual([
      { kind: 'instance', used: 87, max: 100 },
      { kind: 'cluster', used: 3, max: 250 },
    ]);
    expect(rdsMock).toHaveReceivedCommandExactlyOnceWith(DescribeAccountAttributesCommand, {});
  });

  it('leaves out a snapshot quota that RDS lists without its usage or its maximum, which is then unknown', async () => {
    // Prepare
    rdsMock.on(DescribeAccountAttributesCommand).resolves({
      AccountQuotas: [
        { AccountQuotaName: 'ManualSnapshots', Max: 100 },
        { AccountQuotaName: 'ManualClusterSnapshots', Used: 0, Max: 100 },
      ],
    });

    // Act
    const quotas = await adapter().describeSnapshotQuotas();

    // Assess
    expect(quotas).toEqual([{ kind: 'cluster', used: 0, max: 100 }]);
  });

  it('translates throttling and a missing permission, and rethrows what it does not know', async () => {
    // Prepare
    rdsMock
      .on(DescribeAccountAttributesCommand)
      .rejectsOnce(rdsError('Throttling'))
      .rejectsOnce(rdsError('AccessDenied'))
      .rejectsOnce(rdsError('InternalFailure'));

    // Act
    const throttled = adapter().describeSnapshotQuotas();
    await expect(throttled).rejects.toBeInstanceOf(ThrottlingError);
    const denied = adapter().describeSnapshotQuotas();
    await expect(denied).rejects.toBeInstanceOf(AccessDeniedError);
    const unknown = await adapter()
      .describeSnapshotQuotas()
      .catch((error: unknown) => error);

    // Assess
    expect(unknown).toBeInstanceOf(RDSServiceException);
    expect((unknown as Error).name).toBe('InternalFailure');
  });
});

describe('AwsRdsAdapter error translation', () => {
  const createInstanceSnapshot = (port: RdsPort) =>
    port.createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'orders-snap',
      tags: {},
    });
  const createClusterSnapshot = (port: RdsPort) =>
    port.createSnapshot({
      database: { kind: 'cluster', id: 'billing' },
      snapshotId: 'billing-snap',
      tags: {},
    });
  const copyInstanceSnapshot = (port: RdsPort) =>
    port.copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: `arn:aws:rds:${SOURCE_REGION}:${ACCOUNT}:snapshot:orders-snap`,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: 'orders-snap-dr',
      sourceEncrypted: true,
      kmsKeyId: KMS_KEY,
      tags: {},
    });
  const deleteInstanceSnapshot = (port: RdsPort) =>
    port.deleteSnapshot({ kind: 'instance', id: 'orders-snap' });
  const deleteClusterSnapshot = (port: RdsPort) =>
    port.deleteSnapshot({ kind: 'cluster', id: 'billing-snap' });
  const shareInstanceSnapshot = (port: RdsPort) =>
    port.shareSnapshot({ kind: 'instance', id: 'orders-snap' }, VAULT_ACCOUNT);
  const shareClusterSnapshot = (port: RdsPort) =>
    port.shareSnapshot({ kind: 'cluster', id: 'billing-snap' }, VAULT_ACCOUNT);

  type Case = {
    sdkName: string;
    act: (port: RdsPort) => Promise<unknown>;
    expected: abstract new (...args: never[]) => RestorableError;
    operation: string;
    resource: string;
  };

  const cases: Case[] = [
    ...['InvalidParameterCombination', 'InvalidParameterCombinationException'].map(
      (sdkName): Case => ({
        sdkName,
        act: copyInstanceSnapshot,
        expected: InvalidRequestError,
        operation: 'CopyDBSnapshot',
        resource: 'orders-snap-dr',
      }),
    ),
    {
      sdkName: 'DBSnapshotAlreadyExistsFault',
      act: createInstanceSnapshot,
      expected: SnapshotAlreadyExistsError,
      operation: 'CreateDBSnapshot',
      resource: 'orders-snap',
    },
    {
      sdkName: 'DBClusterSnapshotAlreadyExistsFault',
      act: createClusterSnapshot,
      expected: SnapshotAlreadyExistsError,
      operation: 'CreateDBClusterSnapshot',
      resource: 'billing-snap',
    },
    {
      sdkName: 'SnapshotQuotaExceededFault',
      act: createInstanceSnapshot,
      expected: SnapshotQuotaExceededError,
      operation: 'CreateDBSnapshot',
      resource: 'orders-snap',
    },
    {
      sdkName: 'InvalidDBInstanceStateFault',
      act: createInstanceSnapshot,
      expected: InvalidStateError,
      operation: 'CreateDBSnapshot',
      resource: 'orders',
    },
    {
      sdkName: 'InvalidDBClusterStateFault',
      act: createClusterSnapshot,
      expected: InvalidStateError,
      operation: 'CreateDBClusterSnapshot',
      resource: 'billing',
    },
    {
      sdkName: 'InvalidDBSnapshotStateFault',
      act: deleteInstanceSnapshot,
      expected: InvalidStateError,
      operation: 'DeleteDBSnapshot',
      resource: 'orders-snap',
    },
    {
      sdkName: 'InvalidDBClusterSnapshotStateFault',
      act: deleteClusterSnapshot,
      expected: InvalidStateError,
      operation: 'DeleteDBClusterSnapshot',
      resource: 'billing-snap',
    },
    ...['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException'].map(
      (sdkName): Case => ({
        sdkName,
        act: createInstanceSnapshot,
        expected: ThrottlingError,
        operation: 'CreateDBSnapshot',
        resource: 'orders-snap',
      }),
    ),
    {
      sdkName: 'DBInstanceNotFoundFault',
      act: createInstanceSnapshot,
      expected: DatabaseNotFoundError,
      operation: 'CreateDBSnapshot',
      resource: 'orders',
    },
    {
      sdkName: 'DBClusterNotFoundFault',
      act: createClusterSnapshot,
      expected: DatabaseNotFoundError,
      operation: 'CreateDBClusterSnapshot',
      resource: 'billing',
    },
    {
      sdkName: 'DBSnapshotNotFoundFault',
      act: deleteInstanceSnapshot,
      expected: SnapshotNotFoundError,
      operation: 'DeleteDBSnapshot',
      resource: 'orders-snap',
    },
    {
      sdkName: 'DBClusterSnapshotNotFoundFault',
      act: deleteClusterSnapshot,
      expected: SnapshotNotFoundError,
      operation: 'DeleteDBClusterSnapshot',
      resource: 'billing-snap',
    },
    {
      sdkName: 'KMSKeyNotAccessibleFault',
      act: copyInstanceSnapshot,
      expected: EncryptionKeyError,
      operation: 'CopyDBSnapshot',
      resource: 'orders-snap-dr',
    },
    // The wire error codes, in case an error is named after them rather than
    // after the SDK's exception class.
    {
      sdkName: 'DBSnapshotAlreadyExists',
      act: createInstanceSnapshot,
      expected: SnapshotAlreadyExistsError,
      operation: 'CreateDBSnapshot',
      resource: 'orders-snap',
    },
    {
      sdkName: 'SnapshotQuotaExceeded',
      act: createInstanceSnapshot,
      expected: SnapshotQuotaExceededError,
      operation: 'CreateDBSnapshot',
      resource: 'orders-snap',
    },
    {
      sdkName: 'InvalidDBInstanceState',
      act: createInstanceSnapshot,
      expected: InvalidStateError,
      operation: 'CreateDBSnapshot',
      resource: 'orders',
    },
    {
      sdkName: 'InvalidDBSnapshotState',
      act: deleteInstanceSnapshot,
      expected: InvalidStateError,
      operation: 'DeleteDBSnapshot',
      resource: 'orders-snap',
    },
    {
      sdkName: 'DBInstanceNotFound',
      act: createInstanceSnapshot,
      expected: DatabaseNotFoundError,
      operation: 'CreateDBSnapshot',
      resource: 'orders',
    },
    {
      sdkName: 'DBSnapshotNotFound',
      act: deleteInstanceSnapshot,
      expected: SnapshotNotFoundError,
      operation: 'DeleteDBSnapshot',
      resource: 'orders-snap',
    },
    // Sharing, and what a vault account's role may not do.
    ...['AccessDenied', 'AccessDeniedException'].map(
      (sdkName): Case => ({
        sdkName,
        act: deleteInstanceSnapshot,
        expected: AccessDeniedError,
        operation: 'DeleteDBSnapshot',
        resource: 'orders-snap',
      }),
    ),
    {
      sdkName: 'AccessDenied',
      act: shareClusterSnapshot,
      expected: AccessDeniedError,
      operation: 'ModifyDBClusterSnapshotAttribute',
      resource: `billing-snap with account ${VAULT_ACCOUNT}`,
    },
    ...['InvalidParameterValue', 'InvalidParameterCombination'].map(
      (sdkName): Case => ({
        sdkName,
        act: shareInstanceSnapshot,
        expected: InvalidRequestError,
        operation: 'ModifyDBSnapshotAttribute',
        resource: `orders-snap with account ${VAULT_ACCOUNT}`,
      }),
    ),
    ...['SharedSnapshotQuotaExceededFault', 'SharedSnapshotQuotaExceeded'].map(
      (sdkName): Case => ({
        sdkName,
        act: shareInstanceSnapshot,
        expected: SnapshotQuotaExceededError,
        operation: 'ModifyDBSnapshotAttribute',
        resource: 'orders-snap',
      }),
    ),
    {
      sdkName: 'DBSnapshotNotFound',
      act: shareInstanceSnapshot,
      expected: SnapshotNotFoundError,
      operation: 'ModifyDBSnapshotAttribute',
      resource: 'orders-snap',
    },
    {
      sdkName: 'InvalidDBClusterSnapshotStateFault',
      act: shareClusterSnapshot,
      expected: InvalidStateError,
      operation: 'ModifyDBClusterSnapshotAttribute',
      resource: 'billing-snap',
    },
    {
      sdkName: 'DBClusterSnapshotNotFoundFault',
      act: (port) => port.snapshotSharedWith({ kind: 'cluster', id: 'billing-snap' }),
      expected: SnapshotNotFoundError,
      operation: 'DescribeDBClusterSnapshotAttributes',
      resource: 'billing-snap',
    },
  ];

  it.each(cases)(
    'translates $sdkName from $operation into $expected.name',
    async ({ sdkName, act, expected, operation, resource }) => {
      // Prepare
      const sdkError = rdsError(sdkName);
      rdsMock.onAnyCommand().rejects(sdkError);

      // Act
      const error: unknown = await act(adapter()).catch((caught: unknown) => caught);

      // Assess
      expect(rdsMock.call(0).args[0].constructor.name).toBe(`${operation}Command`);
      expect(error).toBeInstanceOf(expected);
      expect(error).toMatchObject({ name: expected.name, cause: sdkError });
      expect((error as Error).message).toContain(operation);
      expect((error as Error).message).toContain(resource);
    },
  );

  it.each([
    { description: 'an RDS error it does not know', error: rdsError('StorageTypeNotSupportedFault') },
    {
      description: 'a network failure',
      error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    },
  ])('rethrows $description unchanged', async ({ error }) => {
    // Prepare
    rdsMock.on(CreateDBSnapshotCommand).rejects(error);

    // Act
    const creating = createInstanceSnapshot(adapter());

    // Assess
    await expect(creating).rejects.toBe(error);
  });

  it('rethrows a snapshot-not-found error of a listing as SnapshotNotFoundError, describeSnapshot alone absorbing it', async () => {
    // Prepare
    rdsMock.on(DescribeDBSnapshotsCommand).rejects(rdsError('DBSnapshotNotFoundFault'));

    // Act
    const listing = adapter().listSnapshots({ kind: 'instance' });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });
});

describe('AwsRdsAdapter sharing', () => {
  it('shares an instance snapshot by adding the account to its restore attribute, and a cluster snapshot likewise', async () => {
    // Prepare
    rdsMock.on(ModifyDBSnapshotAttributeCommand).resolves({});
    rdsMock.on(ModifyDBClusterSnapshotAttributeCommand).resolves({});

    // Act
    await adapter().shareSnapshot({ kind: 'instance', id: 'orders-share' }, VAULT_ACCOUNT);
    await adapter().shareSnapshot({ kind: 'cluster', id: 'billing-share' }, VAULT_ACCOUNT);

    // Assess
    expect(inputsOf(ModifyDBSnapshotAttributeCommand)).toEqual([
      { DBSnapshotIdentifier: 'orders-share', AttributeName: 'restore', ValuesToAdd: [VAULT_ACCOUNT] },
    ]);
    expect(inputsOf(ModifyDBClusterSnapshotAttributeCommand)).toEqual([
      {
        DBClusterSnapshotIdentifier: 'billing-share',
        AttributeName: 'restore',
        ValuesToAdd: [VAULT_ACCOUNT],
      },
    ]);
  });

  it('takes a share back by removing the account, and treats a snapshot that is gone as shared with no one', async () => {
    // Prepare
    rdsMock
      .on(ModifyDBSnapshotAttributeCommand)
      .resolvesOnce({})
      .rejectsOnce(new DBSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    rdsMock
      .on(ModifyDBClusterSnapshotAttributeCommand)
      .rejectsOnce(new DBClusterSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));

    // Act
    await adapter().unshareSnapshot({ kind: 'instance', id: 'orders-share' }, VAULT_ACCOUNT);
    const gone = adapter().unshareSnapshot({ kind: 'instance', id: 'orders-gone' }, VAULT_ACCOUNT);
    const goneCluster = adapter().unshareSnapshot({ kind: 'cluster', id: 'billing-gone' }, VAULT_ACCOUNT);

    // Assess
    await expect(gone).resolves.toBeUndefined();
    await expect(goneCluster).resolves.toBeUndefined();
    expect(inputsOf(ModifyDBSnapshotAttributeCommand)[0]).toEqual({
      DBSnapshotIdentifier: 'orders-share',
      AttributeName: 'restore',
      ValuesToRemove: [VAULT_ACCOUNT],
    });
  });

  it('does not absorb any other failure of taking a share back', async () => {
    // Prepare
    rdsMock.on(ModifyDBSnapshotAttributeCommand).rejects(rdsError('AccessDenied'));

    // Act
    const unsharing = adapter().unshareSnapshot({ kind: 'instance', id: 'orders-share' }, VAULT_ACCOUNT);

    // Assess
    await expect(unsharing).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('reports the accounts of the restore attribute, sorted, and none when the attribute is empty or absent', async () => {
    // Prepare
    rdsMock
      .on(DescribeDBSnapshotAttributesCommand)
      .resolvesOnce({
        DBSnapshotAttributesResult: {
          DBSnapshotIdentifier: 'orders-share',
          DBSnapshotAttributes: [
            { AttributeName: 'other', AttributeValues: ['999999999999'] },
            { AttributeName: 'restore', AttributeValues: ['333333333333', VAULT_ACCOUNT] },
          ],
        },
      })
      .resolvesOnce({ DBSnapshotAttributesResult: { DBSnapshotAttributes: [{ AttributeName: 'restore' }] } });
    rdsMock.on(DescribeDBClusterSnapshotAttributesCommand).resolves({});

    // Act
    const shared = await adapter().snapshotSharedWith({ kind: 'instance', id: 'orders-share' });
    const empty = await adapter().snapshotSharedWith({ kind: 'instance', id: 'orders-share' });
    const absent = await adapter().snapshotSharedWith({ kind: 'cluster', id: 'billing-share' });

    // Assess
    expect(shared).toEqual([VAULT_ACCOUNT, '333333333333']);
    expect(empty).toEqual([]);
    expect(absent).toEqual([]);
    expect(inputsOf(DescribeDBSnapshotAttributesCommand)[0]).toEqual({
      DBSnapshotIdentifier: 'orders-share',
    });
    expect(inputsOf(DescribeDBClusterSnapshotAttributesCommand)).toEqual([
      { DBClusterSnapshotIdentifier: 'billing-share' },
    ]);
  });
});

describe('awsRdsPortProvider', () => {
  it('builds one client per region and reuses it for every port of that region', async () => {
    // Prepare
    const clientFactory = vi.fn((region: string) => new RDSClient({ region }));
    const provider = awsRdsPortProvider({ clientFactory });

    // Act
    const ports = [provider('eu-west-1'), provider('eu-west-1'), provider('us-east-1')];

    // Assess
    expect(ports.map((port) => port.region)).toEqual(['eu-west-1', 'eu-west-1', 'us-east-1']);
    expect(clientFactory.mock.calls).toEqual([['eu-west-1'], ['us-east-1']]);
  });

  it('builds by default a client of the region that makes up to 3 attempts, shared by every provider', async () => {
    // Prepare
    rdsMock.on(DeleteDBSnapshotCommand).resolves({});

    // Act
    await awsRdsPortProvider()('ca-central-1').deleteSnapshot({ kind: 'instance', id: 'a' });
    await awsRdsPortProvider()('ca-central-1').deleteSnapshot({ kind: 'instance', id: 'b' });

    // Assess
    const first = rdsMock.send.getCall(0).thisValue as RDSClient;
    const second = rdsMock.send.getCall(1).thisValue as RDSClient;
    expect(second).toBe(first);
    expect(await first.config.region()).toBe('ca-central-1');
    expect(await first.config.maxAttempts()).toBe(3);
  });
});

describe('AwsRdsAdapter over the fake RDS, for the failures the contract suite does not reach', () => {
  const source = (port: RdsPort) =>
    port.createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'orders-snap',
      tags: {},
    });

  async function availableSource(fake: FakeRds): Promise<Snapshot> {
    fake.seedInstance(SOURCE_REGION, { id: 'orders' });
    const port = adapter(SOURCE_REGION);
    await source(port);
    const snapshot = await port.describeSnapshot({ kind: 'instance', id: 'orders-snap' });
    if (snapshot?.status !== 'available') throw new Error('the source snapshot did not become available');
    return snapshot;
  }

  function copyOf(snapshot: Snapshot, targetSnapshotId: string, kmsKeyId = KMS_KEY) {
    return {
      kind: snapshot.database.kind,
      sourceSnapshotArn: snapshot.arn,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId,
      sourceEncrypted: snapshot.encrypted,
      kmsKeyId,
      tags: {},
    };
  }

  async function availableClusterSource(fake: FakeRds, storageEncrypted: boolean): Promise<Snapshot> {
    fake.seedCluster(SOURCE_REGION, { id: 'billing', members: ['billing-writer'], storageEncrypted });
    const port = adapter(SOURCE_REGION);
    await port.createSnapshot({
      database: { kind: 'cluster', id: 'billing' },
      snapshotId: 'billing-snap',
      tags: {},
    });
    const snapshot = await port.describeSnapshot({ kind: 'cluster', id: 'billing-snap' });
    if (snapshot?.status !== 'available') throw new Error('the source snapshot did not become available');
    return snapshot;
  }

  it('copies an unencrypted cluster snapshot without a KMS key, which RDS refuses for it, and the copy says it is unencrypted', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    const original = await availableClusterSource(fake, false);

    // Act
    const copy = await adapter().copySnapshot(copyOf(original, 'billing-snap-dr'));

    // Assess
    expect(original.encrypted).toBe(false);
    expect(inputsOf(CopyDBClusterSnapshotCommand)).toEqual([
      expect.not.objectContaining({ KmsKeyId: expect.anything() }),
    ]);
    expect(copy).toMatchObject({ id: 'billing-snap-dr', encrypted: false, kmsKeyId: undefined });
  });

  it('copies an encrypted cluster snapshot with the KMS key of the destination region', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    const original = await availableClusterSource(fake, true);

    // Act
    const copy = await adapter().copySnapshot(copyOf(original, 'billing-snap-dr'));

    // Assess
    expect(rdsMock).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, { KmsKeyId: KMS_KEY });
    expect(copy).toMatchObject({ encrypted: true, kmsKeyId: KMS_KEY });
  });

  it('copies an unencrypted instance snapshot with the KMS key, which RDS documents as encrypting the copy', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    fake.seedInstance(SOURCE_REGION, { id: 'orders', storageEncrypted: false });
    const port = adapter(SOURCE_REGION);
    await source(port);
    const original = await port.describeSnapshot({ kind: 'instance', id: 'orders-snap' });
    if (original === undefined) throw new Error('the source snapshot is missing');

    // Act
    const copy = await adapter().copySnapshot(copyOf(original, 'orders-snap-dr'));

    // Assess
    expect(original.encrypted).toBe(false);
    expect(rdsMock).toHaveReceivedCommandWith(CopyDBSnapshotCommand, { KmsKeyId: KMS_KEY });
    expect(copy).toMatchObject({ encrypted: true, kmsKeyId: KMS_KEY });
  });

  it('reports a KMS key sent for an unencrypted cluster snapshot (RDS InvalidParameterCombination) as an InvalidRequestError', async () => {
    // Prepare: a caller that claims the source is encrypted when it is not.
    const fake = installFakeRds(rdsMock);
    const original = await availableClusterSource(fake, false);

    // Act
    const copying = adapter().copySnapshot({ ...copyOf(original, 'billing-snap-dr'), sourceEncrypted: true });

    // Assess
    await expect(copying).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(copying).rejects.toMatchObject({
      name: 'InvalidRequestError',
      cause: { name: 'InvalidParameterCombination' },
    });
  });

  it('reports the concurrent cross-region copy limit as a CopyLimitExceededError', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock, { concurrentCopyLimit: 1 });
    const original = await availableSource(fake);
    await adapter().copySnapshot(copyOf(original, 'orders-snap-dr-1'));

    // Act
    const copying = adapter().copySnapshot(copyOf(original, 'orders-snap-dr-2'));

    // Assess
    await expect(copying).rejects.toBeInstanceOf(CopyLimitExceededError);
  });

  it('reports the manual snapshot quota as a SnapshotQuotaExceededError', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock, { manualSnapshotQuota: 1 });
    await availableSource(fake);

    // Act
    const creating = adapter(SOURCE_REGION).createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'orders-snap-2',
      tags: {},
    });

    // Assess
    await expect(creating).rejects.toBeInstanceOf(SnapshotQuotaExceededError);
  });

  it('reports a KMS key of another region as an EncryptionKeyError', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    const original = await availableSource(fake);
    const keyOfTheSourceRegion = `arn:aws:kms:${SOURCE_REGION}:${ACCOUNT}:key/99999999-2222-4333-8444-555555555555`;

    // Act
    const copying = adapter().copySnapshot(copyOf(original, 'orders-snap-dr', keyOfTheSourceRegion));

    // Assess
    await expect(copying).rejects.toBeInstanceOf(EncryptionKeyError);
  });

  it('reports a snapshot of a stopped DB instance as an InvalidStateError', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    fake.seedInstance(REGION, { id: 'orders', status: 'stopped' });

    // Act
    const creating = source(adapter());

    // Assess
    await expect(creating).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('reports a copy of a snapshot still being created as an InvalidStateError', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    fake.seedInstance(SOURCE_REGION, { id: 'orders' });
    const creating = await source(adapter(SOURCE_REGION));

    // Act
    const copying = adapter().copySnapshot(copyOf(creating, 'orders-snap-dr'));

    // Assess
    await expect(copying).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('lists an automated snapshot by type and describes it by its rds: identifier', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    fake.seedCluster(REGION, { id: 'billing', members: ['billing-writer'] });
    fake.seedSnapshot(REGION, {
      kind: 'cluster',
      id: 'rds:billing-2025-03-01-02-00',
      databaseId: 'billing',
      type: 'automated',
      createdAt: TAKEN_AT,
    });

    // Act
    const automated = await adapter().listSnapshots({ type: 'automated' });
    const described = await adapter().describeSnapshot({
      kind: 'cluster',
      id: 'rds:billing-2025-03-01-02-00',
    });

    // Assess
    expect(automated.map(({ id, type }) => ({ id, type }))).toEqual([
      { id: 'rds:billing-2025-03-01-02-00', type: 'automated' },
    ]);
    expect(described).toMatchObject({ status: 'available', createdAt: TAKEN_AT });
  });

  it('reports a snapshot that RDS marks failed as failed', async () => {
    // Prepare
    const fake = installFakeRds(rdsMock);
    fake.seedInstance(REGION, { id: 'orders' });
    await source(adapter());
    fake.setSnapshotStatus(REGION, 'instance', 'orders-snap', 'failed');

    // Act
    const snapshot = await adapter().describeSnapshot({ kind: 'instance', id: 'orders-snap' });

    // Assess
    expect(snapshot?.status).toBe('failed');
  });
});
