import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseNotFoundError,
  EncryptionKeyError,
  InvalidInputError,
  InvalidStateError,
  SnapshotCorruptedError,
  SnapshotNotFoundError,
} from '../../../src/domain/errors.ts';
import { decryptArchive, restoreSnapshotData } from '../../../src/local-cloud/archive.ts';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import { corruptSnapshotArchive } from '../../../src/local-cloud/faults.ts';
import { TEMP_SUFFIX } from '../../../src/local-cloud/files.ts';
import { LocalKms } from '../../../src/local-cloud/kms.ts';
import { StateLayout } from '../../../src/local-cloud/layout.ts';
import { advance } from '../../../src/local-cloud/rds-api.ts';
import type { SnapshotRecord } from '../../../src/local-cloud/records.ts';
import type { DatabaseRef, RdsPort, Snapshot } from '../../../src/ports/rds.ts';

const WEST = 'eu-west-1';
const CENTRAL = 'eu-central-1';
const COPY_KEY = 'alias/copies';
const PAGE_SIZE = 2;

const orders: DatabaseRef = { kind: 'instance', id: 'orders' };
const billing: DatabaseRef = { kind: 'cluster', id: 'billing' };

describe('snapshots in the local cloud', () => {
  let stateDir: string;
  let cloud: LocalCloud;
  let west: RdsPort;
  let central: RdsPort;
  let now: number;

  const snapshotsDir = (region: string) => join(stateDir, 'regions', region, 'snapshots');
  const readMetadata = async (region: string, id: string): Promise<SnapshotRecord> =>
    JSON.parse(await readFile(join(snapshotsDir(region), `${id}.json`), 'utf8')) as SnapshotRecord;
  const countOrders = (db: PGlite) => db.query<{ n: number }>('select count(*)::int as n from orders');

  async function openCloud(): Promise<void> {
    cloud = await LocalCloud.open({
      stateDir,
      clock: () => new Date(now),
      limits: { listPageSize: PAGE_SIZE },
    });
    west = cloud.rds(WEST);
    central = cloud.rds(CENTRAL);
  }

  async function available(
    database: DatabaseRef,
    id: string,
    tags: Record<string, string> = {},
  ): Promise<Snapshot> {
    await west.createSnapshot({ database, snapshotId: id, tags });
    const snapshot = await west.describeSnapshot({ kind: database.kind, id });
    if (snapshot?.status !== 'available') throw new Error(`${id} is not available after one describe`);
    return snapshot;
  }

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-snapshots-'));
    now = Date.parse('2026-03-01T02:00:00Z');
    await openCloud();
    const common = { region: WEST, multiAz: true };
    await cloud.createDatabase({ ...common, ...orders, engine: 'postgres', tags: { app: 'orders' } });
    await cloud.createDatabase({
      ...common,
      ...billing,
      engine: 'aurora-postgresql',
      tags: { app: 'billing' },
    });
    await cloud.createDatabase({
      ...common,
      id: 'scratch',
      kind: 'instance',
      engine: 'postgres',
      tags: {},
      storageEncrypted: false,
      backupRetentionDays: 0,
    });
    await cloud.withDatabase(WEST, 'orders', (db) =>
      db.exec(`create table orders (id int primary key, total int not null);
               insert into orders select g, g * 10 from generate_series(1, 100) g;`),
    );
    await cloud.ensureKmsKey(CENTRAL, COPY_KEY);
  });

  afterAll(async () => {
    await cloud?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  describe('databases', () => {
    it('given databases of both kinds, when listed over several pages, then all are returned with their settings', async () => {
      const databases = await west.listDatabases();

      expect(databases.map((database) => database.id)).toEqual(['billing', 'orders', 'scratch']);
      expect(databases.find((database) => database.id === 'billing')).toEqual({
        kind: 'cluster',
        id: 'billing',
        arn: 'arn:aws:rds:eu-west-1:000000000000:cluster:billing',
        engine: 'aurora-postgresql',
        engineVersion: '18',
        status: 'available',
        multiAz: true,
        storageEncrypted: true,
        backupRetentionDays: 1,
        tags: { app: 'billing' },
      });
      expect(databases.find((database) => database.id === 'scratch')).toMatchObject({
        arn: 'arn:aws:rds:eu-west-1:000000000000:db:scratch',
        storageEncrypted: false,
        backupRetentionDays: 0,
      });
    });

    it('given an existing database id, when creating it again, then it is refused', async () => {
      await expect(
        cloud.createDatabase({ region: WEST, ...orders, engine: 'postgres', tags: {}, multiAz: false }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      expect(cloud.hasDatabase(WEST, 'orders')).toBe(true);
      expect(cloud.hasDatabase(WEST, 'nobody')).toBe(false);
      expect(cloud.hasDatabase(CENTRAL, 'orders')).toBe(false);
    });

    it('given an unknown database, when using it, then DatabaseNotFoundError is thrown', async () => {
      await expect(cloud.withDatabase(WEST, 'nobody', async () => 1)).rejects.toBeInstanceOf(
        DatabaseNotFoundError,
      );
    });

    it('given a snapshot of a database asked for with the wrong kind, then DatabaseNotFoundError is thrown', async () => {
      await expect(
        west.createSnapshot({
          database: { kind: 'cluster', id: 'orders' },
          snapshotId: 'wrong-kind',
          tags: {},
        }),
      ).rejects.toBeInstanceOf(DatabaseNotFoundError);
    });
  });

  describe('lifecycle', () => {
    it('given a new snapshot, when it is listed, then it stays creating; the next describe makes it available', async () => {
      now = Date.parse('2026-03-01T03:00:00Z');
      const created = await west.createSnapshot({ database: orders, snapshotId: 'life', tags: { run: '1' } });

      expect(created).toMatchObject({ status: 'creating', percentProgress: 0 });
      expect(created.createdAt).toEqual(new Date('2026-03-01T03:00:00Z'));
      expect(created.originalCreatedAt).toEqual(new Date('2026-03-01T03:00:00Z'));
      for (let listing = 0; listing < 3; listing++) {
        expect((await west.listSnapshots({ database: orders })).find((s) => s.id === 'life')?.status).toBe(
          'creating',
        );
      }

      expect(await west.describeSnapshot({ kind: 'instance', id: 'life' })).toMatchObject({
        status: 'available',
        percentProgress: 100,
      });
      expect((await west.describeSnapshot({ kind: 'instance', id: 'life' }))?.status).toBe('available');
    });

    it('given an available snapshot, then its files are the archive and the metadata, with the digest of the archive', async () => {
      now = Date.parse('2026-03-01T04:00:00Z');
      const snapshot = await available(orders, 'on-disk', { env: 'test' });
      const archive = await readFile(join(snapshotsDir(WEST), 'on-disk.snapshot'));

      const metadata = await readMetadata(WEST, 'on-disk');
      expect(metadata).toMatchObject({
        id: 'on-disk',
        arn: 'arn:aws:rds:eu-west-1:000000000000:snapshot:on-disk',
        kind: 'instance',
        databaseId: 'orders',
        engine: 'postgres',
        status: 'available',
        type: 'manual',
        createdAt: '2026-03-01T04:00:00.000Z',
        originalCreatedAt: '2026-03-01T04:00:00.000Z',
        encrypted: true,
        kmsKeyId: 'alias/aws/rds',
        sourceSnapshotArn: null,
        sizeBytes: archive.length,
        tags: { env: 'test' },
        pollsUntilNext: 0,
      });
      expect(metadata.sha256).toBe(createHash('sha256').update(archive).digest('hex'));
      expect(snapshot).toMatchObject({
        kmsKeyId: 'alias/aws/rds',
        encrypted: true,
        sourceSnapshotArn: undefined,
      });
    });

    it('given a cluster snapshot, then its ARN is a cluster-snapshot ARN', async () => {
      const snapshot = await available(billing, 'cluster-arn');

      expect(snapshot.arn).toBe('arn:aws:rds:eu-west-1:000000000000:cluster-snapshot:cluster-arn');
      expect(snapshot.engine).toBe('aurora-postgresql');
    });

    it('given mixed-case identifiers, then they are stored lower-cased as RDS does', async () => {
      const created = await west.createSnapshot({
        database: { kind: 'instance', id: 'Orders' },
        snapshotId: 'Mixed-Case',
        tags: {},
      });

      expect(created.id).toBe('mixed-case');
      expect(created.database.id).toBe('orders');
      expect((await west.describeSnapshot({ kind: 'instance', id: 'MIXED-CASE' }))?.id).toBe('mixed-case');
    });

    it.each(['../escape', 'has_underscore', '1starts-with-digit', 'ends-', 'double--hyphen', ''])(
      'given the invalid snapshot id %j, then it is refused before touching the disk',
      async (snapshotId) => {
        await expect(west.createSnapshot({ database: orders, snapshotId, tags: {} })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
      },
    );

    it('given a snapshot being created, when deleting it, then InvalidStateError is thrown; once available it can be deleted', async () => {
      await west.createSnapshot({ database: orders, snapshotId: 'busy', tags: {} });

      await expect(west.deleteSnapshot({ kind: 'instance', id: 'busy' })).rejects.toBeInstanceOf(
        InvalidStateError,
      );

      await west.describeSnapshot({ kind: 'instance', id: 'busy' });
      await west.deleteSnapshot({ kind: 'instance', id: 'busy' });
      expect(existsSync(join(snapshotsDir(WEST), 'busy.json'))).toBe(false);
      expect(existsSync(join(snapshotsDir(WEST), 'busy.snapshot'))).toBe(false);
    });

    it('given a snapshot, when deleting it as the other kind, then SnapshotNotFoundError is thrown', async () => {
      await expect(west.deleteSnapshot({ kind: 'cluster', id: 'on-disk' })).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
    });

    it('given a deleted snapshot, when a new one takes its id, then it is a new snapshot', async () => {
      await available(orders, 'reused', { round: '1' });
      await west.deleteSnapshot({ kind: 'instance', id: 'reused' });

      const again = await available(orders, 'reused', { round: '2' });

      expect(again.tags).toEqual({ round: '2' });
    });

    it('given a state lasting two describes, then a snapshot takes two describes per step', () => {
      const creating: SnapshotRecord = {
        formatVersion: 1,
        id: 's',
        arn: 'arn:aws:rds:eu-west-1:000000000000:snapshot:s',
        region: WEST,
        kind: 'instance',
        databaseId: 'orders',
        engine: 'postgres',
        status: 'pending',
        outcome: 'available',
        pollsUntilNext: 2,
        type: 'manual',
        createdAt: '2026-03-01T00:00:00.000Z',
        originalCreatedAt: '2026-03-01T00:00:00.000Z',
        encrypted: true,
        kmsKeyId: 'alias/aws/rds',
        sourceSnapshotArn: null,
        sha256: null,
        sizeBytes: null,
        tags: {},
      };
      const statuses: string[] = [];
      let record = creating;
      for (let poll = 0; poll < 5; poll++) {
        record = advance(record, 2);
        statuses.push(record.status);
      }

      expect(statuses).toEqual(['pending', 'copying', 'copying', 'available', 'available']);
      const done = advance(record, 2);
      expect(done).toBe(record);
    });
  });

  describe('pagination', () => {
    it('given five snapshots of a database and pages of two, then the pages hold 2, 2 and 1 with markers between them', async () => {
      cloud.faults.add({ operation: 'createSnapshot', effect: 'fail', times: 5 });
      for (const id of ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']) {
        await west.createSnapshot({ database: billing, snapshotId: id, tags: {} });
      }
      const api = cloud.rdsApi(WEST);
      const query = { databaseId: 'billing', kind: 'cluster' as const };
      const pageIds: string[][] = [];

      const first = await api.describeSnapshots(query);
      pageIds.push(first.items.map((record) => record.id).filter((id) => id.startsWith('page-')));
      let marker = first.marker;
      let pages = 1;
      while (marker !== undefined) {
        const page = await api.describeSnapshots({ ...query, marker });
        expect(page.items.length).toBeLessThanOrEqual(PAGE_SIZE);
        pageIds.push(page.items.map((record) => record.id).filter((id) => id.startsWith('page-')));
        marker = page.marker;
        pages += 1;
      }

      expect(first.items).toHaveLength(PAGE_SIZE);
      expect(first.marker).toEqual(expect.any(String));
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(pageIds.flat()).toEqual(['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
      expect(
        (await west.listSnapshots({ database: billing }))
          .map((s) => s.id)
          .filter((id) => id.startsWith('page-')),
      ).toEqual(['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
    });

    it('given a larger maxRecords, then one call returns them all without a marker', async () => {
      const page = await cloud.rdsApi(WEST).describeSnapshots({ databaseId: 'billing', maxRecords: 100 });

      expect(page.marker).toBeUndefined();
      expect(page.items.length).toBeGreaterThanOrEqual(5);
    });

    it('given a marker that was not handed out, then it is refused', async () => {
      await expect(
        cloud.rdsApi(WEST).describeSnapshots({ marker: '!!not-a-marker!!' }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('given a kind filter that contradicts the database filter, then nothing is listed', async () => {
      expect(await west.listSnapshots({ kind: 'instance', database: billing })).toEqual([]);
      expect(await west.listSnapshots({ type: 'automated' })).toEqual([]);
    });
  });

  describe('copies', () => {
    it('given an available snapshot, when copied to another region, then the copy is re-encrypted under the destination key', async () => {
      const original = await available(orders, 'to-copy', { team: 'shop' });
      now = Date.parse('2026-03-01T05:00:00Z');

      const copy = await central.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: original.arn,
        sourceRegion: WEST,
        targetSnapshotId: 'copied',
        sourceEncrypted: true,
        kmsKeyId: COPY_KEY,
        tags: { copy: 'yes', team: 'dr' },
      });

      expect(copy).toMatchObject({
        status: 'pending',
        arn: 'arn:aws:rds:eu-central-1:000000000000:snapshot:copied',
        tags: { team: 'dr', copy: 'yes' },
        createdAt: new Date('2026-03-01T05:00:00Z'),
        originalCreatedAt: original.originalCreatedAt,
      });
      expect((await central.describeSnapshot({ kind: 'instance', id: 'copied' }))?.status).toBe('copying');
      expect((await central.describeSnapshot({ kind: 'instance', id: 'copied' }))?.status).toBe('available');

      const archive = await readFile(join(snapshotsDir(CENTRAL), 'copied.snapshot'));
      const kms = new LocalKms(new StateLayout(stateDir));
      const sourceKey = await kms.getKey(WEST, 'alias/aws/rds');
      const copyKey = await kms.getKey(CENTRAL, COPY_KEY);
      expect(() => decryptArchive(archive, sourceKey, 'copied')).toThrow(EncryptionKeyError);
      expect(decryptArchive(archive, copyKey, 'copied').length).toBeGreaterThan(0);
    });

    it('given an unknown destination key, when copying, then EncryptionKeyError is thrown and no copy exists', async () => {
      const original = await west.describeSnapshot({ kind: 'instance', id: 'to-copy' });

      await expect(
        central.copySnapshot({
          kind: 'instance',
          sourceSnapshotArn: original?.arn ?? '',
          sourceRegion: WEST,
          targetSnapshotId: 'no-key',
          sourceEncrypted: true,
          kmsKeyId: 'alias/missing',
          tags: {},
        }),
      ).rejects.toBeInstanceOf(EncryptionKeyError);
      expect(await central.describeSnapshot({ kind: 'instance', id: 'no-key' })).toBeUndefined();
    });

    it('given a source still being created, when copying it, then InvalidStateError is thrown', async () => {
      const creating = await west.createSnapshot({ database: orders, snapshotId: 'not-yet', tags: {} });

      await expect(
        central.copySnapshot({
          kind: 'instance',
          sourceSnapshotArn: creating.arn,
          sourceRegion: WEST,
          targetSnapshotId: 'too-early',
          sourceEncrypted: true,
          kmsKeyId: COPY_KEY,
          tags: {},
        }),
      ).rejects.toBeInstanceOf(InvalidStateError);
    });

    it('given a source that does not exist, or of the other kind, when copying, then SnapshotNotFoundError is thrown', async () => {
      const base = {
        sourceRegion: WEST,
        targetSnapshotId: 'from-nothing',
        sourceEncrypted: true,
        kmsKeyId: COPY_KEY,
        tags: {},
      };

      await expect(
        central.copySnapshot({
          ...base,
          kind: 'instance',
          sourceSnapshotArn: 'arn:aws:rds:eu-west-1:000000000000:snapshot:ghost',
        }),
      ).rejects.toBeInstanceOf(SnapshotNotFoundError);
      await expect(
        central.copySnapshot({
          ...base,
          kind: 'cluster',
          sourceSnapshotArn: 'arn:aws:rds:eu-west-1:000000000000:snapshot:to-copy',
        }),
      ).rejects.toBeInstanceOf(SnapshotNotFoundError);
    });

    it('given a source ARN of another region than the source region named, then the copy is refused', async () => {
      await expect(
        central.copySnapshot({
          kind: 'instance',
          sourceSnapshotArn: 'arn:aws:rds:us-east-1:000000000000:snapshot:to-copy',
          sourceRegion: WEST,
          targetSnapshotId: 'confused',
          sourceEncrypted: true,
          kmsKeyId: COPY_KEY,
          tags: {},
        }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('given a corrupted source archive, when copying it, then the copy ends failed', async () => {
      const original = await available(orders, 'rotten');
      await corruptSnapshotArchive(stateDir, WEST, 'rotten');

      const copy = await central.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: original.arn,
        sourceRegion: WEST,
        targetSnapshotId: 'rotten-copy',
        sourceEncrypted: true,
        kmsKeyId: COPY_KEY,
        tags: {},
      });

      expect(copy.status).toBe('pending');
      expect((await central.describeSnapshot({ kind: 'instance', id: 'rotten-copy' }))?.status).toBe(
        'copying',
      );
      expect((await central.describeSnapshot({ kind: 'instance', id: 'rotten-copy' }))?.status).toBe(
        'failed',
      );
      expect(existsSync(join(snapshotsDir(CENTRAL), 'rotten-copy.snapshot'))).toBe(false);
    });

    it('given an available snapshot, when copied within its own region by id, then the copy is available', async () => {
      await west.copySnapshot({
        kind: 'cluster',
        sourceSnapshotArn: 'cluster-arn',
        sourceRegion: WEST,
        targetSnapshotId: 'cluster-arn-twin',
        sourceEncrypted: true,
        kmsKeyId: 'alias/aws/rds',
        tags: {},
      });
      await west.describeSnapshot({ kind: 'cluster', id: 'cluster-arn-twin' });

      expect((await west.describeSnapshot({ kind: 'cluster', id: 'cluster-arn-twin' }))?.status).toBe(
        'available',
      );
    });
  });

  describe('restoring snapshot data', () => {
    it('given an available snapshot, when its data is restored, then a database loaded from it has the data as of the snapshot', async () => {
      await available(orders, 'restorable');
      await cloud.withDatabase(WEST, 'orders', (db) => db.exec('insert into orders values (1000, 1)'));

      const data = await restoreSnapshotData(stateDir, WEST, 'restorable');
      const restored = await PGlite.create({ loadDataDir: data });
      try {
        expect((await countOrders(restored)).rows[0]?.n).toBe(100);
      } finally {
        await restored.close();
      }
      expect((await cloud.withDatabase(WEST, 'orders', countOrders)).rows[0]?.n).toBe(101);
    });

    it('given a copy in another region, when its data is restored, then it decrypts with that region key', async () => {
      const data = await restoreSnapshotData(stateDir, CENTRAL, 'copied');

      expect(data.size).toBeGreaterThan(0);
      expect(data.type).toBe('application/x-gzip');
    });

    it('given a corrupted archive, when its data is restored, then SnapshotCorruptedError names the snapshot', async () => {
      await available(orders, 'bit-rot');
      await corruptSnapshotArchive(stateDir, WEST, 'bit-rot');

      const error = await restoreSnapshotData(stateDir, WEST, 'bit-rot').catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(SnapshotCorruptedError);
      expect(error).toMatchObject({ snapshotId: 'bit-rot', retryable: false });
    });

    it('given a snapshot that is not available or does not exist, when its data is restored, then it is refused', async () => {
      await expect(restoreSnapshotData(stateDir, WEST, 'not-yet')).rejects.toBeInstanceOf(InvalidStateError);
      await expect(restoreSnapshotData(stateDir, WEST, 'ghost')).rejects.toBeInstanceOf(
        SnapshotNotFoundError,
      );
    });
  });

  describe('persistence', () => {
    it('given a closed cloud, when the state directory is reopened, then databases, snapshots and data are all there', async () => {
      const before = (await west.listSnapshots()).map((snapshot) => [snapshot.id, snapshot.status]);
      await cloud.close();

      await openCloud();

      expect((await west.listSnapshots()).map((snapshot) => [snapshot.id, snapshot.status])).toEqual(before);
      expect((await west.listDatabases()).map((database) => database.id)).toEqual([
        'billing',
        'orders',
        'scratch',
      ]);
      expect(cloud.regions()).toEqual([CENTRAL, WEST]);
      expect((await cloud.withDatabase(WEST, 'orders', countOrders)).rows[0]?.n).toBe(101);
      expect((await central.describeSnapshot({ kind: 'instance', id: 'copied' }))?.status).toBe('available');
    });

    it('given concurrent first uses of a database, then they share one PGlite instance', async () => {
      const [first, second] = await Promise.all([
        cloud.withDatabase(WEST, 'billing', async (db) => db),
        cloud.withDatabase(WEST, 'billing', async (db) => db),
      ]);

      expect(first).toBe(second);
    });

    it('given everything above, then no temporary file was left anywhere in the state directory', async () => {
      const entries = await readdir(stateDir, { recursive: true });

      expect(entries.filter((entry) => entry.endsWith(TEMP_SUFFIX))).toEqual([]);
      expect(
        entries.filter((entry) => entry.includes('regions') && entry.endsWith('.json')).length,
      ).toBeGreaterThan(10);
    });
  });
});
