// Where evidence and reports go: an S3 bucket on AWS, a folder of the state
// directory locally. Keys are relative paths with forward slashes.

export interface StoredObject {
  readonly key: string;
  /** SHA-256 of the bytes, hex: what reports list as evidence digests. */
  readonly sha256: string;
  /** Where a person finds it: an s3:// URI or a local file path. */
  readonly location: string;
}

export interface ReportStore {
  put(key: string, body: string | Uint8Array, contentType: string): Promise<StoredObject>;
  /** Undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Keys under the prefix, sorted. */
  list(prefix: string): Promise<string[]>;
}
