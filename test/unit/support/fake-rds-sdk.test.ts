// The fake RDS the fleet tests and the benchmark run on: it must cost time in
// proportion to what a call returns, not to what is stored, and, given
// durations, finish snapshots and copies on its clock, with at most
// `concurrentCopyLimit` copies in flight into a region (RDS: 20 per
// destination region, CopyDBSnapshot in the Amazon RDS User Guide).
import { DeleteDBSnapshotCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsRdsAdapter } from '../../../src/adapters/aws/rds.ts';
import { CopyLimitExceededError } from '../../../src/domain/errors.ts';
import { type FakeRds, installFakeRds } from '../../support/fake-rds-sdk.ts';

const SOURCE = 'eu-west-1';
const COPY = 'eu-central-1';
const KEY = 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-4000-8000-000000000001';
const rdsMock = mockClient(RDSClient);
let clock = new Date('2026-11-20T02:00:00Z');
const advance = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};
const source = new AwsRdsAdapter(new RDSClient({ region: SOURCE }), SOURCE);
const destination = new AwsRdsAdapter(new RDSClient({ region: COPY }), COPY);

afterAll(() => rdsMock.restore());

describe('the fake RDS with a large store', () => {
  let fake: FakeRds;
  beforeEach(() => {
    rdsMock.reset();
    fake = installFakeRds(rdsMock, { now: () => clock });
  });

  it('answers describes by id and by database looking only at that database, whatever else is stored', async () => {
    const storeWith = (databases: number) => {
      rdsMock.reset();
      fake = installFakeRds(rdsMock, { now: () => clock });
      for (let database = 0; database < databases; database++) {
        for (let day = 0; day < 10; day++) {
          fake.seedSnapshot(SOURCE, {
            kind: 'instance',
            id: `db${database}-day${day}`,
            databaseId: `db${database}`,
          });
        }
      }
    };
    const visitedDescribingTwentyDatabases = async () => {
      const before = fake.snapshotsVisited();
      for (let database = 0; database < 20; database++) {
        await source.describeSnapshot({ kind: 'instance', id: `db${database}-day3` });
        await source.listSnapshots({ database: { kind: 'instance', id: `db${database}` } });
      }
      return fake.snapshotsVisited() - before;
    };
    storeWith(20);
    const small = await visitedDescribingTwentyDatabases();
    storeWith(5_000);
    const large = await visitedDescribingTwentyDatabases();

    // One snapshot per describe by id, the database's ten per listing of it.
    expect(small).toBe(20 * (1 + 10));
    expect(large).toBe(small);
  });
});

describe('the fake RDS listing a region page by page', () => {
  beforeEach(() => rdsMock.reset());

  // Later pages are cut from the listing the first page took (so a walk over
  // n snapshots costs O(n)); they must still read as a fresh listing would.
  it('returns every snapshot once, leaving out those deleted while the listing is walked', async () => {
    const fake = installFakeRds(rdsMock, { now: () => clock });
    for (let index = 0; index < 250; index++) {
      fake.seedSnapshot(SOURCE, { kind: 'instance', id: `snap-${index}`, databaseId: `db${index}` });
    }
    const client = new RDSClient({ region: SOURCE });
    const listed: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new DescribeDBSnapshotsCommand({ MaxRecords: 100, Marker: marker }));
      listed.push(...(page.DBSnapshots ?? []).map((snapshot) => snapshot.DBSnapshotIdentifier ?? ''));
      marker = page.Marker;
      if (listed.length === 100) {
        await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-220' }));
      }
    } while (marker !== undefined);
    const expected = Array.from({ length: 250 }, (_, index) => `snap-${index}`).filter(
      (id) => id !== 'snap-220',
    );
    expect([...listed].sort()).toEqual([...expected].sort());
  });

  it('looks at each stored snapshot once per listing, however many pages it takes', async () => {
    const fake = installFakeRds(rdsMock, { now: () => clock });
    for (let index = 0; index < 1_000; index++) {
      fake.seedSnapshot(SOURCE, { kind: 'instance', id: `snap-${index}`, databaseId: `db${index}` });
    }
    const listed = await source.listSnapshots({ type: 'manual' });
    expect(listed).toHaveLength(1_000);
    // Ten pages of 100: a fresh copy of the region per page would be 10,000.
    expect(fake.snapshotsVisited()).toBe(1_000);
  });

  it('refuses a Marker that names no listing it handed out', async () => {
    installFakeRds(rdsMock, { now: () => clock });
    const client = new RDSClient({ region: SOURCE });
    const forged = Buffer.from('listing:999:offset:100').toString('base64');
    await expect(client.send(new DescribeDBSnapshotsCommand({ Marker: forged }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });
});

describe('the fake RDS with durations', () => {
  let fake: FakeRds;
  beforeEach(() => {
    rdsMock.reset();
    clock = new Date('2026-11-20T02:00:00Z');
    fake = installFakeRds(rdsMock, {
      now: () => clock,
      durations: { snapshotSeconds: 600, copySeconds: 1200 },
      concurrentCopyLimit: 2,
    });
    for (const id of ['a', 'b', 'c']) fake.seedInstance(SOURCE, { id });
  });

  it('finishes a snapshot when its time has passed on the clock, however often it is described', async () => {
    await source.createSnapshot({ database: { kind: 'instance', id: 'a' }, snapshotId: 'a-1', tags: {} });
    for (let poll = 0; poll < 5; poll++) await source.describeSnapshot({ kind: 'instance', id: 'a-1' });
    advance(599);
    expect(await source.describeSnapshot({ kind: 'instance', id: 'a-1' })).toMatchObject({
      status: 'creating',
    });
    advance(1);
    expect(await source.describeSnapshot({ kind: 'instance', id: 'a-1' })).toMatchObject({
      status: 'available',
    });
  });

  it('refuses a copy past the limit in flight, and takes it once a copy has finished on the clock', async () => {
    const copyOf = async (id: string) => {
      const snapshot = await source.describeSnapshot({ kind: 'instance', id: `${id}-1` });
      if (snapshot === undefined) throw new Error(`no snapshot ${id}-1`);
      return destination.copySnapshot({
        kind: 'instance',
        sourceSnapshotArn: snapshot.arn,
        sourceRegion: SOURCE,
        targetSnapshotId: `${id}-1`,
        sourceEncrypted: true,
        kmsKeyId: KEY,
        tags: {},
      });
    };
    for (const id of ['a', 'b', 'c']) {
      await source.createSnapshot({ database: { kind: 'instance', id }, snapshotId: `${id}-1`, tags: {} });
    }
    advance(600);
    await copyOf('a');
    await copyOf('b');

    await expect(copyOf('c')).rejects.toBeInstanceOf(CopyLimitExceededError);
    advance(1200);
    await expect(copyOf('c')).resolves.toMatchObject({ status: 'pending' });
    expect(await destination.describeSnapshot({ kind: 'instance', id: 'a-1' })).toMatchObject({
      status: 'available',
    });
  });
});
