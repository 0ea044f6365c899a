// The ReportStore contract, run against the S3 store over an in-memory fake of
// S3 at the SDK boundary: PutObject, GetObject and ListObjectsV2 answered from
// a map, as S3 answers them (NoSuchKey for a missing object, BadDigest for a
// body that does not match its checksum, listings in key order and pages of
// PAGE_SIZE keys with continuation tokens).
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  type GetObjectCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { describeReportStoreContract } from './report-store-contract.ts';

const BUCKET = 'restorable-reports-contract';
/** Small, so that the contract's listings span several pages. */
const PAGE_SIZE = 2;

interface FakeObject {
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly checksumSha256: string;
}

const s3Mock = mockClient(S3Client);

afterAll(() => {
  s3Mock.restore();
});

/** Installs a fresh, empty fake bucket behind every S3Client. */
function installFakeS3(): Map<string, FakeObject> {
  const objects = new Map<string, FakeObject>();
  s3Mock.reset();
  s3Mock
    .on(PutObjectCommand)
    .callsFake((input: PutObjectCommandInput) => {
      assertBucket(input.Bucket);
      const key = required(input.Key, 'Key');
      const body = toBytes(input.Body);
      const checksumSha256 = createHash('sha256').update(body).digest('base64');
      if (input.ChecksumSHA256 !== undefined && input.ChecksumSHA256 !== checksumSha256) {
        throw s3Error('BadDigest', 400, 'The SHA256 you specified did not match the calculated checksum.');
      }
      objects.set(key, { body: new Uint8Array(body), contentType: input.ContentType, checksumSha256 });
      return { ChecksumSHA256: checksumSha256 };
    })
    .on(GetObjectCommand)
    .callsFake((input: GetObjectCommandInput) => {
      assertBucket(input.Bucket);
      const object = objects.get(required(input.Key, 'Key'));
      if (object === undefined) {
        throw new NoSuchKey({
          message: 'The specified key does not exist.',
          $metadata: { httpStatusCode: 404 },
        });
      }
      // A plain Uint8Array copy, as the SDK's transformToByteArray gives.
      const bytes = new Uint8Array(object.body);
      return {
        Body: { transformToByteArray: async () => bytes },
        ContentType: object.contentType,
        ChecksumSHA256: input.ChecksumMode === 'ENABLED' ? object.checksumSha256 : undefined,
      };
    })
    .on(ListObjectsV2Command)
    .callsFake((input: ListObjectsV2CommandInput) => {
      assertBucket(input.Bucket);
      const prefix = input.Prefix ?? '';
      // S3 lists in UTF-8 byte order; the contract's keys are ASCII.
      const matching = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();
      const after = input.ContinuationToken === undefined ? undefined : decodeToken(input.ContinuationToken);
      const remaining = after === undefined ? matching : matching.filter((key) => key > after);
      const page = remaining.slice(0, PAGE_SIZE);
      const last = page.at(-1);
      const isTruncated = remaining.length > PAGE_SIZE && last !== undefined;
      return {
        Contents: page.map((Key) => ({ Key })),
        KeyCount: page.length,
        IsTruncated: isTruncated,
        NextContinuationToken: isTruncated ? encodeToken(last) : undefined,
      };
    });
  return objects;
}

function assertBucket(bucket: string | undefined): void {
  if (bucket !== BUCKET) throw s3Error('NoSuchBucket', 404, `The specified bucket ${bucket} does not exist`);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw s3Error('InvalidRequest', 400, `${what} is required`);
  return value;
}

function toBytes(body: PutObjectCommandInput['Body']): Uint8Array {
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'utf8'));
  if (body instanceof Uint8Array) return body;
  throw new Error('the fake S3 takes string and byte bodies only');
}

function s3Error(name: string, httpStatusCode: number, message: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode } });
}

// Opaque to the client, as S3's tokens are.
function encodeToken(lastKey: string): string {
  return Buffer.from(`after:${lastKey}`, 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (!decoded.startsWith('after:'))
    throw s3Error('InvalidArgument', 400, 'The continuation token is not valid.');
  return decoded.slice('after:'.length);
}

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
