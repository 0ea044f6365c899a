// Pure rules of a restore sandbox: its tags, its identifier, and when it has
// outlived its time to live. A sandbox holds a full copy of customer data, so
// every rule here fails safe towards deleting it: a sandbox whose expiry
// cannot be read is treated as expired once a fallback time to live passed.
//
// The sandbox tag is the one guard between a teardown and a production
// database: the adapters refuse to delete anything that does not carry it,
// and the deployed IAM policies allow deletes only on resources carrying it.
// Tag names are part of the deployed contract: do not rename.
import type { Tags } from '../ports/rds.ts';
import { type Deployment, withDiscriminator } from './deployment.ts';
import { InvalidInputError } from './errors.ts';
import { fnv1a } from './hash.ts';
import { DATABASE_TAG, DEPLOYMENT_TAG } from './tags.ts';

export const SANDBOX_TAG = 'restorable:sandbox';
export const SANDBOX_TAG_VALUE = 'true';
/** When the sandbox may be deleted by the sweeper, as an ISO 8601 UTC time. */
export const SANDBOX_EXPIRES_TAG = 'restorable:expires-at';
/** The drill that restored the sandbox. */
export const SANDBOX_DRILL_TAG = 'restorable:drill';

/**
 * Time to live of a sandbox whose expiry tag is missing or unreadable,
 * counted from its creation. Matches the default `sandbox.ttlMinutes`.
 */
export const SANDBOX_FALLBACK_TTL_MS = 180 * 60_000;

/**
 * Age past which a sandbox is expired whatever its expiry tag says: a tag set
 * (or edited) far in the future must not keep a copy of customer data for ever.
 */
export const SANDBOX_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** Prefix of every sandbox identifier; it starts with a letter, as RDS requires. */
export const SANDBOX_ID_PREFIX = 'rsbx';

// RDS identifiers of DB instances and clusters: 1 to 63 letters, digits or
// hyphens, starting with a letter, no two consecutive hyphens, no trailing
// hyphen. An Aurora sandbox's instance is named `<sandbox id>-1`
// (`sandboxInstanceId`), so the sandbox id itself stays within 61 characters.
const RDS_IDENTIFIER_MAX_LENGTH = 63;
const INSTANCE_SUFFIX = '-1';
export const SANDBOX_ID_MAX_LENGTH = RDS_IDENTIFIER_MAX_LENGTH - INSTANCE_SUFFIX.length;
const HASH_LENGTH = 8;

export interface SandboxTagsInput {
  readonly drillId: string;
  readonly databaseId: string;
  readonly expiresAt: Date;
  readonly deployment: Deployment;
}

/** The tags every sandbox is restored with. */
export function sandboxTags(input: SandboxTagsInput): Tags {
  if (Number.isNaN(input.expiresAt.getTime())) {
    throw new InvalidInputError('sandbox expiry is not a valid time');
  }
  return {
    [SANDBOX_TAG]: SANDBOX_TAG_VALUE,
    [SANDBOX_EXPIRES_TAG]: input.expiresAt.toISOString(),
    [SANDBOX_DRILL_TAG]: input.drillId,
    [DATABASE_TAG]: input.databaseId,
    [DEPLOYMENT_TAG]: input.deployment.id,
  };
}

export function isSandbox(tags: Tags): boolean {
  return tags[SANDBOX_TAG] === SANDBOX_TAG_VALUE;
}

/**
 * Whether the deployment restored this sandbox: it carries the sandbox tag
 * and the deployment's id. A sandbox an earlier version restored has no
 * deployment tag: it belongs to any default deployment. (A sandbox lives
 * hours, so that rule only matters for the first sweeps after an upgrade.)
 */
export function ownsSandbox(deployment: Deployment, tags: Tags): boolean {
  if (!isSandbox(tags)) return false;
  const owner = tags[DEPLOYMENT_TAG];
  return owner === undefined ? deployment.isDefault : owner === deployment.id;
}

/**
 * The identifier of the sandbox a drill restores `databaseId` into:
 * `rsbx-<database>-<yyyymmddhhmmss>` (UTC), followed by the deployment's
 * discriminator unless it is the default deployment, a valid RDS identifier
 * of at most `SANDBOX_ID_MAX_LENGTH` characters. A database identifier too
 * long to fit is cut and followed by a hash of the whole identifier, so two
 * databases sharing a long prefix still get distinct sandboxes.
 */
export function sandboxId(databaseId: string, drillStartedAt: Date, deployment: Deployment): string {
  if (Number.isNaN(drillStartedAt.getTime())) {
    throw new InvalidInputError('drill start is not a valid time');
  }
  const suffix = withDiscriminator(timestamp(drillStartedAt), deployment);
  const room = SANDBOX_ID_MAX_LENGTH - SANDBOX_ID_PREFIX.length - suffix.length - 2;
  return `${SANDBOX_ID_PREFIX}-${databasePart(databaseId, room)}-${suffix}`;
}

/** The identifier of the one DB instance of an Aurora sandbox cluster. */
export function sandboxInstanceId(sandboxClusterId: string): string {
  return `${sandboxClusterId}${INSTANCE_SUFFIX}`;
}

function databasePart(databaseId: string, maxLength: number): string {
  const normalized = trimHyphens(
    databaseId
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/-+/g, '-'),
  );
  const part = normalized === '' ? 'db' : normalized;
  if (part.length <= maxLength) return part;
  const kept = trimHyphens(part.slice(0, maxLength - HASH_LENGTH - 1));
  return `${kept}-${fnv1a(databaseId)}`;
}

function trimHyphens(value: string): string {
  return value.replace(/^-+/, '').replace(/-+$/, '');
}

function timestamp(time: Date): string {
  // 2025-03-01T02:05:09.000Z → 20250301020509: to the second, like the drill id,
  // so two drills of a database never share a sandbox.
  return time.toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

export interface SandboxExpiryInput {
  readonly tags: Tags;
  /** When the cloud created it; undefined while the cloud has not said. */
  readonly createdAt: Date | undefined;
}

export interface SandboxExpiryOptions {
  /** Time to live from creation when the expiry tag is missing or unreadable. */
  readonly fallbackTtlMs?: number;
  /** Age past which it is expired whatever the expiry tag says. */
  readonly maxAgeMs?: number;
}

/**
 * Whether the sweeper should delete the sandbox now. Expired when `now` has
 * reached the expiry tag; when that tag is missing or unreadable, once the
 * fallback time to live passed since creation, or at once if the creation
 * time is unknown too; and always once older than the maximum age.
 *
 * Something that does not carry the sandbox tag is never expired: it is not
 * a sandbox, and deleting it could delete a production database.
 */
export function isSandboxExpired(
  sandbox: SandboxExpiryInput,
  now: Date,
  options: SandboxExpiryOptions = {},
): boolean {
  if (!isSandbox(sandbox.tags)) return false;
  const fallbackTtlMs = options.fallbackTtlMs ?? SANDBOX_FALLBACK_TTL_MS;
  const maxAgeMs = options.maxAgeMs ?? SANDBOX_MAX_AGE_MS;
  const createdAt = sandbox.createdAt?.getTime();
  const created = createdAt !== undefined && !Number.isNaN(createdAt) ? createdAt : undefined;
  if (created !== undefined && now.getTime() - created >= maxAgeMs) return true;
  const expiresAt = parseExpiry(sandbox.tags[SANDBOX_EXPIRES_TAG]);
  if (expiresAt !== undefined) return now.getTime() >= expiresAt;
  if (created === undefined) return true;
  return now.getTime() - created >= fallbackTtlMs;
}

// Only what `sandboxTags` writes (and its second-precision variant) is read:
// `Date.parse` alone accepts many loose forms ("2025", "March 1") and rolls
// impossible dates over (Feb 30 → Mar 2), which is not a reliable expiry.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function parseExpiry(value: string | undefined): number | undefined {
  if (value === undefined || !ISO_UTC.test(value)) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  // Round trip: rejects rolled-over dates and times such as 24:00:00.
  if (new Date(time).toISOString().slice(0, 19) !== value.slice(0, 19)) return undefined;
  return time;
}
