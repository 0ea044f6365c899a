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
import { KMS_KEY_PATTERN, REGION_PATTERN, SNS_TOPIC_ARN_PATTERN } from '../src/domain/aws-partition.ts';
import { SCHEDULE_EXPRESSION_PATTERN } from '../src/domain/schedule.ts';

export const SCHEMA_PATH = new URL('../config/restorable.schema.json', import.meta.url);

/**
 * What an editor says instead of printing a long pattern: `patternErrorMessage`
 * is the YAML language server's keyword for it (other validators ignore it).
 */
// zod writes a pattern as its RegExp's source, which escapes every `/`.
const source = (pattern: string) => new RegExp(pattern).source;

const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [source(SCHEDULE_EXPRESSION_PATTERN)]:
    'Must be an EventBridge Scheduler expression: cron(minutes hours day-of-month month day-of-week year) with ? in exactly one of the day fields, such as cron(0 2 * * ? *), or rate(N minutes|hours|days), such as rate(1 hour).',
  [source(REGION_PATTERN)]: 'Must be an AWS region name such as eu-west-1 or us-gov-west-1.',
  [source(KMS_KEY_PATTERN)]: 'Must be a KMS key id, alias/<name>, or the ARN of a key or an alias.',
  [source(SNS_TOPIC_ARN_PATTERN)]:
    'Must be the ARN of a standard SNS topic: arn:<partition>:sns:<region>:<account>:<name> (not a FIFO topic).',
};

function withPatternMessages(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withPatternMessages);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(([key, value]) => [key, withPatternMessages(value)] as const);
  const pattern = (node as { pattern?: unknown }).pattern;
  const message = typeof pattern === 'string' ? PATTERN_MESSAGES[pattern] : undefined;
  return Object.fromEntries(message === undefined ? entries : [...entries, ['patternErrorMessage', message]]);
}

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
    ...(withPatternMessages(rest) as Record<string, unknown>),
  };
}

export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SCHEMA_PATH, configJsonSchemaText());
  console.log('config/restorable.schema.json updated');
}
