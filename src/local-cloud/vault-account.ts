// The vault account of a configuration, in the local cloud: what its owner
// and the stack set up on AWS, and how the backup reaches it.
import type { Config, VaultConfig } from '../config/schema.ts';
import { deploymentOf } from '../domain/deployment.ts';
import { vaultShareKeyAlias } from '../domain/vault.ts';
import type { VaultAccess } from '../ports/vault.ts';
import type { LocalCloud } from './cloud.ts';
import { LOCAL_ACCOUNT_ID } from './layout.ts';

/**
 * What a deployment with a vault account sets up on AWS, here: the share key
 * of the source region, which the vault account may use (the stack's
 * VaultShareKey and its key policy), and the vault account's regions with
 * their keys (which the vault account's owner creates), each of which the
 * source account may use, as the vault key's policy lets it through RDS, so
 * that a drill restores the vault copy shared back with it.
 */
export async function prepareLocalVault(cloud: LocalCloud, config: Config): Promise<void> {
  const { vault } = config;
  if (vault === undefined) return;
  const shareKey = vaultShareKeyAlias(deploymentOf(config));
  await cloud.ensureKmsKey(config.sourceRegion, shareKey);
  await cloud.allowKeyUse(config.sourceRegion, shareKey, vault.accountId);
  for (const { region, kmsKeyArn } of vault.regions) {
    await cloud.ensureRegion(region, { account: vault.accountId });
    await cloud.ensureKmsKey(region, kmsKeyArn, { account: vault.accountId });
    await cloud.allowKeyUse(region, kmsKeyArn, LOCAL_ACCOUNT_ID, { account: vault.accountId });
  }
}

/** The vault account as the backup reaches it: through the role the source account assumes there. */
export function localVaultAccess(cloud: LocalCloud, vault: VaultConfig): VaultAccess {
  return {
    accountId: vault.accountId,
    rds: (region) => cloud.rds(region, { account: vault.accountId, as: 'assumed-role' }),
  };
}
