// The local KMS: named AES-256 keys per region, each 32 random bytes in its own
// file (mode 0600) under `<stateDir>/regions/<region>/kms/`. A key is named as
// KMS names it: an alias (`alias/restorable`), a key id, or the ARN of either
// (`arn:aws:kms:<region>:<account>:alias/...` or `...:key/<id>`); an ARN must
// name the key's own region. `alias/aws/rds`, the key RDS uses by default,
// exists in every region of the local cloud.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
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

/** A key that snapshots are encrypted under and whose key file is gone: they cannot be decrypted. */
export interface MissingKey {
  readonly region: string;
  /** The key's canonical name (see canonicalKeyName). */
  readonly keyId: string;
  /** Full path of the key file that is missing. */
  readonly keyFile: string;
  /** The snapshots of the region encrypted under the key, sorted. */
  readonly snapshotIds: readonly string[];
}

export function describeMissingKey(key: MissingKey): string {
  return (
    `the key file ${key.keyFile} of KMS key ${key.keyId} (region ${key.region}) is missing, ` +
    `and ${key.snapshotIds.length} snapshot(s) are encrypted under it`
  );
}

/** The error for missing keys, naming each key file. */
export function missingKeysError(keys: readonly MissingKey[]): EncryptionKeyError {
  return new EncryptionKeyError(
    `${keys.map(describeMissingKey).join('; ')}. Restore the missing key file: ` +
      'a new key cannot decrypt those snapshots, so none is created',
  );
}

export class LocalKms {
  readonly #layout: StateLayout;

  constructor(layout: StateLayout) {
    this.#layout = layout;
  }

  /** Full path of the key's file (whether or not it exists). */
  keyFile(region: string, keyId: string): string {
    return join(this.#layout.kmsDir(region), keyFileName(canonicalKeyName(region, keyId)));
  }

  hasKey(region: string, keyId: string): boolean {
    return existsSync(this.keyFile(region, keyId));
  }

  /** Creates the key with fresh random bytes unless it exists. Returns whether it was created. */
  async ensureKey(region: string, keyId: string): Promise<boolean> {
    const path = this.keyFile(region, keyId);
    await mkdir(this.#layout.kmsDir(region), { recursive: true, mode: 0o700 });
    return writeFileExclusive(path, randomBytes(KEY_BYTES), 0o600);
  }

  /** The key's bytes. Throws EncryptionKeyError, naming the key file, when the region has no such key. */
  async getKey(region: string, keyId: string): Promise<Uint8Array> {
    const path = this.keyFile(region, keyId);
    const bytes = await readFileIfExists(path);
    if (bytes === undefined) {
      throw new EncryptionKeyError(
        `KMS key ${keyId} does not exist in region ${region} (no key file ${path})`,
      );
    }
    if (bytes.length !== KEY_BYTES) {
      throw new EncryptionKeyError(`KMS key ${keyId} of region ${region} is damaged (${bytes.length} bytes)`);
    }
    return new Uint8Array(bytes);
  }
}
