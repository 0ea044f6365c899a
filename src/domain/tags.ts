// Tags the tool puts on what it creates. The ownership tag is what makes a
// snapshot the tool's own, and the deployment tag says which deployment made
// it (`ownsSnapshot` in src/domain/deployment.ts, which also says whose are
// the snapshots earlier versions made without it): a deployment only ever
// deletes its own snapshots, and the deployed IAM policies allow deletes only
// on resources carrying these tags. Names are part of the deployed contract:
// do not rename.
import type { Tags } from '../ports/rds.ts';

export const MANAGED_TAG = 'restorable:managed';
export const MANAGED_TAG_VALUE = 'true';
export const DATABASE_TAG = 'restorable:database';
export const DATABASE_KIND_TAG = 'restorable:database-kind';
export const RUN_TAG = 'restorable:run';
export const SOURCE_REGION_TAG = 'restorable:source-region';
/** The deployment that made a snapshot, copy or sandbox: its `Deployment.id`. */
export const DEPLOYMENT_TAG = 'restorable:deployment';

export function isManaged(tags: Tags): boolean {
  return tags[MANAGED_TAG] === MANAGED_TAG_VALUE;
}

/**
 * Set by a drill whose failure was the snapshot's own (its archive is
 * corrupted, it could not be restored, or the engine found corruption in it);
 * the value is the drill's id. A proven-bad snapshot is never a database's
 * last good copy.
 */
export const PROVEN_BAD_TAG = 'restorable:proven-bad';

export function isProvenBad(tags: Tags): boolean {
  const value = tags[PROVEN_BAD_TAG];
  return value !== undefined && value !== '';
}

/**
 * On a vault transfer's staging copy (domain/backup-queue.ts `VaultTransfer`),
 * the copy made for the vault account to copy: the value is the run that
 * made it. It is never a database's good copy, and it is deleted once the
 * vault has its copies (or by the prune, when a run ended without).
 */
export const VAULT_STAGING_TAG = 'restorable:vault-staging';

export function isVaultStaging(tags: Tags): boolean {
  return tags[VAULT_STAGING_TAG] !== undefined;
}

/** On a vault copy: the days the vault keeps it (vault.retentionDays, else retention.days), for the vault's own prune. */
export const VAULT_RETENTION_TAG = 'restorable:vault-retention-days';

/** On a vault copy: the account whose database it is a copy of. */
export const SOURCE_ACCOUNT_TAG = 'restorable:source-account';
