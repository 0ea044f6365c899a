import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ReportStore } from '../../../src/adapters/aws/report-store.ts';
import { InvalidInputError, ThrottlingError } from '../../../src/domain/errors.ts';

const BUCKET = 'restorable-reports-123456789012';
const REGION = 'eu-west-1';

// SHA-256 of "abc" (FIPS 180-2, appendix B.1): an oracle independent of the code under test.
const ABC_SHA256_HEX = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const ABC_SHA256_BASE64 = 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=';

const BAD_KEYS = [
  ['absolute', '/reports/a.json'],
  ['a drive letter', 'C:/reports/a.json'],
  ['a ".." segment', 'reports/../secrets.json'],
  ['only ".."', '..'],
  ['a "." segment', 'reports/./a.json'],
  ['a backslash', 'reports\\a.json'],
  ['an empty segment', 'reports//a.json'],
  ['a trailing slash', 'reports/'],
  ['empty', ''],
] as const;

/** An error as the SDK raises it for an S3 error code: its `name` and HTTP status are what matter. */
function s3Error(name: string, httpStatusCode: number | undefined): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: httpStatusCode !== undefined && httpStatusCode >= 500 ? 'server' : 'client',
    message: `${name} raised by S3`,
    $metadata: { httpStatusCode },
  });
}

/** The part of a GetObject body stream the store uses. */
function bodyOf(bytes: Uint8Array): { transformToByteArray: () => Promise<Uint8Array> } {
  return { transformToByteArray: async () => bytes };
}

function bytesOf(body: unknown): Buffer {
  if (!(body instanceof Uint8Array)) throw new Error(`expected a byte body, got ${typeof body}`);
  return Buffer.from(body);
}

function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

describe('S3ReportStore (mocked S3Client)', () => {
  let s3Mock: AwsClientStub<S3Client>;
  let store: S3ReportStore;

  beforeEach(() => {
    s3Mock = mockClient(S3Client);
    store = new S3ReportStore(new S3Client({ region: REGION }), BUCKET);
  });

  afterEach(() => {
    s3Mock.restore();
  });

  describe('put', () => {
    it('sends the bucket, key, body bytes, content type, the checksum algorithm and the base64 SHA-256 of the body, nothing else', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      await store.put('drills/orders/2026-03-01.json', 'abc', 'application/json');

      // Assess
      expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 1);
      const input = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(input).toEqual({
        Bucket: BUCKET,
        Key: 'drills/orders/2026-03-01.json',
        Body: expect.anything(),
        ContentType: 'application/json',
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: ABC_SHA256_BASE64,
      });
      expect(bytesOf(input?.Body).toString('utf8')).toBe('abc');
    });

    it.each([
      { body: 'abc', contentType: 'application/json' },
      { body: new Uint8Array([0x00, 0xff]), contentType: 'application/octet-stream' },
    ])(
      'names SHA256 as the checksum algorithm of every put ($contentType), as an Object Lock bucket requires',
      async ({ body, contentType }) => {
        // Prepare
        s3Mock.on(PutObjectCommand).resolves({});

        // Act
        await store.put('evidence/backups/2026-03-01/orders/run-1.json', body, contentType);

        // Assess
        expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
          Key: 'evidence/backups/2026-03-01/orders/run-1.json',
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: sha256Base64(typeof body === 'string' ? Buffer.from(body, 'utf8') : body),
        });
      },
    );

    it('returns the hex SHA-256 of the body and its s3:// location', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      const stored = await store.put('drills/orders/2026-03-01.json', 'abc', 'application/json');

      // Assess
      expect(stored).toEqual({
        key: 'drills/orders/2026-03-01.json',
        sha256: ABC_SHA256_HEX,
        location: `s3://${BUCKET}/drills/orders/2026-03-01.json`,
      });
    });

    it('sends byte bodies unchanged and checksums exactly those bytes (not a text re-encoding)', async () => {
      // Prepare: bytes that are not valid UTF-8 would change if re-encoded as text.
      const body = new Uint8Array([0x00, 0xff, 0x80, 0xc3, 0x28, 0x0a]);
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      const stored = await store.put('evidence/blob.bin', body, 'application/octet-stream');

      // Assess
      const input = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(bytesOf(input?.Body).equals(Buffer.from(body))).toBe(true);
      expect(input?.ChecksumSHA256).toBe(sha256Base64(body));
      expect(input?.ContentType).toBe('application/octet-stream');
      expect(stored.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    });

    it('sends UTF-8 for text bodies, and the checksum covers the UTF-8 bytes', async () => {
      // Prepare
      const text = 'Zürich ✓ 🚀';
      const utf8 = Buffer.from(text, 'utf8');
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      const stored = await store.put('reports/unicode.txt', text, 'text/plain; charset=utf-8');

      // Assess
      const input = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(bytesOf(input?.Body).equals(utf8)).toBe(true);
      expect(input?.ChecksumSHA256).toBe(sha256Base64(utf8));
      expect(stored.sha256).toBe(createHash('sha256').update(utf8).digest('hex'));
    });

    it('does not ask for an encryption of its own: the bucket default (the stack KMS key) applies', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      await store.put('reports/a.json', '{}', 'application/json');

      // Assess: `aws:kms` without a key id would mean the aws/s3 managed key.
      const input = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(input).not.toHaveProperty('ServerSideEncryption');
      expect(input).not.toHaveProperty('SSEKMSKeyId');
    });
  });

  describe('putIfAbsent', () => {
    it('sends the put with IfNoneMatch "*", the checksum algorithm and the SHA-256', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({});

      // Act
      const result = await store.putIfAbsent('evidence/manifests/2026-03-01.json', 'abc', 'application/json');

      // Assess
      expect(result).toEqual({
        written: true,
        object: {
          key: 'evidence/manifests/2026-03-01.json',
          sha256: ABC_SHA256_HEX,
          location: `s3://${BUCKET}/evidence/manifests/2026-03-01.json`,
        },
      });
      expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
        Bucket: BUCKET,
        Key: 'evidence/manifests/2026-03-01.json',
        IfNoneMatch: '*',
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: ABC_SHA256_BASE64,
      });
    });

    it('takes a 412 PreconditionFailed for an existing object and reads it', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
      s3Mock.on(GetObjectCommand).resolves({ Body: bodyOf(new Uint8Array(Buffer.from('first'))) } as never);

      // Act
      const result = await store.putIfAbsent('evidence/manifests/2026-03-01.json', 'abc', 'application/json');

      // Assess
      expect(result).toEqual({ written: false, existing: new Uint8Array(Buffer.from('first')) });
    });

    it('sends the put again while S3 answers 409 ConditionalRequestConflict', async () => {
      // Prepare
      s3Mock
        .on(PutObjectCommand)
        .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
        .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
        .resolves({});

      // Act
      const result = await store.putIfAbsent('evidence/manifests/2026-03-01.json', 'abc', 'application/json');

      // Assess
      expect(result.written).toBe(true);
      expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(3);
    });

    it('rethrows any other error of the put', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));

      // Act
      const result = store.putIfAbsent('evidence/manifests/2026-03-01.json', 'abc', 'application/json');

      // Assess
      await expect(result).rejects.toMatchObject({ name: 'AccessDenied' });
    });
  });

  describe('get', () => {
    it('asks for the stored checksum (ChecksumMode ENABLED) and returns the body bytes', async () => {
      // Prepare
      const bytes = new Uint8Array([1, 2, 3, 254]);
      s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: bodyOf(bytes) }));

      // Act
      const body = await store.get('drills/orders/2026-03-01.json');

      // Assess
      expect(body).toEqual(bytes);
      expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 1);
      expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: 'drills/orders/2026-03-01.json',
        ChecksumMode: 'ENABLED',
      });
    });

    it('returns undefined on NoSuchKey', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

      // Act
      const body = await store.get('drills/orders/missing.json');

      // Assess
      expect(body).toBeUndefined();
    });

    it.each([
      ['NotFound', 404],
      ['UnknownError', 404],
    ])('returns undefined on a 404 named %s', async (name, status) => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(s3Error(name, status));

      // Act
      const body = await store.get('drills/orders/missing.json');

      // Assess
      expect(body).toBeUndefined();
    });

    it('rethrows NoSuchBucket (also a 404): a wrong bucket is not an empty store', async () => {
      // Prepare
      const error = s3Error('NoSuchBucket', 404);
      s3Mock.on(GetObjectCommand).rejects(error);

      // Act
      const result = store.get('drills/orders/a.json');

      // Assess
      await expect(result).rejects.toBe(error);
    });

    it('rethrows an error raised while the body is read (how a checksum mismatch surfaces)', async () => {
      // Prepare
      const mismatch = new Error('Checksum mismatch: expected "x" but received "y"');
      s3Mock.on(GetObjectCommand).callsFake(() => ({
        Body: { transformToByteArray: () => Promise.reject(mismatch) },
      }));

      // Act
      const result = store.get('drills/orders/a.json');

      // Assess
      await expect(result).rejects.toBe(mismatch);
    });
  });

  describe('list', () => {
    it('follows ContinuationToken across pages and returns the keys sorted', async () => {
      // Prepare
      s3Mock
        .on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'drills/orders/', ContinuationToken: undefined })
        .resolves({
          Contents: [{ Key: 'drills/orders/c.json' }, { Key: 'drills/orders/a.json' }],
          IsTruncated: true,
          NextContinuationToken: 'token-2',
        })
        .on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'drills/orders/', ContinuationToken: 'token-2' })
        .resolves({ Contents: [{ Key: 'drills/orders/b.json' }], IsTruncated: false });

      // Act
      const keys = await store.list('drills/orders/');

      // Assess
      expect(keys).toEqual(['drills/orders/a.json', 'drills/orders/b.json', 'drills/orders/c.json']);
      expect(s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
        { Bucket: BUCKET, Prefix: 'drills/orders/', ContinuationToken: undefined },
        { Bucket: BUCKET, Prefix: 'drills/orders/', ContinuationToken: 'token-2' },
      ]);
    });

    it('returns an empty list when nothing is under the prefix', async () => {
      // Prepare
      s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });

      // Act
      const keys = await store.list('leases/');

      // Assess
      expect(keys).toEqual([]);
      expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 1);
    });

    it('rethrows NoSuchBucket instead of answering with no keys', async () => {
      // Prepare
      const error = s3Error('NoSuchBucket', 404);
      s3Mock.on(ListObjectsV2Command).rejects(error);

      // Act
      const result = store.list('drills/');

      // Assess
      await expect(result).rejects.toBe(error);
    });
  });

  describe('errors', () => {
    // Each operation makes one kind of S3 call, so failing every command fails that one.
    const calls = [
      ['put', (s: S3ReportStore) => s.put('reports/a.json', '{}', 'application/json')],
      ['get', (s: S3ReportStore) => s.get('reports/a.json')],
      ['list', (s: S3ReportStore) => s.list('reports/')],
    ] as const;

    describe.each(calls)('%s', (_operation, act) => {
      it.each([
        ['SlowDown', 503],
        // By name alone too, whatever the status says.
        ['SlowDown', undefined],
        ['ThrottlingException', 400],
        ['RequestLimitExceeded', 400],
        ['ServiceUnavailable', 503],
      ])('turns %s (HTTP %s) into a ThrottlingError keeping the SDK error as cause', async (name, status) => {
        // Prepare
        const error = s3Error(name, status);
        s3Mock.onAnyCommand().rejects(error);

        // Act
        const result = act(store);

        // Assess
        await expect(result).rejects.toBeInstanceOf(ThrottlingError);
        await expect(result).rejects.toMatchObject({
          name: 'ThrottlingError',
          retryable: true,
          cause: error,
        });
      });

      it.each([
        ['AccessDenied', 403],
        ['InternalError', 500],
      ])('rethrows %s (HTTP %i) unchanged', async (name, status) => {
        // Prepare
        const error = s3Error(name, status);
        s3Mock.onAnyCommand().rejects(error);

        // Act
        const result = act(store);

        // Assess
        await expect(result).rejects.toBe(error);
      });

      it('rethrows a non-SDK error unchanged', async () => {
        // Prepare
        const error = new TypeError('socket hang up');
        s3Mock.onAnyCommand().rejects(error);

        // Act
        const result = act(store);

        // Assess
        await expect(result).rejects.toBe(error);
      });
    });
  });

  describe('keys', () => {
    it.each(BAD_KEYS)('put refuses a key that is %s without calling S3', async (_why, key) => {
      // Act
      const result = store.put(key, '{}', 'application/json');

      // Assess
      await expect(result).rejects.toBeInstanceOf(InvalidInputError);
      expect(s3Mock.calls()).toHaveLength(0);
    });

    it.each(BAD_KEYS)('get refuses a key that is %s without calling S3', async (_why, key) => {
      // Act
      const result = store.get(key);

      // Assess
      await expect(result).rejects.toBeInstanceOf(InvalidInputError);
      expect(s3Mock.calls()).toHaveLength(0);
    });

    it.each(BAD_KEYS.filter(([why]) => why !== 'a trailing slash' && why !== 'empty'))(
      'list refuses a prefix that is %s without calling S3',
      async (_why, prefix) => {
        // Act
        const result = store.list(prefix);

        // Assess
        await expect(result).rejects.toBeInstanceOf(InvalidInputError);
        expect(s3Mock.calls()).toHaveLength(0);
      },
    );

    it('list accepts the empty prefix (the whole bucket)', async () => {
      // Prepare
      s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'b' }, { Key: 'a/x' }] });

      // Act
      const keys = await store.list('');

      // Assess
      expect(keys).toEqual(['a/x', 'b']);
      expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: '' });
    });
  });
});

// ---------------------------------------------------------------------------
// Through the real SDK middleware stack (no mock of `send`): a stub HTTP
// handler stands in for S3, so the SDK's own serialisation, error parsing and
// flexible-checksum validation run as in production.

interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

interface StubResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
}

function stubbedClient(
  respond: (request: SeenRequest) => StubResponse,
  config: {
    responseChecksumValidation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
    requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  } = {},
): { client: S3Client; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const client = new S3Client({
    ...config,
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
    // No retries: a throttled call fails at once.
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: SeenRequest) => {
        seen.push({ method: request.method, path: request.path, headers: { ...request.headers } });
        const { statusCode, headers, body } = respond(request);
        return { response: { statusCode, headers, body: Readable.from([Buffer.from(body)]) } };
      },
    },
  });
  return { client, seen };
}

function s3ErrorXml(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`;
}

describe('S3ReportStore through the real SDK middleware (stub HTTP handler)', () => {
  const content = Buffer.from('{"drill":"ok"}\n', 'utf8');
  const goodChecksum = sha256Base64(content);

  it('put sends the SHA-256 as x-amz-checksum-sha256, no other checksum and no encryption header', async () => {
    // Prepare
    const { client, seen } = stubbedClient(() => ({ statusCode: 200, headers: {}, body: '' }));
    const store = new S3ReportStore(client, BUCKET);

    // Act
    await store.put('drills/orders/a.json', content, 'application/json');

    // Assess
    expect(seen).toHaveLength(1);
    const headers = seen[0]?.headers ?? {};
    expect(seen[0]?.method).toBe('PUT');
    expect(headers['x-amz-checksum-sha256']).toBe(goodChecksum);
    expect(headers['content-type']).toBe('application/json');
    const checksumHeaders = Object.keys(headers).filter((name) => name.startsWith('x-amz-checksum-'));
    expect(checksumHeaders).toEqual(['x-amz-checksum-sha256']);
    expect(Object.keys(headers).filter((name) => name.startsWith('x-amz-server-side-encryption'))).toEqual(
      [],
    );
  });

  it.each(['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const)(
    'put sends x-amz-sdk-checksum-algorithm SHA256, which an Object Lock bucket requires, with requestChecksumCalculation %s',
    async (mode) => {
      // Prepare
      const { client, seen } = stubbedClient(() => ({ statusCode: 200, headers: {}, body: '' }), {
        requestChecksumCalculation: mode,
      });
      const store = new S3ReportStore(client, BUCKET);

      // Act
      await store.put('evidence/backups/2026-03-01/orders/run-1.json', content, 'application/json');

      // Assess
      const headers = seen[0]?.headers ?? {};
      expect(headers['x-amz-sdk-checksum-algorithm']).toBe('SHA256');
      expect(headers['x-amz-checksum-sha256']).toBe(goodChecksum);
    },
  );

  it('get returns the body when it matches the x-amz-checksum-sha256 S3 sends back', async () => {
    // Prepare
    const { client, seen } = stubbedClient(() => ({
      statusCode: 200,
      headers: { 'x-amz-checksum-sha256': goodChecksum, 'x-amz-checksum-type': 'FULL_OBJECT' },
      body: content,
    }));
    const store = new S3ReportStore(client, BUCKET);

    // Act
    const body = await store.get('drills/orders/a.json');

    // Assess
    expect(Buffer.from(body ?? new Uint8Array()).equals(content)).toBe(true);
    expect(seen[0]?.headers['x-amz-checksum-mode']).toBe('ENABLED');
  });

  it.each(['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const)(
    'get fails on a body that does not match its stored checksum (client validation %s)',
    async (mode) => {
      // Prepare: the body was damaged after S3 computed its checksum.
      const damaged = Buffer.from('{"drill":"OK"}\n', 'utf8');
      const { client, seen } = stubbedClient(
        () => ({
          statusCode: 200,
          headers: { 'x-amz-checksum-sha256': goodChecksum, 'x-amz-checksum-type': 'FULL_OBJECT' },
          body: damaged,
        }),
        { responseChecksumValidation: mode },
      );
      const store = new S3ReportStore(client, BUCKET);

      // Act
      const result = store.get('drills/orders/a.json');

      // Assess
      await expect(result).rejects.toThrow(/Checksum mismatch/);
      expect(seen[0]?.headers['x-amz-checksum-mode']).toBe('ENABLED');
    },
  );

  it('get returns undefined for the NoSuchKey error S3 answers', async () => {
    // Prepare
    const { client } = stubbedClient(() => ({
      statusCode: 404,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorXml('NoSuchKey'),
    }));
    const store = new S3ReportStore(client, BUCKET);

    // Act
    const body = await store.get('drills/orders/missing.json');

    // Assess
    expect(body).toBeUndefined();
  });

  it('get rethrows the NoSuchBucket error S3 answers', async () => {
    // Prepare
    const { client } = stubbedClient(() => ({
      statusCode: 404,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorXml('NoSuchBucket'),
    }));
    const store = new S3ReportStore(client, BUCKET);

    // Act
    const result = store.get('drills/orders/a.json');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('list turns the SlowDown error S3 answers into a ThrottlingError', async () => {
    // Prepare
    const { client } = stubbedClient(() => ({
      statusCode: 503,
      headers: { 'content-type': 'application/xml' },
      body: s3ErrorXml('SlowDown'),
    }));
    const store = new S3ReportStore(client, BUCKET);

    // Act
    const result = store.list('drills/');

    // Assess
    await expect(result).rejects.toBeInstanceOf(ThrottlingError);
  });
});
