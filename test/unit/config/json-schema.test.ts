// The published JSON Schema, checked the way an editor checks a configuration
// file: the YAML parsed as it is written, and validated by ajv against
// config/restorable.schema.json. It must take every configuration the loader
// takes, and refuse what the loader refuses wherever JSON Schema can say the
// rule; the rules it cannot say are listed here and in the README.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchemaText, SCHEMA_PATH } from '../../../scripts/config-schema.ts';
import { parseConfig } from '../../../src/config/load.ts';

const addFormats = addFormatsModule.default;
const schemaFile = fileURLToPath(SCHEMA_PATH);
const configDir = dirname(schemaFile);

/** Every configuration file shipped: the demo and the examples. */
const shipped = [
  join(configDir, 'demo.yml'),
  ...readdirSync(join(configDir, 'examples'))
    .filter((name) => name.endsWith('.yml'))
    .map((name) => join(configDir, 'examples', name)),
];

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
// The YAML language server's message for a pattern: an annotation to ajv.
ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));

/** What an editor would underline: each error's path and message. */
function editorCheck(data: unknown): string[] {
  return validate(data)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

const minimal = `
sourceRegion: eu-west-1
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/restorable
selection:
  tags: { backup: daily }
`;

describe('the published JSON Schema of the configuration', () => {
  it('is generated from the schema (run `npm run docs:config` after changing it)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(configJsonSchemaText());
  });

  it('is a strict draft 2020-12 schema that ajv compiles', () => {
    expect(typeof validate).toBe('function');
    expect(JSON.parse(readFileSync(schemaFile, 'utf8')).$schema).toBe(
      'https://json-schema.org/draft/2020-12/schema',
    );
  });

  it.each(shipped.map((path) => [path.slice(configDir.length + 1), path]))(
    '%s points an editor at it with a yaml-language-server modeline',
    (_name, path) => {
      const first = readFileSync(path, 'utf8').split('\n')[0] ?? '';
      const modeline = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(modeline, first).not.toBeNull();
      expect(resolve(dirname(path), modeline?.[1] ?? '')).toBe(schemaFile);
    },
  );

  it.each(shipped.map((path) => [path.slice(configDir.length + 1), path]))(
    '%s passes the editor check, as written and with every default filled in',
    (name, path) => {
      const text = readFileSync(path, 'utf8');
      expect(editorCheck(parse(text))).toEqual([]);
      // The loader's output is a configuration too, with every field that
      // has a default set: the schema takes each of them.
      expect(editorCheck(JSON.parse(JSON.stringify(parseConfig(text, name))))).toEqual([]);
    },
  );

  it('takes a configuration that sets every optional field the loader takes', () => {
    const text = `${minimal}
retention: { days: 14, maxDeletionsPerRun: 200, maxDeletionShare: 0.5 }
schedules:
  timezone: America/Argentina/Buenos_Aires
  backup: cron(15,45 */2 ? * MON-FRI 2026-2030)
  prune: cron(0 4 L * ? *)
  drill: rate(1 day)
  sweeper: rate(30 minutes)
  seal: cron(0 5 ? * FRI#3 *)
  report: cron(0 7 1 jan,jul ? *)
backup: { maxConcurrency: 8, concurrentCopiesPerRegion: 5, snapshotTimeoutMinutes: 60, maxAgeHours: 25.5 }
sandbox:
  multiAzClusterInstanceClass: db.m6gd.large
  regions:
    eu-central-1:
      subnetGroup: sandbox
      securityGroupIds: [sg-0c0c0c0c0c0c0c0c0]
      verifierSubnetIds: [subnet-0c0c0c0c0c0c0c0c0]
      verifierSecurityGroupIds: [sg-0d0d0d0d0d0d0d0d0]
drills:
  region: eu-central-1
  databases:
    orders:
      intervalDays: 3
      freshnessQuery: select max(created_at) from orders
      assertions:
        - { name: lines, sql: select count(*) from order_lines, database: shop, expect: { min: 1 } }
      shrinkThresholdPercent: 5
      rtoTargetMinutes: 20
      rpoTargetHours: 2
alerts: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alerts' }
target: aws
aws: { stage: staging, region: eu-west-1 }
local: { stateDir: /tmp/restorable }
`;
    const config = parseConfig(text);
    expect(editorCheck(parse(text))).toEqual([]);
    expect(editorCheck(JSON.parse(JSON.stringify(config)))).toEqual([]);
  });

  it.each([
    ['an unknown field', `${minimal}retension: { days: 7 }\n`, ' must NOT have additional properties'],
    [
      'a missing required field',
      minimal.replace(/copyRegions:[\s\S]*?selection/, 'selection'),
      ' must have required',
    ],
    [
      'a region that is not a region',
      minimal.replace('eu-west-1', 'moon'),
      '/sourceRegion must match pattern',
    ],
    [
      'cron fields that are none',
      `${minimal}schedules: { backup: 'cron(a b c d e f)' }\n`,
      '/schedules/backup',
    ],
    [
      'both day fields of a cron',
      `${minimal}schedules: { prune: 'cron(0 2 1 * MON *)' }\n`,
      '/schedules/prune',
    ],
    ['a rate of zero', `${minimal}schedules: { sweeper: 'rate(0 hours)' }\n`, '/schedules/sweeper'],
    ['a UTC offset for a time zone', `${minimal}schedules: { timezone: '+01:00' }\n`, '/schedules/timezone'],
    [
      'a topic of an unknown partition',
      `${minimal}alerts: { topicArn: 'arn:aws-mars:sns:eu-west-1:123456789012:ops' }\n`,
      '/alerts/topicArn',
    ],
    [
      'a FIFO topic',
      `${minimal}alerts: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops.fifo' }\n`,
      '/alerts/topicArn',
    ],
    ['a KMS key that is none', minimal.replace('alias/restorable', 'my key'), '/copyRegions/0/kmsKeyId'],
    ['a selection of nothing', minimal.replace('tags: { backup: daily }', 'ids: []'), '/selection'],
    [
      'an assertion that expects nothing',
      `${minimal}drills: { databases: { orders: { assertions: [{ name: a, sql: select 1, expect: {} }] } } }\n`,
      '/drills/databases/orders/assertions/0/expect',
    ],
    [
      'a drill settings key that is no database id',
      `${minimal}drills: { databases: { 1orders: {} } }\n`,
      '/drills/databases',
    ],
    ['a retention of zero days', `${minimal}retention: { days: 0 }\n`, '/retention/days'],
    ['an email that is none', `${minimal}alerts: { email: ops }\n`, '/alerts/email'],
  ])('refuses %s, as the loader does', (_case, text, path) => {
    expect(() => parseConfig(text)).toThrow();
    expect(editorCheck(parse(text)).join('\n')).toContain(path);
  });

  // What JSON Schema cannot say: rules between fields, and the time zone
  // database. The README's configuration section lists the same.
  it.each([
    ['a copy region equal to the source region', minimal.replace('eu-central-1', 'eu-west-1')],
    [
      'a copy region listed twice',
      minimal.replace(
        '    kmsKeyId: alias/restorable\n',
        '    kmsKeyId: alias/restorable\n  - region: eu-central-1\n    kmsKeyId: alias/restorable\n',
      ),
    ],
    ['regions of two partitions', minimal.replace('region: eu-central-1', 'region: cn-north-1')],
    [
      'a KMS key ARN of another region than its copy region',
      minimal.replace('alias/restorable', 'arn:aws:kms:us-east-1:123456789012:alias/restorable'),
    ],
    [
      'an alert topic outside the stack region',
      `${minimal}alerts: { topicArn: 'arn:aws:sns:us-east-1:123456789012:ops' }\n`,
    ],
    ['a time zone the time zone database does not know', `${minimal}schedules: { timezone: Mars/Olympus }\n`],
    [
      'an address to subscribe with an existing topic',
      `${minimal}alerts: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops', email: ops@example.com }\n`,
    ],
    [
      'drill settings of a database that the selection by ids does not name',
      `${minimal.replace('tags: { backup: daily }', 'ids: [orders]')}drills: { databases: { ordres: {} } }\n`,
    ],
    ['a drill region that holds no snapshot', `${minimal}drills: { region: us-east-1 }\n`],
    [
      'a drill schedule further apart than the drill interval',
      `${minimal}schedules: { drill: 'cron(0 6 ? * MON *)' }\ndrills: { intervalDays: 1 }\n`,
    ],
    [
      'a mass-deletion share that refuses every normal prune',
      `${minimal}retention: { days: 3, maxDeletionShare: 0.25 }\n`,
    ],
  ])('takes %s, which only the loader refuses', (_case, text) => {
    expect(() => parseConfig(text)).toThrow();
    expect(editorCheck(parse(text))).toEqual([]);
  });
});
