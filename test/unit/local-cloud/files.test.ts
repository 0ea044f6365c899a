import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEMP_SUFFIX, writeFileAtomic, writeFileExclusive } from '../../../src/local-cloud/files.ts';

describe('atomic file writes', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'restorable-files-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('given an existing file, when it is written atomically, then it holds the new content and no temporary file remains', async () => {
    const path = join(dir, 'snapshot.json');
    await writeFile(path, 'old');

    await writeFileAtomic(path, '{"new":true}');

    expect(await readFile(path, 'utf8')).toBe('{"new":true}');
    expect(await readdir(dir)).toEqual(['snapshot.json']);
  });

  it('given a rename that fails, when writing atomically, then the error surfaces and no temporary file remains', async () => {
    const path = join(dir, 'occupied');
    await mkdir(path);
    await writeFile(join(path, 'inside'), 'x');

    await expect(writeFileAtomic(path, 'data')).rejects.toThrow();

    expect((await readdir(dir)).filter((name) => name.endsWith(TEMP_SUFFIX))).toEqual([]);
    expect((await stat(path)).isDirectory()).toBe(true);
  });

  it('given a mode, when writing atomically, then the file gets exactly that mode', async () => {
    const path = join(dir, 'secret.key');

    await writeFileAtomic(path, 'k', 0o600);

    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('given a file that exists, when writing it exclusively, then it is left untouched and false is returned', async () => {
    const path = join(dir, 'lock');

    expect(await writeFileExclusive(path, 'first')).toBe(true);
    expect(await writeFileExclusive(path, 'second')).toBe(false);

    expect(await readFile(path, 'utf8')).toBe('first');
    expect(await readdir(dir)).toEqual(['lock']);
  });
});
