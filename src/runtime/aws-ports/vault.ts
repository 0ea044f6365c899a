// The vault port on AWS: the vault account's RDS through the role the
// configuration names there (vault.roleName, which the vault stack creates),
// assumed with STS; nothing when the configuration names no vault account.
import { awsAssumedRoleRdsPortProvider } from '../../adapters/aws/assumed-role.ts';
import { partitionOf } from '../../domain/aws-partition.ts';
import { deploymentOf } from '../../domain/deployment.ts';
import type { AwsPortFactory } from '../aws-lambda.ts';

export const awsVault: AwsPortFactory<'vault'> = ({ config }) => {
  const { vault } = config;
  if (vault === undefined) return undefined;
  const roleArn = `arn:${partitionOf(config.sourceRegion)}:iam::${vault.accountId}:role/${vault.roleName}`;
  return {
    accountId: vault.accountId,
    rds: awsAssumedRoleRdsPortProvider({ roleArn, deployment: deploymentOf(config).id }),
  };
};
