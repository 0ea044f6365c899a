// Where evidence and reports go: an S3 bucket on AWS, a folder of the state
// directory locally. Keys are relative paths with forward slashes.

export interface StoredObject {
  readonly key: string;
  /** SHA-256 of the bytes, hex: what reports list as evidence digests. */
  readonly sha256: string;
  /** Where a person finds it: an s3:// URI or a local file path. */
  readonly location: string;
}

/**
 * What a conditional write did: wrote the object, or found one already under
 * the key and left it as it was (its bytes, as stored then).
 */
export type PutIfAbsentResult =
  | { readonly written: true; readonly object: StoredObject }
  | { readonly written: false; readonly existing: Uint8Array };

export interface ReportStore {
  put(key: string, body: string | Uint8Array, contentType: string): Promise<StoredObject>;
  /**
   * Writes the object only when the key holds none, atomically: of two
   * writers at once, exactly one writes and the other is given what the
   * first one wrote. For documents that must be written once whoever races
   * (the daily evidence manifests, a hash chain).
   */
  putIfAbsent(key: string, body: string | Uint8Array, contentType: string): Promise<PutIfAbsentResult>;
  /** Undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys under the prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * Removes the object: it no longer lists or reads. Nothing happens when
   * there is none. For documents that expire (drill leases), never evidence:
   * on the versioned bucket with Object Lock, S3 keeps the locked version
   * and hides it behind a delete marker.
   */
  delete(key: string): Promise<void>;
}

/**
 * Why a report store key (or a listing prefix) is unsafe, or undefined when
 * it is fine: keys are relative paths with forward slashes, never absolute,
 * never escaping their folder. Both stores enforce it, so what works locally
 * works on S3.
 */
export function unsafeKeyReason(key: string, isPrefix: boolean): string | undefined {
  const segments = key.split('/');
  // A prefix may end with '/', leaving one empty last segment.
  const checked = isPrefix && key.endsWith('/') ? segments.slice(0, -1) : segments;
  if (key === '') return 'it is empty';
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) return 'it is absolute';
  if (key.includes('\\') || key.includes('\0')) return 'it holds a backslash or a NUL character';
  if (checked.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'it has an empty, "." or ".." segment';
  }
  return undefined;
}

/**
 * Keys under this prefix are work documents: a run's queue, plan or hand-off,
 * rewritten while it runs and of no use once it has ended. They are not
 * evidence, so on AWS they live in a bucket without Object Lock
 * (src/adapters/aws/routed-report-store.ts).
 */
export const WORK_DOCUMENT_PREFIX = 'work/';
