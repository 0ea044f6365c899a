import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptionKeyError } from '../../../src/domain/errors.ts';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import { DEFAULT_RDS_KEY_ID, LocalKms } from '../../../src/local-cloud/kms.ts';
import { StateLayout } from '../../../src/local-cloud/layout.ts';
import { type SnapshotRecord, writeSnapshotRecord } from '../../../src/local-cloud/records.ts';

describe('local KMS', () => {
  let stateDir: string;
  let kms: LocalKms;
  const kmsDir = () => join(stateDir, 'regions', 'eu-central-1', 'kms');

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-kms-'));
    kms = new LocalKms(new StateLayout(stateDir));
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('given a new key name, when it is ensured, then 32 random bytes are stored under the region, readable by the owner only', async () => {
    expect(await kms.ensureKey('eu-central-1', 'alias/restorable')).toBe(true);

    const path = join(kmsDir(), 'alias%2Frestorable.key');
    expect((await readFile(path)).length).toBe(32);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(Buffer.from(await kms.getKey('eu-central-1', 'alias/restorable'))).toEqual(await readFile(path));
  });

  it('given an existing key, when it is ensured again, then its bytes are kept', async () => {
    await kms.ensureKey('eu-central-1', 'alias/restorable');
    const before = await kms.getKey('eu-central-1', 'alias/restorable');

    expect(await kms.ensureKey('eu-central-1', 'alias/restorable')).toBe(false);

    expect(await kms.getKey('eu-central-1', 'alias/restorable')).toEqual(before);
  });

  it('given two keys, then they differ', async () => {
    await kms.ensureKey('eu-central-1', 'alias/one');
    await kms.ensureKey('eu-central-1', 'alias/two');

    expect(await kms.getKey('eu-central-1', 'alias/one')).not.toEqual(
      await kms.getKey('eu-central-1', 'alias/two'),
    );
  });

  it('given a key of one region, when it is asked for in another, then EncryptionKeyError is thrown', async () => {
    await kms.ensureKey('eu-central-1', 'alias/restorable');

    await expect(kms.getKey('eu-west-1', 'alias/restorable')).rejects.toBeInstanceOf(EncryptionKeyError);
    await expect(kms.getKey('eu-central-1', 'alias/unknown')).rejects.toBeInstanceOf(EncryptionKeyError);
  });

  it('given an alias, when it is named by its ARN in the same region, then it is the same key', async () => {
    await kms.ensureKey('eu-central-1', 'alias/restorable');

    expect(
      await kms.getKey('eu-central-1', 'arn:aws:kms:eu-central-1:000000000000:alias/restorable'),
    ).toEqual(await kms.getKey('eu-central-1', 'alias/restorable'));
  });

  it('given a key ARN of another region, then EncryptionKeyError is thrown', async () => {
    await expect(
      kms.ensureKey(
        'eu-central-1',
        'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ),
    ).rejects.toBeInstanceOf(EncryptionKeyError);
  });

  it.each(['../../escape', 'alias/../x', 'alias/', '', 'alias//x'])(
    'given the malformed key id %j, then it is refused and nothing is written',
    async (keyId) => {
      await expect(kms.ensureKey('eu-central-1', keyId)).rejects.toBeInstanceOf(EncryptionKeyError);
      expect(await readdir(stateDir)).toEqual([]);
    },
  );

  it('given a local cloud, when a region is ensured, then it has the default RDS key alias/aws/rds', async () => {
    const cloud = await LocalCloud.open({ stateDir, clock: () => new Date() });
    try {
      await cloud.ensureRegion('ap-southeast-2');
      await cloud.ensureKmsKey('eu-central-1', 'alias/copies');

      expect((await kms.getKey('ap-southeast-2', DEFAULT_RDS_KEY_ID)).length).toBe(32);
      expect((await kms.getKey('eu-central-1', DEFAULT_RDS_KEY_ID)).length).toBe(32);
      expect((await kms.getKey('eu-central-1', 'alias/copies')).length).toBe(32);
      expect(cloud.regions()).toEqual(['ap-southeast-2', 'eu-central-1']);
    } finally {
      await cloud.close();
    }
  });
});

describe('a key file that is lost', () => {
  const CENTRAL = 'eu-central-1';
  const COPY_KEY = 'alias/restorable';
  let stateDir: string;
  let cloud: LocalCloud;
  const keyFile = (name: string) =>
    join(stateDir, 'regions', CENTRAL, 'kms', `${encodeURIComponent(name)}.key`);

  /** A snapshot record as a copy under `kmsKeyId` leaves it (no database or archive needed here). */
  function snapshotUnder(
    id: string,
    kmsKeyId: string,
    sha256: string | null = 'ab'.repeat(32),
  ): SnapshotRecord {
    return {
      formatVersion: 1,
      id,
      arn: `arn:aws:rds:${CENTRAL}:000000000000:snapshot:${id}`,
      region: CENTRAL,
      kind: 'instance',
      databaseId: 'orders',
      engine: 'postgres',
      status: sha256 === null ? 'failed' : 'available',
      outcome: sha256 === null ? 'failed' : 'available',
      pollsUntilNext: 0,
      type: 'manual',
      createdAt: '2026-03-01T00:00:00.000Z',
      originalCreatedAt: '2026-03-01T00:00:00.000Z',
      encrypted: true,
      kmsKeyId,
      sourceSnapshotArn: null,
      sha256,
      sizeBytes: sha256 === null ? null : 100,
      tags: {},
    };
  }

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-kms-lost-'));
    cloud = await LocalCloud.open({ stateDir, clock: () => new Date() });
    await cloud.ensureKmsKey(CENTRAL, COPY_KEY);
  });

  afterEach(async () => {
    await cloud.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('given snapshots encrypted under it, when the key is ensured, then EncryptionKeyError names the key file and no new key is made', async () => {
    const layout = new StateLayout(stateDir);
    await writeSnapshotRecord(layout, snapshotUnder('copy-1', COPY_KEY));
    await writeSnapshotRecord(
      layout,
      snapshotUnder('copy-2', `arn:aws:kms:${CENTRAL}:000000000000:${COPY_KEY}`),
    );
    await unlink(keyFile(COPY_KEY));

    const ensuring = cloud.ensureKmsKey(CENTRAL, COPY_KEY);

    await expect(ensuring).rejects.toBeInstanceOf(EncryptionKeyError);
    await expect(ensuring).rejects.toThrow(`the key file ${keyFile(COPY_KEY)} of KMS key ${COPY_KEY}`);
    expect(existsSync(keyFile(COPY_KEY))).toBe(false);
    expect(await cloud.findMissingKeys([CENTRAL, 'eu-west-1'])).toEqual([
      { region: CENTRAL, keyId: COPY_KEY, keyFile: keyFile(COPY_KEY), snapshotIds: ['copy-1', 'copy-2'] },
    ]);
  });

  it('given the default key lost under snapshots, when the region is ensured, then it is refused too', async () => {
    await writeSnapshotRecord(new StateLayout(stateDir), snapshotUnder('original', DEFAULT_RDS_KEY_ID));
    await unlink(keyFile(DEFAULT_RDS_KEY_ID));
    // Opened again: the open of beforeEach has ensured the region already.
    await cloud.close();
    cloud = await LocalCloud.open({ stateDir, clock: () => new Date() });

    await expect(cloud.ensureRegion(CENTRAL)).rejects.toThrow(keyFile(DEFAULT_RDS_KEY_ID));
    expect(existsSync(keyFile(DEFAULT_RDS_KEY_ID))).toBe(false);
  });

  it('given only snapshots of other keys, or failed ones with no archive, when the key is ensured, then a new one is made', async () => {
    const layout = new StateLayout(stateDir);
    await writeSnapshotRecord(layout, snapshotUnder('under-default', DEFAULT_RDS_KEY_ID));
    await writeSnapshotRecord(layout, snapshotUnder('failed-copy', COPY_KEY, null));
    await unlink(keyFile(COPY_KEY));

    await cloud.ensureKmsKey(CENTRAL, COPY_KEY);

    expect((await readFile(keyFile(COPY_KEY))).length).toBe(32);
    expect(await cloud.findMissingKeys([CENTRAL])).toEqual([]);
  });
});
