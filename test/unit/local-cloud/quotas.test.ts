import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudServiceError,
  CopyLimitExceededError,
  SnapshotQuotaExceededError,
} from '../../../src/domain/errors.ts';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import { DEFAULT_LIMITS } from '../../../src/local-cloud/rds-api.ts';
import type { CopySnapshotRequest, RdsPort, Snapshot } from '../../../src/ports/rds.ts';

const WEST = 'eu-west-1';
const CENTRAL = 'eu-central-1';

describe('RDS quotas of the local cloud (defaults)', () => {
  let stateDir: string;
  let cloud: LocalCloud;
  let west: RdsPort;
  let central: RdsPort;
  let source: Snapshot;

  const copyRequest = (targetSnapshotId: string): CopySnapshotRequest => ({
    kind: 'instance',
    sourceSnapshotArn: source.arn,
    sourceRegion: WEST,
    targetSnapshotId,
    sourceEncrypted: true,
    kmsKeyId: 'alias/copies',
    tags: {},
  });

  /** Failed snapshots count against the quota and cost no data dump: a cheap way to fill it. */
  async function createFailed(kind: 'instance' | 'cluster', id: string): Promise<Snapshot> {
    cloud.faults.add({ operation: 'createSnapshot', effect: 'fail', times: 1 });
    return west.createSnapshot({
      database: { kind, id: kind === 'instance' ? 'orders' : 'billing' },
      snapshotId: id,
      tags: {},
    });
  }

  /** Describes a snapshot until it is available or failed. */
  async function settle(port: RdsPort, id: string): Promise<void> {
    for (let poll = 0; poll < 5; poll++) {
      const status = (await port.describeSnapshot({ kind: 'instance', id }))?.status;
      if (status === 'available' || status === 'failed') return;
    }
    throw new Error(`${id} did not settle`);
  }

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-quotas-'));
    cloud = await LocalCloud.open({ stateDir, clock: () => new Date('2026-03-01T02:00:00Z') });
    const common = { region: WEST, tags: {}, multiAz: false };
    await cloud.createDatabase({ ...common, id: 'orders', kind: 'instance', engine: 'postgres' });
    await cloud.createDatabase({ ...common, id: 'billing', kind: 'cluster', engine: 'aurora-postgresql' });
    await cloud.ensureKmsKey(CENTRAL, 'alias/copies');
    west = cloud.rds(WEST);
    central = cloud.rds(CENTRAL);
    source = await west.createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'source',
      tags: {},
    });
    await west.describeSnapshot({ kind: 'instance', id: 'source' });
  });

  afterAll(async () => {
    await cloud?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('given no overrides, then the limits are those of RDS: 100 manual snapshots, 20 copies in flight', () => {
    expect(DEFAULT_LIMITS.manualSnapshotQuota).toBe(100);
    expect(DEFAULT_LIMITS.copiesInFlightQuota).toBe(20);
    expect(cloud.limits).toEqual(DEFAULT_LIMITS);
  });

  it('given 20 copies in flight to a region, when another copy is requested, then CopyLimitExceededError is thrown until one finishes', async () => {
    for (let index = 0; index < 20; index++) await central.copySnapshot(copyRequest(`copy-${index}`));

    const refused = await central.copySnapshot(copyRequest('copy-20')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CopyLimitExceededError);
    expect(refused).toMatchObject({ retryable: true });
    expect(await central.describeSnapshot({ kind: 'instance', id: 'copy-20' })).toBeUndefined();

    // pending -> copying -> available: the copy is no longer in flight.
    await central.describeSnapshot({ kind: 'instance', id: 'copy-0' });
    await central.describeSnapshot({ kind: 'instance', id: 'copy-0' });
    expect((await central.copySnapshot(copyRequest('copy-20'))).status).toBe('pending');
  });

  it('given concurrent copies beyond the limit, then exactly as many as the limit allows are accepted', async () => {
    // Let every copy of the previous test finish.
    for (let index = 1; index <= 20; index++) await settle(central, `copy-${index}`);

    // Copies that will fail are in flight all the same, and cost no data work.
    cloud.faults.add({ operation: 'copySnapshot', effect: 'fail', times: 24 });

    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, index) => central.copySnapshot(copyRequest(`burst-${index}`))),
    );
    cloud.faults.clear();

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(20);
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(4);
    for (const result of rejected) expect(result.reason).toBeInstanceOf(CopyLimitExceededError);
  });

  it('given 100 manual instance snapshots in a region, when another is created, then SnapshotQuotaExceededError is thrown', async () => {
    const existing = (await west.listSnapshots({ kind: 'instance' })).length;
    for (let index = existing; index < 100; index++) await createFailed('instance', `fill-${index}`);
    expect(await west.listSnapshots({ kind: 'instance' })).toHaveLength(100);

    const refused = await west
      .createSnapshot({ database: { kind: 'instance', id: 'orders' }, snapshotId: 'one-too-many', tags: {} })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(SnapshotQuotaExceededError);
    expect(refused).toMatchObject({ retryable: false });
    expect(await west.describeSnapshot({ kind: 'instance', id: 'one-too-many' })).toBeUndefined();
  });

  it('given the instance snapshot quota used up, then cluster snapshots, counted separately as in RDS, are still accepted', async () => {
    expect((await createFailed('cluster', 'cluster-still-fine')).status).toBe('creating');
  });

  it('given the instance snapshot quota used up, then the region reports that quota full and the cluster quota apart, as RDS DescribeAccountAttributes does', async () => {
    expect(await west.describeSnapshotQuotas()).toEqual([
      { kind: 'instance', used: 100, max: 100 },
      { kind: 'cluster', used: 1, max: 100 },
    ]);
    expect(await central.describeSnapshotQuotas()).toContainEqual({ kind: 'cluster', used: 0, max: 100 });
  });

  it('given an injected error, when the quotas are described, then CloudServiceError is thrown, as a failing RDS call would', async () => {
    cloud.faults.add({ operation: 'describeSnapshotQuotas', effect: 'error', times: 1 });

    await expect(west.describeSnapshotQuotas()).rejects.toBeInstanceOf(CloudServiceError);
    expect(await west.describeSnapshotQuotas()).toHaveLength(2);
  });

  it('given the quota used up, when a snapshot is deleted, then a new one is accepted in its place', async () => {
    await settle(west, 'fill-99');
    await west.deleteSnapshot({ kind: 'instance', id: 'fill-99' });

    expect((await createFailed('instance', 'replacement')).status).toBe('creating');
    await expect(createFailed('instance', 'and-one-more')).rejects.toBeInstanceOf(SnapshotQuotaExceededError);
  });

  it('given room for two more snapshots, when five are created at once, then exactly two are accepted', async () => {
    for (const id of ['fill-98', 'fill-97']) {
      await settle(west, id);
      await west.deleteSnapshot({ kind: 'instance', id });
    }
    cloud.faults.add({ operation: 'createSnapshot', effect: 'fail', times: 5 });

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) =>
        west.createSnapshot({
          database: { kind: 'instance', id: 'orders' },
          snapshotId: `race-${index}`,
          tags: {},
        }),
      ),
    );

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
    for (const result of results.filter((result) => result.status === 'rejected')) {
      expect(result.reason).toBeInstanceOf(SnapshotQuotaExceededError);
    }
    expect(await west.listSnapshots({ kind: 'instance' })).toHaveLength(100);
  });

  it('given the destination region full, when a copy is requested, then SnapshotQuotaExceededError is thrown', async () => {
    const existing = await central.listSnapshots({ kind: 'instance' });
    for (const snapshot of existing) await settle(central, snapshot.id);
    // Copies that fail count too, and write no data.
    cloud.faults.add({ operation: 'copySnapshot', effect: 'fail' });
    for (let index = existing.length; index < 100; index++) {
      await central.copySnapshot(copyRequest(`dest-fill-${index}`));
      // Finish it, or the copy limit would stop us first.
      await settle(central, `dest-fill-${index}`);
    }
    cloud.faults.clear();

    await expect(central.copySnapshot(copyRequest('dest-overflow'))).rejects.toBeInstanceOf(
      SnapshotQuotaExceededError,
    );
  });
});
