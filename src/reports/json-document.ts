// Validation shared by the schema-versioned JSON documents of the report
// store, and the one path by which stored documents are read back: errors
// name each wrong field, and say plainly when one is absent; a stored
// document that does not read is a CorruptEvidenceError naming its key.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { formatIssues } from '../config/issues.ts';
import { CorruptEvidenceError, InvalidInputError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { mapWithConcurrency, STORE_READ_CONCURRENCY } from './store-reads.ts';

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Why a value does not match the schema, each wrong field named; undefined when it does. */
function invalidReason(schema: z.ZodType, value: unknown): { data: unknown; reason?: string } {
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data };
  const issues = result.error.issues.map((issue) =>
    issue.code !== 'custom' && issue.path.length > 0 && valueAt(value, issue.path) === undefined
      ? { ...issue, message: `is missing (${issue.message})` }
      : issue,
  );
  return { data: undefined, reason: formatIssues(issues) };
}

export function validateDocument<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  const { data, reason } = invalidReason(schema, value);
  if (reason !== undefined) throw new InvalidInputError(`${what} is invalid:\n${reason}`);
  return data as z.output<Schema>;
}

/** Pretty-printed JSON with a trailing newline, after validation. */
export function serializeDocument<Schema extends z.ZodType>(
  schema: Schema,
  value: z.input<Schema>,
  what: string,
): string {
  return `${JSON.stringify(validateDocument(schema, value, what), null, 2)}\n`;
}

/** The document, or why it is not one: not JSON, or each field that does not match the schema. */
function decodeDocument(
  schema: z.ZodType,
  text: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; reason: string; cause?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `${what} is not valid JSON: ${(error as Error).message}`, cause: error };
  }
  const { data, reason } = invalidReason(schema, value);
  return reason === undefined
    ? { ok: true, value: data }
    : { ok: false, reason: `${what} is invalid:\n${reason}` };
}

/** Parses a document given as text (a caller's input): throws InvalidInputError naming each wrong field. */
export function parseDocument<Schema extends z.ZodType>(
  schema: Schema,
  text: string,
  what: string,
): z.output<Schema> {
  const decoded = decodeDocument(schema, text, what);
  if (!decoded.ok) throw new InvalidInputError(decoded.reason, { cause: decoded.cause });
  return decoded.value as z.output<Schema>;
}

/** A document read back from the report store, with the digest of its bytes. */
export interface StoredDocument<T> {
  readonly key: string;
  readonly sha256: string;
  readonly value: T;
}

/** A stored document's bytes through its schema, with their digest; CorruptEvidenceError naming the key when they do not read. */
export function decodeStored<Schema extends z.ZodType>(
  key: string,
  body: Uint8Array,
  schema: Schema,
  what: string,
): StoredDocument<z.output<Schema>> {
  const decoded = decodeDocument(schema, Buffer.from(body).toString('utf8'), what);
  if (!decoded.ok) throw new CorruptEvidenceError(key, decoded.reason, { cause: decoded.cause });
  return { key, sha256: sha256Hex(body), value: decoded.value as z.output<Schema> };
}

/**
 * Reads one stored document through its schema. Undefined when there is no
 * such object; CorruptEvidenceError, naming the key and why, when its bytes
 * are not JSON or not the document its key says: stored data is never bad
 * usage, and never trusted unchecked.
 */
export async function readStoredDocument<Schema extends z.ZodType>(
  reports: ReportStore,
  key: string,
  schema: Schema,
  what: string,
): Promise<StoredDocument<z.output<Schema>> | undefined> {
  const body = await reports.get(key);
  return body === undefined ? undefined : decodeStored(key, body, schema, what);
}

/** A stored document that could not be read, as the run that met it reports it. */
export interface CorruptDocument {
  readonly path: string;
  /** Of the bytes found: a later report can tell whether they changed again. */
  readonly sha256: string;
  readonly reason: string;
}

/**
 * Reads many stored documents, a bounded number at a time, setting the
 * corrupt ones apart instead of failing on the first: one damaged file must
 * not hide every other one.
 */
export async function readStoredDocuments<Schema extends z.ZodType>(
  reports: ReportStore,
  keys: readonly string[],
  schema: Schema,
  what: string,
): Promise<{ documents: StoredDocument<z.output<Schema>>[]; corrupt: CorruptDocument[] }> {
  const documents: StoredDocument<z.output<Schema>>[] = [];
  const corrupt: CorruptDocument[] = [];
  const bodies = await mapWithConcurrency(keys, STORE_READ_CONCURRENCY, (key) => reports.get(key));
  for (const [index, key] of keys.entries()) {
    const body = bodies[index];
    if (body === undefined) continue;
    try {
      documents.push(decodeStored(key, body, schema, what));
    } catch (error) {
      if (!(error instanceof CorruptEvidenceError)) throw error;
      corrupt.push({ path: key, sha256: sha256Hex(body), reason: error.reason });
    }
  }
  return { documents, corrupt };
}

export const isoTimeSchema = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time such as 2025-06-01T02:00:00Z',
});

export const sha256Schema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest: 64 lowercase hexadecimal characters');

/** Safe as one segment of a store key or file path: no slashes, no dot-only names. */
export const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const keySegmentSchema = z
  .string()
  .regex(KEY_SEGMENT, 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"');

export const secondsSchema = z.number().nonnegative();
