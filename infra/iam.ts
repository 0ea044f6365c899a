// The IAM statements the stack settings carry, which a static definition
// cannot derive: they depend on the configuration (the copy regions' keys,
// the regions the tool writes to, the verifier's network, the alert topic).
// Computed at bundle time (infra/settings.ts) and written to
// dist/stack-settings.json, which the stack definition (infra/stack.ts) reads.
import type { CopyRegion } from '../src/config/schema.ts';
import { ConfigError } from '../src/domain/errors.ts';
import { type CfnArn, type CfnIf, type CfnString, noValue, pascalCase, ref, sub } from './cfn.ts';

/** A condition block: operator → condition key → value(s). */
export type IamCondition = Readonly<Record<string, Readonly<Record<string, CfnArn | readonly CfnArn[]>>>>;

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string | readonly string[];
  readonly Resource: CfnArn | CfnIf<CfnArn> | readonly CfnArn[];
  readonly Condition?: IamCondition;
}

/** A statement of a policy: one that always holds, or one on a condition of the stack (Fn::If). */
export type PolicyStatement = IamStatement | CfnIf<IamStatement>;

/** An Allow statement, its Action and Resource as written (one value or a list). */
export function allow(
  Sid: string,
  Action: string | readonly string[],
  Resource: IamStatement['Resource'],
  Condition?: IamCondition,
): IamStatement {
  return { Sid, Effect: 'Allow', Action, Resource, ...(Condition === undefined ? {} : { Condition }) };
}

export interface IamPolicy {
  readonly PolicyName: string;
  readonly PolicyDocument: {
    readonly Version: '2012-10-17';
    /** The statements, or a serverless variable that resolves to them. */
    readonly Statement: readonly PolicyStatement[] | string;
  };
}

export function policy(name: string, statements: readonly PolicyStatement[] | string): IamPolicy {
  return { PolicyName: name, PolicyDocument: { Version: '2012-10-17', Statement: statements } };
}

/** Who may assume a role: a service principal, for this account's resources only unless it is Lambda. */
function trustPolicy(service: string, sourceAccountOnly: boolean) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(sourceAccountOnly
          ? { Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } } }
          : {}),
      },
    ],
  };
}

export const LAMBDA_TRUST = trustPolicy('lambda.amazonaws.com', false);
export const STATES_TRUST = trustPolicy('states.amazonaws.com', true);
export const SCHEDULER_TRUST = trustPolicy('scheduler.amazonaws.com', true);

/** X-Ray: the functions and the state machines trace (provider.tracing, TracingConfiguration). */
export const XRAY_WRITE = [sub('arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess')];

/** The network of verify-sandbox, which must reach the sandboxes' endpoints. */
export interface VerifierVpc {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface KeyScope {
  readonly resource: CfnString;
  /** Set when the key is named by an alias: the statement then holds only for the key carrying it. */
  readonly alias?: string;
}

const KMS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

/**
 * What an IAM statement must name to cover a copy region's key. IAM matches a
 * key's ARN, never an alias, so a key given by alias is matched as any key of
 * the region that carries the alias (`kms:ResourceAliases`).
 */
export function copyKeyScope(copy: CopyRegion): KeyScope {
  const arn = KMS_ARN.exec(copy.kmsKeyId);
  if (arn !== null) {
    const [, partition, region, account, type, name] = arn;
    if (region !== copy.region) {
      throw new ConfigError(
        `copyRegions: the KMS key ${copy.kmsKeyId} is in ${region}, not in its copy region ${copy.region}`,
      );
    }
    if (type === 'key') return { resource: copy.kmsKeyId };
    return { resource: `arn:${partition}:kms:${region}:${account}:key/*`, alias: `alias/${name}` };
  }
  if (copy.kmsKeyId.startsWith('alias/')) {
    return {
      resource: { 'Fn::Sub': `arn:\${AWS::Partition}:kms:${copy.region}:\${AWS::AccountId}:key/*` },
      alias: copy.kmsKeyId,
    };
  }
  return {
    resource: {
      'Fn::Sub': `arn:\${AWS::Partition}:kms:${copy.region}:\${AWS::AccountId}:key/${copy.kmsKeyId}`,
    },
  };
}

/**
 * RDS re-encrypts a copy with the destination key by creating a grant on it in
 * the caller's name: the grant is allowed only when it is for an AWS resource.
 * DescribeKey carries no `kms:GrantIsForAWSResource` key (a condition on it
 * would never match), so it gets a statement of its own.
 */
export function copyKeyStatements(copyRegions: readonly CopyRegion[]): IamStatement[] {
  return copyRegions.flatMap((copy) => {
    const scope = copyKeyScope(copy);
    const aliasCondition: Record<string, Record<string, string>> = scope.alias === undefined
      ? {}
      : { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': scope.alias } };
    return [
      {
        Sid: `CopyKeyGrant${pascalCase(copy.region)}`,
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: scope.resource,
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, ...aliasCondition },
      },
      {
        Sid: `CopyKeyDescribe${pascalCase(copy.region)}`,
        Effect: 'Allow',
        Action: ['kms:DescribeKey'],
        Resource: scope.resource,
        ...(scope.alias === undefined ? {} : { Condition: aliasCondition }),
      },
    ];
  });
}

/**
 * The ARN pattern of the tool's own snapshots of one type (every snapshot it
 * makes is named `restorable-…`, src/domain/backup.ts), one per region: an IAM
 * statement can name each region it may act in rather than any region.
 */
export function ownSnapshotArns(
  regions: readonly string[],
  type: 'snapshot' | 'cluster-snapshot',
): CfnString[] {
  return regions.map((region) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${type}:restorable-*`,
  }));
}

/** One ARN pattern per region: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function regionalArns(regions: readonly string[], service: string, resource: string): CfnString[] {
  return regions.map((region) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:${service}:${region}:\${AWS::AccountId}:${resource}`,
  }));
}

/**
 * The keys that encrypt the snapshots drills restore. RDS restores an
 * encrypted snapshot with its own key, through a grant it creates (for itself,
 * an AWS resource) in the caller's name: in each copy region exactly the
 * configured key, as for advance-backup; in the source region, where a drill
 * may restore an original snapshot (`--region`), any key of the region, as
 * the originals are encrypted with their databases' keys. Every statement
 * holds only for calls RDS makes in that region (`kms:ViaService`).
 */
export function restoreKeyStatements(
  sourceRegion: string,
  copyRegions: readonly CopyRegion[],
): IamStatement[] {
  const scopes: { region: string; scope: KeyScope }[] = [
    {
      region: sourceRegion,
      scope: {
        resource: { 'Fn::Sub': `arn:\${AWS::Partition}:kms:${sourceRegion}:\${AWS::AccountId}:key/*` },
      },
    },
    ...copyRegions.map((copy) => ({ region: copy.region, scope: copyKeyScope(copy) })),
  ];
  return scopes.flatMap(({ region, scope }) => keyThroughRdsStatements('RestoreKey', region, scope));
}

/**
 * The vault keys, for a drill that restores a vault copy shared back with
 * the source account: exactly the configured key of each vault region (a key
 * of the vault account, whose key policy lets the source account use it
 * through RDS), as restoreKeyStatements does for the copy regions' keys.
 */
export function vaultRestoreKeyStatements(
  vaultRegions: readonly { readonly region: string; readonly kmsKeyArn: string }[],
): IamStatement[] {
  return vaultRegions.flatMap(({ region, kmsKeyArn }) =>
    keyThroughRdsStatements('RestoreVaultKey', region, copyKeyScope({ region, kmsKeyId: kmsKeyArn })),
  );
}

/** A grant for RDS (an AWS resource) and the key's description and decryption, through RDS in the region only. */
function keyThroughRdsStatements(sidPrefix: string, region: string, scope: KeyScope): IamStatement[] {
  const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
  const aliasCondition: Record<string, Record<string, string>> = scope.alias === undefined
    ? {}
    : { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': scope.alias } };
  return [
    {
      Sid: `${sidPrefix}Grant${pascalCase(region)}`,
      Effect: 'Allow',
      Action: ['kms:CreateGrant'],
      Resource: scope.resource,
      Condition: {
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
        StringEquals: viaRds,
        ...aliasCondition,
      },
    },
    {
      Sid: `${sidPrefix}Use${pascalCase(region)}`,
      Effect: 'Allow',
      Action: ['kms:DescribeKey', 'kms:Decrypt'],
      Resource: scope.resource,
      Condition: { StringEquals: viaRds, ...aliasCondition },
    },
  ];
}

/**
 * Reading an RDS-managed secret decrypts it with its key through Secrets
 * Manager, in the secret's region; the encryption context names the secret,
 * so only `rds!…` secrets qualify. (With the default aws/secretsmanager key
 * the key policy already allows this; a customer managed key needs it.)
 */
export function rdsSecretKeyStatements(regions: readonly string[]): IamStatement[] {
  return [
    {
      Sid: 'DecryptRdsSecrets',
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: regionalArns(regions, 'kms', 'key/*'),
      Condition: {
        StringEquals: { 'kms:ViaService': regions.map((region) => `secretsmanager.${region}.amazonaws.com`) },
        StringLike: {
          'kms:EncryptionContext:SecretARN': regionalArns(regions, 'secretsmanager', 'secret:rds!*'),
        },
      },
    },
  ];
}

/**
 * What Lambda needs, in the execution role, to attach a function to its VPC:
 * create network interfaces in the given subnets with the given security
 * groups only, delete and re-address network interfaces of the stack's
 * region, and describe them (the two Describe calls accept only `*`).
 */
export function verifierNetworkStatements(vpc: VerifierVpc | undefined): IamStatement[] {
  if (vpc === undefined) return [];
  const ec2 = (resource: string): CfnString => ({
    'Fn::Sub': `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
  });
  return [
    {
      Sid: 'CreateNetworkInterfacesInVerifierSubnets',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface'],
      Resource: [
        ec2('network-interface/*'),
        ...vpc.subnetIds.map((id) => ec2(`subnet/${id}`)),
        ...vpc.securityGroupIds.map((id) => ec2(`security-group/${id}`)),
      ],
    },
    {
      Sid: 'ManageNetworkInterfaces',
      Effect: 'Allow',
      Action: [
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: [ec2('network-interface/*')],
    },
    {
      Sid: 'DescribeNetworkInterfaces',
      Effect: 'Allow',
      Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      Resource: '*',
    },
  ];
}

/**
 * Publishing to an SSE-encrypted topic takes kms:GenerateDataKey and
 * kms:Decrypt on its key. The stack's own topic is encrypted with the
 * stack's key. The key of an existing topic is not known here: the
 * statement allows any key, used through SNS of the stack region for that
 * topic only (SNS names the topic in the encryption context); the key's
 * policy decides whether it may be used at all.
 */
export function alertKeyStatement(topicArn: string | undefined, region: string): IamStatement {
  const action = ['kms:GenerateDataKey', 'kms:Decrypt'];
  if (topicArn === undefined) {
    return {
      Sid: 'EncryptAlerts',
      Effect: 'Allow',
      Action: action,
      Resource: { 'Fn::GetAtt': ['AlertsKey', 'Arn'] },
    };
  }
  return {
    Sid: 'EncryptAlerts',
    Effect: 'Allow',
    Action: action,
    Resource: '*',
    Condition: {
      StringEquals: {
        'kms:ViaService': `sns.${region}.amazonaws.com`,
        'kms:EncryptionContext:aws:sns:topicArn': topicArn,
      },
    },
  };
}

/** The ARN of the stack's own alert topic (infra/resources.ts names it `<stack>-alerts`), as a string. */
export const OWN_ALERT_TOPIC_ARN: CfnString = {
  'Fn::Sub': `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:\${AWS::StackName}-alerts`,
};

/** `own` when the stack creates its alert topic, else `existing` (the configured topic's). */
export function onAlertTopic<T>(own: T, existing: T | undefined): CfnIf<T> {
  return { 'Fn::If': ['CreatesAlertTopic', own, existing ?? noValue] };
}
