// The real workflows (workflows/*.asl.json), run by the local ASL interpreter
// with the aws adapters over moto_server: real RDS, Secrets Manager and S3
// clients of the SDK, one per region as in Lambda, pointed at the emulator.
// moto holds the databases (instances and Aurora clusters, protected and not,
// more than one page of them), KMS keys in both regions, the sandbox network
// (VPC, subnets, DB subnet group, security group), the reports bucket with
// Object Lock and the work bucket without it. The workflows back up with a cross-region copy, re-run the same
// day, drill an instance and a cluster (restore, wait, teardown), sweep an
// expired sandbox and prune past the retention.
//
// One step is not run for real: the verifier's SQL. moto restores a database
// as a record, with no engine behind its endpoint, so `verifierFor` is
// replaced by one that records what it was given and reports a passing
// verification. Everything before it (the restore, the polls, the master
// password that RDS manages in Secrets Manager, read by the verify step
// itself) and after it (teardown, reports) runs over moto.
//
// Where moto differs from RDS as AWS documents it, the test says so and works
// around it here, never in the product (see the README, "Testing against an
// AWS emulator"). The AWS operations the product sent are counted by a
// middleware on its clients and printed at the end.
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  type DBCluster,
  type DBInstance,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { RoutedReportStore } from '../../src/adapters/aws/routed-report-store.ts';
import { awsSandboxPortProvider } from '../../src/adapters/aws/sandbox.ts';
import { localRegionalVerifierProvider } from '../../src/adapters/local/regional-verifier.ts';
import type { DrillRunSummary } from '../../src/cli/services/drill.ts';
import type { PruneRunResult } from '../../src/cli/services/prune.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { BackupRunSummary } from '../../src/domain/backup.ts';
import { deploymentOf } from '../../src/domain/deployment.ts';
import { SANDBOX_DRILL_TAG, SANDBOX_EXPIRES_TAG, SANDBOX_TAG } from '../../src/domain/sandbox.ts';
import { sandboxNetworks } from '../../src/domain/sandbox-network.ts';
import {
  DATABASE_KIND_TAG,
  DATABASE_TAG,
  DEPLOYMENT_TAG,
  MANAGED_TAG,
  RUN_TAG,
  SOURCE_REGION_TAG,
} from '../../src/domain/tags.ts';
import type { VerifyRequest, VerifyResult } from '../../src/verifier/types.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import {
  createKmsKey,
  createNetwork,
  credentials,
  type EmulatedNetwork,
  motoEndpoint,
  resetMoto,
} from './moto.ts';
import { OperationLog } from './operations.ts';

// The verify step's SQL, replaced (see the top of the file). The stand-in
// records each request and lets a test look at moto while the sandbox exists.
const verification = vi.hoisted(() => ({
  requests: [] as VerifyRequest[],
  whileSandboxExists: undefined as (() => Promise<void>) | undefined,
}));
vi.mock('../../src/verifier/index.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/verifier/index.ts')>();
  return {
    ...actual,
    verifierFor: () => ({
      async verify(request: VerifyRequest): Promise<VerifyResult> {
        verification.requests.push(request);
        await verification.whileSandboxExists?.();
        const check = (name: string) => ({
          name,
          status: 'pass' as const,
          detail: 'stand-in',
          durationMs: 1,
        });
        return {
          checks: [check('connect'), check('consistency')],
          inventory: actual.buildInventory(1, [{ schema: 'public', table: 'items', rows: 100, exact: true }]),
          newestRowTime: new Date(Date.now() - 60_000).toISOString(),
          newestRowSource: 'the freshness query',
          freshnessCheck: undefined,
        };
      },
    }),
  };
});

const SOURCE_REGION = 'eu-west-1';
const COPY_REGION = 'eu-central-1';
const BUCKET = 'restorable-reports-emulated';
const WORK_BUCKET = 'restorable-work-emulated';
const SUBNET_GROUP = 'restorable-sandbox';
const SANDBOX_CLASS = 'db.t3.medium';
const MASTER = { MasterUsername: 'restorable', MasterUserPassword: 'seeded-password' };
/**
 * Unprotected DB instances beside the protected ones: with them the region
 * holds more instances than one page of the adapters' listings (MaxRecords
 * 100), so listing databases and sandboxes follows a Marker.
 */
const UNPROTECTED_INSTANCES = 101;
const DAY_MS = 86_400_000;

// The product's clock runs with moto's, which stamps what it creates with the
// wall-clock time; a test moves the product's clock ahead with `daysAhead`.
let daysAhead = 0;
const clock = () => new Date(Date.now() + daysAhead * DAY_MS);
const today = () => clock().toISOString().slice(0, 10);

const operations = new OperationLog();
const operationsByRun = new Map<string, Record<string, number>>();
const productClients: { destroy(): void }[] = [];
const inspectionClients = new Map<string, RDSClient>();

let config: Config;
let copyKeyArn: string;
let network: EmulatedNetwork;
let s3: S3Client;
let inspectionS3: S3Client;
let deploymentId: string;

/**
 * moto's RestoreDBClusterFromSnapshot finds the snapshot by identifier only.
 * RDS takes either: "You can use either the name or the Amazon Resource Name
 * (ARN) to specify a DB snapshot or DB cluster snapshot"
 * (SnapshotIdentifier,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html).
 * The adapter sends the ARN, which the operation log records as sent; this
 * middleware, after the log's, hands moto the identifier instead.
 */
function restoreClustersByIdentifierForMoto(client: RDSClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const { input } = args;
      if (
        context.commandName === 'RestoreDBClusterFromSnapshotCommand' &&
        'SnapshotIdentifier' in input &&
        typeof input.SnapshotIdentifier === 'string' &&
        input.SnapshotIdentifier.startsWith('arn:')
      ) {
        input.SnapshotIdentifier = input.SnapshotIdentifier.slice(
          input.SnapshotIdentifier.lastIndexOf(':') + 1,
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'restoreClustersByIdentifierForMoto', priority: 'low' },
  );
}

// Module-scoped factories: the adapters keep one client per region and factory.
const productRdsClient = (region: string): RDSClient => {
  // maxAttempts 1: a failing call fails the test at once instead of retrying.
  const client = new RDSClient({ region, endpoint: motoEndpoint(), credentials, maxAttempts: 1 });
  operations.attach('RDS', client);
  restoreClustersByIdentifierForMoto(client);
  productClients.push(client);
  return client;
};
const productSecretsClient = (region: string): SecretsManagerClient => {
  const client = new SecretsManagerClient({ region, endpoint: motoEndpoint(), credentials, maxAttempts: 1 });
  operations.attach('SecretsManager', client);
  productClients.push(client);
  return client;
};

/** A client of the test's own, for seeding and looking: its calls are not counted. */
function rdsOf(region: string): RDSClient {
  let client = inspectionClients.get(region);
  if (client === undefined) {
    client = new RDSClient({ region, endpoint: motoEndpoint(), credentials, maxAttempts: 1 });
    inspectionClients.set(region, client);
  }
  return client;
}

async function run<T>(workflow: string, input: object, executionName: string): Promise<T> {
  const before = operations.size;
  const sandboxes = awsSandboxPortProvider({
    rdsClientFactory: productRdsClient,
    secretsClientFactory: productSecretsClient,
    networks: sandboxNetworks(config),
  });
  const runner = new LocalWorkflowRunner({
    dependencies: {
      config,
      rds: awsRdsPortProvider({ clientFactory: productRdsClient }),
      // As in Lambda (src/runtime/aws-lambda.ts): work documents to the work bucket.
      reports: new RoutedReportStore({
        reports: new S3ReportStore(s3, BUCKET),
        work: new S3ReportStore(s3, WORK_BUCKET),
      }),
      sandboxes,
      // The copy region's verifier, in process: what the regional verifier
      // stack's function runs there (verifySandbox over the aws sandbox
      // adapter of its region), without the Step Functions hop moto would
      // not run.
      regionalVerifiers: localRegionalVerifierProvider(sandboxes, clock),
      clock,
    },
    logLevel: 'SILENT',
  });
  try {
    return (await runner.run(workflow, input, executionName)) as T;
  } finally {
    operationsByRun.set(executionName, operations.counts(before));
  }
}

const tagsOf = (tagList: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tagList ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));

async function instanceSnapshots(region: string, databaseId: string) {
  const answer = await rdsOf(region).send(
    new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: databaseId, SnapshotType: 'manual' }),
  );
  return (answer.DBSnapshots ?? []).map((snapshot) => ({
    id: snapshot.DBSnapshotIdentifier ?? '',
    status: snapshot.Status,
    kmsKeyId: snapshot.KmsKeyId,
    tags: tagsOf(snapshot.TagList),
  }));
}

async function clusterSnapshots(region: string, databaseId: string) {
  const answer = await rdsOf(region).send(
    new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: databaseId, SnapshotType: 'manual' }),
  );
  return (answer.DBClusterSnapshots ?? []).map((snapshot) => ({
    id: snapshot.DBClusterSnapshotIdentifier ?? '',
    status: snapshot.Status,
    kmsKeyId: snapshot.KmsKeyId,
    tags: tagsOf(snapshot.TagList),
  }));
}

const snapshotsOf = (region: string, database: { id: string; kind: 'instance' | 'cluster' }) =>
  database.kind === 'instance'
    ? instanceSnapshots(region, database.id)
    : clusterSnapshots(region, database.id);

async function allInstances(region: string): Promise<DBInstance[]> {
  const instances: DBInstance[] = [];
  let Marker: string | undefined;
  do {
    const page = await rdsOf(region).send(new DescribeDBInstancesCommand({ MaxRecords: 100, Marker }));
    instances.push(...(page.DBInstances ?? []));
    Marker = page.Marker;
  } while (Marker !== undefined);
  return instances;
}

const isSandboxTagged = (resource: { TagList?: Tag[] }) => tagsOf(resource.TagList)[SANDBOX_TAG] === 'true';

async function sandboxInstances(region: string): Promise<DBInstance[]> {
  return (await allInstances(region)).filter(isSandboxTagged);
}

/** Identifiers of every DB instance of both regions that is not a sandbox. */
async function databaseInstanceIds(): Promise<string[]> {
  const instances = [...(await allInstances(SOURCE_REGION)), ...(await allInstances(COPY_REGION))];
  return instances
    .filter((instance) => !isSandboxTagged(instance))
    .map((instance) => instance.DBInstanceIdentifier ?? '')
    .sort();
}

async function sandboxClusters(region: string): Promise<DBCluster[]> {
  const answer = await rdsOf(region).send(new DescribeDBClustersCommand({}));
  return (answer.DBClusters ?? []).filter(isSandboxTagged);
}

async function reportKeys(prefix: string, bucket = BUCKET): Promise<string[]> {
  const answer = await inspectionS3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (answer.Contents ?? []).map((object) => object.Key ?? '').sort();
}

async function readText(key: string, bucket = BUCKET): Promise<string> {
  const answer = await inspectionS3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await answer.Body?.transformToString('utf8')) ?? '';
}

async function readReport(key: string): Promise<unknown> {
  return JSON.parse((await readText(key)) || 'null');
}

const PROTECTED = [
  { id: 'billing', kind: 'cluster' as const },
  { id: 'orders', kind: 'instance' as const },
];

beforeAll(async () => {
  await resetMoto();
  const seedingStarted = performance.now();
  const sourceKeyArn = await createKmsKey(SOURCE_REGION, 'restorable emulated source databases');
  copyKeyArn = await createKmsKey(COPY_REGION, 'restorable emulated copies');
  network = await createNetwork(COPY_REGION);
  await rdsOf(COPY_REGION).send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: SUBNET_GROUP,
      DBSubnetGroupDescription: 'restore drill sandboxes',
      SubnetIds: [...network.subnetIds],
    }),
  );

  const source = rdsOf(SOURCE_REGION);
  const encrypted = { StorageEncrypted: true, KmsKeyId: sourceKeyArn };
  await source.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders',
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MultiAZ: true,
      Tags: [
        { Key: 'backup', Value: 'daily' },
        { Key: 'team', Value: 'shop' },
      ],
      ...encrypted,
      ...MASTER,
    }),
  );
  await source.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'billing',
      Engine: 'aurora-postgresql',
      Tags: [{ Key: 'backup', Value: 'daily' }],
      ...encrypted,
      ...MASTER,
    }),
  );
  await source.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'billing-writer',
      DBClusterIdentifier: 'billing',
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      Tags: [{ Key: 'backup', Value: 'daily' }],
    }),
  );
  // Not protected: no backup tag.
  await source.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'scratch',
      Engine: 'aurora-postgresql',
      Tags: [{ Key: 'backup', Value: 'never' }],
      ...encrypted,
      ...MASTER,
    }),
  );
  const unprotected = Array.from({ length: UNPROTECTED_INSTANCES }, (_, index) => index);
  for (let start = 0; start < unprotected.length; start += 20) {
    await Promise.all(
      unprotected.slice(start, start + 20).map((index) =>
        source.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: `unprotected-${String(index).padStart(3, '0')}`,
            Engine: 'postgres',
            DBInstanceClass: 'db.t3.micro',
            AllocatedStorage: 20,
            Tags: [{ Key: 'team', Value: 'analytics' }],
            ...MASTER,
          }),
        ),
      ),
    );
  }

  s3 = new S3Client({ region: SOURCE_REGION, endpoint: motoEndpoint(), credentials, forcePathStyle: true });
  operations.attach('S3', s3);
  inspectionS3 = new S3Client({
    region: SOURCE_REGION,
    endpoint: motoEndpoint(),
    credentials,
    forcePathStyle: true,
  });
  // As the stack's ReportsBucket: versioned, Object Lock, default COMPLIANCE retention.
  await inspectionS3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      ObjectLockEnabledForBucket: true,
      CreateBucketConfiguration: { LocationConstraint: SOURCE_REGION },
    }),
  );
  await inspectionS3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await inspectionS3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: BUCKET,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } },
      },
    }),
  );
  // As the stack's WorkBucket: neither versioned nor locked.
  await inspectionS3.send(
    new CreateBucketCommand({
      Bucket: WORK_BUCKET,
      CreateBucketConfiguration: { LocationConstraint: SOURCE_REGION },
    }),
  );

  config = parseConfig(`
sourceRegion: ${SOURCE_REGION}
copyRegions:
  - region: ${COPY_REGION}
    kmsKeyId: ${copyKeyArn}
selection:
  tags: { backup: daily }
retention:
  days: 7
  # Two days of backups, pruned past the retention, lose the first day's:
  # half the snapshots in one run, which the mass-deletion brake refuses.
  maxDeletionShare: 1
sandbox:
  instanceClass: ${SANDBOX_CLASS}
  ttlMinutes: 60
  # The drills restore in the copy region, whose network is its own.
  regions:
    ${COPY_REGION}:
      subnetGroup: ${SUBNET_GROUP}
      securityGroupIds: [${network.securityGroupId}]
      verifierSubnetIds: [${network.subnetIds.join(', ')}]
      verifierSecurityGroupIds: [${network.securityGroupId}]
drills:
  rpoTargetHours: 26
  rtoTargetMinutes: 60
`);
  deploymentId = deploymentOf(config).id;
  console.log(
    `seeded moto_server in ${Math.round(performance.now() - seedingStarted)} ms: ${UNPROTECTED_INSTANCES + 3} DB instances, 2 Aurora clusters, 2 KMS keys, a VPC with 2 subnets, a DB subnet group, a security group, an Object Lock bucket and a work bucket`,
  );
});

afterAll(() => {
  // The numbers of AWS operations the product sent to moto, per run and in all.
  const table = Object.fromEntries(operationsByRun);
  console.log(
    `AWS operations exercised over moto_server (${operations.size} calls in all):\n${JSON.stringify(
      { total: operations.counts(), byRun: table },
      null,
      2,
    )}`,
  );
  for (const client of [...productClients, ...inspectionClients.values()]) client.destroy();
  s3?.destroy();
  inspectionS3?.destroy();
});

describe('the workflows with the aws adapters over moto_server', () => {
  it('backs up every protected database with a cross-region copy, each snapshot and copy carrying the tags the product relies on', async () => {
    // Act
    const summary = await run<BackupRunSummary>('backup', {}, 'backup-emulated');

    // Assess: both kinds backed up, in both regions; nothing unprotected.
    const day = today();
    expect(summary.status).toBe('OK');
    expect(summary.databases.map((database) => [database.id, database.status])).toEqual([
      ['billing', 'OK'],
      ['orders', 'OK'],
    ]);
    for (const database of PROTECTED) {
      const id = `restorable-${database.id}-${day}`;
      const owned = {
        [MANAGED_TAG]: 'true',
        [DEPLOYMENT_TAG]: deploymentId,
        [DATABASE_TAG]: database.id,
        [DATABASE_KIND_TAG]: database.kind,
        [RUN_TAG]: 'backup-emulated',
      };
      expect(await snapshotsOf(SOURCE_REGION, database)).toEqual([
        { id, status: 'available', kmsKeyId: expect.any(String), tags: owned },
      ]);
      // Encrypted with the copy region's key; the copy request names every
      // tag the copy needs (no CopyTags), the source region too.
      expect(await snapshotsOf(COPY_REGION, database)).toEqual([
        {
          id,
          status: 'available',
          kmsKeyId: copyKeyArn,
          tags: { ...owned, [SOURCE_REGION_TAG]: SOURCE_REGION },
        },
      ]);
    }
    expect(await instanceSnapshots(SOURCE_REGION, 'unprotected-000')).toEqual([]);
    expect(await clusterSnapshots(SOURCE_REGION, 'scratch')).toEqual([]);
    // More instances than one page: the listing followed moto's Marker.
    expect(operations.inputsOf('DescribeDBInstances').some((input) => typeof input.Marker === 'string')).toBe(
      true,
    );
    expect(await reportKeys(`evidence/backups/${day}/`)).toEqual([
      `evidence/backups/${day}/billing/backup-emulated.json`,
      `evidence/backups/${day}/orders/backup-emulated.json`,
    ]);
    // Every report lands under the bucket's default COMPLIANCE retention.
    const record = await inspectionS3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `evidence/backups/${day}/orders/backup-emulated.json` }),
    );
    expect(record.ObjectLockMode).toBe('COMPLIANCE');
    // The run's queue and the timings it kept are work documents: in the
    // work bucket, none of them under the lock.
    const work = await reportKeys('work/backups/', WORK_BUCKET);
    expect(work).toContain('work/backups/timings.json');
    expect(work.some((key) => key.endsWith('/queue.json'))).toBe(true);
    expect(await reportKeys('work/')).toEqual([]);
  });

  it('run again the same day, the backup makes no second snapshot or copy and reports the day complete', async () => {
    // Prepare
    const before = operations.size;

    // Act
    const summary = await run<BackupRunSummary>('backup', {}, 'backup-emulated-rerun');

    // Assess
    const day = today();
    expect(summary.status).toBe('OK');
    for (const database of summary.databases) {
      expect(database.snapshots).toEqual([
        expect.objectContaining({
          region: SOURCE_REGION,
          id: `restorable-${database.id}-${day}`,
          status: 'available',
        }),
        expect.objectContaining({
          region: COPY_REGION,
          id: `restorable-${database.id}-${day}`,
          status: 'available',
        }),
      ]);
    }
    // The rerun asks for the day's ids again, RDS refuses them as taken, and
    // the run adopts what it finds: no retake, no recopy, nothing new.
    const asked = (operation: string, field: string) =>
      operations.inputsOf(operation, before).map((input) => input[field]);
    expect([
      ...asked('CreateDBSnapshot', 'DBSnapshotIdentifier'),
      ...asked('CreateDBClusterSnapshot', 'DBClusterSnapshotIdentifier'),
    ]).toEqual([`restorable-orders-${day}`, `restorable-billing-${day}`]);
    expect([
      ...asked('CopyDBSnapshot', 'TargetDBSnapshotIdentifier'),
      ...asked('CopyDBClusterSnapshot', 'TargetDBClusterSnapshotIdentifier'),
    ]).toEqual([`restorable-orders-${day}`, `restorable-billing-${day}`]);
    for (const database of PROTECTED) {
      expect(await snapshotsOf(SOURCE_REGION, database)).toHaveLength(1);
      expect(await snapshotsOf(COPY_REGION, database)).toHaveLength(1);
    }
  });

  it.each(PROTECTED)(
    'drills the $kind $id from its copy: the sandbox is restored as configured, verified and gone after the teardown',
    async (database) => {
      // Prepare: look at moto while the verify step runs, when the sandbox exists.
      const before = operations.size;
      const during: {
        instances: DBInstance[];
        clusters: DBCluster[];
        secret?: { username?: string; password?: string };
      } = {
        instances: [],
        clusters: [],
      };
      verification.whileSandboxExists = async () => {
        during.instances = await sandboxInstances(COPY_REGION);
        during.clusters = await sandboxClusters(COPY_REGION);
        const owner = database.kind === 'instance' ? during.instances[0] : during.clusters[0];
        const secretArn = owner?.MasterUserSecret?.SecretArn;
        if (secretArn !== undefined) {
          const secrets = new SecretsManagerClient({
            region: COPY_REGION,
            endpoint: motoEndpoint(),
            credentials,
          });
          const secret = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
          during.secret = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
          secrets.destroy();
        }
      };
      const requestsBefore = verification.requests.length;

      // Act
      const summary = await run<DrillRunSummary>(
        'drill',
        { databaseId: database.id },
        `drill-emulated-${database.id}`,
      );
      verification.whileSandboxExists = undefined;

      // Assess: the drill passed on the copy of today's snapshot.
      const day = today();
      expect(summary.status).toBe('OK');
      const [outcome] = summary.drills;
      expect(outcome).toMatchObject({
        verdict: 'pass',
        database: database.id,
        snapshot: `restorable-${database.id}-${day}`,
        region: COPY_REGION,
      });
      const copyArn = (await snapshotsArnOf(COPY_REGION, database)) ?? 'no copy';
      const sandboxTagsExpected = {
        [SANDBOX_TAG]: 'true',
        [DATABASE_TAG]: database.id,
        [DEPLOYMENT_TAG]: deploymentId,
        [SANDBOX_DRILL_TAG]: expect.stringMatching(new RegExp(`^drill-${database.id}-`)),
        [SANDBOX_EXPIRES_TAG]: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      };
      if (database.kind === 'instance') {
        // The restore request, as the adapter sent it. Not Multi-AZ and not
        // public are asserted here and not on moto's sandbox: moto drops a
        // `false` given to a restore and keeps the source's setting, where
        // RDS applies the request's ("MultiAZ: Specifies whether the DB
        // instance is a Multi-AZ deployment", "PubliclyAccessible: Specifies
        // whether the DB instance is publicly accessible",
        // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html).
        const [restore] = operations.inputsOf('RestoreDBInstanceFromDBSnapshot', before);
        expect(restore).toMatchObject({
          DBSnapshotIdentifier: copyArn,
          DBInstanceClass: SANDBOX_CLASS,
          DBSubnetGroupName: SUBNET_GROUP,
          VpcSecurityGroupIds: [network.securityGroupId],
          PubliclyAccessible: false,
          MultiAZ: false,
          DeletionProtection: false,
        });
        // The sandbox as moto held it during the verify step.
        expect(during.instances).toHaveLength(1);
        const [sandbox] = during.instances;
        expect(sandbox).toMatchObject({
          DBInstanceClass: SANDBOX_CLASS,
          Engine: 'postgres',
          DBSubnetGroup: expect.objectContaining({ DBSubnetGroupName: SUBNET_GROUP }),
          VpcSecurityGroups: [expect.objectContaining({ VpcSecurityGroupId: network.securityGroupId })],
          DeletionProtection: false,
          MasterUserSecret: expect.objectContaining({ SecretStatus: 'active' }),
        });
        expect(tagsOf(sandbox?.TagList)).toEqual(sandboxTagsExpected);
      } else {
        const [restore] = operations.inputsOf('RestoreDBClusterFromSnapshot', before);
        expect(restore).toMatchObject({
          SnapshotIdentifier: copyArn,
          Engine: 'aurora-postgresql',
          DBSubnetGroupName: SUBNET_GROUP,
          VpcSecurityGroupIds: [network.securityGroupId],
          DeletionProtection: false,
        });
        expect(during.clusters).toHaveLength(1);
        const [sandbox] = during.clusters;
        expect(sandbox).toMatchObject({
          Engine: 'aurora-postgresql',
          DBSubnetGroup: SUBNET_GROUP,
          VpcSecurityGroups: [expect.objectContaining({ VpcSecurityGroupId: network.securityGroupId })],
          DeletionProtection: false,
          MasterUserSecret: expect.objectContaining({ SecretStatus: 'active' }),
        });
        expect(tagsOf(sandbox?.TagList)).toEqual(sandboxTagsExpected);
        // Its one instance, of the configured class, carrying the sandbox tags too.
        expect(during.instances).toEqual([
          expect.objectContaining({
            DBInstanceIdentifier: `${sandbox?.DBClusterIdentifier}-1`,
            DBClusterIdentifier: sandbox?.DBClusterIdentifier,
            DBInstanceClass: SANDBOX_CLASS,
          }),
        ]);
      }
      // The verify step connected to the sandbox's endpoint with the master
      // user's credentials from the secret RDS manages in Secrets Manager
      // ("RDS generates the password and stores it in Secrets Manager",
      // https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
      // moto's managed secret always names the user `admin`, where RDS's
      // holds the database's own master user: the test compares the
      // connection with the secret, not with the seeded master user.
      const [request] = verification.requests.slice(requestsBefore);
      const connection = request?.connection;
      const owner = database.kind === 'instance' ? during.instances[0] : during.clusters[0];
      expect(connection?.engine).toBe('postgres');
      expect(connection?.host).toBe(
        database.kind === 'instance' ? during.instances[0]?.Endpoint?.Address : during.clusters[0]?.Endpoint,
      );
      expect(connection?.user).toBe(during.secret?.username);
      // Compared, never printed: a diff would show the password.
      expect(during.secret?.password !== undefined && connection?.password === during.secret.password).toBe(
        true,
      );
      // It expires with the sandbox's time to live (60 minutes) from the drill.
      const expiresInMs = Date.parse(tagsOf(owner?.TagList)[SANDBOX_EXPIRES_TAG] ?? '') - Date.now();
      expect(expiresInMs).toBeGreaterThan(55 * 60_000);
      expect(expiresInMs).toBeLessThanOrEqual(60 * 60_000);
      // Torn down: nothing of the sandbox is left in moto, the secret that
      // held its master password included.
      expect(await sandboxInstances(COPY_REGION)).toEqual([]);
      expect(await sandboxClusters(COPY_REGION)).toEqual([]);
      const secrets = new SecretsManagerClient({
        region: COPY_REGION,
        endpoint: motoEndpoint(),
        credentials,
      });
      await expect(
        secrets.send(new GetSecretValueCommand({ SecretId: owner?.MasterUserSecret?.SecretArn ?? 'none' })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      secrets.destroy();
      // The drill report is in the bucket.
      const reports = await reportKeys(`drills/${database.id}/`);
      expect(reports.filter((key) => key.endsWith('.json'))).toHaveLength(1);
      expect(await readReport(reports.find((key) => key.endsWith('.json')) ?? '')).toMatchObject({
        verdict: 'pass',
        database: expect.objectContaining({ id: database.id }),
      });
      // The master password is in no report, record or run output.
      const password = during.secret?.password ?? 'no password read';
      expect(JSON.stringify(summary).includes(password)).toBe(false);
      const holdingIt: string[] = [];
      for (const bucket of [BUCKET, WORK_BUCKET]) {
        for (const key of await reportKeys('', bucket)) {
          if ((await readText(key, bucket)).includes(password)) holdingIt.push(key);
        }
      }
      expect(holdingIt).toEqual([]);
      // The verifier's hand-off to the drill report is a work document.
      expect(
        (await reportKeys('work/drills/', WORK_BUCKET)).filter((key) => key.endsWith('/verification.json'))
          .length,
      ).toBeGreaterThan(0);
      expect(await reportKeys('work/')).toEqual([]);
    },
  );

  it('the sweeper removes a sandbox past its time to live, and leaves a live one and every database', async () => {
    // Prepare: sandboxes left behind, created directly in moto with the product's tags.
    const sandboxTags = (expiresAt: Date): Tag[] => [
      { Key: SANDBOX_TAG, Value: 'true' },
      { Key: SANDBOX_EXPIRES_TAG, Value: expiresAt.toISOString() },
      { Key: SANDBOX_DRILL_TAG, Value: 'drill-orders-left-behind' },
      { Key: DATABASE_TAG, Value: 'orders' },
      { Key: DEPLOYMENT_TAG, Value: deploymentId },
    ];
    const leftBehind = async (id: string, expiresAt: Date) =>
      rdsOf(COPY_REGION).send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          Engine: 'postgres',
          DBInstanceClass: SANDBOX_CLASS,
          AllocatedStorage: 20,
          DBSubnetGroupName: SUBNET_GROUP,
          Tags: sandboxTags(expiresAt),
          ...MASTER,
        }),
      );
    await leftBehind('rsbx-orders-expired', new Date(clock().getTime() - 60_000));
    await leftBehind('rsbx-orders-live', new Date(clock().getTime() + 3_600_000));
    const databasesBefore = await databaseInstanceIds();
    expect(databasesBefore).toHaveLength(UNPROTECTED_INSTANCES + 2);

    // Act
    const result = await run<{ deleted: { id: string; reason: string }[]; remaining: number }>(
      'sweeper',
      {},
      'sweep-emulated',
    );

    // Assess
    expect(result.deleted).toEqual([
      expect.objectContaining({ id: 'rsbx-orders-expired', reason: 'time to live ended' }),
    ]);
    expect(result.remaining).toBe(1);
    expect((await sandboxInstances(COPY_REGION)).map((instance) => instance.DBInstanceIdentifier)).toEqual([
      'rsbx-orders-live',
    ]);
    expect(await databaseInstanceIds()).toEqual(databasesBefore);
    expect(await reportKeys(`evidence/sweeps/${today()}/`)).toEqual([
      `evidence/sweeps/${today()}/sweep-emulated.json`,
    ]);
  });

  it('the prune keeps what the retention keeps, then deletes the expired snapshots in both regions, logging each deletion first', async () => {
    // Prepare: a second day's backup, and a snapshot the tool did not make.
    daysAhead = 1;
    await run<BackupRunSummary>('backup', {}, 'backup-emulated-day-2');
    const firstDay = new Date(Date.now()).toISOString().slice(0, 10);
    const secondDay = today();
    await rdsOf(SOURCE_REGION).send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'orders-by-hand' }),
    );

    // Act: within the retention of 7 days, then past it.
    daysAhead = 3;
    const within = await run<PruneRunResult>('prune', {}, 'prune-emulated-within');
    // moto stamps snapshots with the wall-clock time, so the second day's
    // snapshots are as old as the first's: past the retention, each database
    // keeps them as its last good copy (and the prune reports that).
    daysAhead = 9;
    const past = await run<PruneRunResult>('prune', {}, 'prune-emulated-past');

    // Assess
    expect(within.deleted).toEqual([]);
    expect(within.findings.map((finding) => finding.kind)).not.toContain('newest-snapshot-expired');
    expect(past.findings.filter((finding) => finding.kind === 'newest-snapshot-expired')).toHaveLength(4);
    const deleted = past.deleted.map((row) => `${row.region} ${row.snapshot}`).sort();
    expect(deleted).toEqual(
      [SOURCE_REGION, COPY_REGION]
        .flatMap((region) => PROTECTED.map((database) => `${region} restorable-${database.id}-${firstDay}`))
        .sort(),
    );
    for (const region of [SOURCE_REGION, COPY_REGION]) {
      for (const database of PROTECTED) {
        expect((await snapshotsOf(region, database)).map((snapshot) => snapshot.id).sort()).toEqual(
          region === SOURCE_REGION && database.id === 'orders'
            ? ['orders-by-hand', `restorable-orders-${secondDay}`]
            : [`restorable-${database.id}-${secondDay}`],
        );
      }
    }
    const logDay = today();
    // One batch: its intent, written before the first delete, names every
    // deletion; its outcome says each was made.
    const base = `evidence/deletions/${logDay}/prune-emulated-past/batch-00000`;
    expect(await reportKeys(`evidence/deletions/${logDay}/prune-emulated-past/`)).toEqual([
      `${base}.intent.json`,
      `${base}.outcome.json`,
    ]);
    const intent = (await readReport(`${base}.intent.json`)) as {
      deletions: { region: string; snapshot: string }[];
    };
    const outcome = (await readReport(`${base}.outcome.json`)) as {
      outcomes: { region: string; snapshot: string; status: string }[];
    };
    const rows = past.deleted.map((row) => `${row.region} ${row.snapshot}`).sort();
    expect(intent.deletions.map((row) => `${row.region} ${row.snapshot}`).sort()).toEqual(rows);
    expect(outcome.outcomes.map((row) => `${row.region} ${row.snapshot} ${row.status}`).sort()).toEqual(
      rows.map((row) => `${row} deleted`),
    );
    // The plan of the run that deleted, and its one batch's slice, are work documents, outside the lock.
    expect(
      (await reportKeys('work/prunes/', WORK_BUCKET)).filter((key) => key.includes('/prune-emulated-past/')),
    ).toEqual([expect.stringMatching(/\/batches\/00000\.json$/), expect.stringMatching(/\/plan\.json$/)]);
    expect(await reportKeys('work/')).toEqual([]);
  });
});

async function snapshotsArnOf(
  region: string,
  database: { id: string; kind: 'instance' | 'cluster' },
): Promise<string | undefined> {
  if (database.kind === 'instance') {
    const answer = await rdsOf(region).send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: database.id, SnapshotType: 'manual' }),
    );
    return answer.DBSnapshots?.[0]?.DBSnapshotArn;
  }
  const answer = await rdsOf(region).send(
    new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: database.id, SnapshotType: 'manual' }),
  );
  return answer.DBClusterSnapshots?.[0]?.DBClusterSnapshotArn;
}
