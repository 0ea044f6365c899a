// The ReportStore contract, run against the S3 store over moto_server's S3: a
// real S3Client (path-style, dummy credentials) and, for each test, a fresh
// versioned bucket.
//
// The stack's ReportsBucket (infra/resources.ts) also has Object Lock with a
// default COMPLIANCE retention, and so does every bucket here. S3 requires
// every PutObject into such a bucket to carry Content-MD5 or the
// x-amz-sdk-checksum-algorithm header
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
// request header Content-MD5), which the SDK sends only when the request names
// its `ChecksumAlgorithm`, as the store does.
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { describeReportStoreContract } from '../contract/report-store-contract.ts';
import { credentials, motoEndpoint, resetMoto } from './moto.ts';

const REGION = 'eu-west-1';

let client: S3Client;
let buckets = 0;

beforeAll(async () => {
  await resetMoto();
  client = new S3Client({ region: REGION, endpoint: motoEndpoint(), credentials, forcePathStyle: true });
});

afterAll(() => {
  client?.destroy();
});

/**
 * A new, empty, versioned bucket; with Object Lock, set up as ReportsBucket
 * is. Objects under COMPLIANCE retention cannot be deleted, so each test gets
 * a bucket of its own rather than an emptied one.
 */
async function createReportsBucket(options: { objectLock: boolean }): Promise<string> {
  buckets += 1;
  const bucket = `restorable-reports-${options.objectLock ? 'locked' : 'plain'}-${buckets}`;
  await client.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ObjectLockEnabledForBucket: options.objectLock,
      CreateBucketConfiguration: { LocationConstraint: REGION },
    }),
  );
  await client.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  if (options.objectLock) {
    await client.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } },
        },
      }),
    );
  }
  return bucket;
}

describeReportStoreContract('S3 over moto_server, versioned bucket with Object Lock', async () => ({
  store: new S3ReportStore(client, await createReportsBucket({ objectLock: true })),
  cleanup: async () => {},
}));

describe('an Object Lock bucket with default retention, as ReportsBucket is, over moto_server', () => {
  it('accepts a put whose SHA-256 names its algorithm and refuses one whose SHA-256 does not', async () => {
    // Prepare: the SHA-256 of the body, as S3ReportStore sends it.
    const bucket = await createReportsBucket({ objectLock: true });
    const body = Buffer.from('{"result":"passed"}', 'utf8');
    const ChecksumSHA256 = createHash('sha256').update(body).digest('base64');
    const put = (Key: string, named: { ChecksumAlgorithm?: 'SHA256' }) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body, ChecksumSHA256, ...named }));

    // Act
    const named = await put('drills/named.json', { ChecksumAlgorithm: 'SHA256' });
    const unnamed = put('drills/unnamed.json', {});

    // Assess
    expect(named.ChecksumSHA256).toBe(ChecksumSHA256);
    await expect(unnamed).rejects.toMatchObject({ name: 'MissingUploadObjectWithObjectLockHeaders' });
  });

  it('accepts S3ReportStore.put: the store names its checksum algorithm', async () => {
    // Prepare
    const store = new S3ReportStore(client, await createReportsBucket({ objectLock: true }));

    // Act
    const stored = await store.put('drills/orders/a.json', '{}', 'application/json');

    // Assess
    expect(await store.get(stored.key)).toEqual(new Uint8Array(Buffer.from('{}')));
  });
});
