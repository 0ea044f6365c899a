// The cross-account transfer over moto_server, as far as moto goes. The
// source account is moto's default (123456789012, any static credentials);
// the vault account is reached as the product reaches it, through
// awsAssumedRoleRdsPortProvider: moto's STS AssumeRole hands out credentials
// that moto then takes for the role's account (111122223333), whether or not
// the role exists there. Where moto differs from RDS as AWS documents it,
// the fixture says so through the specification's capability flags, each
// with the documentation it contradicts.
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { STSClient } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assumedRoleCredentials,
  awsAssumedRoleRdsPortProvider,
} from '../../src/adapters/aws/assumed-role.ts';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { describeCrossAccountContract } from '../contract/cross-account-contract.ts';
import { createKmsKey, credentials, motoEndpoint, resetMoto } from './moto.ts';

const VAULT_ACCOUNT = '111122223333';
const SOURCE_REGION = 'eu-west-1';
const VAULT_REGION = 'eu-north-1';
const DEPLOYMENT = 'prod-eu-west-1';

beforeAll(resetMoto);

function vaultProvider(roleName: string, clients: RDSClient[], stsClients: STSClient[]) {
  const endpoint = motoEndpoint();
  const stsClient = new STSClient({ region: SOURCE_REGION, endpoint, credentials, maxAttempts: 1 });
  stsClients.push(stsClient);
  return awsAssumedRoleRdsPortProvider({
    roleArn: `arn:aws:iam::${VAULT_ACCOUNT}:role/${roleName}`,
    deployment: DEPLOYMENT,
    stsClient,
    clientFactory: (region, roleCredentials) => {
      const client = new RDSClient({ region, endpoint, credentials: roleCredentials, maxAttempts: 1 });
      clients.push(client);
      return client;
    },
  });
}

describeCrossAccountContract('AWS adapters over moto_server', async () => {
  const endpoint = motoEndpoint();
  const clients: RDSClient[] = [];
  const stsClients: STSClient[] = [];
  const newClient = (region: string) => {
    const client = new RDSClient({ region, endpoint, credentials, maxAttempts: 1 });
    clients.push(client);
    return client;
  };
  const vaultAdminCredentials = await assumedRoleCredentials({
    roleArn: `arn:aws:iam::${VAULT_ACCOUNT}:role/vault-admin`,
    deployment: DEPLOYMENT,
    stsClient: new STSClient({ region: SOURCE_REGION, endpoint, credentials, maxAttempts: 1 }),
  })();
  return {
    source: awsRdsPortProvider({ clientFactory: newClient }),
    vault: vaultProvider('vault-admin', clients, stsClients),
    vaultRole: vaultProvider('restorable-vault-access', clients, stsClients),
    vaultAccountId: VAULT_ACCOUNT,
    // moto's default account, whose static credentials the source uses.
    sourceAccountId: '123456789012',
    seedInstance: async (id) => {
      await newClient(SOURCE_REGION).send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          Engine: 'postgres',
          DBInstanceClass: 'db.t3.micro',
          AllocatedStorage: 20,
          StorageEncrypted: true,
          MasterUsername: 'cross',
          MasterUserPassword: 'cross-password',
        }),
      );
    },
    sourceRegion: SOURCE_REGION,
    vaultRegion: VAULT_REGION,
    // moto's RDS never consults a key policy (moto/rds/models.py
    // _validate_kms_key only looks the key up, in the account its ARN names):
    // any key of the source account will do as the share key.
    shareKeyId: await createKmsKey(SOURCE_REGION, 'restorable share key'),
    vaultKeyId: await createKmsKey(VAULT_REGION, 'restorable vault key', vaultAdminCredentials),
    // moto's CopyDBSnapshot looks the source ARN up in the calling account
    // (moto/rds/models.py get_snapshot takes the region from the ARN, not the
    // account), so the vault never finds a snapshot shared with it. RDS
    // copies it: "If you are copying from a shared manual DB snapshot, this
    // parameter must be the Amazon Resource Name (ARN) of the shared DB
    // snapshot" (CopyDBSnapshot, SourceDBSnapshotIdentifier,
    // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html),
    // and "You can copy a snapshot that has been shared with you"
    // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html).
    copiesSharedSnapshots: false,
    // moto_server evaluates no IAM policy, so the role may do anything. On
    // AWS a call that no identity-based policy allows is refused
    // (AccessDenied, "Policy evaluation logic",
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    enforcesRolePolicy: false,
    cleanup: async () => {
      for (const client of clients) client.destroy();
      for (const client of stsClients) client.destroy();
    },
  };
});

describe('accounts over moto_server', () => {
  it('given credentials of a role assumed in the vault account, then moto takes the calls for that account: its snapshots carry its id', async () => {
    const endpoint = motoEndpoint();
    const stsClient = new STSClient({ region: SOURCE_REGION, endpoint, credentials, maxAttempts: 1 });
    const roleCredentials = assumedRoleCredentials({
      roleArn: `arn:aws:iam::${VAULT_ACCOUNT}:role/vault-admin`,
      deployment: DEPLOYMENT,
      stsClient,
    });
    const vaultClient = new RDSClient({
      region: VAULT_REGION,
      endpoint,
      credentials: roleCredentials,
      maxAttempts: 1,
    });
    await vaultClient.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'vault-own',
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'vault',
        MasterUserPassword: 'vault-password',
      }),
    );
    const vault = awsRdsPortProvider({ clientFactory: () => vaultClient })(VAULT_REGION);

    const snapshot = await vault.createSnapshot({
      database: { kind: 'instance', id: 'vault-own' },
      snapshotId: 'vault-own-snap',
      tags: {},
    });

    expect(snapshot.arn).toBe(`arn:aws:rds:${VAULT_REGION}:${VAULT_ACCOUNT}:snapshot:vault-own-snap`);
    // The vault's own port may prune its own snapshot.
    await vault.deleteSnapshot({ kind: 'instance', id: 'vault-own-snap' });
    expect(await vault.describeSnapshot({ kind: 'instance', id: 'vault-own-snap' })).toBeUndefined();
    vaultClient.destroy();
    stsClient.destroy();
  });
});
