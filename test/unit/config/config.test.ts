import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG_PATH, loadConfig, parseConfig } from '../../../src/config/load.ts';
import { ConfigError } from '../../../src/domain/errors.ts';

const minimal = `
sourceRegion: eu-west-1
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/restorable
selection:
  tags: { backup: daily }
`;

function expectConfigError(text: string, ...fragments: string[]) {
  try {
    parseConfig(text, 'restorable.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
    return;
  }
  expect.fail('the configuration was accepted');
}

describe('configuration', () => {
  it('fills in the documented defaults', () => {
    const config = parseConfig(minimal);
    expect(config.retention).toEqual({ days: 7, maxDeletionsPerRun: 'auto', maxDeletionShare: 'auto' });
    expect(config.schedules.timezone).toBe('UTC');
    expect(config.selection.kinds).toEqual(['instance', 'cluster']);
    expect(config.target).toBe('local');
    expect(config.local.stateDir).toBe('.restorable');
  });

  it('refuses a mass-deletion share that every normal prune would pass, and takes one above it', () => {
    expectConfigError(
      `${minimal}retention: { days: 3, maxDeletionShare: 0.25 }\n`,
      'retention.maxDeletionShare',
      'would refuse every normal prune',
      '0.250',
    );
    expect(
      parseConfig(`${minimal}retention: { days: 3, maxDeletionShare: 0.3 }\n`).retention.maxDeletionShare,
    ).toBe(0.3);
  });

  it('uses the built-in demo config when no file is given and none is in the working directory', () => {
    const loaded = loadConfig(undefined, mkdtempSync(join(tmpdir(), 'restorable-config-')));
    expect(loaded.isDemo).toBe(true);
    expect(loaded.path).toBe(DEMO_CONFIG_PATH);
    expect(loaded.config.copyRegions.length).toBeGreaterThan(0);
  });

  it('prefers restorable.yml in the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'restorable-config-'));
    writeFileSync(join(dir, 'restorable.yml'), minimal.replace('eu-central-1', 'us-east-1'));
    const loaded = loadConfig(undefined, dir);
    expect(loaded.isDemo).toBe(false);
    expect(loaded.config.copyRegions[0]?.region).toBe('us-east-1');
  });

  it.each([
    [
      'a region that is not a region',
      minimal.replace('eu-west-1', 'moon'),
      'sourceRegion: must be an AWS region',
    ],
    [
      'a copy region equal to the source',
      minimal.replace('eu-central-1', 'eu-west-1'),
      'copyRegions.0.region: must differ from sourceRegion',
    ],
    [
      'no selection at all',
      minimal.replace('tags: { backup: daily }', 'ids: []'),
      'selection: must name at least one',
    ],
    ['a retention of zero days', `${minimal}retention: { days: 0 }\n`, 'retention.days'],
    ['an unknown field', `${minimal}retension: { days: 7 }\n`, 'retension'],
    [
      'a bad schedule',
      `${minimal}schedules: { backup: 'every day' }\n`,
      'schedules.backup: must be an EventBridge',
    ],
    ['invalid YAML', 'sourceRegion: [', 'not valid YAML'],
  ])('rejects %s, naming the field', (_case, text, message) => {
    expectConfigError(text, 'restorable.yml', message);
  });

  const centralNetwork = `
sandbox:
  regions:
    eu-central-1:
      subnetGroup: restorable-sandbox-central
      securityGroupIds: [sg-0c0c0c0c0c0c0c0c0]
      verifierSubnetIds: [subnet-0c0c0c0c0c0c0c0c0]
      verifierSecurityGroupIds: [sg-0d0d0d0d0d0d0d0d0]
`;

  it('reads the network of each drill region, and where scheduled drills restore', () => {
    const config = parseConfig(`${minimal}${centralNetwork}drills: { region: eu-central-1 }\n`);
    expect(config.drills.region).toBe('eu-central-1');
    expect(config.sandbox.regions['eu-central-1']).toEqual({
      subnetGroup: 'restorable-sandbox-central',
      securityGroupIds: ['sg-0c0c0c0c0c0c0c0c0'],
      verifierSubnetIds: ['subnet-0c0c0c0c0c0c0c0c0'],
      verifierSecurityGroupIds: ['sg-0d0d0d0d0d0d0d0d0'],
    });
  });

  it('leaves drills.region unset by default: scheduled drills restore in the first copy region', () => {
    expect(parseConfig(minimal).drills.region).toBeUndefined();
  });

  it.each([
    [
      'a drill region that holds no snapshot',
      `${minimal}drills: { region: us-east-1 }\n`,
      'drills.region: us-east-1 holds no snapshot to drill: use the source region or a copy region (eu-west-1, eu-central-1)',
    ],
    [
      'the network of a region drills never restore in',
      centralNetwork.replace('eu-central-1:', 'us-east-1:') + minimal,
      'sandbox.regions.us-east-1: drills never restore in us-east-1',
    ],
    [
      "a region's network without its verifier subnets",
      minimal + centralNetwork.replace('      verifierSubnetIds: [subnet-0c0c0c0c0c0c0c0c0]\n', ''),
      'sandbox.regions.eu-central-1.verifierSubnetIds',
    ],
    [
      "a region's network without security groups",
      minimal + centralNetwork.replace('[sg-0c0c0c0c0c0c0c0c0]', '[]'),
      'sandbox.regions.eu-central-1.securityGroupIds',
    ],
    [
      "a region's network with a subnet group name where a subnet id belongs",
      minimal + centralNetwork.replace('[subnet-0c0c0c0c0c0c0c0c0]', '[restorable-sandbox]'),
      'sandbox.regions.eu-central-1.verifierSubnetIds.0: must be a subnet id',
    ],
  ])('rejects %s, naming the region and the field', (_case, text, message) => {
    expectConfigError(text, 'restorable.yml', message);
  });

  describe('schedules', () => {
    it.each([
      ['fields that are no cron fields', 'cron(a b c d e f)', 'schedules.backup', 'field 1 (minutes): a'],
      ['a minute past 59', 'cron(60 2 * * ? *)', 'field 1 (minutes): 60'],
      ['a month name that is none', 'cron(0 2 ? JANUARY MON *)', 'field 4 (month): JANUARY'],
      ['a step in the day of week', 'cron(0 2 ? * 1/2 *)', 'field 5 (day-of-week): 1/2'],
      ['a year before 1970', 'cron(0 2 * * ? 1969)', 'field 6 (year): 1969'],
      ['both day fields set', 'cron(0 2 1 * MON *)', 'one of day-of-month and day-of-week must be ?'],
      ['neither day field set', 'cron(0 2 * * * *)', 'one of day-of-month and day-of-week must be ?'],
      ['both day fields ?', 'cron(0 2 ? * ? *)', 'one of day-of-month and day-of-week must be ?'],
      ['five fields', 'cron(0 2 * * ?)', 'six fields'],
      ['a rate of zero', 'rate(0 hours)', 'a rate of at least 1'],
      ['a rate in weeks', 'rate(1 week)', 'rate('],
    ])('refuses %s, naming the field', (_case, expression, ...fragments) => {
      expectConfigError(
        `${minimal}schedules: { backup: '${expression}' }\n`,
        'schedules.backup',
        ...fragments,
      );
    });

    it.each([
      'cron(0 2 * * ? *)',
      'cron(15,45 */2 ? * MON-FRI 2026-2030)',
      'cron(0 7 L * ? *)',
      'cron(0 7 LW * ? *)',
      'cron(0 7 15W * ? *)',
      'cron(0 7 ? * 6L *)',
      'cron(0 7 ? * L *)',
      'cron(0 7 ? * FRI#3 *)',
      'cron(0 7 ? jan,jul mon *)',
      'cron(0/30 1-5 1/2 JAN-MAR ? */2)',
      'rate(1 minute)',
      'rate(15 minutes)',
      'rate(1 day)',
    ])('takes %s', (expression) => {
      expect(parseConfig(`${minimal}schedules: { report: '${expression}' }\n`).schedules.report).toBe(
        expression,
      );
    });

    it.each([
      ['Mars/Olympus', 'not an IANA time zone'],
      ['+01:00', 'not an IANA time zone'],
      ['europe/paris', 'Europe/Paris'],
    ])('refuses the time zone %s', (timezone, message) => {
      expectConfigError(`${minimal}schedules: { timezone: '${timezone}' }\n`, 'schedules.timezone', message);
    });

    it.each(['Europe/Paris', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'US/Pacific'])(
      'takes the time zone %s',
      (timezone) => {
        expect(parseConfig(`${minimal}schedules: { timezone: '${timezone}' }\n`).schedules.timezone).toBe(
          timezone,
        );
      },
    );
  });

  describe('ARNs and regions of every partition', () => {
    const inRegions = (source: string, copy: string, extra = '') =>
      `sourceRegion: ${source}\ncopyRegions:\n  - { region: ${copy}, kmsKeyId: alias/restorable }\nselection: { tags: { backup: daily } }\n${extra}`;

    it.each([
      ['aws', 'eu-west-1', 'eu-central-1'],
      ['aws-cn', 'cn-north-1', 'cn-northwest-1'],
      ['aws-us-gov', 'us-gov-west-1', 'us-gov-east-1'],
      ['aws-iso', 'us-iso-east-1', 'us-iso-west-1'],
      ['aws-iso-b', 'us-isob-east-1', 'us-isob-west-1'],
      ['aws-iso-e', 'eu-isoe-west-1', 'eu-isoe-north-1'],
      ['aws-iso-f', 'us-isof-south-1', 'us-isof-east-1'],
      ['aws-eusc', 'eusc-de-east-1', 'eusc-de-west-1'],
    ])('takes an alert topic, KMS keys and regions of %s', (partition, source, copy) => {
      const text = inRegions(
        source,
        copy,
        `alerts: { topicArn: 'arn:${partition}:sns:${source}:123456789012:ops-alerts' }\n`,
      ).replace(
        'alias/restorable',
        `arn:${partition}:kms:${copy}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      );
      const config = parseConfig(text);
      expect(config.alerts.topicArn).toBe(`arn:${partition}:sns:${source}:123456789012:ops-alerts`);
      expect(config.copyRegions[0]?.region).toBe(copy);
    });

    it.each([
      [
        'a topic of another partition than its region',
        `${minimal}alerts: { topicArn: 'arn:aws-cn:sns:eu-west-1:123456789012:ops' }\n`,
        'alerts.topicArn',
        'eu-west-1 is in partition aws',
      ],
      [
        'a partition that does not exist',
        `${minimal}alerts: { topicArn: 'arn:aws-mars:sns:eu-west-1:123456789012:ops' }\n`,
        'alerts.topicArn',
        'must be the ARN of an SNS topic',
      ],
      [
        'a topic of another service',
        `${minimal}alerts: { topicArn: 'arn:aws:sqs:eu-west-1:123456789012:ops' }\n`,
        'alerts.topicArn',
        'must be the ARN of an SNS topic',
      ],
      [
        'a KMS key ARN of another region than its copy region',
        minimal.replace('alias/restorable', 'arn:aws:kms:us-east-1:123456789012:alias/restorable'),
        'copyRegions.0.kmsKeyId',
        'is in us-east-1, not in its copy region eu-central-1',
      ],
      [
        'a KMS key that is no key id, alias or ARN',
        minimal.replace('alias/restorable', 'restorable key'),
        'copyRegions.0.kmsKeyId',
        'must be a KMS key id, alias/<name>, or the ARN of either',
      ],
      [
        'a FIFO topic',
        `${minimal}alerts: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops.fifo' }\n`,
        'alerts.topicArn',
        'is a FIFO topic',
      ],
      [
        'an address to subscribe with an existing topic, which the stack does not create',
        `${minimal}alerts: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops', email: ops@example.com }\n`,
        'alerts.email',
        'with alerts.topicArn it creates none',
      ],
      [
        'a copy region of another partition',
        minimal.replace('region: eu-central-1', 'region: cn-north-1'),
        'copyRegions.0.region',
        'cn-north-1 is in partition aws-cn, and sourceRegion eu-west-1 in aws',
      ],
    ])('refuses %s', (_case, text, ...fragments) => {
      expectConfigError(text, 'restorable.yml', ...fragments);
    });
  });

  describe('drill settings by database id', () => {
    const byIds = minimal.replace('tags: { backup: daily }', 'ids: [orders, billing]');

    it('refuses a key that selection.ids does not protect when the selection is by ids alone, naming the nearest id', () => {
      expectConfigError(
        `${byIds}drills: { databases: { ordres: { rtoTargetMinutes: 10 } } }\n`,
        'drills.databases.ordres: names no protected database: the selection protects orders, billing by id (nearest: orders)',
      );
    });

    it('takes the keys of the databases selection.ids protects', () => {
      expect(
        Object.keys(parseConfig(`${byIds}drills: { databases: { billing: {} } }\n`).drills.databases),
      ).toEqual(['billing']);
    });

    it('leaves a key to the drill planner when tags select databases too: which exist is known only then', () => {
      expect(
        Object.keys(parseConfig(`${minimal}drills: { databases: { ordres: {} } }\n`).drills.databases),
      ).toEqual(['ordres']);
    });
  });

  describe('a vault account', () => {
    const key = (region: string, account = '111122223333') =>
      `arn:aws:kms:${region}:${account}:key/0f0e0d0c-0b0a-4900-8800-770066005500`;
    const vault = (regions: string) =>
      `${minimal}vault:\n  accountId: "111122223333"\n  regions:\n${regions}`;
    const vaultRegion = (region: string, kmsKeyArn = key(region)) =>
      `    - region: ${region}\n      kmsKeyArn: ${kmsKeyArn}\n`;

    it('is optional', () => {
      expect(parseConfig(minimal).vault).toBeUndefined();
    });

    it('reads the account, its regions with their keys, and the role the source account assumes', () => {
      const config = parseConfig(vault(vaultRegion('eu-central-1') + vaultRegion('eu-north-1')));
      expect(config.vault).toEqual({
        accountId: '111122223333',
        regions: [
          { region: 'eu-central-1', kmsKeyArn: key('eu-central-1') },
          { region: 'eu-north-1', kmsKeyArn: key('eu-north-1') },
        ],
        roleName: 'restorable-vault-writer',
        drillRoleName: 'restorable-vault-drills',
      });
    });

    it("reads the source account's id, which the vault stack's role trusts", () => {
      const config = parseConfig(`${vault(vaultRegion('eu-central-1'))}  sourceAccountId: "444455556666"\n`);
      expect(config.vault?.sourceAccountId).toBe('444455556666');
    });

    it.each([
      [
        'a source account id that is no 12 digits',
        `${vault(vaultRegion('eu-central-1'))}  sourceAccountId: "4444"\n`,
        'vault.sourceAccountId',
        '12-digit',
      ],
      [
        'the vault account as its own source, which could then delete what it keeps',
        `${vault(vaultRegion('eu-central-1'))}  sourceAccountId: "111122223333"\n`,
        'vault.sourceAccountId',
        'the vault account itself',
      ],
      [
        'an account id that is no 12 digits',
        `${minimal}vault: { accountId: "1111", regions: [{ region: eu-central-1, kmsKeyArn: "${key('eu-central-1')}" }] }\n`,
        'vault.accountId',
        '12-digit',
      ],
      [
        'an unquoted account id YAML reads as a number',
        `${minimal}vault: { accountId: 111122223333, regions: [{ region: eu-central-1, kmsKeyArn: "${key('eu-central-1')}" }] }\n`,
        'vault.accountId',
      ],
      [
        "a key named by alias, which would be looked up in the caller's account",
        vault(vaultRegion('eu-central-1', 'alias/vault')),
        'vault.regions.0.kmsKeyArn',
        'ARN',
      ],
      [
        'a key of another region',
        vault(vaultRegion('eu-central-1', key('eu-west-1'))),
        'vault.regions.0.kmsKeyArn',
        'is in eu-west-1',
      ],
      [
        'a key of another account (the source account would hold it)',
        vault(vaultRegion('eu-central-1', key('eu-central-1', '999988887777'))),
        'vault.regions.0.kmsKeyArn',
        'not of the vault account 111122223333',
      ],
      [
        'a region listed twice',
        vault(vaultRegion('eu-central-1') + vaultRegion('eu-central-1')),
        'vault.regions.1.region',
        'listed twice',
      ],
      [
        'a region of another partition',
        vault(vaultRegion('cn-north-1', key('cn-north-1').replace('arn:aws:', 'arn:aws-cn:'))),
        'vault.regions.0.region',
        'partition aws-cn',
      ],
      ['no region at all', `${minimal}vault: { accountId: "111122223333", regions: [] }\n`, 'vault.regions'],
      [
        'drills from a vault that is not configured',
        `${minimal}drills: { fromVault: true }\n`,
        'drills.fromVault',
        'no vault is configured',
      ],
      [
        'a stack outside the source region, which keeps the key of the shared copies',
        `${vault(vaultRegion('eu-central-1'))}aws: { region: eu-central-1 }\n`,
        'aws.region',
        'runs in the source region',
      ],
    ])('refuses %s, naming the setting', (_, text, ...fragments) => {
      expectConfigError(text, ...fragments);
    });
  });

  it('names a missing file', () => {
    expect(() => loadConfig('/nonexistent/restorable.yml')).toThrow(
      /cannot read configuration file \/nonexistent/,
    );
  });
});
