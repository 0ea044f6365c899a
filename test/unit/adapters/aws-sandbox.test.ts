import {
  CreateDBInstanceCommand,
  type DBCluster,
  type DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AwsSandboxAdapter,
  type AwsSandboxAdapterOptions,
  awsSandboxPortProvider,
} from '../../../src/adapters/aws/sandbox.ts';
import {
  CloudServiceError,
  ConfigError,
  DatabaseNotFoundError,
  EncryptionKeyError,
  InvalidInputError,
  InvalidStateError,
  type RestorableError,
  SandboxCapacityError,
  SandboxProtectionError,
  SnapshotNotFoundError,
  ThrottlingError,
} from '../../../src/domain/errors.ts';
import { SANDBOX_TAG, sandboxTags } from '../../../src/domain/sandbox.ts';
import type { SandboxNetwork } from '../../../src/domain/sandbox-network.ts';
import type { RestoreSandboxRequest, SandboxPort, SandboxRef } from '../../../src/ports/sandbox.ts';
import { DEFAULT_DEPLOYMENT } from '../../support/deployments.ts';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const CA_BUNDLE = '-----BEGIN CERTIFICATE-----\nrds-ca\n-----END CERTIFICATE-----\n';
const CREATED_AT = new Date('2025-03-01T02:10:00Z');
const SANDBOX_ID = 'rsbx-orders-202503010205';
const CLUSTER_ID = 'rsbx-billing-202503010205';
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-1a2b3c-AbCdEf`;
const SECRET_PASSWORD = 'generated-by-rds-Zx9"q';
const TAGS = sandboxTags({
  drillId: 'drill-42',
  databaseId: 'orders',
  expiresAt: new Date('2025-03-01T05:05:00Z'),
  deployment: DEFAULT_DEPLOYMENT,
});
const TAG_LIST = Object.entries(TAGS).map(([Key, Value]) => ({ Key, Value }));
const PRODUCTION_TAGS = [{ Key: 'team', Value: 'payments' }];

const rdsMock = mockClient(RDSClient);
const secretsMock = mockClient(SecretsManagerClient);

/** The sandbox network of REGION, as the configuration gives it to the adapter of that region. */
const NETWORK: SandboxNetwork = {
  subnetGroup: 'restorable-sandbox',
  securityGroupIds: ['sg-0aaa', 'sg-0bbb'],
};

function adapter(options: AwsSandboxAdapterOptions = { caBundle: CA_BUNDLE, network: NETWORK }): SandboxPort {
  return new AwsSandboxAdapter(
    new RDSClient({ region: REGION }),
    new SecretsManagerClient({ region: REGION }),
    REGION,
    options,
  );
}

/** Every input sent with a command, to pin that nothing else was sent. */
function inputsOf(command: Parameters<typeof rdsMock.commandCalls>[0]): object[] {
  return rdsMock.commandCalls(command).map((call) => call.args[0].input);
}

/** The RDS commands sent, in order, by name. */
function rdsCommandsSent(): string[] {
  return rdsMock.calls().map((call) => call.args[0].constructor.name);
}

/** Pins that no delete of any kind went out. */
function expectNoDeleteSent(): void {
  expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  expect(rdsMock).not.toHaveReceivedCommand(DeleteDBClusterCommand);
}

function rdsError(name: string, message = `${name} raised by RDS`): RDSServiceException {
  return new RDSServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}

function secretsError(name: string): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    $fault: 'client',
    message: `${name} raised by Secrets Manager`,
    $metadata: { httpStatusCode: 400 },
  });
}

/** Every key of every command input, at any depth, that names a password. */
function passwordKeysSent(): string[] {
  const keys: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (/password/i.test(key) && key !== 'ManageMasterUserPassword') keys.push(key);
        visit(child);
      }
    }
  };
  for (const call of [...rdsMock.calls(), ...secretsMock.calls()]) visit(call.args[0].input);
  return keys;
}

function request(overrides: Partial<RestoreSandboxRequest> = {}): RestoreSandboxRequest {
  return {
    region: REGION,
    sandboxId: SANDBOX_ID,
    snapshot: {
      kind: 'instance',
      id: 'orders-2025-03-01',
      arn: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:orders-2025-03-01`,
    },
    engine: 'postgres',
    instanceClass: 'db.t4g.medium',
    tags: TAGS,
    ...overrides,
  };
}

function clusterRequest(overrides: Partial<RestoreSandboxRequest> = {}): RestoreSandboxRequest {
  return request({
    sandboxId: CLUSTER_ID,
    snapshot: {
      kind: 'cluster',
      id: 'billing-2025-03-01',
      arn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:billing-2025-03-01`,
    },
    engine: 'aurora-postgresql',
    ...overrides,
  });
}

const MULTI_AZ_ID = 'rsbx-ledger-202503010205';

/** A Multi-AZ DB cluster's snapshot: an RDS for PostgreSQL cluster, not Aurora. */
function multiAzRequest(overrides: Partial<RestoreSandboxRequest> = {}): RestoreSandboxRequest {
  return request({
    sandboxId: MULTI_AZ_ID,
    snapshot: {
      kind: 'cluster',
      id: 'ledger-2025-03-01',
      arn: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:ledger-2025-03-01`,
    },
    engine: 'postgres',
    engineVersion: '16.3',
    multiAzCluster: { instanceClass: 'db.m6gd.large', storageType: 'io1', iops: 3000 },
    ...overrides,
  });
}

const ACTIVE_SECRET = { SecretArn: SECRET_ARN, SecretStatus: 'active' };

function instance(overrides: Partial<DBInstance> = {}): DBInstance {
  return {
    DBInstanceIdentifier: SANDBOX_ID,
    DBInstanceStatus: 'available',
    Engine: 'postgres',
    InstanceCreateTime: CREATED_AT,
    DBName: 'orders',
    Endpoint: { Address: `${SANDBOX_ID}.abc.${REGION}.rds.amazonaws.com`, Port: 5432 },
    MasterUserSecret: ACTIVE_SECRET,
    TagList: TAG_LIST,
    ...overrides,
  };
}

function cluster(overrides: Partial<DBCluster> = {}): DBCluster {
  return {
    DBClusterIdentifier: CLUSTER_ID,
    Status: 'available',
    Engine: 'aurora-postgresql',
    ClusterCreateTime: CREATED_AT,
    Endpoint: `${CLUSTER_ID}.cluster-abc.${REGION}.rds.amazonaws.com`,
    Port: 5432,
    MasterUserSecret: ACTIVE_SECRET,
    TagList: TAG_LIST,
    ...overrides,
  };
}

function multiAzCluster(overrides: Partial<DBCluster> = {}): DBCluster {
  return cluster({
    DBClusterIdentifier: MULTI_AZ_ID,
    Engine: 'postgres',
    EngineVersion: '16.3',
    DBClusterInstanceClass: 'db.m6gd.large',
    StorageType: 'io1',
    Iops: 3000,
    Endpoint: `${MULTI_AZ_ID}.cluster-abc.${REGION}.rds.amazonaws.com`,
    ...overrides,
  });
}

/** The writer and readers RDS creates in a Multi-AZ DB cluster; RDS does not give them the cluster's tags. */
function multiAzMembers(overrides: Partial<DBInstance> = {}): DBInstance[] {
  return ['instance-1', 'instance-2', 'instance-3'].map((suffix) =>
    instance({
      DBInstanceIdentifier: `${MULTI_AZ_ID}-${suffix}`,
      DBClusterIdentifier: MULTI_AZ_ID,
      Engine: 'postgres',
      MasterUserSecret: undefined,
      TagList: [],
      ...overrides,
    }),
  );
}

/** Describing the Multi-AZ sandbox cluster by identifier, and its instances by the db-cluster-id filter. */
function givenMultiAzCluster(described: DBCluster | undefined, members: DBInstance[] = []): void {
  const on = rdsMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: MULTI_AZ_ID });
  if (described === undefined) on.rejects(rdsError('DBClusterNotFoundFault'));
  else on.resolves({ DBClusters: [described] });
  rdsMock
    .on(DescribeDBInstancesCommand, { Filters: [{ Name: 'db-cluster-id', Values: [MULTI_AZ_ID] }] })
    .resolves({ DBInstances: members });
}

function member(overrides: Partial<DBInstance> = {}): DBInstance {
  return instance({
    DBInstanceIdentifier: `${CLUSTER_ID}-1`,
    DBClusterIdentifier: CLUSTER_ID,
    Engine: 'aurora-postgresql',
    MasterUserSecret: undefined,
    ...overrides,
  });
}

const instanceRef: SandboxRef = { region: REGION, kind: 'instance', id: SANDBOX_ID };
const clusterRef: SandboxRef = { region: REGION, kind: 'cluster', id: CLUSTER_ID };
const multiAzRef: SandboxRef = { region: REGION, kind: 'cluster', id: MULTI_AZ_ID };

/** Describing the one instance by identifier. */
function givenInstance(described: DBInstance | undefined): void {
  const on = rdsMock.on(DescribeDBInstancesCommand, {
    DBInstanceIdentifier: described?.DBInstanceIdentifier ?? SANDBOX_ID,
  });
  if (described === undefined) on.rejects(rdsError('DBInstanceNotFound'));
  else on.resolves({ DBInstances: [described] });
}

/** Describing the cluster by identifier, and its instances by the db-cluster-id filter. */
function givenCluster(described: DBCluster | undefined, members: DBInstance[] = []): void {
  const on = rdsMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: CLUSTER_ID });
  if (described === undefined) on.rejects(rdsError('DBClusterNotFoundFault'));
  else on.resolves({ DBClusters: [described] });
  rdsMock
    .on(DescribeDBInstancesCommand, { Filters: [{ Name: 'db-cluster-id', Values: [CLUSTER_ID] }] })
    .resolves({ DBInstances: members });
}

beforeEach(() => {
  rdsMock.reset();
  secretsMock.reset();
});

describe('AwsSandboxAdapter.restoreSandbox, DB instance snapshot', () => {
  it('restores the snapshot by ARN into a private, single-AZ, deletable sandbox with the sandbox tags', async () => {
    // Prepare
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).resolves({
      DBInstance: instance({
        DBInstanceStatus: 'creating',
        MasterUserSecret: undefined,
        InstanceCreateTime: undefined,
      }),
    });

    // Act
    const sandbox = await adapter().restoreSandbox(request());

    // Assess
    expect(inputsOf(RestoreDBInstanceFromDBSnapshotCommand)).toEqual([
      {
        DBInstanceIdentifier: SANDBOX_ID,
        DBSnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:orders-2025-03-01`,
        DBInstanceClass: 'db.t4g.medium',
        DBSubnetGroupName: 'restorable-sandbox',
        VpcSecurityGroupIds: ['sg-0aaa', 'sg-0bbb'],
        PubliclyAccessible: false,
        MultiAZ: false,
        DeletionProtection: false,
        AutoMinorVersionUpgrade: false,
        CopyTagsToSnapshot: false,
        Tags: TAG_LIST,
      },
    ]);
    expect(TAG_LIST).toContainEqual({ Key: SANDBOX_TAG, Value: 'true' });
    expect(sandbox).toEqual({
      region: REGION,
      kind: 'instance',
      id: SANDBOX_ID,
      status: 'creating',
      engine: 'postgres',
      createdAt: undefined,
      tags: TAGS,
    });
    expect(rdsCommandsSent()).toEqual(['RestoreDBInstanceFromDBSnapshotCommand']);
    expect(passwordKeysSent()).toEqual([]);
  });

  it('leaves the security groups out when none is configured rather than sending an empty list', async () => {
    // Prepare
    rdsMock
      .on(RestoreDBInstanceFromDBSnapshotCommand)
      .resolves({ DBInstance: instance({ DBInstanceStatus: 'creating' }) });

    // Act
    await adapter({ network: { subnetGroup: 'restorable-sandbox', securityGroupIds: [] } }).restoreSandbox(
      request(),
    );

    // Assess
    const [input] = inputsOf(RestoreDBInstanceFromDBSnapshotCommand);
    expect(input).toHaveProperty('VpcSecurityGroupIds', undefined);
    expect(input).toHaveProperty('DBSubnetGroupName', 'restorable-sandbox');
    expect(input).toHaveProperty('PubliclyAccessible', false);
  });

  it.each([
    ['no tags', {}],
    ['the sandbox tag set to false', { ...TAGS, [SANDBOX_TAG]: 'false' }],
  ])('refuses to restore a sandbox with %s, which no teardown could delete', async (_, tags) => {
    // Act
    const restoring = adapter().restoreSandbox(request({ tags }));

    // Assess
    await expect(restoring).rejects.toBeInstanceOf(InvalidInputError);
    expect(rdsMock.calls()).toHaveLength(0);
  });

  it('refuses to restore in a region without a sandbox network, naming the fields to set, and calls RDS not at all', async () => {
    // Act
    const restoring = adapter({ caBundle: CA_BUNDLE }).restoreSandbox(request());

    // Assess
    await expect(restoring).rejects.toBeInstanceOf(ConfigError);
    await expect(restoring).rejects.toThrow(`sandbox.regions.${REGION}.subnetGroup`);
    expect(rdsMock.calls()).toHaveLength(0);
  });

  it('refuses a request for another region', async () => {
    // Act
    const restoring = adapter().restoreSandbox(request({ region: 'us-east-1' }));

    // Assess
    await expect(restoring).rejects.toBeInstanceOf(InvalidInputError);
    expect(rdsMock.calls()).toHaveLength(0);
  });

  it.each<[string, new (...args: never[]) => RestorableError, boolean]>([
    ['InsufficientDBInstanceCapacityFault', SandboxCapacityError, true],
    ['InsufficientDBInstanceCapacity', SandboxCapacityError, true],
    ['InstanceQuotaExceededFault', SandboxCapacityError, true],
    ['InstanceQuotaExceeded', SandboxCapacityError, true],
    ['StorageQuotaExceededFault', SandboxCapacityError, true],
    ['StorageQuotaExceeded', SandboxCapacityError, true],
    ['DBSnapshotNotFoundFault', SnapshotNotFoundError, false],
    ['DBSnapshotNotFound', SnapshotNotFoundError, false],
    ['Throttling', ThrottlingError, true],
    ['InvalidDBSnapshotState', InvalidStateError, true],
    ['KMSKeyNotAccessibleFault', EncryptionKeyError, false],
  ])('translates %s into %o', async (code, errorClass, retryable) => {
    // Prepare
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(rdsError(code));

    // Act
    const error: unknown = await adapter()
      .restoreSandbox(request())
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toHaveProperty('retryable', retryable);
    expect(error).toHaveProperty('cause.name', code);
  });

  it('names the snapshot in a SnapshotNotFoundError', async () => {
    // Prepare
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(rdsError('DBSnapshotNotFound'));

    // Act
    const restoring = adapter().restoreSandbox(request());

    // Assess
    await expect(restoring).rejects.toMatchObject({ snapshotId: 'orders-2025-03-01' });
  });

  it('rethrows an error it does not know unchanged', async () => {
    // Prepare
    const unknown = rdsError('InvalidVPCNetworkStateFault');
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(unknown);

    // Act
    const restoring = adapter().restoreSandbox(request());

    // Assess
    await expect(restoring).rejects.toBe(unknown);
  });

  it('resumes a retried restore when the sandbox of the same drill already exists', async () => {
    // Prepare
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(rdsError('DBInstanceAlreadyExists'));
    givenInstance(instance({ DBInstanceStatus: 'creating' }));

    // Act
    const sandbox = await adapter().restoreSandbox(request());

    // Assess
    expect(sandbox).toMatchObject({ id: SANDBOX_ID, status: 'creating', tags: TAGS });
  });

  it.each([
    [
      'of another drill',
      [
        ...TAG_LIST.filter((tag) => tag.Key !== 'restorable:drill'),
        { Key: 'restorable:drill', Value: 'drill-7' },
      ],
    ],
    ['that is not a sandbox', PRODUCTION_TAGS],
  ])('reports the identifier as taken when the existing database is %s', async (_, tagList) => {
    // Prepare
    const taken = rdsError('DBInstanceAlreadyExists');
    rdsMock.on(RestoreDBInstanceFromDBSnapshotCommand).rejects(taken);
    givenInstance(instance({ TagList: tagList }));

    // Act
    const restoring = adapter().restoreSandbox(request());

    // Assess
    await expect(restoring).rejects.toBe(taken);
  });
});

describe('AwsSandboxAdapter.restoreSandbox, Aurora cluster snapshot', () => {
  it('restores the cluster, then creates its one private instance, both with the sandbox tags', async () => {
    // Prepare
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).resolves({
      DBCluster: cluster({ Status: 'creating', MasterUserSecret: undefined }),
    });
    rdsMock.on(CreateDBInstanceCommand).resolves({ DBInstance: member({ DBInstanceStatus: 'creating' }) });

    // Act
    const sandbox = await adapter().restoreSandbox(clusterRequest());

    // Assess
    expect(inputsOf(RestoreDBClusterFromSnapshotCommand)).toEqual([
      {
        DBClusterIdentifier: CLUSTER_ID,
        SnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:billing-2025-03-01`,
        Engine: 'aurora-postgresql',
        DBSubnetGroupName: 'restorable-sandbox',
        VpcSecurityGroupIds: ['sg-0aaa', 'sg-0bbb'],
        DeletionProtection: false,
        CopyTagsToSnapshot: false,
        Tags: TAG_LIST,
      },
    ]);
    expect(inputsOf(CreateDBInstanceCommand)).toEqual([
      {
        DBInstanceIdentifier: `${CLUSTER_ID}-1`,
        DBClusterIdentifier: CLUSTER_ID,
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.t4g.medium',
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: false,
        Tags: TAG_LIST,
      },
    ]);
    expect(rdsCommandsSent()).toEqual(['RestoreDBClusterFromSnapshotCommand', 'CreateDBInstanceCommand']);
    expect(sandbox).toEqual({
      region: REGION,
      kind: 'cluster',
      id: CLUSTER_ID,
      status: 'creating',
      engine: 'aurora-postgresql',
      createdAt: CREATED_AT,
      tags: TAGS,
    });
    expect(passwordKeysSent()).toEqual([]);
  });

  it('restores the Aurora cluster with the engine version its snapshot was taken with, not the region default', async () => {
    // Prepare
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: cluster({ Status: 'creating' }) });
    rdsMock.on(CreateDBInstanceCommand).resolves({ DBInstance: member({ DBInstanceStatus: 'creating' }) });

    // Act
    await adapter().restoreSandbox(clusterRequest({ engineVersion: '15.8' }));

    // Assess
    expect(inputsOf(RestoreDBClusterFromSnapshotCommand)).toEqual([
      expect.objectContaining({ Engine: 'aurora-postgresql', EngineVersion: '15.8' }),
    ]);
    // The instance of an Aurora cluster runs the cluster's version.
    expect(inputsOf(CreateDBInstanceCommand)[0]).not.toHaveProperty('EngineVersion');
    // An Aurora restore names no Multi-AZ-only parameter.
    expect(inputsOf(RestoreDBClusterFromSnapshotCommand)[0]).not.toHaveProperty('DBClusterInstanceClass');
  });

  it('reports an instance refused while the cluster is restored as retryable, and a retry resumes there', async () => {
    // Prepare
    rdsMock
      .on(RestoreDBClusterFromSnapshotCommand)
      .resolvesOnce({ DBCluster: cluster({ Status: 'creating' }) })
      .rejects(rdsError('DBClusterAlreadyExistsFault'));
    rdsMock
      .on(CreateDBInstanceCommand)
      .rejectsOnce(rdsError('InvalidDBClusterStateFault', 'DB cluster is not available'))
      .resolves({ DBInstance: member({ DBInstanceStatus: 'creating' }) });
    givenCluster(cluster({ Status: 'available' }));

    // Act
    const first = await adapter()
      .restoreSandbox(clusterRequest())
      .catch((caught: unknown) => caught);
    const second = await adapter().restoreSandbox(clusterRequest());

    // Assess
    expect(first).toBeInstanceOf(InvalidStateError);
    expect(second).toMatchObject({ id: CLUSTER_ID, kind: 'cluster', status: 'creating' });
    expect(rdsMock).toHaveReceivedCommandTimes(RestoreDBClusterFromSnapshotCommand, 2);
    expect(rdsMock).toHaveReceivedCommandTimes(CreateDBInstanceCommand, 2);
  });

  it('does not create an instance in a cluster of the same name that is not this drill’s sandbox', async () => {
    // Prepare
    const taken = rdsError('DBClusterAlreadyExistsFault');
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).rejects(taken);
    givenCluster(cluster({ TagList: PRODUCTION_TAGS }));

    // Act
    const restoring = adapter().restoreSandbox(clusterRequest());

    // Assess
    await expect(restoring).rejects.toBe(taken);
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it.each([
    'InsufficientDBClusterCapacityFault',
    'DBClusterQuotaExceededFault',
    'InsufficientStorageClusterCapacity',
  ])('translates %s into a retryable SandboxCapacityError', async (code) => {
    // Prepare
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).rejects(rdsError(code));

    // Act
    const restoring = adapter().restoreSandbox(clusterRequest());

    // Assess
    await expect(restoring).rejects.toBeInstanceOf(SandboxCapacityError);
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('translates no capacity for the instance into a SandboxCapacityError', async () => {
    // Prepare
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: cluster({ Status: 'creating' }) });
    rdsMock.on(CreateDBInstanceCommand).rejects(rdsError('InsufficientDBInstanceCapacity'));

    // Act
    const restoring = adapter().restoreSandbox(clusterRequest());

    // Assess
    await expect(restoring).rejects.toBeInstanceOf(SandboxCapacityError);
  });
});

describe('AwsSandboxAdapter.restoreSandbox, Multi-AZ DB cluster snapshot', () => {
  it('restores the cluster with its instance class, storage and engine version, private and deletable, and creates no instance', async () => {
    // Prepare
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).resolves({
      DBCluster: multiAzCluster({ Status: 'creating', MasterUserSecret: undefined }),
    });

    // Act
    const sandbox = await adapter().restoreSandbox(multiAzRequest());

    // Assess
    expect(inputsOf(RestoreDBClusterFromSnapshotCommand)).toEqual([
      {
        DBClusterIdentifier: MULTI_AZ_ID,
        SnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:ledger-2025-03-01`,
        Engine: 'postgres',
        EngineVersion: '16.3',
        DBClusterInstanceClass: 'db.m6gd.large',
        StorageType: 'io1',
        Iops: 3000,
        DBSubnetGroupName: 'restorable-sandbox',
        VpcSecurityGroupIds: ['sg-0aaa', 'sg-0bbb'],
        PubliclyAccessible: false,
        DeletionProtection: false,
        CopyTagsToSnapshot: false,
        Tags: TAG_LIST,
      },
    ]);
    // RDS creates the writer and both readers of a Multi-AZ DB cluster itself.
    expect(rdsCommandsSent()).toEqual(['RestoreDBClusterFromSnapshotCommand']);
    expect(sandbox).toEqual({
      region: REGION,
      kind: 'cluster',
      id: MULTI_AZ_ID,
      status: 'creating',
      engine: 'postgres',
      createdAt: CREATED_AT,
      tags: TAGS,
    });
    expect(passwordKeysSent()).toEqual([]);
  });

  it('refuses a Multi-AZ DB cluster snapshot without the compute and storage of its cluster, before calling RDS', async () => {
    // Act
    const restoring = adapter().restoreSandbox(multiAzRequest({ multiAzCluster: undefined }));

    // Assess
    await expect(restoring).rejects.toBeInstanceOf(InvalidInputError);
    await expect(restoring).rejects.toThrow(/Multi-AZ DB cluster/);
    expect(rdsMock.calls()).toHaveLength(0);
  });

  it('resumes a retried restore when the cluster of the same drill already exists, still without creating an instance', async () => {
    // Prepare
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).rejects(rdsError('DBClusterAlreadyExistsFault'));
    givenMultiAzCluster(multiAzCluster({ Status: 'creating' }));

    // Act
    const sandbox = await adapter().restoreSandbox(multiAzRequest());

    // Assess
    expect(sandbox).toMatchObject({ id: MULTI_AZ_ID, kind: 'cluster', status: 'creating', tags: TAGS });
    expect(rdsMock).not.toHaveReceivedCommand(CreateDBInstanceCommand);
  });

  it('is available once the cluster, its writer and readers, and the managed credentials are', async () => {
    // Prepare
    givenMultiAzCluster(multiAzCluster(), multiAzMembers());

    // Act
    const sandbox = await adapter().describeSandbox(multiAzRef);

    // Assess
    expect(sandbox).toMatchObject({
      id: MULTI_AZ_ID,
      kind: 'cluster',
      status: 'available',
      engine: 'postgres',
    });
  });

  it('connects to the writer endpoint of the cluster', async () => {
    // Prepare
    givenMultiAzCluster(multiAzCluster({ DatabaseName: 'ledger' }), multiAzMembers());
    secretsMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: 'admin', password: SECRET_PASSWORD }) });

    // Act
    const connection = await adapter().connectionFor(multiAzRef);

    // Assess
    expect(connection).toMatchObject({
      engine: 'postgres',
      host: `${MULTI_AZ_ID}.cluster-abc.${REGION}.rds.amazonaws.com`,
      port: 5432,
      database: 'ledger',
    });
  });
});

// A vault copy shared back with this account: RDS restores a shared snapshot
// by its ARN only ("If you are restoring from a shared manual DB snapshot,
// the DBSnapshotIdentifier must be the ARN of the shared DB snapshot",
// RestoreDBInstanceFromDBSnapshot; "You can use either the name or the
// Amazon Resource Name (ARN) to specify a DB cluster snapshot",
// RestoreDBClusterFromSnapshot, SnapshotIdentifier, Amazon RDS API Reference).
describe('AwsSandboxAdapter.restoreSandbox, a snapshot another account shares', () => {
  const VAULT_ACCOUNT = '111122223333';

  it('restores a DB instance snapshot of another account by its ARN, not by its id', async () => {
    // Prepare
    const arn = `arn:aws:rds:${REGION}:${VAULT_ACCOUNT}:snapshot:restorable-orders-2025-03-01`;
    rdsMock
      .on(RestoreDBInstanceFromDBSnapshotCommand)
      .resolves({ DBInstance: instance({ DBInstanceStatus: 'creating' }) });

    // Act
    await adapter().restoreSandbox(
      request({ snapshot: { kind: 'instance', id: 'restorable-orders-2025-03-01', arn } }),
    );

    // Assess
    expect(inputsOf(RestoreDBInstanceFromDBSnapshotCommand)).toEqual([
      expect.objectContaining({ DBInstanceIdentifier: SANDBOX_ID, DBSnapshotIdentifier: arn }),
    ]);
  });

  it.each([
    ['an Aurora cluster snapshot', clusterRequest, 'restorable-billing-2025-03-01'],
    ['a Multi-AZ DB cluster snapshot', multiAzRequest, 'restorable-ledger-2025-03-01'],
  ])('restores %s of another account by its ARN, not by its id', async (_kind, requestOf, id) => {
    // Prepare
    const arn = `arn:aws:rds:${REGION}:${VAULT_ACCOUNT}:cluster-snapshot:${id}`;
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).resolves({ DBCluster: cluster({ Status: 'creating' }) });
    rdsMock.on(CreateDBInstanceCommand).resolves({ DBInstance: member({ DBInstanceStatus: 'creating' }) });

    // Act
    await adapter().restoreSandbox(requestOf({ snapshot: { kind: 'cluster', id, arn } }));

    // Assess
    expect(inputsOf(RestoreDBClusterFromSnapshotCommand)).toEqual([
      expect.objectContaining({ SnapshotIdentifier: arn }),
    ]);
  });
});

describe('AwsSandboxAdapter.restoreSandbox, engine version of a DB instance snapshot', () => {
  it('sends no engine version: the instance runs the version of its snapshot', async () => {
    // Prepare
    rdsMock
      .on(RestoreDBInstanceFromDBSnapshotCommand)
      .resolves({ DBInstance: instance({ DBInstanceStatus: 'creating' }) });

    // Act
    await adapter().restoreSandbox(request({ engineVersion: '16.4' }));

    // Assess
    expect(inputsOf(RestoreDBInstanceFromDBSnapshotCommand)[0]).not.toHaveProperty('EngineVersion');
  });
});

describe('AwsSandboxAdapter.describeSandbox, DB instance', () => {
  it('maps the instance: status, engine, creation time and the tags of the describe output', async () => {
    // Prepare
    givenInstance(instance());

    // Act
    const sandbox = await adapter().describeSandbox(instanceRef);

    // Assess
    expect(sandbox).toEqual({
      region: REGION,
      kind: 'instance',
      id: SANDBOX_ID,
      status: 'available',
      engine: 'postgres',
      createdAt: CREATED_AT,
      tags: TAGS,
    });
    expect(inputsOf(DescribeDBInstancesCommand)).toEqual([{ DBInstanceIdentifier: SANDBOX_ID }]);
  });

  it.each([
    ['available', 'available'],
    ['Available', 'available'],
    ['creating', 'creating'],
    ['backing-up', 'creating'],
    ['modifying', 'creating'],
    ['configuring-enhanced-monitoring', 'creating'],
    ['configuring-log-exports', 'creating'],
    ['resetting-master-credentials', 'creating'],
    ['rebooting', 'creating'],
    ['starting', 'creating'],
    ['upgrading', 'creating'],
    ['deleting', 'deleting'],
    ['incompatible-restore', 'failed'],
    ['failed', 'failed'],
    ['inaccessible-encryption-credentials', 'failed'],
    ['restore-error', 'failed'],
    ['incompatible-network', 'failed'],
    ['incompatible-parameters', 'failed'],
    ['storage-full', 'failed'],
    ['stopped', 'failed'],
  ])('maps RDS status %s to %s', async (rdsStatus, expected) => {
    // Prepare
    givenInstance(instance({ DBInstanceStatus: rdsStatus }));

    // Act
    const sandbox = await adapter().describeSandbox(instanceRef);

    // Assess
    expect(sandbox?.status).toBe(expected);
  });

  it('says why a sandbox failed', async () => {
    // Prepare
    givenInstance(instance({ DBInstanceStatus: 'incompatible-restore' }));

    // Act
    const sandbox = await adapter().describeSandbox(instanceRef);

    // Assess
    expect(sandbox?.statusReason).toBe(`DB instance ${SANDBOX_ID} is incompatible-restore`);
  });

  it('reports a sandbox that does not exist as undefined', async () => {
    // Prepare
    givenInstance(undefined);

    // Act
    const sandbox = await adapter().describeSandbox(instanceRef);

    // Assess
    expect(sandbox).toBeUndefined();
  });

  it('turns on RDS-managed credentials once the restored sandbox is available, and reports it creating meanwhile', async () => {
    // Prepare
    givenInstance(instance({ MasterUserSecret: undefined }));
    rdsMock.on(ModifyDBInstanceCommand).resolves({ DBInstance: instance({ DBInstanceStatus: 'modifying' }) });

    // Act
    const sandbox = await adapter().describeSandbox(instanceRef);

    // Assess
    expect(sandbox?.status).toBe('creating');
    expect(inputsOf(ModifyDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: SANDBOX_ID, ManageMasterUserPassword: true, ApplyImmediately: true },
    ]);
    expect(passwordKeysSent()).toEqual([]);
  });

  it.each([
    ['being created', { SecretArn: SECRET_ARN, SecretStatus: 'creating' }],
    ['being rotated', { SecretArn: SECRET_ARN, SecretStatus: 'rotating' }],
    ['without an ARN yet', { SecretStatus: 'active' }],
  ])(
    'reports an available instance whose secret is %s as creating, without modifying it again',
    async (_, secret) => {
      // Prepare
      givenInstance(instance({ MasterUserSecret: secret }));

      // Act
      const sandbox = await adapter().describeSandbox(instanceRef);

      // Assess
      expect(sandbox?.status).toBe('creating');
      expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    },
  );

  it('does not modify an instance RDS is still restoring', async () => {
    // Prepare
    givenInstance(instance({ DBInstanceStatus: 'creating', MasterUserSecret: undefined }));

    // Act
    const sandbox = await adapter().describeSandbox(instanceRef);

    // Assess
    expect(sandbox?.status).toBe('creating');
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
  });

  it('never modifies the credentials of a database that is not a sandbox', async () => {
    // Prepare
    givenInstance(instance({ MasterUserSecret: undefined, TagList: PRODUCTION_TAGS }));

    // Act
    await adapter().describeSandbox(instanceRef);

    // Assess
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
  });

  it('waits for the next describe when RDS refuses the modify because one is under way', async () => {
    // Prepare
    givenInstance(instance({ MasterUserSecret: undefined }));
    rdsMock.on(ModifyDBInstanceCommand).rejects(rdsError('InvalidDBInstanceState'));

    // Act
    const sandbox = await adapter().describeSandbox(instanceRef);

    // Assess
    expect(sandbox?.status).toBe('creating');
  });

  it('refuses a reference to another region', async () => {
    // Act
    const describing = adapter().describeSandbox({ ...instanceRef, region: 'us-east-1' });

    // Assess
    await expect(describing).rejects.toBeInstanceOf(InvalidInputError);
    expect(rdsMock.calls()).toHaveLength(0);
  });
});

describe('AwsSandboxAdapter.describeSandbox, Aurora cluster', () => {
  it('describes the cluster by identifier and its instances by the cluster filter', async () => {
    // Prepare
    givenCluster(cluster(), [member()]);

    // Act
    const sandbox = await adapter().describeSandbox(clusterRef);

    // Assess
    expect(sandbox).toEqual({
      region: REGION,
      kind: 'cluster',
      id: CLUSTER_ID,
      status: 'available',
      engine: 'aurora-postgresql',
      createdAt: CREATED_AT,
      tags: TAGS,
    });
    expect(inputsOf(DescribeDBClustersCommand)).toEqual([{ DBClusterIdentifier: CLUSTER_ID }]);
    expect(inputsOf(DescribeDBInstancesCommand)).toEqual([
      { Filters: [{ Name: 'db-cluster-id', Values: [CLUSTER_ID] }], MaxRecords: 100, Marker: undefined },
    ]);
  });

  it.each<[string, string, string[], string | undefined, string]>([
    ['cluster and instance available', 'available', ['available'], 'active', 'available'],
    ['several instances available', 'available', ['available', 'available'], 'active', 'available'],
    ['no instance yet', 'available', [], 'active', 'creating'],
    ['instance still creating', 'available', ['creating'], 'active', 'creating'],
    [
      'one of two instances still creating',
      'available',
      ['available', 'configuring-enhanced-monitoring'],
      'active',
      'creating',
    ],
    ['cluster still creating', 'creating', ['available'], 'active', 'creating'],
    ['cluster backing up', 'backing-up', ['available'], 'active', 'creating'],
    ['secret being created', 'available', ['available'], 'creating', 'creating'],
    ['instance failed to restore', 'available', ['incompatible-restore'], 'active', 'failed'],
    ['cluster failed', 'failed', [], undefined, 'failed'],
    ['cluster lost its key', 'inaccessible-encryption-credentials', ['available'], 'active', 'failed'],
    ['cluster deleting', 'deleting', [], undefined, 'deleting'],
    ['instance deleting', 'available', ['deleting'], 'active', 'deleting'],
  ])('%s → %s', async (_, clusterStatus, memberStatuses, secretStatus, expected) => {
    // Prepare
    givenCluster(
      cluster({
        Status: clusterStatus,
        MasterUserSecret:
          secretStatus === undefined ? undefined : { SecretArn: SECRET_ARN, SecretStatus: secretStatus },
      }),
      memberStatuses.map((status, index) =>
        member({ DBInstanceIdentifier: `${CLUSTER_ID}-${index + 1}`, DBInstanceStatus: status }),
      ),
    );
    rdsMock.on(ModifyDBClusterCommand).resolves({});

    // Act
    const sandbox = await adapter().describeSandbox(clusterRef);

    // Assess
    expect(sandbox?.status).toBe(expected);
  });

  it('says which instance of the cluster failed', async () => {
    // Prepare
    givenCluster(cluster(), [member({ DBInstanceStatus: 'incompatible-restore' })]);

    // Act
    const sandbox = await adapter().describeSandbox(clusterRef);

    // Assess
    expect(sandbox?.statusReason).toBe(
      `DB instance ${CLUSTER_ID}-1 of cluster ${CLUSTER_ID} is incompatible-restore`,
    );
  });

  it('turns on RDS-managed credentials on the cluster once it is available, reporting it creating meanwhile', async () => {
    // Prepare
    givenCluster(cluster({ MasterUserSecret: undefined }), [member()]);
    rdsMock.on(ModifyDBClusterCommand).resolves({ DBCluster: cluster({ Status: 'modifying' }) });

    // Act
    const sandbox = await adapter().describeSandbox(clusterRef);

    // Assess
    expect(sandbox?.status).toBe('creating');
    expect(inputsOf(ModifyDBClusterCommand)).toEqual([
      { DBClusterIdentifier: CLUSTER_ID, ManageMasterUserPassword: true, ApplyImmediately: true },
    ]);
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
    expect(passwordKeysSent()).toEqual([]);
  });

  it('reports a cluster that does not exist as undefined', async () => {
    // Prepare
    givenCluster(undefined);

    // Act
    const sandbox = await adapter().describeSandbox(clusterRef);

    // Assess
    expect(sandbox).toBeUndefined();
  });
});

describe('AwsSandboxAdapter.listSandboxes', () => {
  it('returns only the sandbox-tagged instances and clusters, across every page', async () => {
    // Prepare
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({
        DBInstances: [
          instance({ DBInstanceIdentifier: 'orders', TagList: PRODUCTION_TAGS }),
          instance({ DBInstanceIdentifier: 'rsbx-a-202503010205' }),
        ],
        Marker: 'instances-2',
      })
      .resolvesOnce({
        DBInstances: [
          instance({ DBInstanceIdentifier: 'untagged', TagList: undefined }),
          instance({ DBInstanceIdentifier: 'rsbx-b-202503010205' }),
          member({ DBInstanceIdentifier: `${CLUSTER_ID}-1` }),
          instance({
            DBInstanceIdentifier: 'billing-writer',
            DBClusterIdentifier: 'billing',
            TagList: PRODUCTION_TAGS,
          }),
        ],
      });
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolvesOnce({
        DBClusters: [cluster({ DBClusterIdentifier: 'billing', TagList: PRODUCTION_TAGS })],
        Marker: 'c2',
      })
      .resolvesOnce({ DBClusters: [cluster()] });

    // Act
    const sandboxes = await adapter().listSandboxes();

    // Assess
    expect(sandboxes.map(({ kind, id }) => ({ kind, id }))).toEqual([
      { kind: 'instance', id: 'rsbx-a-202503010205' },
      { kind: 'instance', id: 'rsbx-b-202503010205' },
      { kind: 'cluster', id: CLUSTER_ID },
    ]);
    expect(inputsOf(DescribeDBInstancesCommand)).toEqual([
      { MaxRecords: 100, Marker: undefined },
      { MaxRecords: 100, Marker: 'instances-2' },
    ]);
    expect(inputsOf(DescribeDBClustersCommand)).toEqual([
      { MaxRecords: 100, Marker: undefined },
      { MaxRecords: 100, Marker: 'c2' },
    ]);
  });

  it('gives a cluster sandbox the status of the cluster and its instances, without modifying anything', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [member({ DBInstanceStatus: 'creating' }), instance({ MasterUserSecret: undefined })],
    });
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolves({ DBClusters: [cluster({ MasterUserSecret: undefined })] });

    // Act
    const sandboxes = await adapter().listSandboxes();

    // Assess
    expect(sandboxes.map(({ id, status, tags }) => ({ id, status, tags }))).toEqual([
      { id: SANDBOX_ID, status: 'creating', tags: TAGS },
      { id: CLUSTER_ID, status: 'creating', tags: TAGS },
    ]);
    expect(rdsCommandsSent().sort()).toEqual(['DescribeDBClustersCommand', 'DescribeDBInstancesCommand']);
  });

  it('lists a Multi-AZ DB cluster sandbox once, as a cluster, and not its untagged instances', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: multiAzMembers() });
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [multiAzCluster()] });

    // Act
    const sandboxes = await adapter().listSandboxes();

    // Assess
    expect(sandboxes.map(({ kind, id, status }) => ({ kind, id, status }))).toEqual([
      { kind: 'cluster', id: MULTI_AZ_ID, status: 'available' },
    ]);
  });

  it('reports a throttled listing as a ThrottlingError', async () => {
    // Prepare
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rdsMock.on(DescribeDBClustersCommand).rejects(rdsError('Throttling', 'Rate exceeded'));

    // Act
    const listing = adapter().listSandboxes();

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ThrottlingError);
  });
});

describe('AwsSandboxAdapter.deleteSandbox', () => {
  it('re-describes the instance, then deletes it without a final snapshot or automated backups', async () => {
    // Prepare
    givenInstance(instance());
    rdsMock.on(DeleteDBInstanceCommand).resolves({});

    // Act
    await adapter().deleteSandbox(instanceRef);

    // Assess
    expect(rdsCommandsSent()).toEqual(['DescribeDBInstancesCommand', 'DeleteDBInstanceCommand']);
    expect(inputsOf(DeleteDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: SANDBOX_ID, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    ]);
  });

  it.each([
    ['no tags at all', undefined],
    ['other tags only', PRODUCTION_TAGS],
    ['the sandbox tag set to false', [{ Key: SANDBOX_TAG, Value: 'false' }]],
    ['a sandbox-looking name but no sandbox tag', [{ Key: 'restorable:drill', Value: 'drill-42' }]],
  ])('refuses to delete a DB instance with %s, and sends no delete', async (_, tagList) => {
    // Prepare
    givenInstance(instance({ TagList: tagList }));
    rdsMock.on(DeleteDBInstanceCommand).resolves({});

    // Act
    const deleting = adapter().deleteSandbox(instanceRef);

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(SandboxProtectionError);
    await expect(deleting).rejects.toMatchObject({ name: 'SandboxProtectionError', resourceId: SANDBOX_ID });
    expectNoDeleteSent();
  });

  it('refuses to delete an untagged cluster, and sends no delete for it or its instances', async () => {
    // Prepare
    givenCluster(cluster({ TagList: PRODUCTION_TAGS }), [member({ TagList: PRODUCTION_TAGS })]);

    // Act
    const deleting = adapter().deleteSandbox(clusterRef);

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(SandboxProtectionError);
    expectNoDeleteSent();
  });

  it('refuses to delete a sandbox cluster holding an untagged instance, before deleting any of it', async () => {
    // Prepare
    givenCluster(cluster(), [
      member(),
      member({ DBInstanceIdentifier: 'someone-elses', TagList: PRODUCTION_TAGS }),
    ]);

    // Act
    const deleting = adapter().deleteSandbox(clusterRef);

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(SandboxProtectionError);
    expectNoDeleteSent();
  });

  it('succeeds without deleting anything when the instance is already gone', async () => {
    // Prepare
    givenInstance(undefined);

    // Act
    const deleting = adapter().deleteSandbox(instanceRef);

    // Assess
    await expect(deleting).resolves.toBeUndefined();
    expectNoDeleteSent();
  });

  it('succeeds without deleting anything when the cluster is already gone', async () => {
    // Prepare
    givenCluster(undefined);

    // Act
    const deleting = adapter().deleteSandbox(clusterRef);

    // Assess
    await expect(deleting).resolves.toBeUndefined();
    expectNoDeleteSent();
  });

  it('succeeds without a second delete when the instance is already being deleted', async () => {
    // Prepare
    givenInstance(instance({ DBInstanceStatus: 'deleting' }));

    // Act
    await adapter().deleteSandbox(instanceRef);

    // Assess
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
  });

  it.each([
    ['vanished between describe and delete', rdsError('DBInstanceNotFound')],
    [
      'started deleting between describe and delete',
      rdsError('InvalidDBInstanceState', `Instance ${SANDBOX_ID} is already being deleted.`),
    ],
  ])('succeeds when the instance %s', async (_, error) => {
    // Prepare
    givenInstance(instance());
    rdsMock.on(DeleteDBInstanceCommand).rejects(error);

    // Act
    const deleting = adapter().deleteSandbox(instanceRef);

    // Assess
    await expect(deleting).resolves.toBeUndefined();
  });

  it('reports an instance RDS cannot delete yet (still being created) as a retryable InvalidStateError', async () => {
    // Prepare
    givenInstance(instance({ DBInstanceStatus: 'creating' }));
    rdsMock
      .on(DeleteDBInstanceCommand)
      .rejects(
        rdsError(
          'InvalidDBInstanceState',
          `Instance ${SANDBOX_ID} is currently creating - a final snapshot cannot be taken.`,
        ),
      );

    // Act
    const deleting = adapter().deleteSandbox(instanceRef);

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(InvalidStateError);
    await expect(deleting).rejects.toMatchObject({ retryable: true });
  });

  it('deletes every instance of a cluster before the cluster itself', async () => {
    // Prepare
    givenCluster(cluster(), [member(), member({ DBInstanceIdentifier: `${CLUSTER_ID}-2` })]);
    rdsMock.on(DeleteDBInstanceCommand).resolves({});
    rdsMock.on(DeleteDBClusterCommand).resolves({});

    // Act
    await adapter().deleteSandbox(clusterRef);

    // Assess
    expect(rdsCommandsSent().filter((name) => name.startsWith('Delete'))).toEqual([
      'DeleteDBInstanceCommand',
      'DeleteDBInstanceCommand',
      'DeleteDBClusterCommand',
    ]);
    expect(inputsOf(DeleteDBInstanceCommand)).toEqual([
      { DBInstanceIdentifier: `${CLUSTER_ID}-1`, SkipFinalSnapshot: true },
      { DBInstanceIdentifier: `${CLUSTER_ID}-2`, SkipFinalSnapshot: true },
    ]);
    expect(inputsOf(DeleteDBClusterCommand)).toEqual([
      { DBClusterIdentifier: CLUSTER_ID, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    ]);
  });

  it('deletes a Multi-AZ DB cluster with the cluster alone, whose untagged writer and readers go with it', async () => {
    // Prepare
    givenMultiAzCluster(multiAzCluster(), multiAzMembers());
    rdsMock.on(DeleteDBClusterCommand).resolves({});

    // Act
    await adapter().deleteSandbox(multiAzRef, { drillId: 'drill-42' });

    // Assess
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(inputsOf(DeleteDBClusterCommand)).toEqual([
      { DBClusterIdentifier: MULTI_AZ_ID, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    ]);
  });

  it('refuses to delete an untagged Multi-AZ DB cluster', async () => {
    // Prepare
    givenMultiAzCluster(multiAzCluster({ TagList: PRODUCTION_TAGS }), multiAzMembers());

    // Act
    const deleting = adapter().deleteSandbox(multiAzRef);

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(SandboxProtectionError);
    expectNoDeleteSent();
  });

  it('skips an instance of the cluster that is already being deleted', async () => {
    // Prepare
    givenCluster(cluster(), [member({ DBInstanceStatus: 'deleting' })]);
    rdsMock.on(DeleteDBClusterCommand).resolves({});

    // Act
    await adapter().deleteSandbox(clusterRef);

    // Assess
    expect(rdsMock).not.toHaveReceivedCommand(DeleteDBInstanceCommand);
    expect(rdsMock).toHaveReceivedCommandOnce(DeleteDBClusterCommand);
  });

  it('succeeds without deleting anything when the cluster is already being deleted', async () => {
    // Prepare
    givenCluster(cluster({ Status: 'deleting' }), []);

    // Act
    await adapter().deleteSandbox(clusterRef);

    // Assess
    expectNoDeleteSent();
  });

  it('reports a cluster RDS cannot delete yet as a retryable InvalidStateError', async () => {
    // Prepare
    givenCluster(cluster({ Status: 'creating' }), []);
    rdsMock
      .on(DeleteDBClusterCommand)
      .rejects(rdsError('InvalidDBClusterStateFault', 'DbCluster is in creating state'));

    // Act
    const deleting = adapter().deleteSandbox(clusterRef);

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('succeeds when the cluster vanished between describe and delete', async () => {
    // Prepare
    givenCluster(cluster(), []);
    rdsMock.on(DeleteDBClusterCommand).rejects(rdsError('DBClusterNotFoundFault'));

    // Act
    const deleting = adapter().deleteSandbox(clusterRef);

    // Assess
    await expect(deleting).resolves.toBeUndefined();
  });
});

describe('AwsSandboxAdapter.connectionFor', () => {
  it('reads the RDS-managed secret and connects over verified TLS to the instance endpoint', async () => {
    // Prepare
    givenInstance(instance());
    secretsMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: 'postgres_admin', password: SECRET_PASSWORD }) });

    // Act
    const connection = await adapter().connectionFor(instanceRef);

    // Assess
    const host = `${SANDBOX_ID}.abc.${REGION}.rds.amazonaws.com`;
    expect(connection).toEqual({
      engine: 'postgres',
      host,
      port: 5432,
      user: 'postgres_admin',
      password: SECRET_PASSWORD,
      database: 'orders',
      tls: { rejectUnauthorized: true, ca: CA_BUNDLE, servername: host },
    });
    expect(secretsMock.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET_ARN },
    ]);
  });

  it('connects to the cluster endpoint and port of an Aurora sandbox', async () => {
    // Prepare
    givenCluster(cluster({ Engine: 'aurora-mysql', Port: 3306, DatabaseName: 'billing' }), [member()]);
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"admin","password":"p"}' });

    // Act
    const connection = await adapter().connectionFor(clusterRef);

    // Assess
    expect(connection).toMatchObject({
      engine: 'mysql',
      host: `${CLUSTER_ID}.cluster-abc.${REGION}.rds.amazonaws.com`,
      port: 3306,
      database: 'billing',
      tls: { rejectUnauthorized: true, servername: `${CLUSTER_ID}.cluster-abc.${REGION}.rds.amazonaws.com` },
    });
  });

  it.each([
    ['postgres', 'postgres', 'postgres'],
    ['aurora-postgresql', 'postgres', 'postgres'],
    ['mysql', 'mysql', 'mysql'],
    ['mariadb', 'mysql', 'mysql'],
    ['aurora-mysql', 'mysql', 'mysql'],
  ])('speaks %s as %s, to the %s database when RDS names none', async (engine, family, database) => {
    // Prepare
    givenInstance(instance({ Engine: engine, DBName: undefined }));
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"admin","password":"p"}' });

    // Act
    const connection = await adapter().connectionFor(instanceRef);

    // Assess
    expect(connection.engine).toBe(family);
    expect(connection.database).toBe(database);
  });

  it.each(['oracle-ee', 'sqlserver-se', 'db2-se'])(
    'refuses engine %s, which the verifier cannot check',
    async (engine) => {
      // Prepare
      givenInstance(instance({ Engine: engine }));

      // Act
      const connecting = adapter().connectionFor(instanceRef);

      // Assess
      await expect(connecting).rejects.toBeInstanceOf(InvalidInputError);
      expect(secretsMock).not.toHaveReceivedCommand(GetSecretValueCommand);
    },
  );

  it('never turns TLS off, even without a CA bundle (the handshake then fails closed)', async () => {
    // Prepare
    givenInstance(instance());
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"admin","password":"p"}' });

    // Act
    const connection = await adapter({}).connectionFor(instanceRef);

    // Assess
    expect(connection.tls).not.toBe(false);
    expect(connection.tls).toEqual({ rejectUnauthorized: true, servername: connection.host });
  });

  it('refuses to hand out the credentials of a database that is not a sandbox', async () => {
    // Prepare
    givenInstance(instance({ TagList: PRODUCTION_TAGS }));

    // Act
    const connecting = adapter().connectionFor(instanceRef);

    // Assess
    await expect(connecting).rejects.toBeInstanceOf(SandboxProtectionError);
    expect(secretsMock).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it.each([
    ['no managed secret yet', undefined],
    ['a secret still being created', { SecretArn: SECRET_ARN, SecretStatus: 'creating' }],
  ])('reports a sandbox with %s as not ready (InvalidStateError)', async (_, secret) => {
    // Prepare
    givenInstance(instance({ MasterUserSecret: secret }));

    // Act
    const connecting = adapter().connectionFor(instanceRef);

    // Assess
    await expect(connecting).rejects.toBeInstanceOf(InvalidStateError);
    expect(secretsMock).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('reports a sandbox without an endpoint yet as not ready', async () => {
    // Prepare
    givenInstance(instance({ Endpoint: undefined }));

    // Act
    const connecting = adapter().connectionFor(instanceRef);

    // Assess
    await expect(connecting).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('reports a sandbox that does not exist as DatabaseNotFoundError', async () => {
    // Prepare
    givenInstance(undefined);

    // Act
    const connecting = adapter().connectionFor(instanceRef);

    // Assess
    await expect(connecting).rejects.toBeInstanceOf(DatabaseNotFoundError);
  });

  it.each([
    ['not JSON', `password=${SECRET_PASSWORD}`],
    ['JSON without a username', JSON.stringify({ password: SECRET_PASSWORD })],
    ['JSON without a password', JSON.stringify({ username: 'admin', secret: SECRET_PASSWORD })],
    ['a JSON string', JSON.stringify(SECRET_PASSWORD)],
  ])('rejects a secret that is %s without quoting it in the error', async (_, secretString) => {
    // Prepare
    givenInstance(instance());
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: secretString });

    // Act
    const error: unknown = await adapter()
      .connectionFor(instanceRef)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(CloudServiceError);
    expect(error instanceof Error ? error.cause : 'not an error').toBeUndefined();
    expect(String(error instanceof Error ? error.message : error)).not.toContain(SECRET_PASSWORD);
    expect(JSON.stringify(error)).not.toContain(SECRET_PASSWORD);
  });

  it.each<[string, new (...args: never[]) => RestorableError]>([
    ['ThrottlingException', ThrottlingError],
    ['ResourceNotFoundException', InvalidStateError],
  ])('translates a Secrets Manager %s into %o', async (code, errorClass) => {
    // Prepare
    givenInstance(instance());
    secretsMock.on(GetSecretValueCommand).rejects(secretsError(code));

    // Act
    const connecting = adapter().connectionFor(instanceRef);

    // Assess
    await expect(connecting).rejects.toBeInstanceOf(errorClass);
  });
});

describe('awsSandboxPortProvider', () => {
  it('keeps one RDS and one Secrets Manager client per region', () => {
    // Prepare
    const rdsClientFactory = vi.fn((region: string) => new RDSClient({ region }));
    const secretsClientFactory = vi.fn((region: string) => new SecretsManagerClient({ region }));
    const provider = awsSandboxPortProvider({ rdsClientFactory, secretsClientFactory, caBundle: CA_BUNDLE });

    // Act
    const ports = [provider(REGION), provider(REGION), provider('us-east-1')];

    // Assess
    expect(ports.map((port) => port.region)).toEqual([REGION, REGION, 'us-east-1']);
    expect(rdsClientFactory.mock.calls).toEqual([[REGION], ['us-east-1']]);
    expect(secretsClientFactory.mock.calls).toEqual([[REGION], ['us-east-1']]);
  });

  it("restores each region's sandboxes into that region's subnet group and security groups only", async () => {
    // Prepare: the stack region and a drill region, each with its own network.
    const provider = awsSandboxPortProvider({
      rdsClientFactory: (region) => new RDSClient({ region }),
      secretsClientFactory: (region) => new SecretsManagerClient({ region }),
      networks: new Map([
        [REGION, NETWORK],
        ['eu-central-1', { subnetGroup: 'restorable-sandbox-central', securityGroupIds: ['sg-0ccc'] }],
      ]),
    });
    rdsMock
      .on(RestoreDBInstanceFromDBSnapshotCommand)
      .resolves({ DBInstance: instance({ DBInstanceStatus: 'creating' }) });
    rdsMock.on(RestoreDBClusterFromSnapshotCommand).resolves({
      DBCluster: cluster({ Status: 'creating', MasterUserSecret: undefined }),
    });
    rdsMock.on(CreateDBInstanceCommand).resolves({ DBInstance: member({ DBInstanceStatus: 'creating' }) });

    // Act
    await provider('eu-central-1').restoreSandbox(request({ region: 'eu-central-1' }));
    await provider('eu-central-1').restoreSandbox(clusterRequest({ region: 'eu-central-1' }));
    const elsewhere = provider('us-east-1').restoreSandbox(request({ region: 'us-east-1' }));

    // Assess
    for (const input of [
      ...inputsOf(RestoreDBInstanceFromDBSnapshotCommand),
      ...inputsOf(RestoreDBClusterFromSnapshotCommand),
    ]) {
      expect(input).toMatchObject({
        DBSubnetGroupName: 'restorable-sandbox-central',
        VpcSecurityGroupIds: ['sg-0ccc'],
      });
    }
    await expect(elsewhere).rejects.toThrow('sandbox.regions.us-east-1.subnetGroup');
    expect(inputsOf(RestoreDBInstanceFromDBSnapshotCommand)).toHaveLength(1);
  });

  it('gives its ports the CA bundle', async () => {
    // Prepare
    const provider = awsSandboxPortProvider({
      rdsClientFactory: (region) => new RDSClient({ region }),
      secretsClientFactory: (region) => new SecretsManagerClient({ region }),
      caBundle: CA_BUNDLE,
    });
    givenInstance(instance());
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: '{"username":"admin","password":"p"}' });

    // Act
    const connection = await provider(REGION).connectionFor(instanceRef);

    // Assess
    expect(connection.tls).toMatchObject({ ca: CA_BUNDLE });
  });
});
