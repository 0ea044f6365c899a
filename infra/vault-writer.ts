// The vault stack's writer role (infra/vault.ts): the one role of the vault
// account the source account may use, through its advance-backup function,
// to copy the snapshots it shares into the vault (src/tasks/advance-backup.ts,
// actInVault). It describes, copies and tags new copies, and nothing else:
// no statement deletes or modifies anything, so whoever holds the source
// account cannot remove or alter what the vault keeps.
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE, PROVEN_BAD_TAG } from '../src/domain/tags.ts';
import { type CfnString, pascalCase, sub } from './cfn.ts';
import {
  allow,
  copyKeyScope,
  type IamCondition,
  type IamStatement,
  ownSnapshotArns,
  regionalArns,
} from './iam.ts';
import type { VaultStackSettings } from './settings.ts';

/** What the writer role is made of: its trust, and its statements. */
export interface VaultWriter {
  readonly sourceAccountId: string;
  readonly sourceRegion: string;
  readonly vault: VaultStackSettings;
}

/**
 * The main stack's advance-backup role, which CloudFormation names
 * `<stack>-AdvanceBackupRole-<suffix>` (the main stack gives it no name),
 * its stack being `restorable-<stage>`: the vault stack is deployed with the
 * main stack's stage. CloudFormation shortens a generated name past IAM's 64
 * characters, which a stage of more than 20 characters would make it do.
 */
export const advanceBackupRolePattern = (sourceAccountId: string): CfnString =>
  sub(`arn:\${AWS::Partition}:iam::${sourceAccountId}:role/restorable-\${sls:stage}-AdvanceBackupRole-*`);

/**
 * A trust policy letting the source account's roles matching `principals`
 * assume a role of the vault: the account is the principal, and the roles
 * the condition, since a trust policy that named a role's ARN would need its
 * generated suffix.
 */
function trustedBy(sourceAccountId: string, Sid: string, principals: CfnString | readonly CfnString[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid,
        Effect: 'Allow',
        Principal: { AWS: sub(`arn:\${AWS::Partition}:iam::${sourceAccountId}:root`) },
        Action: 'sts:AssumeRole',
        Condition: { ArnLike: { 'aws:PrincipalArn': principals } },
      },
    ],
  };
}

/** Only the source account's advance-backup role assumes the writer role. */
export function writerTrustPolicy(sourceAccountId: string) {
  return trustedBy(sourceAccountId, 'SourceAdvanceBackupAssumes', advanceBackupRolePattern(sourceAccountId));
}

/**
 * The main stack's drill functions that read the vault's copies: the plan
 * (which shares the newest with the source account), the restore (which
 * describes it) and the proven-bad mark (which tags it), named by
 * CloudFormation as the advance-backup role is.
 */
export const drillRolePatterns = (sourceAccountId: string): CfnString[] =>
  ['PlanDrillsRole', 'RestoreSandboxRole', 'MarkSnapshotProvenBadRole'].map((role) =>
    sub(`arn:\${AWS::Partition}:iam::${sourceAccountId}:role/restorable-\${sls:stage}-${role}-*`),
  );

/** Only the source account's drill functions assume the drill role. */
export function drillTrustPolicy(sourceAccountId: string) {
  return trustedBy(sourceAccountId, 'SourceDrillFunctionsAssume', drillRolePatterns(sourceAccountId));
}

/**
 * The drill role: drills from the vault restore its copy in the source
 * account, which the copy must be shared with. It describes the vault's
 * copies, shares the tool's own (restorable:managed) with the source account
 * (RDS has no condition key for the account a share names: the code names
 * only the source account; a share lets the other account restore and copy,
 * never delete or change), and tags one a drill proved bad with that tag
 * alone, so that the vault's prune never keeps it as a good copy. It deletes
 * nothing, and changes no other tag.
 */
export function drillStatements(writer: VaultWriter): IamStatement[] {
  const vaultRegions = writer.vault.regions.map((region) => region.region);
  const vaultCopies = [
    ...ownSnapshotArns(vaultRegions, 'snapshot'),
    ...ownSnapshotArns(vaultRegions, 'cluster-snapshot'),
  ];
  const managed = { [`aws:ResourceTag/${MANAGED_TAG}`]: MANAGED_TAG_VALUE };
  return [
    allow(
      'DescribeVaultSnapshots',
      ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'],
      [
        ...regionalArns(vaultRegions, 'rds', 'snapshot:*'),
        ...regionalArns(vaultRegions, 'rds', 'cluster-snapshot:*'),
      ],
      { StringEquals: { 'aws:RequestedRegion': vaultRegions } },
    ),
    allow(
      'ShareVaultCopiesWithTheSource',
      [
        'rds:ModifyDBSnapshotAttribute',
        'rds:ModifyDBClusterSnapshotAttribute',
        'rds:DescribeDBSnapshotAttributes',
        'rds:DescribeDBClusterSnapshotAttributes',
      ],
      vaultCopies,
      { StringEquals: managed },
    ),
    allow('MarkVaultCopiesProvenBad', 'rds:AddTagsToResource', vaultCopies, {
      StringEquals: managed,
      'ForAllValues:StringEquals': { 'aws:TagKeys': [PROVEN_BAD_TAG] },
    }),
  ];
}

/** The source account's snapshots of one type the vault copies from: the staging copies it shares (`restorable-…`). */
function sharedSourceSnapshots(
  { sourceAccountId, sourceRegion }: VaultWriter,
  type: 'snapshot' | 'cluster-snapshot',
): CfnString {
  return sub(`arn:\${AWS::Partition}:rds:${sourceRegion}:${sourceAccountId}:${type}:restorable-*`);
}

export function writerStatements(writer: VaultWriter): IamStatement[] {
  const { vault, sourceRegion, sourceAccountId } = writer;
  const vaultRegions = vault.regions.map((region) => region.region);
  const vaultSnapshots = ownSnapshotArns(vaultRegions, 'snapshot');
  const vaultClusterSnapshots = ownSnapshotArns(vaultRegions, 'cluster-snapshot');
  // Every copy is made with the tool's tags, and with these two: the copies
  // are the tool's (the vault's prune deletes only those), of the source
  // deployment (`<stage>-<source region>`, the stack region of the main
  // stack, src/domain/deployment.ts). The copy carries no other tag than the
  // tool's own.
  const ownedCopyRequest: IamCondition = {
    StringEquals: {
      [`aws:RequestTag/${MANAGED_TAG}`]: MANAGED_TAG_VALUE,
      [`aws:RequestTag/${DEPLOYMENT_TAG}`]: `\${sls:stage}-${sourceRegion}`,
    },
    'ForAllValues:StringLike': { 'aws:TagKeys': 'restorable:*' },
  };
  const throughRdsOf = (regions: readonly string[]) => ({
    'kms:ViaService': [...new Set(regions)].map((region) => `rds.${region}.amazonaws.com`),
  });
  return [
    // A copy names its source (the shared staging copy of the source
    // account) and its target (the vault copy): the action is authorized
    // on both, one statement per snapshot type.
    allow(
      'CopySharedSnapshotsIntoTheVault',
      'rds:CopyDBSnapshot',
      [...vaultSnapshots, sharedSourceSnapshots(writer, 'snapshot')],
      ownedCopyRequest,
    ),
    allow(
      'CopySharedClusterSnapshotsIntoTheVault',
      'rds:CopyDBClusterSnapshot',
      [...vaultClusterSnapshots, sharedSourceSnapshots(writer, 'cluster-snapshot')],
      ownedCopyRequest,
    ),
    // A copy is tagged as it is made, which RDS authorizes as a tagging of
    // the new copy. Only of a copy that has no ownership tag yet: an existing
    // vault copy is never re-tagged, so the source account cannot shorten
    // its retention (restorable:vault-retention-days) or hand it to another
    // deployment.
    allow('TagNewVaultCopies', 'rds:AddTagsToResource', [...vaultSnapshots, ...vaultClusterSnapshots], {
      ...ownedCopyRequest,
      Null: { [`aws:ResourceTag/${MANAGED_TAG}`]: 'true' },
    }),
    // A backup follows its copies (check-vault-copy) and adopts a copy an
    // earlier attempt of the day made: reads only, in the vault regions.
    allow(
      'DescribeVaultSnapshots',
      ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'],
      [
        ...regionalArns(vaultRegions, 'rds', 'snapshot:*'),
        ...regionalArns(vaultRegions, 'rds', 'cluster-snapshot:*'),
      ],
      { StringEquals: { 'aws:RequestedRegion': vaultRegions } },
    ),
    // RDS encrypts a vault copy under its region's vault key through a grant
    // it creates (for itself, an AWS resource) in the caller's name: exactly
    // that key of each region, through RDS of that region.
    ...vault.regions.flatMap(({ region, kmsKeyArn }) => {
      const scope = copyKeyScope({ region, kmsKeyId: kmsKeyArn });
      const onKey: IamCondition =
        scope.alias === undefined
          ? {}
          : { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': scope.alias } };
      const throughRds: IamCondition = { StringEquals: throughRdsOf([region]), ...onKey };
      return [
        allow(`VaultKeyGrant${pascalCase(region)}`, 'kms:CreateGrant', scope.resource, {
          ...throughRds,
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        }),
        allow(`VaultKeyDescribe${pascalCase(region)}`, 'kms:DescribeKey', scope.resource, throughRds),
      ];
    }),
    // The shared staging copies are encrypted under the source's share key:
    // RDS decrypts them with it while copying. Using another account's key
    // takes both that key's policy and the caller's IAM; the share key's
    // policy lets the vault account use it through RDS and for nothing else,
    // and no other key of the source account lets the vault in. Through RDS
    // of the source region or of a vault region, wherever RDS reads the
    // source during a copy.
    allow(
      'ShareKeyGrantThroughRds',
      'kms:CreateGrant',
      sub(`arn:\${AWS::Partition}:kms:${sourceRegion}:${sourceAccountId}:key/*`),
      {
        StringEquals: throughRdsOf([sourceRegion, ...vaultRegions]),
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    ),
    allow(
      'ShareKeyUseThroughRds',
      ['kms:Decrypt', 'kms:DescribeKey'],
      sub(`arn:\${AWS::Partition}:kms:${sourceRegion}:${sourceAccountId}:key/*`),
      { StringEquals: throughRdsOf([sourceRegion, ...vaultRegions]) },
    ),
  ];
}
