// Where the local cloud keeps things inside its state directory (the layout is
// described in cloud.ts), and the checks that keep names from escaping it:
// every region, database and snapshot name is validated before it becomes
// part of a path.
import { join, resolve } from 'node:path';
import { InvalidInputError } from '../domain/errors.ts';
import type { DatabaseKind } from '../ports/rds.ts';

/**
 * The account of the local cloud's own resources: what `LocalCloud.rds(region)`
 * acts as, and the id in their ARNs. Other accounts (a vault account) have
 * their own directory (`accounts/<id>/`) and carry their own id in ARNs.
 */
export const LOCAL_ACCOUNT_ID = '000000000000';

const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/** Checks an AWS account id (12 digits) and returns it. */
export function assertAccountId(accountId: string): string {
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new InvalidInputError(`invalid account id ${JSON.stringify(accountId)}: expected 12 digits`);
  }
  return accountId;
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** RDS identifiers: a letter, then letters, digits and single hyphens, no trailing hyphen. */
const IDENTIFIER_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function assertRegion(region: string): string {
  if (!REGION_PATTERN.test(region)) {
    throw new InvalidInputError(
      `invalid region name ${JSON.stringify(region)}: expected a name such as eu-west-1`,
    );
  }
  return region;
}

/**
 * Checks an RDS identifier and returns it lower-cased, as RDS stores it
 * (which also keeps file names distinct on case-insensitive file systems).
 */
export function normalizeIdentifier(what: 'database' | 'snapshot', id: string): string {
  const lower = id.toLowerCase();
  const maxLength = what === 'database' ? 63 : 255;
  if (lower.length > maxLength || !IDENTIFIER_PATTERN.test(lower)) {
    throw new InvalidInputError(
      `invalid ${what} identifier ${JSON.stringify(id)}: must start with a letter and hold only letters, ` +
        `digits and single hyphens, not end with a hyphen, and have at most ${maxLength} characters`,
    );
  }
  return lower;
}

export function isValidIdentifier(id: string): boolean {
  return IDENTIFIER_PATTERN.test(id);
}

export function databaseArn(
  region: string,
  kind: DatabaseKind,
  id: string,
  accountId: string = LOCAL_ACCOUNT_ID,
): string {
  return `arn:aws:rds:${region}:${accountId}:${kind === 'cluster' ? 'cluster' : 'db'}:${id}`;
}

export function snapshotArn(
  region: string,
  kind: DatabaseKind,
  id: string,
  accountId: string = LOCAL_ACCOUNT_ID,
): string {
  return `arn:aws:rds:${region}:${accountId}:${kind === 'cluster' ? 'cluster-snapshot' : 'snapshot'}:${id}`;
}

export interface ParsedSnapshotArn {
  readonly region: string;
  readonly accountId: string;
  readonly kind: DatabaseKind;
  readonly id: string;
}

const SNAPSHOT_ARN_PATTERN = /^arn:aws:rds:([^:]+):(\d{12}):(snapshot|cluster-snapshot):([^:]+)$/;

/** Parses an RDS snapshot ARN; undefined when it is not one. */
export function parseSnapshotArn(arn: string): ParsedSnapshotArn | undefined {
  const match = SNAPSHOT_ARN_PATTERN.exec(arn);
  if (!match) return undefined;
  const [, region = '', accountId = '', type, id = ''] = match;
  return { region, accountId, kind: type === 'cluster-snapshot' ? 'cluster' : 'instance', id };
}

/**
 * The entries of a state directory's root that belong to the local cloud.
 * Anything else in the directory is someone else's: the local cloud never
 * reads, writes or deletes it (a reset deletes these and nothing more).
 */
export const STATE_DIR_ENTRIES = {
  cloudFile: 'cloud.json',
  lockFile: 'lock',
  alertsFile: 'alerts.jsonl',
  regionsDir: 'regions',
  /** Accounts other than the local cloud's own (`accounts/<id>/regions/...`), created on first use. */
  accountsDir: 'accounts',
  reportsDir: 'reports',
  /** The report stores of deployments other than the default one (`reportsDirOf`). */
  deploymentsDir: 'deployments',
} as const;

/**
 * Paths of the state directory, for one account: the local cloud's own
 * (LOCAL_ACCOUNT_ID, whose regions are `regions/`) unless another is given,
 * whose regions are `accounts/<id>/regions/`, laid out alike. The root's own
 * files (cloud.json, the lock, reports) are the same whatever the account.
 * Names must have been validated by the caller.
 */
export class StateLayout {
  readonly root: string;
  readonly accountId: string;

  constructor(stateDir: string, accountId: string = LOCAL_ACCOUNT_ID) {
    this.root = resolve(stateDir);
    this.accountId = assertAccountId(accountId);
  }

  /** The same state directory, seen as another account's. */
  forAccount(accountId: string): StateLayout {
    return accountId === this.accountId ? this : new StateLayout(this.root, accountId);
  }

  get accountsDir(): string {
    return join(this.root, STATE_DIR_ENTRIES.accountsDir);
  }

  get cloudFile(): string {
    return join(this.root, STATE_DIR_ENTRIES.cloudFile);
  }

  get lockFile(): string {
    return join(this.root, STATE_DIR_ENTRIES.lockFile);
  }

  /** The alerts the workflows published, one JSON object a line. */
  get alertsFile(): string {
    return join(this.root, STATE_DIR_ENTRIES.alertsFile);
  }

  get regionsDir(): string {
    if (this.accountId === LOCAL_ACCOUNT_ID) return join(this.root, STATE_DIR_ENTRIES.regionsDir);
    return join(this.accountsDir, this.accountId, STATE_DIR_ENTRIES.regionsDir);
  }

  get reportsDir(): string {
    return join(this.root, STATE_DIR_ENTRIES.reportsDir);
  }

  /**
   * The report store of a deployment. The default deployment's is `reports/`,
   * where earlier versions kept it; every other deployment sharing the state
   * directory has its own (`deployments/<id>/reports/`), as each stack has its
   * own bucket on AWS: evidence, reports and leases are never mixed.
   */
  reportsDirOf(deployment: { readonly id: string; readonly isDefault: boolean } | undefined): string {
    if (deployment === undefined || deployment.isDefault) return this.reportsDir;
    return join(this.root, STATE_DIR_ENTRIES.deploymentsDir, deployment.id, STATE_DIR_ENTRIES.reportsDir);
  }

  get deploymentsDir(): string {
    return join(this.root, STATE_DIR_ENTRIES.deploymentsDir);
  }

  regionDir(region: string): string {
    return join(this.regionsDir, region);
  }

  kmsDir(region: string): string {
    return join(this.regionDir(region), 'kms');
  }

  databasesDir(region: string): string {
    return join(this.regionDir(region), 'databases');
  }

  databaseDir(region: string, id: string): string {
    return join(this.databasesDir(region), id);
  }

  databaseFile(region: string, id: string): string {
    return join(this.databaseDir(region, id), 'database.json');
  }

  pgdataDir(region: string, id: string): string {
    return join(this.databaseDir(region, id), 'pgdata');
  }

  snapshotsDir(region: string): string {
    return join(this.regionDir(region), 'snapshots');
  }

  snapshotArchive(region: string, id: string): string {
    return join(this.snapshotsDir(region), `${id}.snapshot`);
  }

  snapshotFile(region: string, id: string): string {
    return join(this.snapshotsDir(region), `${id}.json`);
  }

  sandboxesDir(region: string): string {
    return join(this.regionDir(region), 'sandboxes');
  }

  sandboxFile(region: string, id: string): string {
    return join(this.sandboxesDir(region), `${id}.json`);
  }
}
