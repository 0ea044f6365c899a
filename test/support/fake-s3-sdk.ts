// An in-memory S3 bucket at the SDK boundary: PutObject, GetObject and
// ListObjectsV2 answered from a map, as S3 answers them (NoSuchKey for a
// missing object, NoSuchBucket for another bucket, BadDigest for a body that
// does not match its checksum, PreconditionFailed for a conditional write
// (IfNoneMatch '*') of a key that has an object, listings in key order and pages of `pageSize`
// keys with continuation tokens). Installed on a `mockClient(S3Client)`.
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  type DeleteObjectCommandInput,
  GetObjectCommand,
  type GetObjectCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export interface FakeS3Options {
  readonly bucket: string;
  /** Keys per listing page (S3: 1,000). */
  readonly pageSize?: number;
  /**
   * Called before each PutObject is stored; an error it returns is what S3
   * answers instead (e.g. AccessDenied), and nothing is stored.
   */
  readonly beforePut?: (key: string) => Error | undefined;
}

export interface FakeObject {
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly checksumSha256: string;
}

export function installFakeS3(
  s3Mock: AwsClientStub<S3Client>,
  options: FakeS3Options,
): Map<string, FakeObject> {
  const { bucket } = options;
  const pageSize = options.pageSize ?? 1000;
  const objects = new Map<string, FakeObject>();
  const assertBucket = (name: string | undefined) => {
    if (name !== bucket) throw s3Error('NoSuchBucket', 404, `The specified bucket ${name} does not exist`);
  };
  s3Mock.reset();
  s3Mock
    .on(PutObjectCommand)
    .callsFake((input: PutObjectCommandInput) => {
      assertBucket(input.Bucket);
      const key = required(input.Key, 'Key');
      const refusal = options.beforePut?.(key);
      if (refusal !== undefined) throw refusal;
      const body = toBytes(input.Body);
      const checksumSha256 = createHash('sha256').update(body).digest('base64');
      if (input.ChecksumSHA256 !== undefined && input.ChecksumSHA256 !== checksumSha256) {
        throw s3Error('BadDigest', 400, 'The SHA256 you specified did not match the calculated checksum.');
      }
      // A conditional write (IfNoneMatch '*') of a key that has an object: 412.
      if (input.IfNoneMatch === '*' && objects.has(key)) {
        throw s3Error(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
        );
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
    .on(DeleteObjectCommand)
    .callsFake((input: DeleteObjectCommandInput) => {
      assertBucket(input.Bucket);
      // S3 answers 204 whether or not the key exists.
      objects.delete(required(input.Key, 'Key'));
      return {};
    })
    .on(ListObjectsV2Command)
    .callsFake((input: ListObjectsV2CommandInput) => {
      assertBucket(input.Bucket);
      const prefix = input.Prefix ?? '';
      // S3 lists in UTF-8 byte order; the contract's keys are ASCII.
      const matching = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();
      const after = input.ContinuationToken === undefined ? undefined : decodeToken(input.ContinuationToken);
      const remaining = after === undefined ? matching : matching.filter((key) => key > after);
      const page = remaining.slice(0, pageSize);
      const last = page.at(-1);
      const isTruncated = remaining.length > pageSize && last !== undefined;
      return {
        Contents: page.map((Key) => ({ Key })),
        KeyCount: page.length,
        IsTruncated: isTruncated,
        NextContinuationToken: isTruncated ? encodeToken(last) : undefined,
      };
    });
  return objects;
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

export function s3Error(name: string, httpStatusCode: number, message: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode } });
}

// Opaque to the client, as S3's tokens are.
export function encodeToken(lastKey: string): string {
  return Buffer.from(`after:${lastKey}`, 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  if (!decoded.startsWith('after:'))
    throw s3Error('InvalidArgument', 400, 'The continuation token is not valid.');
  return decoded.slice('after:'.length);
}
