import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalReportStore } from '../../../src/adapters/local/report-store.ts';
import { InvalidInputError } from '../../../src/domain/errors.ts';
import { TEMP_SUFFIX } from '../../../src/local-cloud/files.ts';

describe('local report store', () => {
  let stateDir: string;
  let store: LocalReportStore;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'restorable-reports-'));
    store = new LocalReportStore(stateDir);
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('given a report, when it is put, then it is a file under <stateDir>/reports whose path and SHA-256 are returned', async () => {
    const body = '{"status":"ok"}\n';

    const stored = await store.put('runs/2026-03-01/summary.json', body, 'application/json');

    const path = join(stateDir, 'reports', 'runs', '2026-03-01', 'summary.json');
    expect(stored).toEqual({
      key: 'runs/2026-03-01/summary.json',
      sha256: createHash('sha256').update(body).digest('hex'),
      location: path,
    });
    expect(await readFile(path, 'utf8')).toBe(body);
  });

  it('given binary content, when it is put then read, then the same bytes come back', async () => {
    const bytes = new Uint8Array([0, 255, 1, 254, 10, 13]);

    await store.put('evidence/blob.bin', bytes, 'application/octet-stream');

    expect(await store.get('evidence/blob.bin')).toEqual(bytes);
  });

  it('given an existing key, when it is put again, then the new content replaces the old and no temporary file remains', async () => {
    await store.put('latest.json', 'old', 'application/json');

    await store.put('latest.json', 'new', 'application/json');

    expect(new TextDecoder().decode(await store.get('latest.json'))).toBe('new');
    const files = await readdir(join(stateDir, 'reports'), { recursive: true });
    expect(files.filter((name) => name.endsWith(TEMP_SUFFIX))).toEqual([]);
  });

  it('given no such key, when it is read, then the result is undefined', async () => {
    await store.put('runs/a.json', '{}', 'application/json');

    expect(await store.get('runs/missing.json')).toBeUndefined();
    expect(await store.get('runs')).toBeUndefined();
    expect(await store.get('runs/a.json/deeper')).toBeUndefined();
  });

  it('given objects, when listing a prefix, then the keys starting with it are returned sorted, like S3', async () => {
    for (const key of [
      'runs/2026-03-02/b.json',
      'runs/2026-03-01/z.json',
      'runs/2026-03-01/a.json',
      'other/x.json',
    ]) {
      await store.put(key, key, 'application/json');
    }

    expect(await store.list('runs/')).toEqual([
      'runs/2026-03-01/a.json',
      'runs/2026-03-01/z.json',
      'runs/2026-03-02/b.json',
    ]);
    expect(await store.list('runs/2026-03-0')).toHaveLength(3);
    expect(await store.list('runs/2026-03-01/')).toEqual([
      'runs/2026-03-01/a.json',
      'runs/2026-03-01/z.json',
    ]);
    expect(await store.list('')).toHaveLength(4);
    expect(await store.list('nothing/')).toEqual([]);
  });

  it('given an empty store, when listing, then nothing is returned', async () => {
    expect(await store.list('')).toEqual([]);
  });

  it.each([
    '../escape.json',
    'runs/../../escape.json',
    '/etc/passwd',
    'runs//double.json',
    'C:/windows',
    'a\\b',
    './here',
    '',
  ])('given the unsafe key %j, then put, get and list refuse it', async (key) => {
    await expect(store.put(key, 'x', 'text/plain')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidInputError);
    if (key !== '') await expect(store.list(key)).rejects.toBeInstanceOf(InvalidInputError);
    expect(await readdir(stateDir)).toEqual([]);
  });
});
