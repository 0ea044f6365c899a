import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { deploymentOf, ownsSnapshot, withDiscriminator } from '../../../src/domain/deployment.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, SOURCE_REGION_TAG } from '../../../src/domain/tags.ts';
import { DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT } from '../../support/deployments.ts';

const config = (aws: string) =>
  parseConfig(`
sourceRegion: eu-west-1
copyRegions: [{ region: eu-central-1, kmsKeyId: alias/k }]
selection: { ids: [orders] }
${aws}`);

describe('the deployment of a configuration', () => {
  it('is the default one, named as every earlier version named things, when neither stage nor region is set', () => {
    expect(deploymentOf(config(''))).toEqual({
      stage: 'prod',
      region: 'eu-west-1',
      id: 'prod-eu-west-1',
      isDefault: true,
      discriminator: undefined,
    });
    expect(deploymentOf(config('aws: { stage: prod, region: eu-west-1 }')).isDefault).toBe(true);
  });

  it.each([
    ['another stage', 'aws: { stage: staging }', 'staging-eu-west-1'],
    ['a stack in another region', 'aws: { region: us-east-1 }', 'prod-us-east-1'],
  ])('is another one for %s, with a discriminator of its own', (_, aws, id) => {
    const deployment = deploymentOf(config(aws));
    expect(deployment.id).toBe(id);
    expect(deployment.isDefault).toBe(false);
    expect(deployment.discriminator).toMatch(/^[0-9a-f]{6}$/);
  });

  it('gives distinct, stable discriminators to distinct deployments', () => {
    const staging = deploymentOf(config('aws: { stage: staging }'));
    const elsewhere = deploymentOf(config('aws: { region: us-east-1 }'));
    expect(staging.discriminator).not.toBe(elsewhere.discriminator);
    expect(deploymentOf(config('aws: { stage: staging }')).discriminator).toBe(staging.discriminator);
  });

  it('appends the discriminator to names, except the default deployment’s', () => {
    expect(withDiscriminator('restorable-orders-2026-11-22', DEFAULT_DEPLOYMENT)).toBe(
      'restorable-orders-2026-11-22',
    );
    expect(withDiscriminator('restorable-orders-2026-11-22', STAGING_DEPLOYMENT)).toBe(
      `restorable-orders-2026-11-22-${STAGING_DEPLOYMENT.discriminator}`,
    );
  });
});

describe('whose a snapshot is', () => {
  const defaultOfUsEast = deploymentOf({ sourceRegion: 'us-east-1', aws: { stage: 'prod' } });
  const managed = { [MANAGED_TAG]: 'true' };

  it.each([
    [
      'made by the deployment',
      'eu-west-1',
      { ...managed, [DEPLOYMENT_TAG]: 'staging-eu-west-1' },
      [false, true, false],
    ],
    ['made by another', 'eu-west-1', { ...managed, [DEPLOYMENT_TAG]: 'qa-eu-west-1' }, [false, false, false]],
    [
      'not made by restorable, whatever its tags',
      'eu-west-1',
      { [DEPLOYMENT_TAG]: 'prod-eu-west-1' },
      [false, false, false],
    ],
    ['an original made by an earlier version', 'eu-west-1', managed, [true, false, false]],
    [
      'a copy an earlier version made from eu-west-1',
      'eu-central-1',
      { ...managed, [SOURCE_REGION_TAG]: 'eu-west-1' },
      [true, false, false],
    ],
    [
      'a copy an earlier version made from us-east-1',
      'eu-west-1',
      { ...managed, [SOURCE_REGION_TAG]: 'us-east-1' },
      [false, false, true],
    ],
  ])('%s belongs to [default of eu-west-1, staging, default of us-east-1]: %j', (_, region, tags, owners) => {
    const snapshot = { region, tags };
    expect(
      [DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT, defaultOfUsEast].map((d) => ownsSnapshot(d, snapshot)),
    ).toEqual(owners);
  });
});
