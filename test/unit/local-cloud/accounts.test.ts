// Accounts in the local cloud: another account's own directory and ARNs,
// snapshots shared with it, the KMS key users that let it copy them, the
// limited rights of the role the local cloud's own account assumes there,
// and sandboxes restored from a snapshot another account shares.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  CloudServiceError,
  EncryptionKeyError,
  InvalidInputError,
  InvalidRequestError,
  InvalidStateError,
  SnapshotCorruptedError,
  SnapshotNotFoundError,
  SnapshotQuotaExceededError,
} from '../../../src/domain/errors.ts';
import { SANDBOX_DRILL_TAG } from '../../../src/domain/sandbox.ts';
import { MANAGED_TAG, MANAGED_TAG_VALUE } from '../../../src/domain/tags.ts';
import { decryptArchive } from '../../../src/local-cloud/archive.ts';
import { ASSUMED_ROLE_NAME } from '../../../src/local-cloud/assumed-role.ts';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import { faultRuleSchema } from '../../../src/local-cloud/faults.ts';
import { TEMP_SUFFIX } from '../../../src/local-cloud/files.ts';
import { DEFAULT_RDS_KEY_ID, LocalKms } from '../../../src/local-cloud/kms.ts';
import { LOCAL_ACCOUNT_ID, StateLayout } from '../../../src/local-cloud/layout.ts';
import type { SnapshotRecord } from '../../../src/local-cloud/records.ts';
import type { DatabaseRef, RdsPort, Snapshot, SnapshotRef } from '../../../src/ports/rds.ts';
import type { SandboxPort } from '../../../src/ports/sandbox.ts';

const WEST = 'eu-west-1';
const CENTRAL = 'eu-central-1';
const VAULT = '111122223333';
const STRANGER = '444455556666';
const SHARE_KEY = 'alias/restorable-share';
const VAULT_KEY = 'alias/restorable-vault';

const orders: DatabaseRef = { kind: 'instance', id: 'orders' };
const billing: DatabaseRef = { kind: 'cluster', id: 'billing' };

describe('accounts in the local cloud', () => {
  let stateDir: string;
  let cloud: LocalCloud;
  let source: RdsPort;
  let vault: RdsPort;
  let vaultRole: RdsPort;
  const now = Date.parse('2026-03-01T02:00:00Z');

  const vaultSnapshotsDir = (region: string) =>
    join(stateDir, 'accounts', VAULT, 'regions', region, 'snapshots');
  const readRecord = async (dir: string, id: string): Promise<SnapshotRecord> =>
    JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as SnapshotRecord;

  async function openCloud(): Promise<void> {
    cloud = await LocalCloud.open({
      stateDir,
      clock: () => new Date(now),
      limits: { sharedAccountsQuota: 3 },
    });
    source = cloud.rds(WEST);
    vault = cloud.rds(CENTRAL, { account: VAULT });
    vaultRole = cloud.rds(CENTRAL, { account: VAULT, as: 'assumed-role' });
  }

  async function settle(port: RdsPort, ref: SnapshotRef): Promise<Snapshot> {
    for (let poll = 0; poll < 5; poll++) {
      const snapshot = await port.describeSnapshot(ref);
      if (snapshot?.status === 'available') return snapshot;
    }
    throw new Error(`${ref.id} did not become available`);
  }

  /**
   * The database's snapshot under the default key (one per database, taken
   * on first use: taking one dumps the whole data directory), and a copy of
   * it under the share key (shareable), one per call.
   */
  const originals = new Map<string, Promise<Snapshot>>();
  function originalOf(database: DatabaseRef): Promise<Snapshot> {
    let original = originals.get(database.id);
    if (original === undefined) {
      original = (async () => {
        await source.createSnapshot({ database, snapshotId: `${database.id}-original`, tags: {} });
        return settle(source, { kind: database.kind, id: `${database.id}-original` });
      })();
      originals.set(database.id, original);
    }
    return original;
  }

  async function shareableCopy(database: DatabaseRef, id: string): Promise<Snapshot> {
    const original = await originalOf(database);
    await source.copySnapshot({
      kind: database.kind,
      sourceSnapshotArn: original.arn,
      sourceRegion: WEST,
      targetSnapshotId: id,
      sourceEncrypted: true,
      kmsKeyId: SHARE_KEY,
      tags: { 'restorable:intermediate': 'true' },
    });
    return settle(source, { kind: database.kind, id });
  }

  function copyIntoVault(port: RdsPort, shared: Snapshot, targetSnapshotId: string, kmsKeyId = VAULT_KEY) {
    return port.copySnapshot({
      kind: shared.database.kind,
      sourceSnapshotArn: shared.arn,
      sourceRegion: WEST,
      targetSnapshotId,
      sourceEncrypted: true,
      kmsKeyId,
      tags: { 'restorable:vault-copy': 'true' },
    });
  }

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-accounts-'));
    await openCloud();
    await cloud.createDatabase({ region: WEST, ...orders, engine: 'postgres', tags: {}, multiAz: false });
    await cloud.createDatabase({
      region: WEST,
      ...billing,
      engine: 'aurora-postgresql',
      tags: {},
      multiAz: false,
    });
    await cloud.withDatabase(WEST, orders.id, (db) =>
      db.exec(`create table items (id int primary key);
               insert into items select generate_series(1, 20);`),
    );
    await cloud.ensureKmsKey(WEST, SHARE_KEY);
    await cloud.allowKeyUse(WEST, SHARE_KEY, VAULT);
    await cloud.ensureKmsKey(CENTRAL, VAULT_KEY, { account: VAULT });
  });

  afterAll(async () => {
    await cloud?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  describe('layout', () => {
    it('given another account, when it is first used, then it has its own regions under accounts/<id> and its ARNs carry its id', async () => {
      expect(existsSync(join(stateDir, 'accounts', VAULT, 'regions', CENTRAL, 'kms'))).toBe(true);
      expect(existsSync(join(stateDir, 'regions', CENTRAL))).toBe(false);
      const shared = await shareableCopy(orders, 'layout-share');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);

      const copy = await copyIntoVault(vault, shared, 'layout-vault-copy');

      expect(shared.arn).toBe(`arn:aws:rds:${WEST}:${LOCAL_ACCOUNT_ID}:snapshot:layout-share`);
      expect(copy.arn).toBe(`arn:aws:rds:${CENTRAL}:${VAULT}:snapshot:layout-vault-copy`);
      expect(existsSync(join(vaultSnapshotsDir(CENTRAL), 'layout-vault-copy.json'))).toBe(true);
      expect(existsSync(join(stateDir, 'regions', CENTRAL, 'snapshots', 'layout-vault-copy.json'))).toBe(
        false,
      );
      // The own account's regions are the same as before accounts existed.
      expect(cloud.regions()).toEqual([WEST]);
    });

    it('given an account id that is not 12 digits, when a port is asked for it, then it is refused', () => {
      expect(() => cloud.rds(CENTRAL, { account: '1234' })).toThrow(InvalidInputError);
      expect(() => cloud.rds(CENTRAL, { account: '../../etc' })).toThrow(InvalidInputError);
      expect(() => cloud.rds(CENTRAL, { as: 'assumed-role' })).toThrow(InvalidInputError);
    });
  });

  describe('sharing', () => {
    it('given a snapshot under the default key, when it is shared, then InvalidRequestError says why and nothing is shared', async () => {
      await source.createSnapshot({ database: orders, snapshotId: 'default-key', tags: {} });
      const snapshot = await settle(source, { kind: 'instance', id: 'default-key' });
      expect(snapshot.kmsKeyId).toBe(DEFAULT_RDS_KEY_ID);

      const sharing = source.shareSnapshot({ kind: 'instance', id: 'default-key' }, VAULT);

      await expect(sharing).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(sharing).rejects.toThrow(/default KMS key/);
      expect(await source.snapshotSharedWith({ kind: 'instance', id: 'default-key' })).toEqual([]);
    });

    it('given a copy under the share key, when it is shared twice and with another account, then each account is listed once and the record keeps them', async () => {
      const shared = await shareableCopy(billing, 'share-twice');
      const ref = { kind: 'cluster', id: shared.id } as const;

      await source.shareSnapshot(ref, VAULT);
      await source.shareSnapshot(ref, VAULT);
      await source.shareSnapshot(ref, STRANGER);

      expect(await source.snapshotSharedWith(ref)).toEqual([VAULT, STRANGER].sort());
      expect((await readRecord(join(stateDir, 'regions', WEST, 'snapshots'), shared.id)).sharedWith).toEqual(
        [VAULT, STRANGER].sort(),
      );
    });

    it('given shares taken back, when the last one goes, then the record is as before any share, and taking back a missing share or a gone snapshot is no error', async () => {
      const shared = await shareableCopy(orders, 'unshare');
      const ref = { kind: 'instance', id: shared.id } as const;
      const before = await readRecord(join(stateDir, 'regions', WEST, 'snapshots'), shared.id);
      await source.shareSnapshot(ref, VAULT);

      await source.unshareSnapshot(ref, STRANGER);
      await source.unshareSnapshot(ref, VAULT);
      await source.unshareSnapshot(ref, VAULT);

      expect(await source.snapshotSharedWith(ref)).toEqual([]);
      expect(await readRecord(join(stateDir, 'regions', WEST, 'snapshots'), shared.id)).toEqual(before);
      await source.deleteSnapshot(ref);
      await expect(source.unshareSnapshot(ref, VAULT)).resolves.toBeUndefined();
      await expect(source.snapshotSharedWith(ref)).rejects.toBeInstanceOf(SnapshotNotFoundError);
      await expect(source.shareSnapshot(ref, VAULT)).rejects.toBeInstanceOf(SnapshotNotFoundError);
    });

    it('given a snapshot shared with as many accounts as the quota, when shared with one more, then SnapshotQuotaExceededError is thrown', async () => {
      const shared = await shareableCopy(orders, 'share-quota');
      const ref = { kind: 'instance', id: shared.id } as const;
      for (const account of ['100000000001', '100000000002', '100000000003']) {
        await source.shareSnapshot(ref, account);
      }

      await expect(source.shareSnapshot(ref, '100000000004')).rejects.toBeInstanceOf(
        SnapshotQuotaExceededError,
      );
      // One it is already shared with is still no error.
      await expect(source.shareSnapshot(ref, '100000000001')).resolves.toBeUndefined();
    });

    it('given a share with an account that is not 12 digits or with the owner, then it is refused', async () => {
      const shared = await shareableCopy(orders, 'share-odd');
      const ref = { kind: 'instance', id: shared.id } as const;

      await expect(source.shareSnapshot(ref, 'all')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(source.shareSnapshot(ref, LOCAL_ACCOUNT_ID)).rejects.toBeInstanceOf(InvalidRequestError);
    });

    it('given a copy still in progress, when it is shared, then InvalidStateError is thrown', async () => {
      const original = await originalOf(orders);
      await source.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: original.arn,
        sourceRegion: WEST,
        targetSnapshotId: 'in-progress',
        sourceEncrypted: true,
        kmsKeyId: SHARE_KEY,
        tags: {},
      });

      await expect(
        source.shareSnapshot({ kind: 'instance', id: 'in-progress' }, VAULT),
      ).rejects.toBeInstanceOf(InvalidStateError);
    });

    it('given snapshots shared with the vault, when the vault lists shared snapshots of the region, then it sees those and only those, as shared', async () => {
      const sharedOrders = await shareableCopy(orders, 'listed-orders');
      const sharedBilling = await shareableCopy(billing, 'listed-billing');
      await shareableCopy(orders, 'listed-not-shared');
      await source.shareSnapshot({ kind: 'instance', id: sharedOrders.id }, VAULT);
      await source.shareSnapshot({ kind: 'cluster', id: sharedBilling.id }, VAULT);
      const vaultOfWest = cloud.rds(WEST, { account: VAULT });

      const listed = await vaultOfWest.listSnapshots({ type: 'shared' });
      const listedClusters = await vaultOfWest.listSnapshots({ type: 'shared', kind: 'cluster' });

      const ids = listed.map((snapshot) => snapshot.id);
      expect(ids).toContain('listed-orders');
      expect(ids).toContain('listed-billing');
      expect(ids).not.toContain('listed-not-shared');
      expect(listed.every((snapshot) => snapshot.type === 'shared')).toBe(true);
      expect(listed.find((snapshot) => snapshot.id === 'listed-orders')?.arn).toBe(sharedOrders.arn);
      expect(listedClusters.map((snapshot) => snapshot.id)).toEqual(
        ids.filter((id) => listed.find((snapshot) => snapshot.id === id)?.database.kind === 'cluster'),
      );
      // The vault's own listing holds its own snapshots only; another region sees none of the shares.
      expect((await vaultOfWest.listSnapshots()).map((snapshot) => snapshot.id)).not.toContain(
        'listed-orders',
      );
      expect(await vault.listSnapshots({ type: 'shared' })).toEqual([]);
      expect(
        await cloud.rds(WEST, { account: STRANGER }).listSnapshots({ type: 'shared' }),
      ).not.toContainEqual(expect.objectContaining({ id: 'listed-orders' }));
    });
  });

  describe('copies into another account', () => {
    it('given a shared snapshot under an allowed key, when the vault copies it with its own key, then the copy is re-encrypted under that key, carries only the given tags and holds the same data', async () => {
      const shared = await shareableCopy(orders, 'vault-source');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);

      const started = await copyIntoVault(vault, shared, 'vault-copy');
      const copy = await settle(vault, { kind: 'instance', id: 'vault-copy' });

      expect(started.status).toBe('pending');
      expect(copy).toMatchObject({
        region: CENTRAL,
        database: orders,
        kmsKeyId: VAULT_KEY,
        sourceSnapshotArn: shared.arn,
        originalCreatedAt: shared.originalCreatedAt,
        tags: { 'restorable:vault-copy': 'true' },
        type: 'manual',
      });
      const archive = await readFile(join(vaultSnapshotsDir(CENTRAL), 'vault-copy.snapshot'));
      const vaultKey = await new LocalKms(new StateLayout(stateDir, VAULT)).getKey(CENTRAL, VAULT_KEY);
      const shareKey = await new LocalKms(new StateLayout(stateDir)).getKey(WEST, SHARE_KEY);
      const sourceArchive = await readFile(
        join(stateDir, 'regions', WEST, 'snapshots', `${shared.id}.snapshot`),
      );
      expect(Buffer.from(decryptArchive(archive, vaultKey, 'vault-copy'))).toEqual(
        Buffer.from(decryptArchive(sourceArchive, shareKey, shared.id)),
      );
      expect(() => decryptArchive(archive, shareKey, 'vault-copy')).toThrow(EncryptionKeyError);
    });

    it('given a snapshot not shared with the vault, when the vault copies it, then SnapshotNotFoundError is thrown, as RDS answers', async () => {
      const notShared = await shareableCopy(orders, 'never-shared');
      await source.shareSnapshot({ kind: 'instance', id: notShared.id }, STRANGER);

      await expect(copyIntoVault(vault, notShared, 'never-shared-copy')).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
      expect(await vault.describeSnapshot({ kind: 'instance', id: 'never-shared-copy' })).toBeUndefined();
    });

    it('given a share taken back, when the vault copies it, then SnapshotNotFoundError is thrown', async () => {
      const shared = await shareableCopy(orders, 'taken-back');
      const ref = { kind: 'instance', id: shared.id } as const;
      await source.shareSnapshot(ref, VAULT);
      await source.unshareSnapshot(ref, VAULT);

      await expect(copyIntoVault(vault, shared, 'taken-back-copy')).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
    });

    it('given a shared snapshot whose key does not allow the vault, when the vault copies it, then EncryptionKeyError (RDS: KMSKeyNotAccessibleFault) names the key and the accounts', async () => {
      await cloud.ensureKmsKey(WEST, 'alias/not-for-the-vault');
      const original = await originalOf(orders);
      await source.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: original.arn,
        sourceRegion: WEST,
        targetSnapshotId: 'wrong-key',
        sourceEncrypted: true,
        kmsKeyId: 'alias/not-for-the-vault',
        tags: {},
      });
      const shared = await settle(source, { kind: 'instance', id: 'wrong-key' });
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);

      const copying = copyIntoVault(vault, shared, 'wrong-key-copy');

      await expect(copying).rejects.toBeInstanceOf(EncryptionKeyError);
      await expect(copying).rejects.toThrow(
        new RegExp(
          `account ${VAULT} may not use KMS key alias/not-for-the-vault of account ${LOCAL_ACCOUNT_ID}`,
        ),
      );
    });

    it('given a shared snapshot, when the vault copies it without a key of its own, then InvalidRequestError is thrown, and with a key it lacks EncryptionKeyError', async () => {
      const shared = await shareableCopy(orders, 'keyless');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);

      await expect(copyIntoVault(vault, shared, 'keyless-copy', '')).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      await expect(copyIntoVault(vault, shared, 'keyless-copy', SHARE_KEY)).rejects.toBeInstanceOf(
        EncryptionKeyError,
      );
    });

    it('given the default key, when its use is allowed to another account, then InvalidRequestError is thrown; an unknown key gives EncryptionKeyError', async () => {
      await expect(cloud.allowKeyUse(WEST, DEFAULT_RDS_KEY_ID, VAULT)).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      await expect(cloud.allowKeyUse(WEST, 'alias/nobody', VAULT)).rejects.toBeInstanceOf(EncryptionKeyError);
      expect(
        JSON.parse(
          await readFile(new LocalKms(new StateLayout(stateDir)).keyUsersFile(WEST, SHARE_KEY), 'utf8'),
        ),
      ).toEqual({ accounts: [VAULT] });
    });
  });

  describe('the role assumed in the vault', () => {
    it('given the assumed role, when it describes, lists, copies and tags, then it may', async () => {
      const shared = await shareableCopy(orders, 'role-source');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);

      await copyIntoVault(vaultRole, shared, 'role-copy');
      const copy = await settle(vaultRole, { kind: 'instance', id: 'role-copy' });
      await vaultRole.tagSnapshot({ kind: 'instance', id: copy.id, arn: copy.arn }, { checked: 'yes' });

      expect((await vaultRole.listSnapshots()).map((snapshot) => snapshot.id)).toContain('role-copy');
      expect((await vault.describeSnapshot({ kind: 'instance', id: 'role-copy' }))?.tags).toEqual({
        'restorable:vault-copy': 'true',
        checked: 'yes',
      });
      expect(await vaultRole.snapshotSharedWith({ kind: 'instance', id: 'role-copy' })).toEqual([]);
    });

    it.each([
      [
        'deleteSnapshot',
        'DeleteDBSnapshot',
        (port: RdsPort) => port.deleteSnapshot({ kind: 'instance', id: 'guarded' }),
      ],
      [
        'shareSnapshot on a snapshot without the managed tag',
        'ModifyDBSnapshotAttribute',
        (port: RdsPort) => port.shareSnapshot({ kind: 'instance', id: 'guarded' }, STRANGER),
      ],
      [
        'unshareSnapshot on a snapshot without the managed tag',
        'ModifyDBSnapshotAttribute',
        (port: RdsPort) => port.unshareSnapshot({ kind: 'instance', id: 'guarded' }, STRANGER),
      ],
      [
        'createSnapshot',
        'CreateDBSnapshot',
        (port: RdsPort) => port.createSnapshot({ database: orders, snapshotId: 'guarded-2', tags: {} }),
      ],
    ])(
      'given the assumed role, when it calls %s, then AccessDeniedError names the action, the account and the role, and nothing changes',
      async (name, action, act) => {
        const method = name.split(' ')[0] ?? name;
        const shared = await shareableCopy(orders, `guarded-source-${method.toLowerCase()}`);
        await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);
        if ((await vault.describeSnapshot({ kind: 'instance', id: 'guarded' })) === undefined) {
          await copyIntoVault(vault, shared, 'guarded');
          await settle(vault, { kind: 'instance', id: 'guarded' });
        }

        const denied = act(vaultRole);

        await expect(denied).rejects.toBeInstanceOf(AccessDeniedError);
        await expect(denied).rejects.toThrow(`rds:${action}`);
        await expect(denied).rejects.toThrow(`account ${VAULT}`);
        await expect(denied).rejects.toThrow(`assumed-role/${ASSUMED_ROLE_NAME}/`);
        expect((await vault.describeSnapshot({ kind: 'instance', id: 'guarded' }))?.status).toBe('available');
        expect(await vault.snapshotSharedWith({ kind: 'instance', id: 'guarded' })).toEqual([]);
      },
    );

    it('given a vault copy tagged restorable:managed, when the assumed role shares it with the source account and takes the share back, then it may', async () => {
      const shared = await shareableCopy(orders, 'role-share-source');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);
      await copyIntoVault(vaultRole, shared, 'role-share');
      const copy = await settle(vaultRole, { kind: 'instance', id: 'role-share' });
      await vaultRole.tagSnapshot(
        { kind: 'instance', id: copy.id, arn: copy.arn },
        { [MANAGED_TAG]: MANAGED_TAG_VALUE },
      );
      const ref = { kind: 'instance', id: copy.id } as const;

      await vaultRole.shareSnapshot(ref, LOCAL_ACCOUNT_ID);

      expect(await vault.snapshotSharedWith(ref)).toEqual([LOCAL_ACCOUNT_ID]);
      expect((await cloud.rds(CENTRAL).listSnapshots({ type: 'shared' })).map((s) => s.arn)).toEqual([
        copy.arn,
      ]);

      await vaultRole.unshareSnapshot(ref, LOCAL_ACCOUNT_ID);

      expect(await vault.snapshotSharedWith(ref)).toEqual([]);
      // Still never a delete.
      await expect(vaultRole.deleteSnapshot(ref)).rejects.toBeInstanceOf(AccessDeniedError);
    });

    it('given a managed tag with another value, when the assumed role shares the snapshot, then AccessDeniedError names the condition', async () => {
      const shared = await shareableCopy(orders, 'role-share-false-source');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);
      await copyIntoVault(vault, shared, 'role-share-false');
      const copy = await settle(vault, { kind: 'instance', id: 'role-share-false' });
      await vault.tagSnapshot({ kind: 'instance', id: copy.id, arn: copy.arn }, { [MANAGED_TAG]: 'false' });

      const denied = vaultRole.shareSnapshot({ kind: 'instance', id: copy.id }, LOCAL_ACCOUNT_ID);

      await expect(denied).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(denied).rejects.toThrow(`${MANAGED_TAG}=${MANAGED_TAG_VALUE}`);
      expect(await vault.snapshotSharedWith({ kind: 'instance', id: copy.id })).toEqual([]);
    });

    it('given a snapshot that does not exist, when the assumed role shares it or takes a share back, then RDS answers as for the account itself', async () => {
      const ref = { kind: 'instance', id: 'role-share-ghost' } as const;

      await expect(vaultRole.shareSnapshot(ref, LOCAL_ACCOUNT_ID)).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
      await expect(vaultRole.unshareSnapshot(ref, LOCAL_ACCOUNT_ID)).resolves.toBeUndefined();
    });

    it("given the vault's own port, when it deletes its copy, then it may (its own prune)", async () => {
      const shared = await shareableCopy(orders, 'own-prune-source');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);
      await copyIntoVault(vault, shared, 'own-prune');
      await settle(vault, { kind: 'instance', id: 'own-prune' });

      await vault.deleteSnapshot({ kind: 'instance', id: 'own-prune' });

      expect(await vault.describeSnapshot({ kind: 'instance', id: 'own-prune' })).toBeUndefined();
    });
  });

  describe("sandboxes from another account's snapshot", () => {
    /** A key of the vault whose policy lets the source account use it, and one whose policy does not. */
    const RESTORE_KEY = 'alias/restorable-vault-restore';
    const PRIVATE_KEY = 'alias/restorable-vault-private';
    let sandboxes: SandboxPort;

    beforeAll(async () => {
      await cloud.ensureKmsKey(CENTRAL, RESTORE_KEY, { account: VAULT });
      await cloud.allowKeyUse(CENTRAL, RESTORE_KEY, LOCAL_ACCOUNT_ID, { account: VAULT });
      await cloud.ensureKmsKey(CENTRAL, PRIVATE_KEY, { account: VAULT });
      sandboxes = cloud.sandboxes(CENTRAL);
    });

    /** The vault's copy of `orders` under the key, shared with the source account when `shareBack`. */
    async function vaultCopy(id: string, kmsKeyId: string, shareBack: boolean): Promise<Snapshot> {
      const shared = await shareableCopy(orders, `${id}-source`);
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);
      await copyIntoVault(vault, shared, id, kmsKeyId);
      const copy = await settle(vault, { kind: 'instance', id });
      if (shareBack) await vault.shareSnapshot({ kind: 'instance', id }, LOCAL_ACCOUNT_ID);
      return copy;
    }

    function restoreFrom(port: SandboxPort, snapshot: Snapshot, sandboxId: string) {
      return port.restoreSandbox({
        region: port.region,
        sandboxId,
        snapshot: { kind: snapshot.database.kind, id: snapshot.id, arn: snapshot.arn },
        engine: 'postgres',
        instanceClass: 'db.t4g.micro',
        tags: { [SANDBOX_DRILL_TAG]: `drill-${sandboxId}` },
      });
    }

    const sandboxRecord = (region: string, id: string) =>
      join(stateDir, 'regions', region, 'sandboxes', `${id}.json`);

    it('given a vault copy shared with the source account under a key it may use, when the source restores it by its ARN, then the sandbox is in the source account and holds the data', async () => {
      const copy = await vaultCopy('restore-shared', RESTORE_KEY, true);

      await restoreFrom(sandboxes, copy, 'vault-drill');
      const ref = { region: CENTRAL, kind: 'instance', id: 'vault-drill' } as const;
      await sandboxes.describeSandbox(ref);

      expect((await sandboxes.describeSandbox(ref))?.status).toBe('available');
      expect(existsSync(sandboxRecord(CENTRAL, 'vault-drill'))).toBe(true);
      expect(
        existsSync(join(stateDir, 'accounts', VAULT, 'regions', CENTRAL, 'sandboxes', 'vault-drill.json')),
      ).toBe(false);
      expect(JSON.parse(await readFile(sandboxRecord(CENTRAL, 'vault-drill'), 'utf8'))).toMatchObject({
        snapshotArn: `arn:aws:rds:${CENTRAL}:${VAULT}:snapshot:restore-shared`,
      });
      const client = new Client(await sandboxes.connectionFor(ref));
      await client.connect();
      try {
        const { rows } = await client.query<{ count: string }>('select count(*) from items');
        expect(rows[0]?.count).toBe('20');
      } finally {
        await client.end();
      }
      await sandboxes.deleteSandbox(ref);
      expect(existsSync(sandboxRecord(CENTRAL, 'vault-drill'))).toBe(false);
    });

    it.each([
      ['never shared with the source account', false],
      ['whose share was taken back', true],
    ])(
      'given a vault copy %s, when the source restores it, then SnapshotNotFoundError is thrown and the sandbox is failed',
      async (_case, sharedThenTakenBack) => {
        const id = sharedThenTakenBack ? 'restore-taken-back' : 'restore-unshared';
        const copy = await vaultCopy(id, RESTORE_KEY, sharedThenTakenBack);
        if (sharedThenTakenBack) await vault.unshareSnapshot({ kind: 'instance', id }, LOCAL_ACCOUNT_ID);

        await expect(restoreFrom(sandboxes, copy, `${id}-drill`)).rejects.toBeInstanceOf(
          SnapshotNotFoundError,
        );

        const failed = await sandboxes.describeSandbox({
          region: CENTRAL,
          kind: 'instance',
          id: `${id}-drill`,
        });
        expect(failed?.status).toBe('failed');
        expect(failed?.statusReason).toContain(`account ${VAULT}`);
      },
    );

    it('given a vault copy shared with the source account under a key its owner does not let it use, when the source restores it, then EncryptionKeyError names the key and the accounts', async () => {
      const copy = await vaultCopy('restore-private-key', PRIVATE_KEY, true);

      const restoring = restoreFrom(sandboxes, copy, 'private-key-drill');

      await expect(restoring).rejects.toBeInstanceOf(EncryptionKeyError);
      await expect(restoring).rejects.toThrow(
        `account ${LOCAL_ACCOUNT_ID} may not use KMS key ${PRIVATE_KEY} of account ${VAULT}`,
      );
      expect(
        (await sandboxes.describeSandbox({ region: CENTRAL, kind: 'instance', id: 'private-key-drill' }))
          ?.status,
      ).toBe('failed');
    });

    it('given a shared vault copy whose archive was altered, when the source restores it, then SnapshotCorruptedError is thrown', async () => {
      const copy = await vaultCopy('restore-altered', RESTORE_KEY, true);
      const archive = join(vaultSnapshotsDir(CENTRAL), 'restore-altered.snapshot');
      const bytes = await readFile(archive);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
      await writeFile(archive, bytes);

      await expect(restoreFrom(sandboxes, copy, 'altered-drill')).rejects.toBeInstanceOf(
        SnapshotCorruptedError,
      );
    });

    it('given a shared vault copy, when a sandbox of another region or another kind restores it, then SnapshotNotFoundError is thrown', async () => {
      const copy = await vaultCopy('restore-elsewhere', RESTORE_KEY, true);

      await expect(restoreFrom(cloud.sandboxes(WEST), copy, 'elsewhere-drill')).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
      await expect(
        restoreFrom(sandboxes, { ...copy, database: { kind: 'cluster', id: 'orders' } }, 'cluster-drill'),
      ).rejects.toBeInstanceOf(SnapshotNotFoundError);
    });
  });

  describe('faults and persistence', () => {
    it('given a fault rule for one account, then the copy in that account fails and the same call in another account does not', async () => {
      const shared = await shareableCopy(orders, 'fault-source');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);
      cloud.faults.add({ operation: 'copySnapshot', effect: 'error', account: VAULT, times: 1 });

      await expect(copyIntoVault(vault, shared, 'fault-copy')).rejects.toBeInstanceOf(CloudServiceError);
      await expect(copyIntoVault(vault, shared, 'fault-copy')).resolves.toMatchObject({ id: 'fault-copy' });
      cloud.faults.add({ operation: 'shareSnapshot', effect: 'throttle', account: VAULT, times: 1 });
      // The rule names the vault: the source's share is not affected, and the rule stays.
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, STRANGER);
      expect(cloud.faults.active()).toHaveLength(1);
      cloud.faults.clear();
    });

    it.each([
      ['shareSnapshot', 'crash-after', true],
      ['unshareSnapshot', 'crash-after', true],
      ['snapshotSharedWith', 'error', true],
      ['snapshotSharedWith', 'crash-after', false],
      ['copySnapshot', 'crash-after', false],
    ])('given a fault rule for %s with effect %s, then its validity is %s', (operation, effect, valid) => {
      expect(faultRuleSchema.safeParse({ operation, effect, account: VAULT }).success).toBe(valid);
    });

    it('given shares, key users and another account, when the cloud is reopened, then they are kept, and a crash leftover in the account is removed', async () => {
      const shared = await shareableCopy(orders, 'reopen-source');
      await source.shareSnapshot({ kind: 'instance', id: shared.id }, VAULT);
      const leftover = join(vaultSnapshotsDir(CENTRAL), `x.json${TEMP_SUFFIX}`);
      await mkdir(vaultSnapshotsDir(CENTRAL), { recursive: true });
      await writeFile(leftover, '{');
      await cloud.close();

      await openCloud();

      expect(existsSync(leftover)).toBe(false);
      expect(await source.snapshotSharedWith({ kind: 'instance', id: shared.id })).toEqual([VAULT]);
      await copyIntoVault(vault, shared, 'reopen-copy');
      expect((await settle(vault, { kind: 'instance', id: 'reopen-copy' })).kmsKeyId).toBe(VAULT_KEY);
    });
  });
});
