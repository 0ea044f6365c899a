import { DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  assumedRoleCredentials,
  awsAssumedRoleRdsPortProvider,
  roleSessionName,
} from '../../../src/adapters/aws/assumed-role.ts';
import { AccessDeniedError } from '../../../src/domain/errors.ts';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/restorable-vault-access';
const DEPLOYMENT = 'prod-eu-west-1';
const START = Date.parse('2026-03-01T02:00:00Z');
const HOUR = 3600 * 1000;

const stsMock = mockClient(STSClient);
const rdsMock = mockClient(RDSClient);

/** What STS answers: credentials numbered by call, expiring an hour after `issuedAt`. */
function stsCredentials(serial: number, issuedAt: number) {
  return {
    Credentials: {
      AccessKeyId: `ASIA-${serial}`,
      SecretAccessKey: `secret-${serial}`,
      SessionToken: `token-${serial}`,
      Expiration: new Date(issuedAt + HOUR),
    },
  };
}

function stsError(name: string): STSServiceException {
  return new STSServiceException({ name, $fault: 'client', message: `${name} raised by STS`, $metadata: {} });
}

beforeEach(() => {
  stsMock.reset();
  rdsMock.reset();
});

describe('roleSessionName', () => {
  it.each([
    ['prod-eu-west-1', 'restorable-prod-eu-west-1'],
    ['my stage/eu-west-1', 'restorable-my-stage-eu-west-1'],
    ['x'.repeat(80), `restorable-${'x'.repeat(53)}`],
  ])('names the session of deployment %j %j, as STS accepts it', (deployment, expected) => {
    const name = roleSessionName(deployment);

    expect(name).toBe(expected);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});

describe('assumedRoleCredentials', () => {
  it('assumes the role once, with a session named after the deployment, and hands out its credentials', async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).resolves(stsCredentials(1, START));
    const credentials = assumedRoleCredentials({
      roleArn: ROLE_ARN,
      deployment: DEPLOYMENT,
      stsClient: new STSClient({ region: 'eu-west-1' }),
      now: () => new Date(START),
    });

    // Act
    const first = await credentials();
    const second = await credentials();

    // Assess
    expect(first).toEqual({
      accessKeyId: 'ASIA-1',
      secretAccessKey: 'secret-1',
      sessionToken: 'token-1',
      expiration: new Date(START + HOUR),
    });
    expect(second).toEqual(first);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'restorable-prod-eu-west-1',
      DurationSeconds: 3600,
    });
  });

  it('sends the external id when the role asks for one', async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).resolves(stsCredentials(1, START));
    const credentials = assumedRoleCredentials({
      roleArn: ROLE_ARN,
      deployment: DEPLOYMENT,
      externalId: 'vault-7f3a',
      stsClient: new STSClient({ region: 'eu-west-1' }),
    });

    // Act
    await credentials();

    // Assess
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, { ExternalId: 'vault-7f3a' });
  });

  it('keeps the credentials until shortly before they expire, then assumes the role again', async () => {
    // Prepare
    let now = START;
    stsMock
      .on(AssumeRoleCommand)
      .resolvesOnce(stsCredentials(1, START))
      .callsFake(async () => stsCredentials(2, now));
    const credentials = assumedRoleCredentials({
      roleArn: ROLE_ARN,
      deployment: DEPLOYMENT,
      stsClient: new STSClient({ region: 'eu-west-1' }),
      renewBeforeExpirySeconds: 300,
      now: () => new Date(now),
    });
    await credentials();

    // Act
    now = START + HOUR - 301 * 1000;
    const stillValid = await credentials();
    now = START + HOUR - 299 * 1000;
    const renewed = await credentials();

    // Assess
    expect(stillValid.accessKeyId).toBe('ASIA-1');
    expect(renewed.accessKeyId).toBe('ASIA-2');
    expect(renewed.expiration).toEqual(new Date(now + HOUR));
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
  });

  it('assumes the role once for calls that wait for it together', async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).resolves(stsCredentials(1, START));
    const credentials = assumedRoleCredentials({
      roleArn: ROLE_ARN,
      deployment: DEPLOYMENT,
      stsClient: new STSClient({ region: 'eu-west-1' }),
      now: () => new Date(START),
    });

    // Act
    const all = await Promise.all([credentials(), credentials(), credentials()]);

    // Assess
    expect(new Set(all.map((credential) => credential.accessKeyId))).toEqual(new Set(['ASIA-1']));
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('translates a refused AssumeRole into AccessDeniedError naming the role and the session, and tries again on the next call', async () => {
    // Prepare
    const refusal = stsError('AccessDenied');
    stsMock.on(AssumeRoleCommand).rejectsOnce(refusal).resolves(stsCredentials(2, START));
    const credentials = assumedRoleCredentials({
      roleArn: ROLE_ARN,
      deployment: DEPLOYMENT,
      stsClient: new STSClient({ region: 'eu-west-1' }),
      now: () => new Date(START),
    });

    // Act
    const refused = await credentials().catch((error: unknown) => error);
    const retried = await credentials();

    // Assess
    expect(refused).toBeInstanceOf(AccessDeniedError);
    expect(refused).toMatchObject({ cause: refusal });
    expect((refused as Error).message).toContain(ROLE_ARN);
    expect((refused as Error).message).toContain('restorable-prod-eu-west-1');
    expect(retried.accessKeyId).toBe('ASIA-2');
  });

  it('rethrows what it does not know unchanged', async () => {
    // Prepare
    const failure = stsError('RegionDisabledException');
    stsMock.on(AssumeRoleCommand).rejects(failure);
    const credentials = assumedRoleCredentials({
      roleArn: ROLE_ARN,
      deployment: DEPLOYMENT,
      stsClient: new STSClient({ region: 'eu-west-1' }),
    });

    // Act
    const assuming = credentials();

    // Assess
    await expect(assuming).rejects.toBe(failure);
  });
});

describe('awsAssumedRoleRdsPortProvider', () => {
  it("builds one RDS client per region, signing with the role's credentials, and translates a refusal of the role's policy", async () => {
    // Prepare
    stsMock.on(AssumeRoleCommand).resolves(stsCredentials(1, Date.now()));
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    rdsMock
      .on(DeleteDBSnapshotCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: rds:DeleteDBSnapshot'), { name: 'AccessDenied' }),
      );
    const built: RDSClient[] = [];
    const provider = awsAssumedRoleRdsPortProvider({
      roleArn: ROLE_ARN,
      deployment: DEPLOYMENT,
      stsClient: new STSClient({ region: 'eu-west-1' }),
      clientFactory: vi.fn((region, credentials) => {
        const client = new RDSClient({ region, credentials });
        built.push(client);
        return client;
      }),
    });

    // Act
    const vault = provider('eu-central-1');
    await vault.listSnapshots({ kind: 'instance' });
    await provider('eu-central-1').listSnapshots({ kind: 'instance' });
    const deleting = vault.deleteSnapshot({ kind: 'instance', id: 'vault-copy' });

    // Assess
    await expect(deleting).rejects.toBeInstanceOf(AccessDeniedError);
    expect(vault.region).toBe('eu-central-1');
    expect(built).toHaveLength(1);
    const client = built[0];
    expect(await client?.config.region()).toBe('eu-central-1');
    expect(await client?.config.credentials()).toMatchObject({
      accessKeyId: 'ASIA-1',
      sessionToken: 'token-1',
    });
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });
});
