// Prints the configuration reference (a Markdown table) from the schema, so the
// README documents exactly what the loader accepts. `npm run docs:config`
// rewrites the README section between the markers; a test fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema } from '../src/config/schema.ts';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
}

function typeOf(schema: JsonSchema): string {
  if (schema.anyOf !== undefined && schema.type === undefined) return schema.anyOf.map(typeOf).join(' \\| ');
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.enum !== undefined) return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ');
  if (schema.type === 'array' && schema.items !== undefined) return `list of ${typeOf(schema.items)}`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') return 'map';
  const type = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
  const range = [
    schema.minimum === undefined ? '' : `≥ ${schema.minimum}`,
    schema.maximum === undefined || schema.maximum >= Number.MAX_SAFE_INTEGER ? '' : `≤ ${schema.maximum}`,
  ]
    .filter(Boolean)
    .join(', ');
  return range === '' ? type : `${type} (${range})`;
}

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'object')
    return Array.isArray(value) && value.length > 0 ? `\`${JSON.stringify(value)}\`` : '';
  return `\`${String(value)}\``;
}

function rows(schema: JsonSchema, path: string, required: boolean): string[] {
  const own =
    path === ''
      ? []
      : [
          `| \`${path}\` | ${typeOf(schema)} | ${required && schema.default === undefined ? 'yes' : ''} | ${formatDefault(
            schema.default,
          )} | ${schema.description ?? ''} |`,
        ];
  const children =
    schema.properties === undefined
      ? []
      : Object.entries(schema.properties).flatMap(([name, child]) =>
          rows(child, path === '' ? name : `${path}.${name}`, schema.required?.includes(name) ?? false),
        );
  const mapValues =
    typeof schema.additionalProperties === 'object' && schema.additionalProperties.properties !== undefined
      ? rows({ ...schema.additionalProperties, description: undefined }, `${path}.<id>`, false).slice(1)
      : [];
  const items =
    schema.items?.properties === undefined
      ? []
      : rows({ ...schema.items, description: undefined }, `${path}[]`, false).slice(1);
  return [...own, ...children, ...mapValues, ...items];
}

export function configReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return [
    '| field | type | required | default | meaning |',
    '|---|---|---|---|---|',
    ...rows(schema, '', true),
  ].join('\n');
}

export const BEGIN = '<!-- config-reference:begin -->';
export const END = '<!-- config-reference:end -->';

export function withReference(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`README.md lacks the ${BEGIN} / ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n${configReference()}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withReference(readFileSync(path, 'utf8')));
  console.log('README.md configuration reference updated');
}
