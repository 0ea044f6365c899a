// The ReportStore contract, run against the S3 store over an in-memory fake of
// S3 at the SDK boundary: PutObject, GetObject and ListObjectsV2 answered from
// a map (test/support/fake-s3-sdk.ts), with pages of PAGE_SIZE keys.
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { encodeToken, installFakeS3 as installFakeBucket } from '../support/fake-s3-sdk.ts';
import { describeReportStoreContract } from './report-store-contract.ts';

const BUCKET = 'restorable-reports-contract';
/** Small, so that the contract's listings span several pages. */
const PAGE_SIZE = 2;

const s3Mock = mockClient(S3Client);
const installFakeS3 = () => installFakeBucket(s3Mock, { bucket: BUCKET, pageSize: PAGE_SIZE });

afterAll(() => {
  s3Mock.restore();
});

describeReportStoreContract('S3 over an in-memory fake S3', async () => {
  installFakeS3();
  return {
    store: new S3ReportStore(new S3Client({ region: 'eu-west-1' }), BUCKET),
    cleanup: async () => {
      s3Mock.reset();
    },
  };
});

describe('the in-memory fake S3 of the contract', () => {
  it('pages listings, so the contract exercises the continuation tokens', async () => {
    // Prepare
    installFakeS3();
    const store = new S3ReportStore(new S3Client({ region: 'eu-west-1' }), BUCKET);
    for (const key of ['r/e', 'r/a', 'r/d', 'r/b', 'r/c']) await store.put(key, key, 'text/plain');

    // Act
    const keys = await store.list('r/');

    // Assess
    expect(keys).toEqual(['r/a', 'r/b', 'r/c', 'r/d', 'r/e']);
    const tokens = s3Mock
      .commandCalls(ListObjectsV2Command)
      .map((call) => call.args[0].input.ContinuationToken);
    expect(tokens).toEqual([undefined, encodeToken('r/b'), encodeToken('r/d')]);
  });

  it('refuses a body that does not match its ChecksumSHA256, as S3 does', async () => {
    // Prepare
    installFakeS3();
    const client = new S3Client({ region: 'eu-west-1' });

    // Act
    const result = client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'r/a', Body: 'abc', ChecksumSHA256: 'AAAA' }),
    );

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'BadDigest' });
  });
});
