import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/domain/errors.ts';
import {
  isSandbox,
  isSandboxExpired,
  ownsSandbox,
  SANDBOX_DRILL_TAG,
  SANDBOX_EXPIRES_TAG,
  SANDBOX_FALLBACK_TTL_MS,
  SANDBOX_ID_MAX_LENGTH,
  SANDBOX_MAX_AGE_MS,
  SANDBOX_TAG,
  sandboxId,
  sandboxInstanceId,
  sandboxTags,
} from '../../../src/domain/sandbox.ts';
import { DATABASE_TAG, DEPLOYMENT_TAG } from '../../../src/domain/tags.ts';
import { DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT } from '../../support/deployments.ts';

const STARTED = new Date('2025-03-01T02:05:59.999Z');
const NOW = new Date('2025-03-01T12:00:00Z');
const minutes = (count: number) => count * 60_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const ahead = (ms: number) => new Date(NOW.getTime() + ms);

/** The RDS rules for a DB instance or cluster identifier. */
function isValidRdsIdentifier(id: string): boolean {
  return /^[a-z][a-z0-9-]*$/.test(id) && id.length <= 63 && !id.includes('--') && !id.endsWith('-');
}

describe('sandboxTags', () => {
  it('marks the sandbox, its expiry, its drill and its database', () => {
    // Prepare
    const input = {
      drillId: 'drill-42',
      databaseId: 'orders',
      expiresAt: new Date('2025-03-01T05:00:00Z'),
      deployment: STAGING_DEPLOYMENT,
    };

    // Act
    const tags = sandboxTags(input);

    // Assess
    expect(tags).toEqual({
      'restorable:sandbox': 'true',
      'restorable:expires-at': '2025-03-01T05:00:00.000Z',
      'restorable:drill': 'drill-42',
      [DATABASE_TAG]: 'orders',
      'restorable:deployment': 'staging-eu-west-1',
    });
    expect(isSandbox(tags)).toBe(true);
  });

  it('refuses an invalid expiry rather than tagging a sandbox that would never expire on its tag', () => {
    // Prepare
    const input = {
      drillId: 'd',
      databaseId: 'orders',
      expiresAt: new Date('not a date'),
      deployment: DEFAULT_DEPLOYMENT,
    };

    // Act
    const tagging = () => sandboxTags(input);

    // Assess
    expect(tagging).toThrow(InvalidInputError);
  });
});

describe('ownsSandbox', () => {
  it.each([
    ['its own', { [SANDBOX_TAG]: 'true', [DEPLOYMENT_TAG]: 'staging-eu-west-1' }, STAGING_DEPLOYMENT, true],
    [
      "another deployment's",
      { [SANDBOX_TAG]: 'true', [DEPLOYMENT_TAG]: 'prod-eu-west-1' },
      STAGING_DEPLOYMENT,
      false,
    ],
    ["an earlier version's, for the default deployment", { [SANDBOX_TAG]: 'true' }, DEFAULT_DEPLOYMENT, true],
    ["an earlier version's, for another deployment", { [SANDBOX_TAG]: 'true' }, STAGING_DEPLOYMENT, false],
    [
      'a database tagged with the deployment but not a sandbox',
      { [DEPLOYMENT_TAG]: 'prod-eu-west-1' },
      DEFAULT_DEPLOYMENT,
      false,
    ],
  ])('%s: %j → %s', (_, tags, deployment, expected) => {
    // Act
    const owned = ownsSandbox(deployment, tags);

    // Assess
    expect(owned).toBe(expected);
  });
});

describe('isSandbox', () => {
  it.each([
    [{ [SANDBOX_TAG]: 'true' }, true],
    [{ [SANDBOX_TAG]: 'TRUE' }, false],
    [{ [SANDBOX_TAG]: 'false' }, false],
    [{ [SANDBOX_TAG]: '' }, false],
    [{ 'restorable:managed': 'true' }, false],
    [{}, false],
  ])('%j → %s', (tags, expected) => {
    // Act
    const result = isSandbox(tags);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('sandboxId', () => {
  it('names the sandbox after the database and the drill start, to the second, in UTC', () => {
    // Act
    const id = sandboxId('orders', STARTED, DEFAULT_DEPLOYMENT);

    // Assess
    expect(id).toBe('rsbx-orders-20250301020559');
  });

  it.each([
    ['orders', 'rsbx-orders-20250301020559'],
    ['Orders-DB', 'rsbx-orders-db-20250301020559'],
    ['orders_db.v2', 'rsbx-orders-db-v2-20250301020559'],
    ['orders--db', 'rsbx-orders-db-20250301020559'],
    ['-orders-', 'rsbx-orders-20250301020559'],
    ['1orders', 'rsbx-1orders-20250301020559'],
    ['___', 'rsbx-db-20250301020559'],
    ['', 'rsbx-db-20250301020559'],
    ['ördérs', 'rsbx-rd-rs-20250301020559'],
  ])('%j → %s, a valid RDS identifier', (databaseId, expected) => {
    // Act
    const id = sandboxId(databaseId, STARTED, DEFAULT_DEPLOYMENT);

    // Assess
    expect(id).toBe(expected);
    expect(isValidRdsIdentifier(id)).toBe(true);
  });

  it.each([
    ['exactly fits', 'a'.repeat(41)],
    ['one too long', 'a'.repeat(42)],
    ['RDS maximum', 'b'.repeat(63)],
    ['hyphen at the cut', `${'c'.repeat(31)}-${'d'.repeat(29)}`],
    ['hyphens around the cut', `${'e'.repeat(30)}---${'f'.repeat(28)}`],
  ])(
    'keeps a long database identifier (%s) within the limit, room left for the Aurora instance suffix',
    (_, databaseId) => {
      // Act
      const id = sandboxId(databaseId, STARTED, DEFAULT_DEPLOYMENT);

      // Assess
      expect(id.length).toBeLessThanOrEqual(SANDBOX_ID_MAX_LENGTH);
      expect(SANDBOX_ID_MAX_LENGTH).toBe(61);
      expect(isValidRdsIdentifier(id)).toBe(true);
      expect(isValidRdsIdentifier(sandboxInstanceId(id))).toBe(true);
      expect(id.startsWith('rsbx-')).toBe(true);
      expect(id.endsWith('-20250301020559')).toBe(true);
    },
  );

  it('keeps the whole database identifier when it fits exactly', () => {
    // Act
    const id = sandboxId('a'.repeat(41), STARTED, DEFAULT_DEPLOYMENT);

    // Assess
    expect(id).toBe(`rsbx-${'a'.repeat(41)}-20250301020559`);
    expect(id.length).toBe(61);
  });

  it('tells apart two long database identifiers that share their first characters', () => {
    // Prepare
    const prefix = 'analytics-warehouse-replica-eu-west-1-prod';

    // Act
    const first = sandboxId(`${prefix}-a`, STARTED, DEFAULT_DEPLOYMENT);
    const second = sandboxId(`${prefix}-b`, STARTED, DEFAULT_DEPLOYMENT);

    // Assess
    expect(first).not.toBe(second);
    expect(first.slice(0, 39)).toBe(second.slice(0, 39));
  });

  it('is stable: the same database and start give the same identifier', () => {
    // Act
    const ids = [
      sandboxId('x'.repeat(60), STARTED, DEFAULT_DEPLOYMENT),
      sandboxId('x'.repeat(60), new Date(STARTED), DEFAULT_DEPLOYMENT),
    ];

    // Assess
    expect(ids[0]).toBe(ids[1]);
  });

  it('gives different identifiers to drills of one database started in different minutes', () => {
    // Act
    const first = sandboxId('orders', new Date('2025-03-01T02:05:00Z'), DEFAULT_DEPLOYMENT);
    const second = sandboxId('orders', new Date('2025-03-01T02:06:00Z'), DEFAULT_DEPLOYMENT);

    // Assess
    expect(first).not.toBe(second);
  });

  it("ends another deployment's sandbox with its discriminator, so two deployments never want the same one", () => {
    // Act
    const ours = sandboxId('orders', STARTED, STAGING_DEPLOYMENT);
    const theirs = sandboxId('orders', STARTED, DEFAULT_DEPLOYMENT);

    // Assess
    expect(ours).toBe(`rsbx-orders-20250301020559-${STAGING_DEPLOYMENT.discriminator}`);
    expect(ours).not.toBe(theirs);
    expect(isValidRdsIdentifier(ours)).toBe(true);
  });

  it.each([
    ['exactly fits', 'a'.repeat(34)],
    ['one too long', 'a'.repeat(35)],
    ['RDS maximum', 'b'.repeat(63)],
  ])(
    "keeps another deployment's sandbox of a long database identifier (%s) within the limit",
    (_, databaseId) => {
      // Act
      const id = sandboxId(databaseId, STARTED, STAGING_DEPLOYMENT);

      // Assess
      expect(id.length).toBeLessThanOrEqual(SANDBOX_ID_MAX_LENGTH);
      expect(isValidRdsIdentifier(sandboxInstanceId(id))).toBe(true);
      expect(id.endsWith(`-20250301020559-${STAGING_DEPLOYMENT.discriminator}`)).toBe(true);
    },
  );

  it('refuses an invalid drill start', () => {
    // Act
    const naming = () => sandboxId('orders', new Date(Number.NaN), DEFAULT_DEPLOYMENT);

    // Assess
    expect(naming).toThrow(InvalidInputError);
  });

  it('names the instance of an Aurora sandbox after the cluster', () => {
    // Act
    const id = sandboxInstanceId('rsbx-billing-20250301020559');

    // Assess
    expect(id).toBe('rsbx-billing-20250301020559-1');
  });
});

describe('isSandboxExpired', () => {
  const sandboxTag = { [SANDBOX_TAG]: 'true' };

  it.each([
    ['expiry in the future', { [SANDBOX_EXPIRES_TAG]: ahead(1).toISOString() }, ago(minutes(10)), false],
    ['expiry exactly now', { [SANDBOX_EXPIRES_TAG]: NOW.toISOString() }, ago(minutes(10)), true],
    ['expiry passed', { [SANDBOX_EXPIRES_TAG]: ago(1).toISOString() }, ago(minutes(10)), true],
    ['expiry without milliseconds', { [SANDBOX_EXPIRES_TAG]: '2025-03-01T12:00:01Z' }, ago(0), false],
    [
      'expiry passed, even though the fallback TTL has not',
      { [SANDBOX_EXPIRES_TAG]: ago(1).toISOString() },
      ago(minutes(1)),
      true,
    ],
    [
      'expiry ahead, even though the fallback TTL passed',
      { [SANDBOX_EXPIRES_TAG]: ahead(minutes(60)).toISOString() },
      ago(SANDBOX_FALLBACK_TTL_MS * 2),
      false,
    ],
    ['no expiry, younger than the fallback TTL', {}, ago(SANDBOX_FALLBACK_TTL_MS - 1), false],
    ['no expiry, exactly the fallback TTL old', {}, ago(SANDBOX_FALLBACK_TTL_MS), true],
    ['no expiry, older than the fallback TTL', {}, ago(SANDBOX_FALLBACK_TTL_MS + 1), true],
    ['no expiry and no creation time', {}, undefined, true],
    ['no expiry and an invalid creation time', {}, new Date(Number.NaN), true],
    ['garbage expiry, young', { [SANDBOX_EXPIRES_TAG]: 'tomorrow' }, ago(minutes(1)), false],
    ['garbage expiry, old', { [SANDBOX_EXPIRES_TAG]: 'tomorrow' }, ago(SANDBOX_FALLBACK_TTL_MS), true],
    ['empty expiry, old', { [SANDBOX_EXPIRES_TAG]: '' }, ago(SANDBOX_FALLBACK_TTL_MS), true],
    [
      'date-only expiry is not trusted',
      { [SANDBOX_EXPIRES_TAG]: '2099-01-01' },
      ago(SANDBOX_FALLBACK_TTL_MS),
      true,
    ],
    [
      'non-UTC expiry is not trusted',
      { [SANDBOX_EXPIRES_TAG]: '2099-01-01T00:00:00+01:00' },
      ago(SANDBOX_FALLBACK_TTL_MS),
      true,
    ],
    [
      'rolled-over expiry is not trusted',
      { [SANDBOX_EXPIRES_TAG]: '2099-02-30T00:00:00Z' },
      ago(SANDBOX_FALLBACK_TTL_MS),
      true,
    ],
    [
      '24:00 expiry is not trusted',
      { [SANDBOX_EXPIRES_TAG]: '2099-01-01T24:00:00Z' },
      ago(SANDBOX_FALLBACK_TTL_MS),
      true,
    ],
    ['garbage expiry, no creation time', { [SANDBOX_EXPIRES_TAG]: 'soon' }, undefined, true],
    [
      'far-future expiry, older than the maximum age',
      { [SANDBOX_EXPIRES_TAG]: '2099-01-01T00:00:00.000Z' },
      ago(SANDBOX_MAX_AGE_MS),
      true,
    ],
    [
      'far-future expiry, younger than the maximum age',
      { [SANDBOX_EXPIRES_TAG]: '2099-01-01T00:00:00.000Z' },
      ago(SANDBOX_MAX_AGE_MS - 1),
      false,
    ],
    [
      'valid expiry, no creation time yet',
      { [SANDBOX_EXPIRES_TAG]: ahead(minutes(5)).toISOString() },
      undefined,
      false,
    ],
  ])('%s → %s', (_, expiryTags, createdAt, expected) => {
    // Prepare
    const sandbox = { tags: { ...sandboxTag, ...expiryTags }, createdAt };

    // Act
    const expired = isSandboxExpired(sandbox, NOW);

    // Assess
    expect(expired).toBe(expected);
  });

  it.each([
    ['no tags at all', {}],
    ['the sandbox tag set to something else', { [SANDBOX_TAG]: 'false' }],
    ['an expiry tag but no sandbox tag', { [SANDBOX_EXPIRES_TAG]: ago(minutes(600)).toISOString() }],
  ])('never expires what is not a sandbox (%s), however old', (_, tags) => {
    // Prepare
    const database = { tags, createdAt: ago(SANDBOX_MAX_AGE_MS * 10) };

    // Act
    const expired = isSandboxExpired(database, NOW);

    // Assess
    expect(expired).toBe(false);
  });

  it('uses the fallback TTL and maximum age given', () => {
    // Prepare
    const untagged = { tags: { ...sandboxTag }, createdAt: ago(minutes(20)) };
    const farFuture = {
      tags: { ...sandboxTag, [SANDBOX_EXPIRES_TAG]: '2099-01-01T00:00:00.000Z' },
      createdAt: ago(minutes(90)),
    };

    // Act
    const results = [
      isSandboxExpired(untagged, NOW, { fallbackTtlMs: minutes(15) }),
      isSandboxExpired(untagged, NOW, { fallbackTtlMs: minutes(30) }),
      isSandboxExpired(farFuture, NOW, { maxAgeMs: minutes(60) }),
      isSandboxExpired(farFuture, NOW, { maxAgeMs: minutes(120) }),
    ];

    // Assess
    expect(results).toEqual([true, false, true, false]);
  });

  it('reads back the expiry sandboxTags wrote', () => {
    // Prepare
    const tags = sandboxTags({
      drillId: 'd',
      databaseId: 'orders',
      expiresAt: ahead(minutes(30)),
      deployment: DEFAULT_DEPLOYMENT,
    });
    const sandbox = { tags, createdAt: ago(SANDBOX_FALLBACK_TTL_MS * 2) };

    // Act
    const beforeExpiry = isSandboxExpired(sandbox, NOW);
    const atExpiry = isSandboxExpired(sandbox, ahead(minutes(30)));

    // Assess
    expect(beforeExpiry).toBe(false);
    expect(atExpiry).toBe(true);
    expect(tags[SANDBOX_DRILL_TAG]).toBe('d');
  });
});
