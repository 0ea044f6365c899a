// The RdsPort contract, run against the AWS adapter over moto_server: real
// RDSClients (one per region, as in Lambda) pointed at the emulator with dummy
// credentials, databases seeded and the copy region's KMS key created through
// the APIs themselves. Where moto differs from RDS as AWS documents it, the
// fixture says so through the contract's capability flags, each with the
// documentation it contradicts; nothing in the product works around moto.
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient, type Tag } from '@aws-sdk/client-rds';
import { beforeAll } from 'vitest';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { type ContractDatabaseSpec, describeRdsPortContract } from '../contract/rds-port-contract.ts';
import { createKmsKey, credentials, motoEndpoint, resetMoto } from './moto.ts';

/** The adapter's page (`MaxRecords`), which the paging test must exceed. */
const ADAPTER_PAGE_SIZE = 100;

beforeAll(resetMoto);

describeRdsPortContract('AWS adapter over moto_server', async () => {
  const endpoint = motoEndpoint();
  const clients: RDSClient[] = [];
  // maxAttempts 1: a failing call fails the test at once instead of retrying.
  const newClient = (region: string) => {
    const client = new RDSClient({ region, endpoint, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const copyRegion = 'eu-central-1';
  return {
    port: awsRdsPortProvider({ clientFactory: newClient }),
    seedDatabase: (spec) => seedDatabase(newClient(spec.region), spec),
    seedUnencryptedCluster: (region, id) =>
      seedDatabase(newClient(region), { region, id, kind: 'cluster', tags: {}, multiAz: false }, false),
    sourceRegion: 'eu-west-1',
    copyRegion,
    copyKmsKeyId: await createKmsKey(copyRegion, 'restorable contract copies'),
    // moto answers every describe with one page whatever MaxRecords says
    // (RDS: "If more records exist than the specified MaxRecords value, a
    // pagination token called a marker is included in the response",
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterSnapshots.html).
    // The paging test still lists more snapshots than the adapter's page and
    // checks each comes back once, but here it cannot exercise the Marker loop;
    // the fake RDS SDK of aws-rds.contract.test.ts does.
    listPageSize: ADAPTER_PAGE_SIZE,
    // moto leaves SourceDBSnapshotIdentifier / SourceDBClusterSnapshotArn of a
    // copy empty. RDS documents them as the ARN the snapshot was copied from:
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshot.html
    // ("SourceDBSnapshotIdentifier: The DB snapshot ARN that the DB snapshot
    // was copied from. It only has a value in the case of a cross-account or
    // cross-Region copy") and
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBClusterSnapshot.html
    // (SourceDBClusterSnapshotArn).
    recordsCopySource: false,
    // moto completes a copy at once. On RDS a copy is `pending` then
    // `copying`, and deleting it in that state cancels it
    // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_CopySnapshot.html,
    // "Canceling a snapshot copy").
    copiesTakeTime: false,
    // moto accepts AddTagsToResource for an ARN that names no snapshot. RDS
    // answers it with DBSnapshotNotFoundFault (HTTP 404):
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_AddTagsToResource.html#API_AddTagsToResource_Errors
    refusesTagsOfMissingSnapshots: false,
    // moto 5.2 does not implement RDS DescribeAccountAttributes (it answers
    // HTTP 500, "The describe_account_attributes action has not been
    // implemented"). RDS lists the account's quotas with their usage,
    // ManualSnapshots and ManualClusterSnapshots among them:
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeAccountAttributes.html
    // and https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_AccountQuota.html
    reportsSnapshotQuotas: false,
    // moto 5.2 shares a snapshot under the account's default key
    // (moto/rds/models.py, SnapshotAttributesMixin.modify_attribute checks
    // only the attribute name and the quota). RDS refuses: "You can't share a
    // snapshot that has been encrypted using the default KMS key of the AWS
    // account that shared the snapshot"
    // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/share-encrypted-snapshot.html).
    refusesSharesUnderDefaultKey: false,
    // moto appends ValuesToAdd to the restore attribute without looking at
    // what it holds, so an account shared with twice is listed twice. RDS
    // lists "the IDs of the AWS accounts that are authorized to copy or
    // restore the manual DB snapshot" (DBSnapshotAttribute, AttributeValues,
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBSnapshotAttribute.html).
    listsEachShareOnce: false,
    cleanup: async () => {
      for (const client of clients) client.destroy();
    },
  };
});

async function seedDatabase(
  client: RDSClient,
  spec: ContractDatabaseSpec,
  storageEncrypted = true,
): Promise<void> {
  const Tags: Tag[] = Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value }));
  const master = { MasterUsername: 'contract', MasterUserPassword: 'contract-password' };
  if (spec.kind === 'instance') {
    await client.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: spec.id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MultiAZ: spec.multiAz,
        StorageEncrypted: storageEncrypted,
        Tags,
        ...master,
      }),
    );
    return;
  }
  // An Aurora cluster is Multi-AZ when its instances span several AZs; with
  // the one writer seeded here it is not, which is what the suite asks for.
  if (spec.multiAz) throw new Error('the moto fixture seeds single-AZ Aurora clusters only');
  await client.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: spec.id,
      Engine: 'aurora-postgresql',
      StorageEncrypted: storageEncrypted,
      Tags,
      ...master,
    }),
  );
  // With a writer instance, which the port must not list on its own.
  await client.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: `${spec.id}-writer`,
      DBClusterIdentifier: spec.id,
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      Tags,
    }),
  );
}
