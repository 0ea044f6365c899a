// Validation shared by the schema-versioned JSON reports: errors name each
// wrong field, and say plainly when one is absent.
import type { z } from 'zod';
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
