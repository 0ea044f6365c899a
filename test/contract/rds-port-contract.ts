// The behaviour every RdsPort implementation must show, whatever cloud is
// behind it: run against the local cloud (local-rds.contract.test.ts), the
// AWS adapter over a stateful fake of the RDS SDK (aws-rds.contract.test.ts)
// and the AWS adapter over moto_server (test/emulated, `npm run
// test:emulated`). It asserts only what the port promises, never how an
// implementation keeps its state. A cloud that cannot show a behaviour at all
// (an emulator with a known gap) says so with a capability flag of the
// fixture, and the test then asserts the weaker promise that cloud can keep.
// Tests share two seeded databases (seeding can be slow) but each creates the
// snapshots it looks at, with ids of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseNotFoundError,
  InvalidRequestError,
  SnapshotAlreadyExistsError,
  SnapshotNotFoundError,
} from '../../src/domain/errors.ts';
import type {
  DatabaseKind,
  DatabaseRef,
  RdsPort,
  Snapshot,
  SnapshotQuota,
  SnapshotRef,
  Tags,
} from '../../src/ports/rds.ts';

export interface ContractDatabaseSpec {
  readonly region: string;
  readonly id: string;
  readonly kind: DatabaseKind;
  readonly tags: Tags;
  readonly multiAz: boolean;
}

export interface RdsContractFixture {
  port(region: string): RdsPort;
  /** Creates a database the port can then list and snapshot. */
  seedDatabase(spec: ContractDatabaseSpec): Promise<void>;
  /**
   * Creates an Aurora cluster whose storage is not encrypted. Absent where
   * the cloud encrypts every database (the local cloud): the suite then
   * checks that its snapshots are encrypted instead.
   */
  seedUnencryptedCluster?(region: string, id: string): Promise<void>;
  /** Region of the seeded databases. */
  readonly sourceRegion: string;
  /** Another region, receiving copies. */
  readonly copyRegion: string;
  /** A KMS key of the copy region that copies can be encrypted with. */
  readonly copyKmsKeyId: string;
  /**
   * How many snapshots one page of the implementation's listing holds (the
   * suite lists more than that). Default 20.
   */
  readonly listPageSize?: number;
  /**
   * Whether a copy records the ARN it was copied from, as RDS does
   * (`SourceDBSnapshotIdentifier`, `SourceDBClusterSnapshotArn`). When false,
   * the port must report no source rather than a wrong one. Default true.
   */
  readonly recordsCopySource?: boolean;
  /**
   * Whether a copy is still `pending` or `copying` right after it is started,
   * as on RDS. When false (a copy that completes at once), the cancellation
   * test checks only that deleting the copy removes it. Default true.
   */
  readonly copiesTakeTime?: boolean;
  /**
   * Whether tagging a snapshot that does not exist fails, as RDS documents
   * (`DBSnapshotNotFoundFault`). When false, the test checks only that such a
   * call creates no snapshot. Default true.
   */
  readonly refusesTagsOfMissingSnapshots?: boolean;
  /**
   * Whether the cloud reports its manual snapshot quotas, as RDS does
   * (DescribeAccountAttributes). When false, the suite checks only that
   * describing them fails rather than reporting a quota. Default true.
   */
  readonly reportsSnapshotQuotas?: boolean;
  /**
   * Whether sharing a snapshot encrypted under the account's default RDS key
   * fails, as RDS documents ("You can't share a snapshot that has been
   * encrypted using the default KMS key of the AWS account that shared the
   * snapshot"). The source region's snapshots are under that key. When
   * false, the test checks only that such a share, if accepted, can be taken
   * back. Default true.
   */
  readonly refusesSharesUnderDefaultKey?: boolean;
  /**
   * Whether sharing a snapshot again with an account it is shared with
   * leaves that account listed once, as the `restore` attribute is a set of
   * accounts. When false, the test compares the accounts listed, not how
   * often. Default true.
   */
  readonly listsEachShareOnce?: boolean;
  cleanup(): Promise<void>;
}

/** Accounts the suite shares snapshots with (any 12 digits: sharing does not check they exist). */
const SHARE_ACCOUNT = '210987654321';
const OTHER_SHARE_ACCOUNT = '310987654321';

/** How many describes a snapshot may take to settle before the suite gives up. */
const MAX_POLLS = 10;

export function describeRdsPortContract(name: string, setup: () => Promise<RdsContractFixture>): void {
  describe(`RdsPort contract: ${name}`, () => {
    let fixture: RdsContractFixture;
    let source: RdsPort;
    let target: RdsPort;
    const instance: DatabaseRef = { kind: 'instance', id: 'contract-orders' };
    const cluster: DatabaseRef = { kind: 'cluster', id: 'contract-billing' };
    const instanceTags = { app: 'orders', backup: 'daily' };
    const clusterTags = { app: 'billing', backup: 'daily' };

    /** Describes the snapshot until it leaves the in-progress states, at most MAX_POLLS times. */
    async function settle(port: RdsPort, ref: SnapshotRef): Promise<Snapshot> {
      for (let poll = 0; poll < MAX_POLLS; poll++) {
        const snapshot = await port.describeSnapshot(ref);
        if (snapshot === undefined) throw new Error(`snapshot ${ref.id} vanished while polling`);
        if (snapshot.status === 'available' || snapshot.status === 'failed') return snapshot;
      }
      throw new Error(`snapshot ${ref.id} was not settled after ${MAX_POLLS} describes`);
    }

    async function availableSnapshot(database: DatabaseRef, id: string, tags: Tags = {}): Promise<Snapshot> {
      await source.createSnapshot({ database, snapshotId: id, tags });
      const snapshot = await settle(source, { kind: database.kind, id });
      expect(snapshot.status).toBe('available');
      return snapshot;
    }

    beforeAll(async () => {
      fixture = await setup();
      source = fixture.port(fixture.sourceRegion);
      target = fixture.port(fixture.copyRegion);
      await fixture.seedDatabase({
        region: fixture.sourceRegion,
        ...instance,
        tags: instanceTags,
        multiAz: true,
      });
      await fixture.seedDatabase({
        region: fixture.sourceRegion,
        ...cluster,
        tags: clusterTags,
        multiAz: false,
      });
    });

    afterAll(async () => {
      await fixture?.cleanup();
    });

    it('given a port, then it reports the region it was asked for', () => {
      expect(source.region).toBe(fixture.sourceRegion);
      expect(target.region).toBe(fixture.copyRegion);
    });

    it('given seeded databases, when listing databases, then both kinds are returned with their tags and Multi-AZ setting', async () => {
      const databases = await source.listDatabases();

      const orders = databases.find((database) => database.id === instance.id);
      const billing = databases.find((database) => database.id === cluster.id);
      expect(orders).toMatchObject({ kind: 'instance', tags: instanceTags, multiAz: true });
      expect(billing).toMatchObject({ kind: 'cluster', tags: clusterTags, multiAz: false });
      expect(orders?.arn).toContain(instance.id);
      expect(billing?.arn).toContain(cluster.id);
    });

    it('given an instance, when a snapshot is created, then it is in progress and becomes available as it is described', async () => {
      const created = await source.createSnapshot({
        database: instance,
        snapshotId: 'contract-create-instance',
        tags: { purpose: 'contract' },
      });

      expect(created).toMatchObject({
        id: 'contract-create-instance',
        region: fixture.sourceRegion,
        database: instance,
        type: 'manual',
      });
      expect(['creating', 'available']).toContain(created.status);
      expect(created.arn).toContain('contract-create-instance');

      const settled = await settle(source, { kind: 'instance', id: 'contract-create-instance' });
      expect(settled.status).toBe('available');
      expect(settled.tags).toMatchObject({ purpose: 'contract' });
      expect(settled.createdAt).toBeInstanceOf(Date);
      expect(Number.isNaN(settled.createdAt?.getTime())).toBe(false);
      expect(settled.database).toEqual(instance);
    });

    it('given a cluster, when a snapshot is created, then it becomes available with its tags and creation time', async () => {
      const created = await source.createSnapshot({
        database: cluster,
        snapshotId: 'contract-create-cluster',
        tags: { purpose: 'contract' },
      });
      expect(['creating', 'available']).toContain(created.status);

      const settled = await settle(source, { kind: 'cluster', id: 'contract-create-cluster' });
      expect(settled).toMatchObject({
        status: 'available',
        database: cluster,
        tags: { purpose: 'contract' },
      });
      expect(settled.createdAt).toBeInstanceOf(Date);
      expect(settled.arn).toContain('contract-create-cluster');
    });

    it('given a snapshot id that is taken, when creating a snapshot with it, then SnapshotAlreadyExistsError is thrown', async () => {
      await availableSnapshot(instance, 'contract-duplicate');

      await expect(
        source.createSnapshot({ database: instance, snapshotId: 'contract-duplicate', tags: {} }),
      ).rejects.toBeInstanceOf(SnapshotAlreadyExistsError);
    });

    it('given an unknown database, when creating a snapshot of it, then DatabaseNotFoundError is thrown', async () => {
      await expect(
        source.createSnapshot({
          database: { kind: 'instance', id: 'contract-no-such-db' },
          snapshotId: 'contract-orphan',
          tags: {},
        }),
      ).rejects.toBeInstanceOf(DatabaseNotFoundError);
      expect(await source.describeSnapshot({ kind: 'instance', id: 'contract-orphan' })).toBeUndefined();
    });

    it('given no such snapshot, when describing it, then the result is undefined', async () => {
      expect(
        await source.describeSnapshot({ kind: 'instance', id: 'contract-never-created' }),
      ).toBeUndefined();
      expect(
        await source.describeSnapshot({ kind: 'cluster', id: 'contract-never-created' }),
      ).toBeUndefined();
    });

    it('given an instance snapshot, when describing it as a cluster snapshot, then the result is undefined', async () => {
      await availableSnapshot(instance, 'contract-kind-check');

      expect(await source.describeSnapshot({ kind: 'cluster', id: 'contract-kind-check' })).toBeUndefined();
    });

    it('given snapshots of both kinds, when listing with filters, then only matching snapshots are returned, with tags', async () => {
      await availableSnapshot(instance, 'contract-list-instance', { list: 'instance' });
      await availableSnapshot(cluster, 'contract-list-cluster', { list: 'cluster' });

      const ofInstance = await source.listSnapshots({ database: instance });
      expect(ofInstance.every((snapshot) => snapshot.database.id === instance.id)).toBe(true);
      expect(ofInstance.find((snapshot) => snapshot.id === 'contract-list-instance')?.tags).toMatchObject({
        list: 'instance',
      });
      expect(ofInstance.map((snapshot) => snapshot.id)).not.toContain('contract-list-cluster');

      const clusters = await source.listSnapshots({ kind: 'cluster' });
      expect(clusters.every((snapshot) => snapshot.database.kind === 'cluster')).toBe(true);
      expect(clusters.find((snapshot) => snapshot.id === 'contract-list-cluster')?.tags).toMatchObject({
        list: 'cluster',
      });
      expect(clusters.map((snapshot) => snapshot.id)).not.toContain('contract-list-instance');

      const manual = await source.listSnapshots({ type: 'manual' });
      expect(manual.map((snapshot) => snapshot.id)).toEqual(
        expect.arrayContaining(['contract-list-instance', 'contract-list-cluster']),
      );
      const all = await source.listSnapshots();
      expect(all.map((snapshot) => snapshot.id)).toEqual(
        expect.arrayContaining(['contract-list-instance', 'contract-list-cluster']),
      );
      for (const snapshot of all) expect(snapshot.createdAt).toBeInstanceOf(Date);
    });

    it('given more snapshots than one page holds, when listing, then every one of them is returned once', async () => {
      const count = (fixture.listPageSize ?? 20) + 2;
      const ids = Array.from(
        { length: count },
        (_, index) => `contract-page-${String(index).padStart(3, '0')}`,
      );
      for (const id of ids)
        await source.createSnapshot({ database: cluster, snapshotId: id, tags: { page: 'yes' } });

      const listed = (await source.listSnapshots({ database: cluster })).map((snapshot) => snapshot.id);

      const paged = listed.filter((id) => id.startsWith('contract-page-'));
      expect(paged.sort()).toEqual(ids);
    });

    it('given an available snapshot, when it is copied to another region, then the copy becomes available, encrypted with the given key, with the tags and original time', async () => {
      const original = await availableSnapshot(instance, 'contract-copy-source', { team: 'shop' });

      const started = await target.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: original.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'contract-copy-target',
        sourceEncrypted: original.encrypted,
        kmsKeyId: fixture.copyKmsKeyId,
        tags: { copy: 'yes' },
      });
      expect(['pending', 'copying', 'available']).toContain(started.status);
      expect(started.region).toBe(fixture.copyRegion);

      const copy = await settle(target, { kind: 'instance', id: 'contract-copy-target' });
      expect(copy).toMatchObject({
        id: 'contract-copy-target',
        region: fixture.copyRegion,
        status: 'available',
        database: instance,
        encrypted: true,
        kmsKeyId: fixture.copyKmsKeyId,
        sourceSnapshotArn: fixture.recordsCopySource === false ? undefined : original.arn,
      });
      // Exactly the request's tags: the source's are not copied. RDS copies
      // them only when asked (CopyTags: "By default, tags aren't copied",
      // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html)
      // and does not document what it does with CopyTags and Tags together,
      // so a copy's tags are what the request names (CopySnapshotRequest.tags).
      expect(copy.tags).toEqual({ copy: 'yes' });
      expect(copy.originalCreatedAt?.getTime()).toBe(original.originalCreatedAt?.getTime());
      expect(copy.originalCreatedAt).toBeInstanceOf(Date);
      expect(copy.arn).not.toBe(original.arn);
      expect((await target.listSnapshots({ database: instance })).map((snapshot) => snapshot.id)).toContain(
        'contract-copy-target',
      );
      // The source is left as it was.
      expect((await source.describeSnapshot({ kind: 'instance', id: original.id }))?.status).toBe(
        'available',
      );
    });

    it('given an available cluster snapshot, when it is copied to another region, then the copy becomes available, and both report the engine version a drill restores', async () => {
      const billing = (await source.listDatabases()).find((database) => database.id === cluster.id);
      const original = await availableSnapshot(cluster, 'contract-copy-cluster-source');

      await target.copySnapshot({
        kind: 'cluster',
        sourceSnapshotArn: original.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'contract-copy-cluster-target',
        sourceEncrypted: original.encrypted,
        kmsKeyId: fixture.copyKmsKeyId,
        tags: {},
      });

      const copy = await settle(target, { kind: 'cluster', id: 'contract-copy-cluster-target' });
      expect(copy).toMatchObject({ status: 'available', database: cluster, kmsKeyId: fixture.copyKmsKeyId });
      expect(billing?.engineVersion).toMatch(/^\d/);
      expect(original.engineVersion).toBe(billing?.engineVersion);
      expect(copy.engineVersion).toBe(billing?.engineVersion);
    });

    it('given an unencrypted cluster snapshot, when it is copied with a KMS key, then the copy becomes available unencrypted, as RDS cannot encrypt it', async () => {
      if (fixture.seedUnencryptedCluster === undefined) {
        // A cloud that encrypts every database has no unencrypted snapshot to
        // copy: what it promises instead is that its snapshots are encrypted.
        const snapshot = await availableSnapshot(cluster, 'contract-always-encrypted');
        expect(snapshot.encrypted).toBe(true);
        return;
      }
      const plain: DatabaseRef = { kind: 'cluster', id: 'contract-plain' };
      await fixture.seedUnencryptedCluster(fixture.sourceRegion, plain.id);
      const original = await availableSnapshot(plain, 'contract-copy-plain-source');
      expect(original.encrypted).toBe(false);

      await target.copySnapshot({
        kind: 'cluster',
        sourceSnapshotArn: original.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'contract-copy-plain-target',
        sourceEncrypted: original.encrypted,
        kmsKeyId: fixture.copyKmsKeyId,
        tags: {},
      });

      const copy = await settle(target, { kind: 'cluster', id: 'contract-copy-plain-target' });
      expect(copy).toMatchObject({ status: 'available', database: plain, encrypted: false });
    });

    it('given a copy id that is taken in the destination, when copying to it, then SnapshotAlreadyExistsError is thrown', async () => {
      const original = await availableSnapshot(instance, 'contract-copy-twice');
      const request = {
        kind: 'instance' as const,
        sourceSnapshotArn: original.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'contract-copy-twice-target',
        sourceEncrypted: original.encrypted,
        kmsKeyId: fixture.copyKmsKeyId,
        tags: {},
      };
      await target.copySnapshot(request);
      await settle(target, { kind: 'instance', id: request.targetSnapshotId });

      await expect(target.copySnapshot(request)).rejects.toBeInstanceOf(SnapshotAlreadyExistsError);
    });

    it('given an available snapshot, when it is deleted, then it is gone and deleting it again throws SnapshotNotFoundError', async () => {
      await availableSnapshot(instance, 'contract-delete');

      await source.deleteSnapshot({ kind: 'instance', id: 'contract-delete' });

      expect(await source.describeSnapshot({ kind: 'instance', id: 'contract-delete' })).toBeUndefined();
      expect(
        (await source.listSnapshots({ database: instance })).map((snapshot) => snapshot.id),
      ).not.toContain('contract-delete');
      await expect(source.deleteSnapshot({ kind: 'instance', id: 'contract-delete' })).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
    });

    it('given a copy still in progress, when its target is deleted, then the copy is cancelled and gone', async () => {
      const original = await availableSnapshot(cluster, 'contract-cancel-copy');
      const copy = await target.copySnapshot({
        kind: 'cluster',
        sourceSnapshotArn: original.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'contract-cancel-copy-target',
        sourceEncrypted: original.encrypted,
        kmsKeyId: fixture.copyKmsKeyId,
        tags: {},
      });
      if (fixture.copiesTakeTime !== false) expect(['pending', 'copying']).toContain(copy.status);

      await target.deleteSnapshot({ kind: 'cluster', id: 'contract-cancel-copy-target' });

      expect(
        await target.describeSnapshot({ kind: 'cluster', id: 'contract-cancel-copy-target' }),
      ).toBeUndefined();
    });

    it('given a snapshot, when tags are added, then it keeps its tags and carries the new ones', async () => {
      const snapshot = await availableSnapshot(instance, 'contract-tag', { owner: 'contract' });

      await source.tagSnapshot(
        { kind: 'instance', id: snapshot.id, arn: snapshot.arn },
        { 'restorable:proven-bad': 'drill-1', owner: 'contract-2' },
      );

      const tagged = await source.describeSnapshot({ kind: 'instance', id: 'contract-tag' });
      expect(tagged?.tags).toMatchObject({ 'restorable:proven-bad': 'drill-1', owner: 'contract-2' });
      const tagMissing = source.tagSnapshot(
        {
          kind: 'instance',
          id: 'contract-no-such',
          arn: snapshot.arn.replace('contract-tag', 'contract-no-such'),
        },
        { a: 'b' },
      );
      if (fixture.refusesTagsOfMissingSnapshots === false) await tagMissing;
      else await expect(tagMissing).rejects.toBeInstanceOf(SnapshotNotFoundError);
      expect(await source.describeSnapshot({ kind: 'instance', id: 'contract-no-such' })).toBeUndefined();
    });

    /** The usage of each kind's quota, by kind; fails when a kind is not reported. */
    async function quotaUsage(port: RdsPort): Promise<Record<DatabaseKind, number>> {
      const quotas = await port.describeSnapshotQuotas();
      const usage = (kind: DatabaseKind) => {
        const quota = quotas.find((candidate) => candidate.kind === kind);
        if (quota === undefined) throw new Error(`no ${kind} snapshot quota reported in ${port.region}`);
        return quota.used;
      };
      return { instance: usage('instance'), cluster: usage('cluster') };
    }

    it('given a region, when its snapshot quotas are described, then each kind has one quota, with a positive maximum and a whole usage', async () => {
      const describing = source.describeSnapshotQuotas();
      if (fixture.reportsSnapshotQuotas === false) {
        await expect(describing).rejects.toThrow();
        return;
      }

      const quotas = await describing;

      expect(quotas.map((quota) => quota.kind).sort()).toEqual(['cluster', 'instance']);
      for (const quota of quotas) {
        expect(quota).toEqual<SnapshotQuota>({
          kind: quota.kind,
          used: expect.any(Number),
          max: expect.any(Number),
        });
        expect(Number.isInteger(quota.used) && quota.used >= 0).toBe(true);
        expect(Number.isInteger(quota.max) && quota.max > 0).toBe(true);
      }
    });

    it('given manual snapshots created, copied and deleted, then the usage of their kind moves with them, in their own region only', async () => {
      if (fixture.reportsSnapshotQuotas === false) {
        // What such a cloud can promise: snapshots work as ever, and their
        // quota is still not reported, never reported wrong.
        await availableSnapshot(instance, 'contract-quota-instance');
        await expect(source.describeSnapshotQuotas()).rejects.toThrow();
        return;
      }
      const sourceBefore = await quotaUsage(source);
      const targetBefore = await quotaUsage(target);

      const original = await availableSnapshot(instance, 'contract-quota-instance');
      await availableSnapshot(cluster, 'contract-quota-cluster');
      expect(await quotaUsage(source)).toEqual({
        instance: sourceBefore.instance + 1,
        cluster: sourceBefore.cluster + 1,
      });
      expect(await quotaUsage(target)).toEqual(targetBefore);

      await target.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: original.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: 'contract-quota-copy',
        sourceEncrypted: original.encrypted,
        kmsKeyId: fixture.copyKmsKeyId,
        tags: {},
      });
      await settle(target, { kind: 'instance', id: 'contract-quota-copy' });
      expect(await quotaUsage(target)).toEqual({ ...targetBefore, instance: targetBefore.instance + 1 });

      await source.deleteSnapshot({ kind: 'instance', id: 'contract-quota-instance' });
      expect(await quotaUsage(source)).toEqual({ ...sourceBefore, cluster: sourceBefore.cluster + 1 });
    });

    /** A copy in the copy region under the fixture's key, which is not the default one: a snapshot that can be shared. */
    async function shareableSnapshot(database: DatabaseRef, id: string): Promise<Snapshot> {
      const original = await availableSnapshot(database, `${id}-original`);
      await target.copySnapshot({
        kind: database.kind,
        sourceSnapshotArn: original.arn,
        sourceRegion: fixture.sourceRegion,
        targetSnapshotId: id,
        sourceEncrypted: original.encrypted,
        kmsKeyId: fixture.copyKmsKeyId,
        tags: {},
      });
      const copy = await settle(target, { kind: database.kind, id });
      expect(copy.status).toBe('available');
      return copy;
    }

    it.each([
      ['instance', instance],
      ['cluster', cluster],
    ] as const)(
      'given a manual %s snapshot under a customer managed key, when it is shared twice and with another account, then it is shared with each once, and taking the shares back leaves it shared with no one',
      async (_kind, database) => {
        const snapshot = await shareableSnapshot(database, `contract-share-${database.kind}`);
        const ref = { kind: database.kind, id: snapshot.id };
        expect(await target.snapshotSharedWith(ref)).toEqual([]);

        await target.shareSnapshot(ref, SHARE_ACCOUNT);
        await target.shareSnapshot(ref, SHARE_ACCOUNT);
        await target.shareSnapshot(ref, OTHER_SHARE_ACCOUNT);

        const sharedWith = await target.snapshotSharedWith(ref);
        const listed = fixture.listsEachShareOnce === false ? [...new Set(sharedWith)] : sharedWith;
        expect(listed.sort()).toEqual([SHARE_ACCOUNT, OTHER_SHARE_ACCOUNT]);
        await target.unshareSnapshot(ref, SHARE_ACCOUNT);
        expect(await target.snapshotSharedWith(ref)).toEqual([OTHER_SHARE_ACCOUNT]);
        await target.unshareSnapshot(ref, SHARE_ACCOUNT);
        await target.unshareSnapshot(ref, OTHER_SHARE_ACCOUNT);
        expect(await target.snapshotSharedWith(ref)).toEqual([]);
        // Sharing changes who may use it, nothing else.
        expect(await target.describeSnapshot(ref)).toMatchObject({
          status: 'available',
          kmsKeyId: snapshot.kmsKeyId,
        });
      },
    );

    it('given a snapshot under the default key, when it is shared, then InvalidRequestError is thrown and it stays shared with no one', async () => {
      const snapshot = await availableSnapshot(instance, 'contract-share-default-key');
      const ref = { kind: 'instance' as const, id: snapshot.id };

      const sharing = source.shareSnapshot(ref, SHARE_ACCOUNT);

      if (fixture.refusesSharesUnderDefaultKey === false) {
        await sharing;
        await source.unshareSnapshot(ref, SHARE_ACCOUNT);
      } else {
        await expect(sharing).rejects.toBeInstanceOf(InvalidRequestError);
      }
      expect(await source.snapshotSharedWith(ref)).toEqual([]);
    });

    it('given no such snapshot, when it is shared or its shares are described, then SnapshotNotFoundError is thrown, and taking a share back is no error', async () => {
      for (const kind of ['instance', 'cluster'] as const) {
        const ref = { kind, id: 'contract-share-nothing' };

        await expect(target.shareSnapshot(ref, SHARE_ACCOUNT)).rejects.toBeInstanceOf(SnapshotNotFoundError);
        await expect(target.snapshotSharedWith(ref)).rejects.toBeInstanceOf(SnapshotNotFoundError);
        await expect(target.unshareSnapshot(ref, SHARE_ACCOUNT)).resolves.toBeUndefined();
      }
    });

    it('given a shared snapshot, when it is deleted, then taking its share back is no error', async () => {
      const snapshot = await shareableSnapshot(instance, 'contract-share-deleted');
      const ref = { kind: 'instance' as const, id: snapshot.id };
      await target.shareSnapshot(ref, SHARE_ACCOUNT);

      await target.deleteSnapshot(ref);

      await expect(target.unshareSnapshot(ref, SHARE_ACCOUNT)).resolves.toBeUndefined();
      expect(await target.describeSnapshot(ref)).toBeUndefined();
    });
  });
}
