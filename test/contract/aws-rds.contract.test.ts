// The RdsPort contract, run against the AWS adapter over a stateful fake of
// RDS at the SDK boundary (test/support/fake-rds-sdk.ts). A small page size
// makes the listings span several pages.
import { RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { installFakeRds } from '../support/fake-rds-sdk.ts';
import { describeRdsPortContract } from './rds-port-contract.ts';

const LIST_PAGE_SIZE = 3;
const ACCOUNT = '123456789012';

describeRdsPortContract('AWS adapter over a fake RDS SDK', async () => {
  const rdsMock = mockClient(RDSClient);
  // A virtual clock that moves one second per reading.
  let now = Date.parse('2026-03-01T02:00:00Z');
  const fake = installFakeRds(rdsMock, {
    accountId: ACCOUNT,
    pageSize: LIST_PAGE_SIZE,
    now: () => {
      now += 1000;
      return new Date(now);
    },
  });
  const copyRegion = 'eu-central-1';
  // RDS answers with the key's ARN whatever identifier the copy was asked
  // with, so the suite's key is given as an ARN.
  const copyKmsKeyId = `arn:aws:kms:${copyRegion}:${ACCOUNT}:key/0b7c4a52-5a0e-4f39-9d57-1f1f2f2a3c4d`;
  // One client per region, as in Lambda; the mock answers for all of them.
  const port = awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) });
  return {
    port,
    seedDatabase: async (spec) => {
      if (spec.kind === 'instance') {
        fake.seedInstance(spec.region, { id: spec.id, tags: spec.tags, multiAz: spec.multiAz });
      } else {
        // With a member instance, which the port must not list on its own.
        fake.seedCluster(spec.region, {
          id: spec.id,
          tags: spec.tags,
          multiAz: spec.multiAz,
          members: [`${spec.id}-writer`],
        });
      }
    },
    seedUnencryptedCluster: async (region, id) => {
      fake.seedCluster(region, { id, members: [`${id}-writer`], storageEncrypted: false });
    },
    sourceRegion: 'eu-west-1',
    copyRegion,
    copyKmsKeyId,
    listPageSize: LIST_PAGE_SIZE,
    cleanup: async () => {
      fake.reset();
      rdsMock.restore();
    },
  };
});
