// The vault port on AWS: the vault account's RDS through a role of the vault
// account (which the vault stack creates), assumed with STS; nothing when the
// configuration names no vault account. The backup copies through the
// writer role (vault.roleName), the drills read and share through the drill
// role (vault.drillRoleName): each function may assume the one it needs.
import { awsAssumedRoleRdsPortProvider } from '../../adapters/aws/assumed-role.ts';
import type { Config } from '../../config/schema.ts';
import { partitionOf } from '../../domain/aws-partition.ts';
import { deploymentOf } from '../../domain/deployment.ts';
import type { VaultAccess } from '../../ports/vault.ts';
import type { AwsPortFactory } from '../aws-lambda.ts';

function vaultAccessAs(config: Config, role: 'roleName' | 'drillRoleName'): VaultAccess | undefined {
  const { vault } = config;
  if (vault === undefined) return undefined;
  const roleArn = `arn:${partitionOf(config.sourceRegion)}:iam::${vault.accountId}:role/${vault[role]}`;
  return {
    accountId: vault.accountId,
    rds: awsAssumedRoleRdsPortProvider({ roleArn, deployment: deploymentOf(config).id }),
  };
}

/** The vault for the backup: the writer role, which copies into the vault. */
export const awsVault: AwsPortFactory<'vault'> = ({ config }) => vaultAccessAs(config, 'roleName');

/** The vault for the drills: the drill role, which reads, shares with this account and marks proven bad. */
export const awsVaultForDrills: AwsPortFactory<'vault'> = ({ config }) =>
  vaultAccessAs(config, 'drillRoleName');
