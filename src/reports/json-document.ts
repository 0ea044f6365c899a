// Validation shared by the schema-versioned JSON reports: errors name each
// wrong field, and say plainly when one is absent.
import { z } from 'zod';
import { formatIssues } from '../config/load.ts';
import { InvalidInputError } from '../domain/errors.ts';

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function validateDocument<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) =>
      issue.code !== 'custom' && issue.path.length > 0 && valueAt(value, issue.path) === undefined
        ? { ...issue, message: `is missing (${issue.message})` }
        : issue,
    );
    throw new InvalidInputError(`${what} is invalid:\n${formatIssues(issues)}`);
  }
  return result.data;
}

/** Pretty-printed JSON with a trailing newline, after validation. */
export function serializeDocument<Schema extends z.ZodType>(
  schema: Schema,
  value: z.input<Schema>,
  what: string,
): string {
  return `${JSON.stringify(validateDocument(schema, value, what), null, 2)}\n`;
}

export function parseDocument<Schema extends z.ZodType>(
  schema: Schema,
  text: string,
  what: string,
): z.output<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return validateDocument(schema, value, what);
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
