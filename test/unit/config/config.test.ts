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

  it('names a missing file', () => {
    expect(() => loadConfig('/nonexistent/restorable.yml')).toThrow(
      /cannot read configuration file \/nonexistent/,
    );
  });
});
