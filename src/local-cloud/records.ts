// The JSON metadata files of the local cloud: their schemas, and reading and
// writing them. Reads validate, so a hand-edited or foreign file fails with
// its path named (CorruptEvidenceError) instead of misbehaving later. Writes
// are atomic.
import { readdir } from 'node:fs/promises';
import { z } from 'zod';
import { CorruptEvidenceError } from '../domain/errors.ts';
import { errorCode, isTempFile, readFileIfExists, writeJsonAtomic } from './files.ts';
import { isValidIdentifier, type StateLayout } from './layout.ts';

export const STATE_FORMAT_VERSION = 1;

const isoDate = z.iso.datetime();
const tags = z.record(z.string(), z.string());
const kind = z.enum(['instance', 'cluster']);

export const cloudRecordSchema = z.object({
  formatVersion: z.number().int(),
  createdAt: isoDate,
});
export type CloudRecord = z.infer<typeof cloudRecordSchema>;

export const databaseRecordSchema = z.object({
  formatVersion: z.literal(STATE_FORMAT_VERSION),
  id: z.string(),
  kind,
  engine: z.enum(['postgres', 'aurora-postgresql']),
  engineVersion: z.string(),
  tags,
  multiAz: z.boolean(),
  storageEncrypted: z.boolean(),
  backupRetentionDays: z.number().int().min(0),
  createdAt: isoDate,
});
export type DatabaseRecord = z.infer<typeof databaseRecordSchema>;

export const snapshotStatusSchema = z.enum(['creating', 'pending', 'copying', 'available', 'failed']);
export type LocalSnapshotStatus = z.infer<typeof snapshotStatusSchema>;

export const snapshotRecordSchema = z.object({
  formatVersion: z.literal(STATE_FORMAT_VERSION),
  id: z.string(),
  arn: z.string(),
  region: z.string(),
  kind,
  databaseId: z.string(),
  engine: z.string(),
  /** The database's engine version when the snapshot was taken; absent from records written before it was kept. */
  engineVersion: z.string().optional(),
  status: snapshotStatusSchema,
  /** Where the snapshot ends once its transitions are done. */
  outcome: z.enum(['available', 'failed']),
  /** Why it failed (or will), for people reading the file. */
  statusReason: z.string().optional(),
  /** Describes left before the status takes its next step. */
  pollsUntilNext: z.number().int().min(0),
  type: z.literal('manual'),
  createdAt: isoDate,
  originalCreatedAt: isoDate,
  encrypted: z.literal(true),
  kmsKeyId: z.string(),
  sourceSnapshotArn: z.string().nullable(),
  /** SHA-256 (hex) of the archive file's bytes; null when no archive was written (failed). */
  sha256: z.string().nullable(),
  sizeBytes: z.number().int().min(0).nullable(),
  tags,
  /**
   * The other accounts the snapshot is shared with (RDS's `restore`
   * attribute), sorted; absent when it is shared with none.
   */
  sharedWith: z.array(z.string().regex(/^\d{12}$/)).optional(),
});
export type SnapshotRecord = z.infer<typeof snapshotRecordSchema>;

async function readRecord<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const bytes = await readFileIfExists(path);
  if (bytes === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CorruptEvidenceError(
      path,
      `local cloud metadata is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new CorruptEvidenceError(path, `local cloud metadata is invalid: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

export function readCloudRecord(layout: StateLayout): Promise<CloudRecord | undefined> {
  return readRecord(layout.cloudFile, cloudRecordSchema);
}

export function writeCloudRecord(layout: StateLayout, record: CloudRecord): Promise<void> {
  return writeJsonAtomic(layout.cloudFile, record);
}

export function readDatabaseRecord(
  layout: StateLayout,
  region: string,
  id: string,
): Promise<DatabaseRecord | undefined> {
  return readRecord(layout.databaseFile(region, id), databaseRecordSchema);
}

export function writeDatabaseRecord(
  layout: StateLayout,
  region: string,
  record: DatabaseRecord,
): Promise<void> {
  return writeJsonAtomic(layout.databaseFile(region, record.id), record);
}

export function readSnapshotRecord(
  layout: StateLayout,
  region: string,
  id: string,
): Promise<SnapshotRecord | undefined> {
  return readRecord(layout.snapshotFile(region, id), snapshotRecordSchema);
}

/** A snapshot record that does not read: listings leave it out, and `status` names it. */
export interface UnreadableSnapshotRecord {
  readonly region: string;
  readonly id: string;
  readonly path: string;
  readonly reason: string;
}

/**
 * The snapshot record, undefined when there is none, or why it does not read:
 * what listings use, so that one damaged file hides only its own snapshot.
 */
export async function tryReadSnapshotRecord(
  layout: StateLayout,
  region: string,
  id: string,
): Promise<SnapshotRecord | UnreadableSnapshotRecord | undefined> {
  try {
    return await readSnapshotRecord(layout, region, id);
  } catch (error) {
    if (!(error instanceof CorruptEvidenceError)) throw error;
    return { region, id, path: error.path, reason: error.reason };
  }
}

export const isUnreadable = (
  record: SnapshotRecord | UnreadableSnapshotRecord | undefined,
): record is UnreadableSnapshotRecord => record !== undefined && 'reason' in record;

export function writeSnapshotRecord(layout: StateLayout, record: SnapshotRecord): Promise<void> {
  return writeJsonAtomic(layout.snapshotFile(record.region, record.id), record);
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
}

/** Ids of the snapshots of a region, sorted. */
export async function listSnapshotIds(layout: StateLayout, region: string): Promise<string[]> {
  const names = await listNames(layout.snapshotsDir(region));
  return names
    .filter((name) => name.endsWith('.json') && !isTempFile(name))
    .map((name) => name.slice(0, -'.json'.length))
    .filter(isValidIdentifier)
    .sort();
}

/** Ids of the databases of a region, sorted (including any whose creation did not finish). */
export async function listDatabaseIds(layout: StateLayout, region: string): Promise<string[]> {
  const names = await listNames(layout.databasesDir(region));
  return names.filter(isValidIdentifier).sort();
}

/** The accounts other than the local cloud's own that have a directory (`accounts/<id>`), sorted. */
export async function listAccountIds(layout: StateLayout): Promise<string[]> {
  const names = await listNames(layout.accountsDir);
  return names.filter((name) => /^\d{12}$/.test(name)).sort();
}

/** Regions that exist in the state directory (for the layout's account), sorted. */
export async function listRegionNames(layout: StateLayout): Promise<string[]> {
  const names = await listNames(layout.regionsDir);
  return names.filter((name) => !name.startsWith('.')).sort();
}
