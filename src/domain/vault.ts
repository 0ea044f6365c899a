// The vault account's part of the lifecycle (see the README, "Vault account"):
// names and settings the backup, the stack and the vault stack agree on.
import type { Config } from '../config/schema.ts';
import type { Deployment } from './deployment.ts';

/**
 * The alias of the deployment's share key, in the source region: the key the
 * staging copies are made under, whose key policy lets the vault account use
 * it to copy them and for nothing else. The stack creates it under this
 * alias; the source's own keys (the default `aws/rds` one included) are
 * never shared.
 */
export function vaultShareKeyAlias(deployment: Deployment): string {
  return `alias/restorable-${deployment.stage}-vault-share`;
}

/** How many days the vault keeps its copies: vault.retentionDays, else retention.days. */
export function vaultRetentionDays(config: Pick<Config, 'vault' | 'retention'>): number {
  return config.vault?.retentionDays ?? config.retention.days;
}

/**
 * Every region a sandbox may be in: the source and copy regions (drills of
 * this account's snapshots), and the vault regions (drills from the vault
 * restore there, in this account). The sweeper and the compliance report look
 * in all of them.
 */
export function sandboxRegionsOf(config: Pick<Config, 'sourceRegion' | 'copyRegions' | 'vault'>): string[] {
  return [
    ...new Set([
      config.sourceRegion,
      ...config.copyRegions.map((copy) => copy.region),
      ...(config.vault?.regions.map((vault) => vault.region) ?? []),
    ]),
  ];
}
