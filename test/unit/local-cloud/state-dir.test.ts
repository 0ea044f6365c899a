// The local cloud touches only what it owns in a state directory: it never
// moves into a directory of someone else's files, a reset deletes its own
// entries and nothing else, and a crash's temporary files are removed only
// from its own directories, only with the lock held.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import { TEMP_SUFFIX } from '../../../src/local-cloud/files.ts';
import { classifyStateDir, ForeignStateDirError } from '../../../src/local-cloud/state-dir.ts';

const clock = () => new Date('2026-03-01T00:00:00Z');
const WEST = 'eu-west-1';

/** A live process other than this one, to hold a lock. */
function startLockHolder(): { pid: number; process: ChildProcess } {
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  if (holder.pid === undefined) throw new Error('could not start a process to hold the lock');
  return { pid: holder.pid, process: holder };
}

describe('telling a local cloud from a foreign directory', () => {
  it.each([
    [[], 'empty'],
    [['cloud.json'], 'local-cloud'],
    [['cloud.json', 'lock', 'regions', 'reports', 'alerts.jsonl', 'mine.txt'], 'local-cloud'],
    // What a creation interrupted before cloud.json leaves behind.
    [['lock'], 'empty'],
    [['lock', `.cloud.json.0123456789ab${TEMP_SUFFIX}`, `.lock.ba9876543210${TEMP_SUFFIX}`], 'empty'],
    [['notes.txt'], 'foreign'],
    [['.git'], 'foreign'],
    // The cloud's own folder names without cloud.json could as well be a user's folders.
    [['reports'], 'foreign'],
    [['regions', 'lock'], 'foreign'],
    [[`.notes.txt.0123456789ab${TEMP_SUFFIX}`], 'foreign'],
  ])('a root holding %j is %s', (names, expected) => {
    expect(classifyStateDir(names)).toBe(expected);
  });
});

describe('a state directory shared with other files', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-state-dir-'));
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('given a directory holding a file of its own, when a cloud is opened in it, then it is refused and nothing is written', async () => {
    await writeFile(join(stateDir, 'notes.txt'), 'mine');

    const opening = LocalCloud.open({ stateDir, clock });

    await expect(opening).rejects.toBeInstanceOf(ForeignStateDirError);
    await expect(opening).rejects.toThrow(stateDir);
    expect(await readdir(stateDir)).toEqual(['notes.txt']);
    expect(await readFile(join(stateDir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('given the lock of a creation that was interrupted, when the cloud is opened, then it is created', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']);
    await writeFile(join(stateDir, 'lock'), `${gone.pid}\n`);

    const cloud = await LocalCloud.open({ stateDir, clock });
    await cloud.close();

    expect(existsSync(join(stateDir, 'cloud.json'))).toBe(true);
  });

  describe('given a local cloud with a file of the user beside it', () => {
    beforeEach(async () => {
      const cloud = await LocalCloud.open({ stateDir, clock });
      await cloud.ensureRegion(WEST);
      await cloud.close();
      await mkdir(join(stateDir, 'reports', 'evidence'), { recursive: true });
      await writeFile(join(stateDir, 'reports', 'evidence', 'run.json'), '{}');
      await writeFile(join(stateDir, 'alerts.jsonl'), '{}\n');
      await writeFile(join(stateDir, 'mine.txt'), 'mine');
    });

    it('when it is reset, then the entries of the cloud are new or gone and the user file is untouched', async () => {
      const cloud = await LocalCloud.open({
        stateDir,
        clock: () => new Date('2026-04-01T00:00:00Z'),
        reset: true,
      });
      try {
        expect(cloud.regions()).toEqual([]);
        expect((await readdir(stateDir)).sort()).toEqual(['cloud.json', 'lock', 'mine.txt', 'regions']);
        expect(JSON.parse(await readFile(join(stateDir, 'cloud.json'), 'utf8'))).toMatchObject({
          createdAt: '2026-04-01T00:00:00.000Z',
        });
      } finally {
        await cloud.close();
      }
      expect(await readFile(join(stateDir, 'mine.txt'), 'utf8')).toBe('mine');
    });

    it('when it is reset while another live process holds its lock, then it is refused and nothing is deleted', async () => {
      const holder = startLockHolder();
      try {
        await writeFile(join(stateDir, 'lock'), `${holder.pid}\n`);
        const before = (await readdir(stateDir, { recursive: true })).sort();

        await expect(LocalCloud.open({ stateDir, clock, reset: true })).rejects.toThrow(
          `in use by process ${holder.pid}`,
        );

        expect((await readdir(stateDir, { recursive: true })).sort()).toEqual(before);
      } finally {
        holder.process.kill();
      }
    });
  });

  describe('given the temporary files of writes interrupted by a crash', () => {
    const regionDir = () => join(stateDir, 'regions', WEST);
    const leftovers = () => [
      join(stateDir, `.cloud.json.0123456789ab${TEMP_SUFFIX}`),
      join(regionDir(), 'snapshots', `x.snapshot${TEMP_SUFFIX}`),
      join(regionDir(), 'snapshots', `.x.json.0123456789ab${TEMP_SUFFIX}`),
      join(regionDir(), 'kms', `.alias%2Fx.key.0123456789ab${TEMP_SUFFIX}`),
      join(regionDir(), 'sandboxes', `.rsbx-x.json.0123456789ab${TEMP_SUFFIX}`),
      join(regionDir(), 'databases', 'orders', `.database.json.0123456789ab${TEMP_SUFFIX}`),
      join(stateDir, 'reports', 'drills', 'orders', `.drill.html.0123456789ab${TEMP_SUFFIX}`),
    ];
    // Files that are not the cloud's temporaries, though their names end alike.
    const strangers = () => [
      join(stateDir, `notes${TEMP_SUFFIX}`),
      join(regionDir(), 'databases', 'orders', 'pgdata', `base${TEMP_SUFFIX}`),
      join(regionDir(), 'snapshots', 'x.snapshot'),
    ];

    beforeEach(async () => {
      const cloud = await LocalCloud.open({ stateDir, clock });
      await cloud.ensureRegion(WEST);
      await cloud.close();
      for (const path of [...leftovers(), ...strangers()]) {
        await mkdir(join(path, '..'), { recursive: true });
        await writeFile(path, 'partial');
      }
    });

    it('when the cloud is next opened, then they are removed and nothing else is', async () => {
      const cloud = await LocalCloud.open({ stateDir, clock });
      await cloud.close();

      expect(leftovers().filter((path) => existsSync(path))).toEqual([]);
      expect(strangers().filter((path) => !existsSync(path))).toEqual([]);
    });

    it('when another live process holds the lock, then opening fails and they stay: that process may be writing them', async () => {
      const holder = startLockHolder();
      try {
        await writeFile(join(stateDir, 'lock'), `${holder.pid}\n`);

        await expect(LocalCloud.open({ stateDir, clock })).rejects.toThrow(`in use by process ${holder.pid}`);

        expect(leftovers().filter((path) => !existsSync(path))).toEqual([]);
      } finally {
        holder.process.kill();
      }
    });
  });
});
