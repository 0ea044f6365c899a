import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ReportStore, StoredObject } from '../../ports/report-store.ts';

/**
 * The report bucket. Its encryption (SSE-KMS), versioning and Object Lock are
 * bucket defaults set by the stack; every write sends its SHA-256 so S3
 * rejects a body damaged on the way.
 */
export class S3ReportStore implements ReportStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<StoredObject> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const digest = createHash('sha256').update(bytes).digest();
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
        ChecksumSHA256: digest.toString('base64'),
      }),
    );
    return { key, sha256: digest.toString('hex'), location: `s3://${this.#bucket}/${key}` };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return response.Body === undefined ? new Uint8Array() : await response.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.#client },
      { Bucket: this.#bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    }
    return keys.sort();
  }
}
