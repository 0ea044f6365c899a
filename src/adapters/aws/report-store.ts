// The report store on AWS: one S3 bucket whose encryption (SSE-KMS with the
// stack's key), versioning and Object Lock are bucket defaults set by the stack
// (infra/resources.ts, ReportsBucket). The work documents' bucket (WorkBucket) is
// one of these stores too, with the same encryption and neither versioning
// nor Object Lock (routed-report-store.ts).
//
// Integrity both ways:
// - every PutObject sends the SHA-256 of its body (`ChecksumSHA256`): S3
//   refuses a body that does not match (BadDigest) and keeps the checksum.
//   It names the algorithm too (`ChecksumAlgorithm: 'SHA256'`, the
//   `x-amz-sdk-checksum-algorithm` header): the bucket has Object Lock, and
//   S3 documents that a PutObject to such a bucket needs Content-MD5 or
//   x-amz-sdk-checksum-algorithm (PutObject, Amazon S3 API Reference). Given
//   only the checksum value, the SDK sends no such header, whatever its
//   `requestChecksumCalculation` (the unit tests pin that);
// - every GetObject asks for it back (`ChecksumMode: 'ENABLED'`). The SDK's
//   flexible-checksums middleware (@aws-sdk/checksums, flexible-checksums
//   submodule) then wraps the body in a stream that hashes it as it is read and
//   fails the read with `Error: Checksum mismatch ...` when the digest differs
//   from the `x-amz-checksum-sha256` header. The check happens while the body
//   is read, not when `send` resolves, so `get` reads the whole body inside its
//   error handling and such an error is rethrown, never taken for a missing
//   object. Asking explicitly keeps the check on even when the client is
//   configured with `responseChecksumValidation: 'WHEN_REQUIRED'`
//   (AWS_RESPONSE_CHECKSUM_VALIDATION=when_required), where the SDK would not
//   ask by itself. (The SDK skips composite `-N` checksums of multipart
//   uploads; this store never uploads in parts.)
//
// Keys follow the same rules as the local store: relative paths with forward
// slashes, no empty, "." or ".." segments, no backslashes or NUL characters.
// S3 itself would accept such keys literally, but a key that the local store
// refuses must not work only on AWS.
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InvalidInputError, ThrottlingError } from '../../domain/errors.ts';
import {
  type PutIfAbsentResult,
  type ReportStore,
  type StoredObject,
  unsafeKeyReason,
} from '../../ports/report-store.ts';

/** Error codes of S3 (and of the SDK's generic AWS errors) that mean "slow down". */
const THROTTLING = new Set(['SlowDown', 'ThrottlingException', 'RequestLimitExceeded']);

/**
 * GetObject error codes that mean "no such object". `NotFound` is what the SDK
 * names a 404 whose body it cannot parse. `NoSuchBucket` (also a 404) is not
 * among them: a wrong bucket must fail loudly, not look like an empty store.
 */
const MISSING_OBJECT = new Set(['NoSuchKey', 'NotFound']);

/** How many times a conditional write is sent while S3 answers ConditionalRequestConflict. */
const CONDITIONAL_ATTEMPTS = 5;

export class S3ReportStore implements ReportStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<StoredObject> {
    const object = await this.#put(key, body, contentType, false);
    if (object === undefined) throw new Error(`PutObject ${this.#uri(key)}: refused without a condition`);
    return object;
  }

  /**
   * A PutObject with `IfNoneMatch: '*'` (S3 conditional writes): S3 answers
   * 412 PreconditionFailed when the key has an object, and 409
   * ConditionalRequestConflict while another conditional write of the key is
   * under way, which S3 says to retry (PutObject, Amazon S3 API Reference).
   */
  async putIfAbsent(key: string, body: string | Uint8Array, contentType: string): Promise<PutIfAbsentResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const object = await this.#put(key, body, contentType, true);
        if (object !== undefined) return { written: true, object };
        // An object that is gone again (a delete marker) between the 412 and
        // the read: the key is free, so try to write once more.
        const existing = await this.get(key);
        if (existing !== undefined) return { written: false, existing };
      } catch (error) {
        if (!(error instanceof Error && error.name === 'ConditionalRequestConflict')) throw error;
      }
      if (attempt >= CONDITIONAL_ATTEMPTS) {
        throw new Error(`PutObject ${this.#uri(key)}: ${CONDITIONAL_ATTEMPTS} conditional writes conflicted`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt * Math.random()));
    }
  }

  /** Writes the object; undefined when `ifAbsent` and the key already has one. */
  async #put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    ifAbsent: boolean,
  ): Promise<StoredObject | undefined> {
    assertSafeKey(key, 'key');
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const digest = createHash('sha256').update(bytes).digest();
    const location = this.#uri(key);
    // No `ServerSideEncryption: 'aws:kms'` here: sent without `SSEKMSKeyId`,
    // S3 encrypts with the AWS managed key `aws/s3` instead of the bucket's
    // default key (see `SSEKMSKeyId` of PutObjectRequest), which would move the
    // evidence out from under the stack's key policy. Left out, the bucket
    // default (SSE-KMS with the stack's key, bucket key enabled) applies to
    // every object, and the key ARN stays configuration of the stack alone.
    try {
      await call('PutObject', location, () =>
        this.#client.send(
          new PutObjectCommand({
            Bucket: this.#bucket,
            Key: key,
            Body: bytes,
            ContentType: contentType,
            ChecksumAlgorithm: 'SHA256',
            ChecksumSHA256: digest.toString('base64'),
            ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
          }),
        ),
      );
    } catch (error) {
      if (ifAbsent && error instanceof Error && isPreconditionFailed(error)) return undefined;
      throw error;
    }
    return { key, sha256: digest.toString('hex'), location };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertSafeKey(key, 'key');
    try {
      return await call('GetObject', this.#uri(key), async () => {
        const response = await this.#client.send(
          new GetObjectCommand({ Bucket: this.#bucket, Key: key, ChecksumMode: 'ENABLED' }),
        );
        // Reading the body to its end is what runs the checksum validation.
        return response.Body === undefined ? new Uint8Array() : await response.Body.transformToByteArray();
      });
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== '') assertSafeKey(prefix, 'prefix');
    // A ContinuationToken loop rather than the SDK paginator, which reuses (and
    // mutates) one input object for every page.
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await call('ListObjectsV2', this.#uri(prefix), () =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        ),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined && token !== '');
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key, 'key');
    // Without a VersionId: a delete marker, which Object Lock allows, rather
    // than the removal of a locked version, which it refuses.
    await call('DeleteObject', this.#uri(key), () =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
  }

  #uri(key: string): string {
    return `s3://${this.#bucket}/${key}`;
  }
}

function assertSafeKey(key: string, what: 'key' | 'prefix'): void {
  const problem = unsafeKeyReason(key, what === 'prefix');
  if (problem !== undefined) {
    throw new InvalidInputError(`invalid report store ${what} ${JSON.stringify(key)}: ${problem}`);
  }
}

/** Runs one S3 call, turning throttling into ThrottlingError; anything else is rethrown as is. */
async function call<T>(operation: string, resource: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof Error && (THROTTLING.has(error.name) || httpStatusOf(error) === 503)) {
      throw new ThrottlingError(`${operation} ${resource}: throttled: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function isPreconditionFailed(error: Error): boolean {
  return error.name === 'PreconditionFailed' || httpStatusOf(error) === 412;
}

function isMissingObject(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (MISSING_OBJECT.has(error.name)) return true;
  return httpStatusOf(error) === 404 && error.name !== 'NoSuchBucket';
}

/** The HTTP status of an SDK service error (`$metadata.httpStatusCode`), if any. */
function httpStatusOf(error: Error): number | undefined {
  const metadata: unknown = '$metadata' in error ? error.$metadata : undefined;
  if (typeof metadata !== 'object' || metadata === null || !('httpStatusCode' in metadata)) return undefined;
  return typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
