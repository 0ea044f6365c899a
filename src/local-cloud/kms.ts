// The local KMS: named AES-256 keys per region, each 32 random bytes in its own
// file (mode 0600) under `<stateDir>/regions/<region>/kms/`. A key is named as
// KMS names it: an alias (`alias/restorable`), a key id, or the ARN of either
// (`arn:aws:kms:<region>:<account>:alias/...` or `...:key/<id>`); an ARN must
// name the key's own region. `alias/aws/rds`, the key RDS uses by default,
// exists in every region of the local cloud.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EncryptionKeyError } from '../domain/errors.ts';
import { readFileIfExists, writeFileExclusive } from './files.ts';
import type { StateLayout } from './layout.ts';

export const DEFAULT_RDS_KEY_ID = 'alias/aws/rds';
export const KEY_BYTES = 32;

const KEY_ARN_PATTERN = /^arn:aws:kms:([^:]+):(\d{12}):(alias\/.+|key\/.+)$/;
const KEY_NAME_PATTERN = /^(alias\/[A-Za-z0-9/_-]+|[A-Za-z0-9-]+)$/;

/**
 * The key's canonical name within the region (`alias/x` or a bare key id).
 * Throws EncryptionKeyError for a malformed id or an ARN of another region.
 */
export function canonicalKeyName(region: string, keyId: string): string {
  let name = keyId;
  const arn = KEY_ARN_PATTERN.exec(keyId);
  if (arn) {
    const [, keyRegion, , resource = ''] = arn;
    if (keyRegion !== region) {
      throw new EncryptionKeyError(`KMS key ${keyId} belongs to region ${keyRegion}, not ${region}`);
    }
    name = resource.startsWith('key/') ? resource.slice('key/'.length) : resource;
  }
  if (!KEY_NAME_PATTERN.test(name) || name.split('/').some((part) => part === '')) {
    throw new EncryptionKeyError(`invalid KMS key id ${JSON.stringify(keyId)}`);
  }
  return name;
}

/** The key's file name: its canonical name with `/` escaped, plus `.key`. */
export function keyFileName(canonicalName: string): string {
  return `${encodeURIComponent(canonicalName)}.key`;
}

export class LocalKms {
  readonly #layout: StateLayout;

  constructor(layout: StateLayout) {
    this.#layout = layout;
  }

  #keyPath(region: string, keyId: string): string {
    return join(this.#layout.kmsDir(region), keyFileName(canonicalKeyName(region, keyId)));
  }

  /** Creates the key with fresh random bytes unless it exists. Returns whether it was created. */
  async ensureKey(region: string, keyId: string): Promise<boolean> {
    const path = this.#keyPath(region, keyId);
    await mkdir(this.#layout.kmsDir(region), { recursive: true, mode: 0o700 });
    return writeFileExclusive(path, randomBytes(KEY_BYTES), 0o600);
  }

  /** The key's bytes. Throws EncryptionKeyError when the region has no such key. */
  async getKey(region: string, keyId: string): Promise<Uint8Array> {
    const bytes = await readFileIfExists(this.#keyPath(region, keyId));
    if (bytes === undefined) {
      throw new EncryptionKeyError(`KMS key ${keyId} does not exist in region ${region}`);
    }
    if (bytes.length !== KEY_BYTES) {
      throw new EncryptionKeyError(`KMS key ${keyId} of region ${region} is damaged (${bytes.length} bytes)`);
    }
    return new Uint8Array(bytes);
  }
}
