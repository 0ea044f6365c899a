// Builds what `serverless package` ships (`npm run bundle`):
//
// - one minified ESM bundle per Lambda handler, `functions/<name>.ts` →
//   `dist/functions/<name>.mjs` (+ source map), holding only the adapters of
//   the ports its task needs (src/runtime/task.ts) and leaving the AWS SDK to
//   the one the Lambda runtime ships (see `external` below), and the regional
//   verifier stack's handler (serverless-verifier.yml),
//   `functions/regional/verify-sandbox-in-region.ts` →
//   `dist/functions/regional/verify-sandbox-in-region.mjs`;
// - `dist/config.json`, the chosen configuration file validated, with the
//   schema's defaults filled in, which every function's package includes and
//   reads at start (RESTORABLE_CONFIG_PATH, src/config/shipped.ts): the
//   functions parse no YAML;
// - `dist/stack-settings.json`, the same configuration validated, with the
//   schema's defaults filled in, plus the few values serverless.yml cannot
//   derive itself (IAM statements for the copy regions' KMS keys, the ARNs of
//   the tool's own snapshots in each region it writes to, verify-sandbox's VPC
//   from sandbox.verifierSubnetIds and the network permissions it needs, and
//   the settings of the regional verifier stack of each other region of
//   sandbox.regions, by region);
// - `dist/workflows.json`, each `workflows/<name>.asl.json` as one JSON string,
//   for the state machines' DefinitionString: serverless drops every null it
//   reads from a file, and `"ResultPath": null` is meaningful in ASL; and
//   `dist/regional-workflows.json`, the same of `workflows/regional/`;
// - `dist/rds-ca-bundle.pem`, a copy of `certs/rds-ca-bundle.pem` when the
//   deployer placed AWS's global RDS CA bundle there (it cannot be fetched
//   here): verify-sandbox ships it and trusts it for its TLS connections to
//   the sandboxes; without it the verifier refuses TLS and every drill fails.
//
// The configuration is `$RESTORABLE_CONFIG` (relative to the repository root)
// when set, else `restorable.yml` in the repository root, else the demo config.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { loadConfig, resolveConfigPath } from '../src/config/load.ts';
import type { Config, CopyRegion } from '../src/config/schema.ts';
import { shippedConfigText } from '../src/config/shipped.ts';
import { deploymentOf } from '../src/domain/deployment.ts';
import { ConfigError } from '../src/domain/errors.ts';
import { SANDBOX_ID_PREFIX } from '../src/domain/sandbox.ts';
import {
  missingNetworkMessage,
  regionalVerifierNetwork,
  regionalVerifierRegions,
  sandboxNetworks,
  scheduledDrillRegion,
} from '../src/domain/sandbox-network.ts';
import { workflowDefinitionAt } from '../src/workflow-runner/definitions.ts';
import { type ObservabilitySettings, observabilitySettings } from './observability.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const FUNCTIONS_DIST = join(DIST, 'functions');
export const CONFIG_DIST = join(DIST, 'config.json');
export const STACK_SETTINGS_DIST = join(DIST, 'stack-settings.json');
export const WORKFLOWS_DIST = join(DIST, 'workflows.json');
/** The regional verifier stack's workflow (workflows/regional/), as WORKFLOWS_DIST for the main stack. */
export const REGIONAL_WORKFLOWS_SOURCE = join(ROOT, 'workflows', 'regional');
export const REGIONAL_WORKFLOWS_DIST = join(DIST, 'regional-workflows.json');
/** Where the deployer places AWS's global RDS CA bundle (global-bundle.pem). */
export const RDS_CA_BUNDLE_SOURCE = join(ROOT, 'certs', 'rds-ca-bundle.pem');
/** The copy verify-sandbox ships, relative to the package root (LAMBDA_TASK_ROOT). */
export const RDS_CA_BUNDLE_PACKAGED = 'dist/rds-ca-bundle.pem';

/** A string CloudFormation substitutes `${AWS::AccountId}`-style references in. */
export type CfnString = string | { readonly 'Fn::Sub': string };
/** A resource's ARN: a literal or substituted string, or a reference to a resource of the stack. */
export type CfnArn =
  | CfnString
  | { readonly Ref: string }
  | { readonly 'Fn::GetAtt': readonly [string, string] };
/** `Fn::If`: the first value when the named condition holds, else the second. */
export interface CfnIf<T> {
  readonly 'Fn::If': readonly [string, T, T | { readonly Ref: 'AWS::NoValue' }];
}

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: CfnArn | readonly CfnString[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, CfnString | readonly CfnString[]>>>>;
}

/** The network of verify-sandbox, which must reach the sandboxes' endpoints. */
export interface VerifierVpc {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface StackSettings {
  /** The configuration file the stack and the functions were built from. */
  readonly configFile: string;
  /** Serverless stage: the CLI finds the state machines as restorable-<stage>-<workflow>. */
  readonly stage: string;
  /** Region of the stack: aws.region, else the source region. */
  readonly region: string;
  readonly sourceRegion: string;
  readonly copyRegions: readonly string[];
  /** Every region the tool writes snapshots to: the source region first, then the copy regions. */
  readonly snapshotRegions: readonly string[];
  readonly schedules: Config['schedules'];
  /** The metrics' namespace, the dead-man's switch and the dashboard (scripts/observability.ts). */
  readonly observability: ObservabilitySettings;
  /**
   * The public SSM parameter that names, in the stack's region, the ARN of
   * the Powertools for AWS Lambda (TypeScript) layer of the release
   * package.json pins: every function runs with that layer (the stack's
   * PowertoolsLayerArn parameter), and the bundles leave Powertools out
   * (see `external`).
   */
  readonly powertoolsLayerParameter: string;
  /** Empty when no address is configured: a CloudFormation condition skips the subscription then. */
  readonly alertEmail: string;
  /**
   * alerts.topicArn, or empty: the stack then creates its own alert topic and
   * its key (a CloudFormation condition creates them only then).
   */
  readonly alertTopicArn: string;
  /**
   * Where alerts go, from the workflows and the alarms: the stack's own topic
   * when it creates one (condition CreatesAlertTopic), else the configured
   * one. Written as an Fn::If on that condition, so that no reference to the
   * stack's topic stands outside it.
   */
  readonly alertTopic: CfnIf<CfnArn>;
  /** What a workflow that alerts needs to publish to the encrypted alert topic, on the same condition. */
  readonly alertKeyStatement: CfnIf<IamStatement>;
  /** kms:CreateGrant and kms:DescribeKey on each copy region's key, for the advance-backup role. */
  readonly copyKeyStatements: readonly IamStatement[];
  /** The tool's own DB snapshots (`restorable-*`) in each of the snapshotRegions: what the prune may delete. */
  readonly ownSnapshotArns: readonly CfnString[];
  /** The tool's own DB cluster snapshots (`restorable-*`) in each of the snapshotRegions. */
  readonly ownClusterSnapshotArns: readonly CfnString[];
  /**
   * Restore sandboxes (`rsbx-*`, src/domain/sandbox.ts) in each of the
   * snapshotRegions, where drills restore: DB instances, DB clusters, and the
   * cluster snapshot type DeleteDBCluster also names (no final snapshot is
   * ever taken of a sandbox).
   */
  readonly sandboxInstanceArns: readonly CfnString[];
  readonly sandboxClusterArns: readonly CfnString[];
  readonly sandboxClusterSnapshotArns: readonly CfnString[];
  /**
   * What a sandbox restore names, per call: the sandbox, the tool's own
   * snapshot, the DB subnet group of each region that has a sandbox network
   * (each in its own region only: a name means nothing in another region),
   * and any option and parameter group (a restore keeps the snapshot's).
   */
  readonly restoreSandboxInstanceResources: readonly CfnString[];
  readonly restoreSandboxClusterResources: readonly CfnString[];
  /** The one instance of an Aurora sandbox, created in its cluster. */
  readonly createSandboxInstanceResources: readonly CfnString[];
  /** Secrets RDS manages (named `rds!…`) in each of the snapshotRegions. */
  readonly rdsSecretArns: readonly CfnString[];
  /** kms:CreateGrant, kms:DescribeKey and kms:Decrypt through RDS on the keys of the snapshots drills restore. */
  readonly restoreKeyStatements: readonly IamStatement[];
  /**
   * What verify-sandbox reads: the sandboxes and their RDS-managed secrets
   * of the stack region only. A sandbox of another region is verified by the
   * regional verifier stack there, or is never restored (a region without a
   * sandbox network): the stack region's verifier reaches no other region.
   */
  readonly verifierSandboxInstanceArns: readonly CfnString[];
  readonly verifierSandboxClusterArns: readonly CfnString[];
  readonly verifierRdsSecretArns: readonly CfnString[];
  /** kms:Decrypt through Secrets Manager of the stack region's RDS-managed secrets, for verify-sandbox. */
  readonly rdsSecretKeyStatements: readonly IamStatement[];
  /** The VPC of verify-sandbox, or false (serverless: no VpcConfig) when none is given. */
  readonly verifierVpc: VerifierVpc | false;
  /** `vpc` when verifierVpc is set (a CloudFormation condition adds the network policy then), else `none`. */
  readonly verifierNetwork: 'vpc' | 'none';
  /** The EC2 permissions Lambda needs to attach verify-sandbox to verifierVpc; empty without one. */
  readonly verifierNetworkStatements: readonly IamStatement[];
  /** Environment of verify-sandbox: RDS_CA_BUNDLE_PATH when the CA bundle is shipped, else nothing. */
  readonly verifierEnvironment: Readonly<Record<string, string>>;
  /** `yes` when drills restore in a region with a regional verifier (a condition adds its permissions), else `no`. */
  readonly regionalVerification: 'yes' | 'no';
  /** The state machine of each regional verifier stack: what start-regional-verification may start. */
  readonly regionalVerifierStateMachineArns: readonly CfnString[];
  /** The executions of those state machines: what check-regional-verification may describe. */
  readonly regionalVerifierExecutionArns: readonly CfnString[];
  /** What serverless-verifier.yml deploys in each of those regions (`--region`), by region. */
  readonly regionalVerifiers: Readonly<Record<string, RegionalVerifierSettings>>;
}

/** The settings of the regional verifier stack of one region (serverless-verifier.yml). */
export interface RegionalVerifierSettings {
  readonly vpc: VerifierVpc;
  readonly networkStatements: readonly IamStatement[];
  readonly sandboxInstanceArns: readonly CfnString[];
  readonly sandboxClusterArns: readonly CfnString[];
  readonly rdsSecretArns: readonly CfnString[];
  readonly rdsSecretKeyStatements: readonly IamStatement[];
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * Name of the regional verifier's state machine, as the functions' REGIONAL_VERIFIER_ARN
 * names it (serverless.yml): `restorable-<stage>-verify-sandbox-in-region`,
 * where the stage is the deployed one. That is the stack's name (osls names
 * the stack `<service>-<stage>`), left to CloudFormation: `serverless deploy
 * --stage` may deploy under another stage than aws.stage, which is all this
 * build knows.
 */
export const REGIONAL_VERIFIER_STATE_MACHINE_NAME = `\${AWS::StackName}-verify-sandbox-in-region`;

/** What the stack settings take besides the configuration: inputs of the build. */
export interface StackInputs {
  /** Set when the RDS CA bundle is shipped: its path in the package. */
  readonly rdsCaBundlePath?: string;
}

interface KeyScope {
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

function sidSuffix(region: string): string {
  return region
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
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
        Sid: `CopyKeyGrant${sidSuffix(copy.region)}`,
        Effect: 'Allow',
        Action: ['kms:CreateGrant'],
        Resource: scope.resource,
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, ...aliasCondition },
      },
      {
        Sid: `CopyKeyDescribe${sidSuffix(copy.region)}`,
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
  return scopes.flatMap(({ region, scope }) => {
    const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
    const aliasCondition: Record<string, Record<string, string>> = scope.alias === undefined
      ? {}
      : { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': scope.alias } };
    return [
      {
        Sid: `RestoreKeyGrant${sidSuffix(region)}`,
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
        Sid: `RestoreKeyUse${sidSuffix(region)}`,
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:Decrypt'],
        Resource: scope.resource,
        Condition: { StringEquals: viaRds, ...aliasCondition },
      },
    ];
  });
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

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

/**
 * The VPC verify-sandbox runs in, so that it reaches the sandboxes of the
 * stack region, which are never publicly accessible: those of
 * sandbox.regions.<stack region> when it is named there; else the Lambda
 * function's subnets are
 * sandbox.verifierSubnetIds (sandbox.subnetGroup names a DB subnet group,
 * whose subnets only AWS knows), its security groups
 * sandbox.verifierSecurityGroupIds, else the sandbox's own security groups
 * (sandbox.securityGroupIds), which must then admit themselves. No subnets:
 * no VPC, and the verifier cannot reach a sandbox.
 */
export function verifierVpc(config: Config): VerifierVpc | undefined {
  // sandbox.regions names the stack region: its settings, and only those.
  const stackRegion = regionalVerifierNetwork(config, deploymentOf(config).region);
  if (stackRegion !== undefined) return stackRegion;
  const subnetIds = [...config.sandbox.verifierSubnetIds];
  if (subnetIds.length === 0) return undefined;
  const explicitGroups = config.sandbox.verifierSecurityGroupIds;
  const securityGroupIds = [
    ...(explicitGroups.length > 0 ? explicitGroups : config.sandbox.securityGroupIds),
  ];
  for (const id of subnetIds) {
    if (!SUBNET_ID.test(id)) throw new ConfigError(`sandbox.verifierSubnetIds: ${id} is not a subnet id`);
  }
  const groupsField =
    explicitGroups.length > 0 ? 'sandbox.verifierSecurityGroupIds' : 'sandbox.securityGroupIds';
  for (const id of securityGroupIds) {
    if (!SECURITY_GROUP_ID.test(id)) {
      throw new ConfigError(
        `${groupsField} (verify-sandbox security groups): ${id} is not a security group id`,
      );
    }
  }
  if (securityGroupIds.length === 0) {
    throw new ConfigError(
      'sandbox.verifierSubnetIds is set, but no security group: set sandbox.verifierSecurityGroupIds or sandbox.securityGroupIds',
    );
  }
  return { subnetIds, securityGroupIds };
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
 * Copies the RDS CA bundle into the package when the deployer placed it, and
 * removes a copy left by an earlier build when not. Returns whether it ships.
 */
export function shipRdsCaBundle(source: string, destination: string): boolean {
  if (!existsSync(source)) {
    rmSync(destination, { force: true });
    return false;
  }
  const text = readFileSync(source, 'utf8');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`${source} holds no PEM certificate: place AWS's global RDS CA bundle there`);
  }
  mkdirSync(join(destination, '..'), { recursive: true });
  copyFileSync(source, destination);
  return true;
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

const noValue = { Ref: 'AWS::NoValue' } as const;

/** The ARN of the stack's own alert topic (serverless.yml names it `<stack>-alerts`), as a string. */
const OWN_ALERT_TOPIC_ARN: CfnString = {
  'Fn::Sub': `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:\${AWS::StackName}-alerts`,
};

/** `own` when the stack creates its alert topic, else `existing` (the configured topic's). */
function onAlertTopic<T>(own: T, existing: T | undefined): CfnIf<T> {
  return { 'Fn::If': ['CreatesAlertTopic', own, existing ?? noValue] };
}

/**
 * The release of Powertools the functions use: the one package.json pins
 * for every Powertools package (the tests and local runs use those), which
 * must agree, as the layer holds them all at one release.
 */
export function powertoolsVersionOf(dependencies: Readonly<Record<string, string>>): string {
  const versions = new Set(
    Object.entries(dependencies)
      .filter(([name]) => name.startsWith('@aws-lambda-powertools/'))
      .map(([, version]) => version),
  );
  const [version, ...others] = [...versions];
  if (version === undefined || others.length > 0 || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(
      `package.json must pin every @aws-lambda-powertools package to one exact release (found: ${[...versions].join(', ') || 'none'}): the Lambda layer holds them at one release`,
    );
  }
  return version;
}

/** "Lambda layers", Powertools for AWS Lambda (TypeScript): the layer's ARN of a release, in each region's public parameters. */
export const powertoolsLayerParameter = (version: string) =>
  `/aws/service/powertools/typescript/generic/all/${version}`;

const POWERTOOLS_VERSION = powertoolsVersionOf(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies,
);

export function stackSettings(config: Config, configFile: string, inputs: StackInputs = {}): StackSettings {
  const copyRegions = config.copyRegions.map((copy) => copy.region);
  const snapshotRegions = [config.sourceRegion, ...copyRegions];
  const vpc = verifierVpc(config);
  const sandbox = `${SANDBOX_ID_PREFIX}-*`;
  const stackRegion = deploymentOf(config).region;
  return {
    configFile,
    stage: config.aws.stage,
    region: stackRegion,
    sourceRegion: config.sourceRegion,
    copyRegions,
    snapshotRegions,
    schedules: config.schedules,
    observability: observabilitySettings(config),
    powertoolsLayerParameter: powertoolsLayerParameter(POWERTOOLS_VERSION),
    alertEmail: config.alerts.email ?? '',
    alertTopicArn: config.alerts.topicArn ?? '',
    // The branch not taken is a value all the same: IAM refuses a statement
    // whose Resource is AWS::NoValue, whichever branch holds.
    alertTopic: onAlertTopic<CfnArn>({ Ref: 'AlertTopic' }, config.alerts.topicArn ?? OWN_ALERT_TOPIC_ARN),
    alertKeyStatement: onAlertTopic(
      alertKeyStatement(undefined, stackRegion),
      config.alerts.topicArn === undefined
        ? undefined
        : alertKeyStatement(config.alerts.topicArn, stackRegion),
    ),
    copyKeyStatements: copyKeyStatements(config.copyRegions),
    ownSnapshotArns: ownSnapshotArns(snapshotRegions, 'snapshot'),
    ownClusterSnapshotArns: ownSnapshotArns(snapshotRegions, 'cluster-snapshot'),
    sandboxInstanceArns: regionalArns(snapshotRegions, 'rds', `db:${sandbox}`),
    sandboxClusterArns: regionalArns(snapshotRegions, 'rds', `cluster:${sandbox}`),
    sandboxClusterSnapshotArns: regionalArns(snapshotRegions, 'rds', `cluster-snapshot:${sandbox}`),
    ...sandboxRestoreResources(config),
    rdsSecretArns: regionalArns(snapshotRegions, 'secretsmanager', 'secret:rds!*'),
    restoreKeyStatements: restoreKeyStatements(config.sourceRegion, config.copyRegions),
    verifierSandboxInstanceArns: regionalArns([stackRegion], 'rds', `db:${sandbox}`),
    verifierSandboxClusterArns: regionalArns([stackRegion], 'rds', `cluster:${sandbox}`),
    verifierRdsSecretArns: regionalArns([stackRegion], 'secretsmanager', 'secret:rds!*'),
    rdsSecretKeyStatements: rdsSecretKeyStatements([stackRegion]),
    verifierVpc: vpc ?? false,
    verifierNetwork: vpc === undefined ? 'none' : 'vpc',
    verifierNetworkStatements: verifierNetworkStatements(vpc),
    verifierEnvironment:
      inputs.rdsCaBundlePath === undefined ? {} : { RDS_CA_BUNDLE_PATH: inputs.rdsCaBundlePath },
    ...regionalVerifierSettings(config, inputs),
  };
}

function sandboxRestoreResources(
  config: Config,
): Pick<
  StackSettings,
  'restoreSandboxInstanceResources' | 'restoreSandboxClusterResources' | 'createSandboxInstanceResources'
> {
  const rds = (resource: string): CfnString => ({
    'Fn::Sub': `arn:\${AWS::Partition}:rds:*:\${AWS::AccountId}:${resource}`,
  });
  const subnetGroups = [...sandboxNetworks(config)].map(([region, network]) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:subgrp:${network.subnetGroup}`,
  }));
  const sandbox = `${SANDBOX_ID_PREFIX}-*`;
  return {
    restoreSandboxInstanceResources: [
      rds(`db:${sandbox}`),
      rds('snapshot:restorable-*'),
      ...subnetGroups,
      rds('og:*'),
      rds('pg:*'),
    ],
    restoreSandboxClusterResources: [
      rds(`cluster:${sandbox}`),
      rds('cluster-snapshot:restorable-*'),
      ...subnetGroups,
      rds('og:*'),
      rds('cluster-pg:*'),
    ],
    createSandboxInstanceResources: [
      rds(`db:${sandbox}`),
      rds(`cluster:${sandbox}`),
      ...subnetGroups,
      rds('og:*'),
      rds('pg:*'),
    ],
  };
}

/**
 * The regional verifier stacks: one in each region of sandbox.regions other
 * than the stack's, whose state machines the stack's two relay functions
 * start and follow, and nothing else.
 */
function regionalVerifierSettings(
  config: Config,
  inputs: StackInputs,
): Pick<
  StackSettings,
  | 'regionalVerification'
  | 'regionalVerifierStateMachineArns'
  | 'regionalVerifierExecutionArns'
  | 'regionalVerifiers'
> {
  const regions = regionalVerifierRegions(config);
  const name = REGIONAL_VERIFIER_STATE_MACHINE_NAME;
  const sandbox = `${SANDBOX_ID_PREFIX}-*`;
  return {
    regionalVerification: regions.length === 0 ? 'no' : 'yes',
    regionalVerifierStateMachineArns: regionalArns(regions, 'states', `stateMachine:${name}`),
    regionalVerifierExecutionArns: regionalArns(regions, 'states', `execution:${name}:*`),
    regionalVerifiers: Object.fromEntries(
      regions.map((region) => {
        const network = regionalVerifierNetwork(config, region);
        if (network === undefined) throw new ConfigError(missingNetworkMessage(region));
        const vpc = { subnetIds: [...network.subnetIds], securityGroupIds: [...network.securityGroupIds] };
        const settings: RegionalVerifierSettings = {
          vpc,
          networkStatements: verifierNetworkStatements(vpc),
          sandboxInstanceArns: regionalArns([region], 'rds', `db:${sandbox}`),
          sandboxClusterArns: regionalArns([region], 'rds', `cluster:${sandbox}`),
          rdsSecretArns: regionalArns([region], 'secretsmanager', 'secret:rds!*'),
          rdsSecretKeyStatements: rdsSecretKeyStatements([region]),
          environment:
            inputs.rdsCaBundlePath === undefined ? {} : { RDS_CA_BUNDLE_PATH: inputs.rdsCaBundlePath },
        };
        return [region, settings];
      }),
    ),
  };
}

/** The configuration file the package is built with (see the header). */
export function chooseConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.RESTORABLE_CONFIG;
  return resolveConfigPath(explicit === undefined || explicit === '' ? undefined : explicit, ROOT);
}

/**
 * The handler of the regional verifier stack (serverless-verifier.yml),
 * `functions/regional/<name>.ts` → `dist/functions/regional/<name>.mjs`:
 * apart from the main stack's, which deploys every other handler.
 */
export function regionalHandlerEntryPoints(): Record<string, string> {
  return {
    'regional/verify-sandbox-in-region': join(ROOT, 'functions', 'regional', 'verify-sandbox-in-region.ts'),
  };
}

/** The handlers of the main stack: every file `functions/<name>.ts`, by name (functions/regional/ is the regional verifier's). */
export function handlerEntryPoints(): Record<string, string> {
  const directory = join(ROOT, 'functions');
  const files = readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => entry.name)
    .sort();
  return Object.fromEntries(files.map((file) => [basename(file, '.ts'), join(directory, file)]));
}

/**
 * What zod's `z` namespace carries that the functions never call, left out
 * of their bundles (a namespace object keeps every member it re-exports):
 * - its error messages in some 40 languages (about 270 KB minified, a fifth
 *   of each bundle): the functions' messages are English, and the English
 *   locale is imported on its own;
 * - `z.fromJSONSchema`, which builds a schema from a JSON Schema document
 *   (12 KB): the functions only parse with their own schemas. Calling it in
 *   a bundle throws, saying why.
 * Smaller bundles parse faster at every cold start.
 */
const leaveOutUnusedZod: Plugin = {
  name: 'leave-out-unused-zod',
  setup(builder) {
    const inZod = (importer: string) => /[\\/]zod[\\/]v4[\\/]/.test(importer);
    builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      inZod(args.importer) ? { path: 'zod-locales', namespace: 'left-out' } : undefined,
    );
    builder.onResolve({ filter: /^\.\/from-json-schema\.js$/ }, (args) =>
      inZod(args.importer) ? { path: 'zod-from-json-schema', namespace: 'left-out' } : undefined,
    );
    builder.onLoad({ filter: /^zod-locales$/, namespace: 'left-out' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
    builder.onLoad({ filter: /^zod-from-json-schema$/, namespace: 'left-out' }, () => ({
      contents:
        "export function fromJSONSchema() { throw new Error('z.fromJSONSchema is left out of the Lambda bundles (scripts/bundle.ts)'); }",
      loader: 'js',
    }));
  },
};

/** Each workflow definition as compact JSON text, its shared retriers expanded, by name (`backup` for workflows/backup.asl.json). */
export function workflowDefinitions(directory: string = join(ROOT, 'workflows')): Record<string, string> {
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.asl.json'))
    .sort();
  return Object.fromEntries(
    files.map((file) => [
      basename(file, '.asl.json'),
      JSON.stringify(workflowDefinitionAt(join(directory, file), relative(ROOT, join(directory, file)))),
    ]),
  );
}

export interface BundleReport {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly zippedBytes: number;
}

export async function bundleHandlers(entryPoints: Record<string, string>): Promise<BundleReport[]> {
  rmSync(FUNCTIONS_DIST, { recursive: true, force: true });
  const result = await build({
    entryPoints,
    outdir: FUNCTIONS_DIST,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    // The ES module builds of the AWS SDK and its dependencies tree-shake far
    // better than their CommonJS builds (about 300 KB less per bundle).
    mainFields: ['module', 'main'],
    minify: true,
    // Step Functions matches a Lambda error by its `name`, which the error
    // classes take from their class name (`new.target.name`): minified class
    // names would silently break every Retry and Catch on a custom error.
    keepNames: true,
    sourcemap: true,
    // Each handler's bundle stands alone: shared chunks would have to ship
    // with every function anyway.
    splitting: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [leaveOutUnusedZod],
    // The nodejs24.x runtime ships the AWS SDK v3, and loads it from its own
    // directory faster than a bundle of it would parse: bundled, the RDS and
    // S3 clients alone are some 150 KB of each zip. The functions use the
    // runtime's SDK release, not the one package-lock.json pins (the tests
    // run on that one); see "Lambda bundles" in the README. Powertools
    // (logger, metrics, tracer and the X-Ray SDK) comes from its Lambda
    // layer, at the release package.json pins (`powertoolsLayer`).
    external: ['@aws-sdk/*', '@aws-lambda-powertools/*'],
    // ESM has no `require`; bundled CommonJS dependencies still call it for
    // Node built-ins.
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  });
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .map(([file, output]) => {
      const path = resolve(ROOT, file);
      return {
        name: basename(file, '.mjs'),
        file: path,
        bytes: output.bytes,
        zippedBytes: deflateRawSync(readFileSync(path), { level: 9 }).length,
      };
    })
    .sort((left, right) => left.name.localeCompare(right.name));
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** One line per bundle: its size in bytes and KB, and its size once deflated as in the zip Lambda gets. */
export function formatReport(reports: readonly BundleReport[]): string {
  const width = Math.max(...reports.map((report) => report.name.length), 'bundle'.length);
  const row = (name: string, bytes: string, size: string, zipped: string) =>
    `${name.padEnd(width)}  ${bytes.padStart(9)}  ${size.padStart(10)}  ${zipped.padStart(10)}`;
  return [
    row('bundle', 'bytes', 'size', 'zipped'),
    ...reports.map((report) =>
      row(report.name, String(report.bytes), kilobytes(report.bytes), kilobytes(report.zippedBytes)),
    ),
  ].join('\n');
}

/** Validates the configuration and writes what serverless.yml and the packages read besides the bundles. */
function writeStackInputs(configFile: string): { settings: StackSettings; config: Config } {
  const config = loadConfig(configFile).config;
  mkdirSync(DIST, { recursive: true });
  const caBundle = shipRdsCaBundle(RDS_CA_BUNDLE_SOURCE, join(ROOT, RDS_CA_BUNDLE_PACKAGED));
  const settings = stackSettings(
    config,
    relative(ROOT, configFile),
    caBundle ? { rdsCaBundlePath: RDS_CA_BUNDLE_PACKAGED } : {},
  );
  writeFileSync(STACK_SETTINGS_DIST, `${JSON.stringify(settings, null, 2)}\n`);
  writeFileSync(CONFIG_DIST, shippedConfigText(config));
  writeFileSync(WORKFLOWS_DIST, `${JSON.stringify(workflowDefinitions(), null, 2)}\n`);
  writeFileSync(
    REGIONAL_WORKFLOWS_DIST,
    `${JSON.stringify(workflowDefinitions(REGIONAL_WORKFLOWS_SOURCE), null, 2)}\n`,
  );
  return { settings, config };
}

/**
 * What a deployment of this build cannot do, said at build time rather than
 * found at the first drill. A scheduled drill region without a sandbox
 * network is a warning, not an error: the same stack drills other regions
 * on demand (`drill --region`), and each such drill fails on its own, with
 * the field to set, before any sandbox exists.
 */
export function drillWarnings(settings: StackSettings, configFile: string, config?: Config): string[] {
  const drillRegion = config === undefined ? undefined : scheduledDrillRegion(config);
  return [
    ...(config !== undefined && drillRegion !== undefined && !sandboxNetworks(config).has(drillRegion)
      ? [
          `warning: ${relative(ROOT, configFile)}: scheduled drills restore in ${drillRegion} (drills.region), and every one fails: ${missingNetworkMessage(drillRegion)}`,
        ]
      : []),
    ...(settings.verifierEnvironment.RDS_CA_BUNDLE_PATH === undefined
      ? [
          `warning: no ${relative(ROOT, RDS_CA_BUNDLE_SOURCE)}: verify-sandbox ships no RDS CA bundle, refuses TLS to sandboxes and every drill fails`,
        ]
      : []),
    ...(settings.verifierVpc === false
      ? [
          `warning: ${relative(ROOT, configFile)} sets no sandbox.verifierSubnetIds: verify-sandbox runs outside any VPC and cannot reach a sandbox`,
        ]
      : []),
  ];
}

async function main(): Promise<number> {
  const configFile = chooseConfigFile();
  let built: { settings: StackSettings; config: Config };
  try {
    built = writeStackInputs(configFile);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const started = performance.now();
  const reports = await bundleHandlers({ ...handlerEntryPoints(), ...regionalHandlerEntryPoints() });
  console.log(formatReport(reports));
  console.log(
    `${reports.length} bundles in ${relative(ROOT, FUNCTIONS_DIST)}/ in ${Math.round(performance.now() - started)} ms;` +
      ` configuration ${relative(ROOT, configFile)} validated and written to ${relative(ROOT, CONFIG_DIST)}`,
  );
  for (const warning of drillWarnings(built.settings, configFile, built.config)) console.warn(warning);
  return 0;
}

if (import.meta.main) {
  process.exitCode = await main();
}
