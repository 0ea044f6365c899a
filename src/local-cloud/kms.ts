// The local KMS: named AES-256 keys per region, each 32 random bytes in its own
// file (mode 0600) under `<stateDir>/regions/<region>/kms/`. A key is named as
// KMS names it: an alias (`alias/restorable`), a key id, or the ARN of either
// (`arn:aws:kms:<region>:<account>:alias/...` or `...:key/<id>`); an ARN must
// name the key's own region. `alias/aws/rds`, the key RDS uses by default,
// exists in every region of the local cloud.
//
// Each account has its own keys (its layout's `kms/` directories). A key may
// be used by other accounts only where its owner allowed it, as a key policy
// naming them would: the allowed accounts are kept beside the key, in
// `<key-file-name>.users.json` (`{"accounts": [...]}`). `alias/aws/rds` is an
// AWS managed key, whose policy no one can change: it is never usable by
// another account.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CorruptEvidenceError, EncryptionKeyError, InvalidRequestError } from '../domain/errors.ts';
import { readFileIfExists, writeFileExclusive, writeJsonAtomic } from './files.ts';
import { assertAccountId, type StateLayout } from './layout.ts';

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

const keyUsersSchema = z.object({ accounts: z.array(z.string().regex(/^\d{12}$/)) }).strict();

/** Whether the key is the AWS managed key RDS encrypts with by default. */
export function isDefaultRdsKey(region: string, keyId: string): boolean {
  return canonicalKeyName(region, keyId) === DEFAULT_RDS_KEY_ID;
}

/** The KMS of one account (the account of its layout). */
export class LocalKms {
  readonly #layout: StateLayout;

  constructor(layout: StateLayout) {
    this.#layout = layout;
  }

  get accountId(): string {
    return this.#layout.accountId;
  }

  /** Full path of the file of the other accounts that may use the key. */
  keyUsersFile(region: string, keyId: string): string {
    return join(
      this.#layout.kmsDir(region),
      `${encodeURIComponent(canonicalKeyName(region, keyId))}.users.json`,
    );
  }

  /**
   * Lets another account use the key (decrypt what it encrypts, as a copy of
   * a shared snapshot does). Allowing it again is no error. Throws
   * EncryptionKeyError when the key does not exist, InvalidRequestError for
   * the default RDS key (an AWS managed key's policy cannot be changed).
   */
  async allowUse(region: string, keyId: string, accountId: string): Promise<void> {
    assertAccountId(accountId);
    if (isDefaultRdsKey(region, keyId)) {
      throw new InvalidRequestError(
        `the policy of ${DEFAULT_RDS_KEY_ID}, an AWS managed key, cannot be changed to let account ${accountId} use it`,
      );
    }
    await this.getKey(region, keyId);
    const accounts = await this.#keyUsers(region, keyId);
    if (accounts.includes(accountId)) return;
    await writeJsonAtomic(this.keyUsersFile(region, keyId), { accounts: [...accounts, accountId].sort() });
  }

  /** Whether the account may use the key: its own account always may, another only where allowed. */
  async allowsUse(region: string, keyId: string, accountId: string): Promise<boolean> {
    if (accountId === this.accountId) return true;
    if (isDefaultRdsKey(region, keyId)) return false;
    return (await this.#keyUsers(region, keyId)).includes(accountId);
  }

  async #keyUsers(region: string, keyId: string): Promise<string[]> {
    const path = this.keyUsersFile(region, keyId);
    const bytes = await readFileIfExists(path);
    if (bytes === undefined) return [];
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new CorruptEvidenceError(
        path,
        `the key's users are not valid JSON: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const parsed = keyUsersSchema.safeParse(json);
    if (!parsed.success)
      throw new CorruptEvidenceError(path, `the key's users are invalid: ${z.prettifyError(parsed.error)}`);
    return parsed.data.accounts;
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
