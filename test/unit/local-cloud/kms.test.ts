import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptionKeyError } from '../../../src/domain/errors.ts';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import { DEFAULT_RDS_KEY_ID, LocalKms } from '../../../src/local-cloud/kms.ts';
import { StateLayout } from '../../../src/local-cloud/layout.ts';

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
