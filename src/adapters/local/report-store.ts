// The report store of the local cloud: objects are files under
// `<stateDir>/reports/<key>`, written atomically. Keys are relative paths with
// forward slashes; keys that could leave the folder (`..`, `.`, absolute paths,
// backslashes, empty segments) are refused. The content type is not kept: a
// file's extension says what it is.
import { createHash } from 'node:crypto';
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../../domain/errors.ts';
import {
  errorCode,
  isTempFile,
  readDirIfExists,
  writeFileAtomic,
  writeFileExclusive,
} from '../../local-cloud/files.ts';
import { StateLayout } from '../../local-cloud/layout.ts';
import {
  type PutIfAbsentResult,
  type ReportStore,
  type StoredObject,
  unsafeKeyReason,
} from '../../ports/report-store.ts';

export class LocalReportStore implements ReportStore {
  /** The folder holding the objects: `<stateDir>/reports`. */
  readonly root: string;

  /** Without a deployment, or for the default one, the store is `<stateDir>/reports`. */
  constructor(stateDir: string, deployment?: { readonly id: string; readonly isDefault: boolean }) {
    this.root = new StateLayout(stateDir).reportsDirOf(deployment);
  }

  async put(key: string, body: string | Uint8Array, _contentType: string): Promise<StoredObject> {
    const path = this.#path(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, bytes);
    return { key, sha256: createHash('sha256').update(bytes).digest('hex'), location: path };
  }

  async putIfAbsent(
    key: string,
    body: string | Uint8Array,
    _contentType: string,
  ): Promise<PutIfAbsentResult> {
    const path = this.#path(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await mkdir(dirname(path), { recursive: true });
    // A hard link of a complete temporary file: it appears whole or not at
    // all, and of two writers at once the second one's link fails (EEXIST).
    // A file removed between that failure and the read is written again.
    for (let attempt = 1; ; attempt += 1) {
      if (await writeFileExclusive(path, bytes)) {
        return {
          written: true,
          object: { key, sha256: createHash('sha256').update(bytes).digest('hex'), location: path },
        };
      }
      const existing = await this.get(key);
      if (existing !== undefined) return { written: false, existing };
      if (attempt >= 3)
        throw new Error(`${path} exists but does not read: it was removed while being written`);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#path(key)));
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== '') assertSafeKey(prefix, 'prefix', true);
    // Walk only the folder the prefix is certainly inside.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys: string[] = [];
    await walk(folder === '' ? this.root : join(this.root, folder), folder, keys);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.#path(key));
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
  }

  #path(key: string): string {
    assertSafeKey(key, 'key', false);
    return resolve(this.root, key);
  }
}

function assertSafeKey(key: string, what: 'key' | 'prefix', isPrefix: boolean): void {
  const checked = key.split('/');
  const problem =
    unsafeKeyReason(key, isPrefix) ??
    (checked.some((segment) => isTempFile(segment)) ? 'it ends like a temporary file' : undefined);
  if (problem !== undefined) {
    throw new InvalidInputError(`invalid report store ${what} ${JSON.stringify(key)}: ${problem}`);
  }
}

async function walk(dir: string, relative: string, into: string[]): Promise<void> {
  for (const entry of await readDirIfExists(dir)) {
    if (isTempFile(entry.name)) continue;
    const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) await walk(join(dir, entry.name), key, into);
    else if (entry.isFile()) into.push(key);
  }
}
