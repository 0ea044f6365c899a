import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudServiceError,
  ConfigError,
  InvalidInputError,
  ThrottlingError,
} from '../../../src/domain/errors.ts';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import { FaultInjector, parseFaultRules } from '../../../src/local-cloud/faults.ts';
import type { DatabaseRef, RdsPort } from '../../../src/ports/rds.ts';

const WEST = 'eu-west-1';
const CENTRAL = 'eu-central-1';

describe('FaultInjector', () => {
  it('given a rule without times, then it applies to every matching call', () => {
    const faults = new FaultInjector();
    faults.add({ operation: 'listSnapshots', effect: 'throttle' });

    for (let call = 0; call < 5; call++) {
      expect(() => faults.apply('listSnapshots', { region: WEST })).toThrow(ThrottlingError);
    }
  });

  it('given a rule with times 2, then it applies twice and then no more', () => {
    const faults = new FaultInjector();
    faults.add({ operation: 'createSnapshot', effect: 'error', times: 2 });

    expect(() => faults.apply('createSnapshot', { region: WEST })).toThrow(CloudServiceError);
    expect(() => faults.apply('createSnapshot', { region: WEST })).toThrow(CloudServiceError);
    expect(faults.apply('createSnapshot', { region: WEST })).toBeUndefined();
  });

  it('given a rule for one database and region, then other databases, regions and operations are unaffected', () => {
    const faults = new FaultInjector();
    faults.add({ operation: 'createSnapshot', effect: 'fail', database: 'Orders', region: WEST });

    expect(faults.apply('createSnapshot', { region: WEST, database: 'billing' })).toBeUndefined();
    expect(faults.apply('createSnapshot', { region: CENTRAL, database: 'orders' })).toBeUndefined();
    expect(faults.apply('copySnapshot', { region: WEST, database: 'orders' })).toBeUndefined();
    expect(faults.apply('createSnapshot', { region: WEST })).toBeUndefined();
    expect(faults.apply('createSnapshot', { region: WEST, database: 'orders' })).toBe('fail');
  });

  it('given several matching rules, then the first one added applies first', () => {
    const faults = new FaultInjector();
    faults.add({ operation: 'copySnapshot', effect: 'throttle', times: 1 });
    faults.add({ operation: 'copySnapshot', effect: 'fail' });

    expect(() => faults.apply('copySnapshot', { region: CENTRAL })).toThrow(ThrottlingError);
    expect(faults.apply('copySnapshot', { region: CENTRAL })).toBe('fail');
  });

  it('given rules, when cleared, then none applies', () => {
    const faults = new FaultInjector();
    faults.add({ operation: 'listDatabases', effect: 'error' });

    faults.clear();

    expect(faults.apply('listDatabases', { region: WEST })).toBeUndefined();
    expect(faults.active()).toEqual([]);
  });

  it('given the effect fail on an operation that creates nothing, then the rule is refused', () => {
    const faults = new FaultInjector();

    expect(() => faults.add({ operation: 'describeSnapshot', effect: 'fail' })).toThrow(InvalidInputError);
  });

  it('given the effect pause on an operation that cannot pause, then the rule is refused', () => {
    const faults = new FaultInjector();

    expect(() => faults.add({ operation: 'deleteSnapshot', effect: 'pause' })).toThrow(InvalidInputError);
  });

  it('given a pause, when the call reaches it, then it waits until the interruption and throws its reason', async () => {
    const interruption = new AbortController();
    const faults = new FaultInjector(interruption.signal);
    faults.add({ operation: 'connectSandbox', effect: 'pause', after: 1 });
    let settled = false;

    await faults.pauseIfAsked('connectSandbox', { region: WEST });
    const paused = faults.pauseIfAsked('connectSandbox', { region: WEST }).finally(() => {
      settled = true;
    });
    // A pause is not one of the effects that apply() gives.
    expect(faults.apply('connectSandbox', { region: WEST })).toBeUndefined();
    await Promise.resolve();
    expect(settled).toBe(false);
    const reason = new Error('interrupted by SIGINT');
    interruption.abort(reason);

    await expect(paused).rejects.toBe(reason);
  });

  it('given RESTORABLE_FAULTS text, then it parses into rules, and bad text is a ConfigError naming the problem', () => {
    expect(
      parseFaultRules('[{"operation":"createSnapshot","effect":"throttle","times":2,"database":"billing"}]'),
    ).toEqual([{ operation: 'createSnapshot', effect: 'throttle', times: 2, database: 'billing' }]);
    expect(() => parseFaultRules('not json')).toThrow(ConfigError);
    expect(() => parseFaultRules('[{"operation":"createSnapshot","effect":"melt"}]')).toThrow(/effect/);
    expect(() => parseFaultRules('{"operation":"createSnapshot","effect":"throttle"}')).toThrow(ConfigError);
  });
});

describe('fault injection in the local cloud', () => {
  let stateDir: string;
  let cloud: LocalCloud;
  let west: RdsPort;
  let central: RdsPort;
  const orders: DatabaseRef = { kind: 'instance', id: 'orders' };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-faults-'));
    cloud = await LocalCloud.open({ stateDir, clock: () => new Date('2026-03-01T02:00:00Z') });
    await cloud.createDatabase({
      region: WEST,
      id: 'orders',
      kind: 'instance',
      engine: 'postgres',
      tags: {},
      multiAz: false,
    });
    await cloud.ensureKmsKey(CENTRAL, 'alias/copies');
    west = cloud.rds(WEST);
    central = cloud.rds(CENTRAL);
  });

  afterAll(async () => {
    await cloud?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  afterEach(() => {
    cloud.faults.clear();
  });

  it('given createSnapshot throttled twice, when it is called three times, then two calls throw ThrottlingError and create nothing, and the third succeeds', async () => {
    cloud.faults.add({ operation: 'createSnapshot', effect: 'throttle', times: 2, database: 'orders' });
    const request = { database: orders, snapshotId: 'throttled', tags: {} };

    const first = await west.createSnapshot(request).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(ThrottlingError);
    expect(first).toMatchObject({ retryable: true });
    expect(await west.describeSnapshot({ kind: 'instance', id: 'throttled' })).toBeUndefined();
    await expect(west.createSnapshot(request)).rejects.toBeInstanceOf(ThrottlingError);

    const third = await west.createSnapshot(request);

    expect(third.status).toBe('creating');
    expect((await west.describeSnapshot({ kind: 'instance', id: 'throttled' }))?.status).toBe('available');
  });

  it('given createSnapshot set to fail, when a snapshot is created, then it is accepted, then ends failed without an archive', async () => {
    cloud.faults.add({ operation: 'createSnapshot', effect: 'fail', database: 'orders', times: 1 });

    const created = await west.createSnapshot({ database: orders, snapshotId: 'doomed', tags: {} });

    expect(created.status).toBe('creating');
    expect((await west.describeSnapshot({ kind: 'instance', id: 'doomed' }))?.status).toBe('failed');
    expect((await west.describeSnapshot({ kind: 'instance', id: 'doomed' }))?.status).toBe('failed');
    expect(existsSync(join(stateDir, 'regions', WEST, 'snapshots', 'doomed.snapshot'))).toBe(false);
    // A failed snapshot can be deleted.
    await west.deleteSnapshot({ kind: 'instance', id: 'doomed' });
    expect(await west.describeSnapshot({ kind: 'instance', id: 'doomed' })).toBeUndefined();
  });

  it('given copySnapshot set to fail for a database, when one of its snapshots is copied, then the copy goes pending, copying, then failed', async () => {
    const source = await west.createSnapshot({ database: orders, snapshotId: 'copy-me', tags: {} });
    await west.describeSnapshot({ kind: 'instance', id: 'copy-me' });
    cloud.faults.add({ operation: 'copySnapshot', effect: 'fail', database: 'orders' });

    const copy = await central.copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: source.arn,
      sourceRegion: WEST,
      targetSnapshotId: 'copy-doomed',
      sourceEncrypted: true,
      kmsKeyId: 'alias/copies',
      tags: {},
    });

    expect(copy.status).toBe('pending');
    const ref = { kind: 'instance' as const, id: 'copy-doomed' };
    expect((await central.describeSnapshot(ref))?.status).toBe('copying');
    expect((await central.describeSnapshot(ref))?.status).toBe('failed');
  });

  it('given describeSnapshot erroring once, when polling, then the error does not advance the snapshot', async () => {
    await west.createSnapshot({ database: orders, snapshotId: 'slow-poll', tags: {} });
    cloud.faults.add({ operation: 'describeSnapshot', effect: 'error', times: 1 });

    await expect(west.describeSnapshot({ kind: 'instance', id: 'slow-poll' })).rejects.toBeInstanceOf(
      CloudServiceError,
    );
    expect((await west.listSnapshots({ database: orders })).find((s) => s.id === 'slow-poll')?.status).toBe(
      'creating',
    );
    expect((await west.describeSnapshot({ kind: 'instance', id: 'slow-poll' }))?.status).toBe('available');
  });

  it('given a rule for another region, when calling this region, then it is unaffected', async () => {
    cloud.faults.add({ operation: 'listDatabases', effect: 'error', region: CENTRAL });

    expect((await west.listDatabases()).map((database) => database.id)).toEqual(['orders']);
    await expect(central.listDatabases()).rejects.toBeInstanceOf(CloudServiceError);
  });

  it.each([
    ['listSnapshots', (port: RdsPort) => port.listSnapshots()],
    ['deleteSnapshot', (port: RdsPort) => port.deleteSnapshot({ kind: 'instance', id: 'throttled' })],
  ] as const)('given %s throttled, then it throws ThrottlingError', async (operation, call) => {
    cloud.faults.add({ operation, effect: 'throttle', times: 1 });

    await expect(call(west)).rejects.toBeInstanceOf(ThrottlingError);
  });

  it('given rules in RESTORABLE_FAULTS, when a cloud is opened, then they apply', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'restorable-faults-env-'));
    const env = {
      RESTORABLE_FAULTS: JSON.stringify([{ operation: 'listDatabases', effect: 'throttle', times: 1 }]),
    };
    const other = await LocalCloud.open({ stateDir: otherDir, clock: () => new Date(), env });
    try {
      await expect(other.rds(WEST).listDatabases()).rejects.toBeInstanceOf(ThrottlingError);
      expect(await other.rds(WEST).listDatabases()).toEqual([]);
    } finally {
      await other.close();
      await rm(otherDir, { recursive: true, force: true });
    }
  });
});
