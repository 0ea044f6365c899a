import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import {
  chooseVerifier,
  missingNetworkMessage,
  regionalVerifierRegions,
  sandboxNetworks,
  scheduledDrillRegion,
} from '../../../src/domain/sandbox-network.ts';

// A stack in eu-west-1 (the source region) copying to eu-central-1 and
// us-east-1; only eu-central-1 has a network of its own.
const base = `
sourceRegion: eu-west-1
copyRegions:
  - { region: eu-central-1, kmsKeyId: alias/restorable }
  - { region: us-east-1, kmsKeyId: alias/restorable }
selection: { tags: { backup: daily } }
sandbox:
  subnetGroup: restorable-sandbox-west
  securityGroupIds: [sg-0a0a0a0a0a0a0a0a0]
  regions:
    eu-central-1:
      subnetGroup: restorable-sandbox-central
      securityGroupIds: [sg-0c0c0c0c0c0c0c0c0]
      verifierSubnetIds: [subnet-0c0c0c0c0c0c0c0c0]
      verifierSecurityGroupIds: [sg-0d0d0d0d0d0d0d0d0]
`;

describe('the sandbox network of each region', () => {
  it("gives the stack region the top-level settings, and another region only its own, never the stack region's", () => {
    const networks = sandboxNetworks(parseConfig(base));
    expect(networks.get('eu-west-1')).toEqual({
      subnetGroup: 'restorable-sandbox-west',
      securityGroupIds: ['sg-0a0a0a0a0a0a0a0a0'],
    });
    expect(networks.get('eu-central-1')).toEqual({
      subnetGroup: 'restorable-sandbox-central',
      securityGroupIds: ['sg-0c0c0c0c0c0c0c0c0'],
    });
    expect(networks.has('us-east-1')).toBe(false);
  });

  it('takes the top-level settings as those of aws.region when the stack is not in the source region', () => {
    const networks = sandboxNetworks(parseConfig(`${base}aws: { region: us-east-1 }\n`));
    expect(networks.get('us-east-1')?.subnetGroup).toBe('restorable-sandbox-west');
    expect(networks.has('eu-west-1')).toBe(false);
  });

  it('lets sandbox.regions name the stack region, whose entry then replaces the top-level settings', () => {
    const config = parseConfig(`${base}aws: { region: eu-central-1 }\n`);
    expect(sandboxNetworks(config).get('eu-central-1')?.subnetGroup).toBe('restorable-sandbox-central');
    expect(regionalVerifierRegions(config)).toEqual([]);
  });

  it('names the region and the fields to set when a region has none', () => {
    const message = missingNetworkMessage('us-east-1');
    expect(message).toContain('sandbox.regions.us-east-1.subnetGroup');
    expect(message).toContain('sandbox.regions.us-east-1.securityGroupIds');
  });
});

describe('where drills restore and who verifies', () => {
  it('restores scheduled drills in drills.region, else in the first copy region', () => {
    expect(scheduledDrillRegion(parseConfig(base))).toBe('eu-central-1');
    expect(scheduledDrillRegion(parseConfig(`${base}drills: { region: us-east-1 }\n`))).toBe('us-east-1');
    expect(scheduledDrillRegion(parseConfig(`${base}drills: { region: eu-west-1 }\n`))).toBe('eu-west-1');
  });

  it.each([
    ['eu-central-1', 'drill-region'],
    ['eu-west-1', 'stack-region'],
    ['us-east-1', 'stack-region'],
  ] as const)('verifies a sandbox of %s with the %s verifier', (region, verifier) => {
    expect(chooseVerifier(parseConfig(base), region)).toBe(verifier);
  });

  it('deploys a regional verifier in each region of sandbox.regions but the stack region', () => {
    expect(regionalVerifierRegions(parseConfig(base))).toEqual(['eu-central-1']);
  });
});
