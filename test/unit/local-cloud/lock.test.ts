import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, InvalidInputError } from '../../../src/domain/errors.ts';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';

const clock = () => new Date('2026-03-01T00:00:00Z');

describe('opening a state directory', () => {
  let stateDir: string;
  const lockFile = () => join(stateDir, 'lock');

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-lock-'));
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('given a new state directory, when it is opened, then it holds cloud.json and a lock naming this process', async () => {
    const cloud = await LocalCloud.open({ stateDir, clock });
    try {
      expect(JSON.parse(await readFile(join(stateDir, 'cloud.json'), 'utf8'))).toEqual({
        formatVersion: 1,
        createdAt: '2026-03-01T00:00:00.000Z',
      });
      expect((await readFile(lockFile(), 'utf8')).trim()).toBe(String(process.pid));
    } finally {
      await cloud.close();
    }
  });

  it('given an open cloud, when the same state directory is opened again, then it fails with a message naming the pid', async () => {
    const cloud = await LocalCloud.open({ stateDir, clock });
    try {
      const second = LocalCloud.open({ stateDir, clock });

      await expect(second).rejects.toThrow(String(process.pid));
      await expect(LocalCloud.open({ stateDir, clock })).rejects.toThrow(/state directory .* is in use/);
      // The failed open must not have released the first one's lock.
      expect((await readFile(lockFile(), 'utf8')).trim()).toBe(String(process.pid));
    } finally {
      await cloud.close();
    }
  });

  it('given a lock held by another live process, when opening, then it fails naming that process', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const pid = holder.pid;
      if (pid === undefined) throw new Error('could not start a process to hold the lock');
      await writeFile(lockFile(), `${pid}\n`);

      await expect(LocalCloud.open({ stateDir, clock })).rejects.toThrow(`process ${pid}`);
      expect((await readFile(lockFile(), 'utf8')).trim()).toBe(String(pid));
    } finally {
      holder.kill();
    }
  });

  it('given a stale lock left by a process that is gone, when opening, then the lock is taken over', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']);
    expect(gone.status).toBe(0);
    await writeFile(lockFile(), `${gone.pid}\n`);

    const cloud = await LocalCloud.open({ stateDir, clock });
    try {
      expect((await readFile(lockFile(), 'utf8')).trim()).toBe(String(process.pid));
    } finally {
      await cloud.close();
    }
  });

  it('given an open cloud, when it is closed, then the lock is released and the directory can be opened again', async () => {
    const cloud = await LocalCloud.open({ stateDir, clock });
    await cloud.close();
    await cloud.close(); // idempotent

    await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await LocalCloud.open({ stateDir, clock });
    await again.close();
  });

  it('given a closed cloud, when it is used, then it refuses', async () => {
    const cloud = await LocalCloud.open({ stateDir, clock });
    await cloud.close();

    await expect(cloud.ensureRegion('eu-west-1')).rejects.toThrow(/closed/);
    await expect(cloud.rds('eu-west-1').listSnapshots()).rejects.toThrow(/closed/);
  });

  it('given a state directory of another format version, when opening, then it fails clearly and leaves no lock', async () => {
    await writeFile(join(stateDir, 'cloud.json'), JSON.stringify({ formatVersion: 99, createdAt: clock() }));

    await expect(LocalCloud.open({ stateDir, clock })).rejects.toThrow(/format version 99/);
    await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('given an invalid RESTORABLE_FAULTS, when opening, then it fails with ConfigError and leaves no lock', async () => {
    await expect(
      LocalCloud.open({ stateDir, clock, env: { RESTORABLE_FAULTS: '[{"operation":"explode"}]' } }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(readFile(lockFile())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('given a limit that is not a positive integer, when opening, then it is refused', async () => {
    await expect(
      LocalCloud.open({ stateDir, clock, limits: { manualSnapshotQuota: 0 } }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('given a state directory with regions, when it is reopened, then the regions are known', async () => {
    const cloud = await LocalCloud.open({ stateDir, clock });
    await cloud.ensureRegion('eu-west-1');
    await cloud.ensureRegion('eu-central-1');
    await cloud.close();

    const reopened = await LocalCloud.open({ stateDir, clock });
    try {
      expect(reopened.regions()).toEqual(['eu-central-1', 'eu-west-1']);
    } finally {
      await reopened.close();
    }
  });
});
