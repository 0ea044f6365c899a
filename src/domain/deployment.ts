// Which deployment the tool runs as, and what it owns. A deployment is one
// stack: a stage in a region. Several may share an account, and a copy region
// (two stages, or two source regions copying to the same region): each one
// touches only the snapshots, copies and sandboxes it made, which carry its id
// in the deployment tag and its discriminator in their names.
//
// The id's format is part of the deployed contract: the IAM conditions of
// the stack (infra/functions.ts) build the same `<stage>-<region>` from the stack's stage and
// region, and tags already set cannot be renamed.
import type { Config } from '../config/schema.ts';
import type { Snapshot } from '../ports/rds.ts';
import { fnv1a } from './hash.ts';
import { DEPLOYMENT_TAG, isManaged, SOURCE_REGION_TAG } from './tags.ts';

/** The stage of a configuration that sets none (`aws.stage`'s default). */
export const DEFAULT_STAGE = 'prod';

const DISCRIMINATOR_LENGTH = 6;

export interface Deployment {
  readonly stage: string;
  /** The stack's region. */
  readonly region: string;
  /** `<stage>-<region>`: the value of the deployment tag. */
  readonly id: string;
  /**
   * Stage `prod` in the source region, what a configuration that sets neither
   * gets: what every earlier version ran as. It keeps their names, and owns
   * what they made (which carries no deployment tag).
   */
  readonly isDefault: boolean;
  /**
   * Appended to the names of its snapshots, sandboxes and drills so that two
   * deployments never want the same name; undefined for the default
   * deployment, whose names are those of earlier versions, so that an
   * upgrade finds (and reuses) the day's snapshot it already took.
   */
  readonly discriminator: string | undefined;
}

export function deploymentOf(config: Pick<Config, 'sourceRegion' | 'aws'>): Deployment {
  const stage = config.aws.stage;
  const region = config.aws.region ?? config.sourceRegion;
  const id = `${stage}-${region}`;
  const isDefault = stage === DEFAULT_STAGE && region === config.sourceRegion;
  return {
    stage,
    region,
    id,
    isDefault,
    discriminator: isDefault ? undefined : fnv1a(id).slice(0, DISCRIMINATOR_LENGTH),
  };
}

/** `name`, followed by the deployment's discriminator when it has one. */
export function withDiscriminator(name: string, deployment: Deployment): string {
  return deployment.discriminator === undefined ? name : `${name}-${deployment.discriminator}`;
}

/**
 * Whether the deployment made this snapshot or copy: one carrying the
 * ownership tag and its id in the deployment tag. A snapshot made by an
 * earlier version carries the ownership tag only: it stays the default
 * deployment's, that of its source region (a copy names it in the
 * source-region tag, which every version set; an original is in it), so that
 * two default deployments of different source regions sharing a copy region
 * do not claim each other's.
 */
export function ownsSnapshot(deployment: Deployment, snapshot: Pick<Snapshot, 'tags' | 'region'>): boolean {
  if (!isManaged(snapshot.tags)) return false;
  const owner = snapshot.tags[DEPLOYMENT_TAG];
  if (owner !== undefined) return owner === deployment.id;
  return deployment.isDefault && (snapshot.tags[SOURCE_REGION_TAG] ?? snapshot.region) === deployment.region;
}
