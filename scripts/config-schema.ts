// Writes the configuration's JSON Schema, generated from the zod schema, to
// config/restorable.schema.json: what an editor checks a configuration file
// against (a `# yaml-language-server: $schema=...` modeline points at it).
// `npm run docs:config` rewrites it with the README reference; a test fails
// when it differs from the schema.
//
// The JSON Schema describes the file as written (zod's input side: a field
// with a default may be left out). It is looser than the loader only where
// JSON Schema cannot say a rule; the README lists those rules.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.ts';

export const SCHEMA_PATH = new URL('../config/restorable.schema.json', import.meta.url);

export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, {
    target: 'draft-2020-12',
    io: 'input',
    // Nothing in the schema is unrepresentable today; a future transform
    // would be left unchecked ({}) rather than break the editor's schema.
    unrepresentable: 'any',
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'restorable configuration',
    description:
      'The configuration file of restorable (restorable.yml). Generated from src/config/schema.ts by `npm run docs:config`: do not edit.',
    ...rest,
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_PATH, configJsonSchemaText());
  console.log('config/restorable.schema.json updated');
}
