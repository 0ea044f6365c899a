// What moving a snapshot into a vault account needs of the RdsPorts of two
// accounts, whatever cloud is behind them: run against the local cloud
// (local-cross-account.contract.test.ts) and over moto_server
// (test/emulated/cross-account.emulated.test.ts). The source account copies
// its snapshot under a key whose policy lets the vault account use it (an
// intermediate copy) and shares that copy; the vault account, through the
// role the source assumes there, sees the share and copies it under a key of
// its own; the source takes the share back and deletes the intermediate
// copy. The role may describe, copy and tag in the vault, and share the
// copies restorable manages (tagged restorable:managed=true) back with the
// source account, for its drills to restore; it never deletes.
// A cloud that cannot show a behaviour says so with a capability flag, and
// the test then asserts what that cloud does instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, SnapshotNotFoundError } from '../../src/domain/errors.ts';
import type { DatabaseRef, RdsPort, Snapshot, SnapshotRef } from '../../src/ports/rds.ts';

export interface CrossAccountFixture {
  /** The account's own port, with every right. */
  source(region: string): RdsPort;
  /** The vault account's own port, with every right (its own prune). */
  vault(region: string): RdsPort;
  /** The role the source account assumes in the vault account: describe, list, copy, tag, share managed copies. */
  vaultRole(region: string): RdsPort;
  readonly vaultAccountId: string;
  /** Creates an instance in the source region of the source account. */
  seedInstance(id: string): Promise<void>;
  readonly sourceRegion: string;
  readonly vaultRegion: string;
  /** A key of the source account in the source region whose policy lets the vault account use it. */
  readonly shareKeyId: string;
  /** A key of the vault account in the vault region. */
  readonly vaultKeyId: string;
  /** The source account's id, with which the role shares a vault copy back. */
  readonly sourceAccountId: string;
  /**
   * Whether the vault account can copy a snapshot shared with it, by its ARN,
   * as RDS documents (CopyDBSnapshot, SourceDBSnapshotIdentifier: "If you are
   * copying from a shared manual DB snapshot, this parameter must be the
   * Amazon Resource Name (ARN) of the shared DB snapshot"). When false, the
   * test checks that such a copy fails as not found and leaves nothing
   * behind. Default true.
   */
  readonly copiesSharedSnapshots?: boolean;
  /**
   * Whether the role's policy is enforced: a delete it does not allow fails
   * with AccessDeniedError. When false (an emulator that evaluates no IAM
   * policy), the test checks only that the role's delete reaches RDS (and
   * fails there for a snapshot that does not exist). Default true.
   */
  readonly enforcesRolePolicy?: boolean;
  cleanup(): Promise<void>;
}

const MAX_POLLS = 10;

export function describeCrossAccountContract(name: string, setup: () => Promise<CrossAccountFixture>): void {
  describe(`cross-account snapshot transfer: ${name}`, () => {
    let fixture: CrossAccountFixture;
    let source: RdsPort;
    let vault: RdsPort;
    let role: RdsPort;
    /** The role's view of the source region, where the shared snapshot is listed. */
    let roleInSourceRegion: RdsPort;
    const database: DatabaseRef = { kind: 'instance', id: 'cross-orders' };

    async function settle(port: RdsPort, ref: SnapshotRef): Promise<Snapshot> {
      for (let poll = 0; poll < MAX_POLLS; poll++) {
        const snapshot = await port.describeSnapshot(ref);
        if (snapshot === undefined) throw new Error(`snapshot ${ref.id} vanished while polling`);
        if (snapshot.status === 'available' || snapshot.status === 'failed') return snapshot;
      }
      throw new Error(`snapshot ${ref.id} was not settled after ${MAX_POLLS} describes`);
    }

    /** The day's snapshot and its intermediate copy under the share key, shared with the vault. */
    async function sharedIntermediateCopy(prefix: string): Promise<Snapshot> {
      await source.createSnapshot({ database, snapshotId: `${prefix}-daily`, tags: {} });
      const daily = await settle(source, { kind: 'instance', id: `${prefix}-daily` });
      await source.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: daily.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: `${prefix}-intermediate`,
        sourceEncrypted: daily.encrypted,
        kmsKeyId: fixture.shareKeyId,
        tags: { 'restorable:intermediate': 'true' },
      });
      const intermediate = await settle(source, { kind: 'instance', id: `${prefix}-intermediate` });
      expect(intermediate.status).toBe('available');
      await source.shareSnapshot({ kind: 'instance', id: intermediate.id }, fixture.vaultAccountId);
      return intermediate;
    }

    beforeAll(async () => {
      fixture = await setup();
      source = fixture.source(fixture.sourceRegion);
      vault = fixture.vault(fixture.vaultRegion);
      role = fixture.vaultRole(fixture.vaultRegion);
      roleInSourceRegion = fixture.vaultRole(fixture.sourceRegion);
      await fixture.seedInstance(database.id);
    });

    afterAll(async () => {
      await fixture?.cleanup();
    });

    it('given an intermediate copy shared with the vault, then the source reports the share and the role lists it as shared, in its region, under its own ARN', async () => {
      const intermediate = await sharedIntermediateCopy('cross-listed');

      const shared = await roleInSourceRegion.listSnapshots({ type: 'shared' });

      expect(await source.snapshotSharedWith({ kind: 'instance', id: intermediate.id })).toEqual([
        fixture.vaultAccountId,
      ]);
      const listed = shared.find((snapshot) => snapshot.arn === intermediate.arn);
      expect(listed).toMatchObject({ id: intermediate.id, type: 'shared', database });
      // Not in the vault's own snapshots: it is the source account's.
      expect(
        (await fixture.vault(fixture.sourceRegion).listSnapshots()).map((snapshot) => snapshot.arn),
      ).not.toContain(intermediate.arn);
    });

    it('given a shared intermediate copy, when the role copies it into the vault with the vault key and the source takes the share back and deletes the intermediate copy, then the vault holds its own copy and nothing is shared', async () => {
      const intermediate = await sharedIntermediateCopy('cross-transfer');
      const copyRequest = {
        kind: 'instance' as const,
        sourceSnapshotArn: intermediate.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'cross-transfer-vault',
        sourceEncrypted: intermediate.encrypted,
        kmsKeyId: fixture.vaultKeyId,
        tags: { 'restorable:vault-copy': 'true' },
      };

      const copying = role.copySnapshot(copyRequest);

      if (fixture.copiesSharedSnapshots === false) {
        await expect(copying).rejects.toBeInstanceOf(SnapshotNotFoundError);
        expect(
          await vault.describeSnapshot({ kind: 'instance', id: 'cross-transfer-vault' }),
        ).toBeUndefined();
      } else {
        await copying;
        const copy = await settle(role, { kind: 'instance', id: 'cross-transfer-vault' });
        expect(copy).toMatchObject({
          status: 'available',
          region: fixture.vaultRegion,
          database,
          encrypted: true,
          kmsKeyId: fixture.vaultKeyId,
          tags: { 'restorable:vault-copy': 'true' },
        });
        expect(copy.arn).toContain(`:${fixture.vaultAccountId}:`);
        expect(copy.originalCreatedAt?.getTime()).toBe(intermediate.originalCreatedAt?.getTime());
      }
      await source.unshareSnapshot({ kind: 'instance', id: intermediate.id }, fixture.vaultAccountId);
      await source.deleteSnapshot({ kind: 'instance', id: intermediate.id });

      expect(await source.describeSnapshot({ kind: 'instance', id: intermediate.id })).toBeUndefined();
      expect(
        (await roleInSourceRegion.listSnapshots({ type: 'shared' })).map((snapshot) => snapshot.arn),
      ).not.toContain(intermediate.arn);
      const transfer = (await source.listSnapshots({ database })).filter((snapshot) =>
        snapshot.id.startsWith('cross-transfer'),
      );
      expect(transfer.map((snapshot) => snapshot.id)).toEqual(['cross-transfer-daily']);
      expect(await source.snapshotSharedWith({ kind: 'instance', id: 'cross-transfer-daily' })).toEqual([]);
      if (fixture.copiesSharedSnapshots !== false) {
        expect((await vault.describeSnapshot({ kind: 'instance', id: 'cross-transfer-vault' }))?.status).toBe(
          'available',
        );
      }
    });

    it('given a share taken back, when the role copies the snapshot, then SnapshotNotFoundError is thrown', async () => {
      const intermediate = await sharedIntermediateCopy('cross-taken-back');
      await source.unshareSnapshot({ kind: 'instance', id: intermediate.id }, fixture.vaultAccountId);

      const copying = role.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: intermediate.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'cross-taken-back-vault',
        sourceEncrypted: intermediate.encrypted,
        kmsKeyId: fixture.vaultKeyId,
        tags: {},
      });

      await expect(copying).rejects.toBeInstanceOf(SnapshotNotFoundError);
    });

    it('given the role in the vault, when it deletes a snapshot there or shares one without the managed tag, then it is refused with AccessDeniedError, while the vault itself may delete its own', async () => {
      const ref = { kind: 'instance' as const, id: 'cross-guarded' };
      if (fixture.enforcesRolePolicy === false) {
        // What such a cloud can show: the role's delete reaches RDS.
        await expect(role.deleteSnapshot(ref)).rejects.toBeInstanceOf(SnapshotNotFoundError);
        await expect(role.shareSnapshot(ref, '444455556666')).rejects.toBeInstanceOf(SnapshotNotFoundError);
        return;
      }
      const intermediate = await sharedIntermediateCopy('cross-guarded');
      await role.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: intermediate.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: ref.id,
        sourceEncrypted: intermediate.encrypted,
        kmsKeyId: fixture.vaultKeyId,
        tags: {},
      });
      await settle(role, ref);

      await expect(role.deleteSnapshot(ref)).rejects.toBeInstanceOf(AccessDeniedError);
      await expect(role.shareSnapshot(ref, '444455556666')).rejects.toBeInstanceOf(AccessDeniedError);
      expect((await role.describeSnapshot(ref))?.status).toBe('available');

      await vault.deleteSnapshot(ref);
      expect(await vault.describeSnapshot(ref)).toBeUndefined();
    });

    it('given a vault copy tagged restorable:managed, when the role shares it with the source account and takes the share back, then the source sees it shared in the vault region, then no more', async () => {
      if (fixture.copiesSharedSnapshots === false) {
        // Such a cloud makes no vault copy to share (see copiesSharedSnapshots).
        return;
      }
      const intermediate = await sharedIntermediateCopy('cross-share-back');
      const ref = { kind: 'instance' as const, id: 'cross-share-back-vault' };
      await role.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: intermediate.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: ref.id,
        sourceEncrypted: intermediate.encrypted,
        kmsKeyId: fixture.vaultKeyId,
        tags: { 'restorable:managed': 'true' },
      });
      const copy = await settle(role, ref);
      const sharedWithSource = async () =>
        (await fixture.source(fixture.vaultRegion).listSnapshots({ type: 'shared' })).map(
          (snapshot) => snapshot.arn,
        );

      await role.shareSnapshot(ref, fixture.sourceAccountId);

      expect(await role.snapshotSharedWith(ref)).toEqual([fixture.sourceAccountId]);
      expect(await sharedWithSource()).toContain(copy.arn);

      await role.unshareSnapshot(ref, fixture.sourceAccountId);

      expect(await role.snapshotSharedWith(ref)).toEqual([]);
      expect(await sharedWithSource()).not.toContain(copy.arn);
    });
  });
}
