// The stack settings: the configuration validated, with the schema's defaults
// filled in, plus what the stack definition cannot derive itself (IAM
// statements and ARNs per region, the verifier's network, the regional
// verifier stacks). `npm run bundle` (scripts/bundle.ts) writes them to
// dist/stack-settings.json; the stack definitions (infra/stack.ts,
// infra/verifier.ts) read that file from the service directory.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ObservabilitySettings, observabilitySettings } from '../scripts/observability.ts';
import type { Config } from '../src/config/schema.ts';
import { deploymentOf } from '../src/domain/deployment.ts';
import { ConfigError } from '../src/domain/errors.ts';
import { SANDBOX_ID_PREFIX } from '../src/domain/sandbox.ts';
import {
  missingNetworkMessage,
  regionalVerifierNetwork,
  regionalVerifierRegions,
  sandboxNetworks,
} from '../src/domain/sandbox-network.ts';
import { sandboxRegionsOf } from '../src/domain/vault.ts';
import type { CfnArn, CfnIf, CfnString } from './cfn.ts';
import {
  alertKeyStatement,
  copyKeyStatements,
  type IamStatement,
  OWN_ALERT_TOPIC_ARN,
  onAlertTopic,
  ownSnapshotArns,
  rdsSecretKeyStatements,
  regionalArns,
  restoreKeyStatements,
  type VerifierVpc,
  verifierNetworkStatements,
} from './iam.ts';

/** The vault account the backups copy into (configuration `vault`), as the source stack grants it. */
export interface VaultStackSettings {
  readonly accountId: string;
  /** The vault account's role the advance-backup function assumes (vault.roleName). */
  readonly roleName: string;
  /** The vault account's role the drill functions assume (vault.drillRoleName). */
  readonly drillRoleName: string;
  readonly regions: readonly { readonly region: string; readonly kmsKeyArn: string }[];
  /**
   * The source account (vault.sourceAccountId), whose advance-backup role the
   * vault stack's writer role trusts: the main stack needs it not, the vault
   * stack (infra/vault.ts) refuses to package without it.
   */
  readonly sourceAccountId?: string;
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
  /** Every region a sandbox may be in: the snapshotRegions and the vault regions (src/domain/vault.ts). */
  readonly sandboxRegions: readonly string[];
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
  /** What the regional verifier stack (infra/verifier.ts) deploys in each of those regions (`--region`), by region. */
  readonly regionalVerifiers: Readonly<Record<string, RegionalVerifierSettings>>;
  /** Set when the configuration names a vault account: the share key, and what advance-backup may do there. */
  readonly vault?: VaultStackSettings;
}

/** The settings of the regional verifier stack of one region (infra/verifier.ts). */
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
 * names it (infra/functions.ts): `restorable-<stage>-verify-sandbox-in-region`,
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
  (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies,
);

export function stackSettings(config: Config, configFile: string, inputs: StackInputs = {}): StackSettings {
  const copyRegions = config.copyRegions.map((copy) => copy.region);
  const snapshotRegions = [config.sourceRegion, ...copyRegions];
  const sandboxRegions = sandboxRegionsOf(config);
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
    sandboxRegions,
    sandboxInstanceArns: regionalArns(sandboxRegions, 'rds', `db:${sandbox}`),
    sandboxClusterArns: regionalArns(sandboxRegions, 'rds', `cluster:${sandbox}`),
    sandboxClusterSnapshotArns: regionalArns(sandboxRegions, 'rds', `cluster-snapshot:${sandbox}`),
    ...sandboxRestoreResources(config),
    rdsSecretArns: regionalArns(sandboxRegions, 'secretsmanager', 'secret:rds!*'),
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
    ...(config.vault === undefined
      ? {}
      : {
          vault: {
            accountId: config.vault.accountId,
            roleName: config.vault.roleName,
            drillRoleName: config.vault.drillRoleName,
            regions: config.vault.regions,
            ...(config.vault.sourceAccountId === undefined
              ? {}
              : { sourceAccountId: config.vault.sourceAccountId }),
          },
        }),
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

/**
 * A file `npm run bundle` writes in dist/ of the service directory, the one
 * serverless runs in (the repository root, or a test's copy of the service).
 */
export function readBuildOutput<T>(file: string): T {
  const path = join(process.cwd(), 'dist', file);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`npm run bundle\` first (\`npm run package\` runs both steps)`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export const readStackSettings = () => readBuildOutput<StackSettings>('stack-settings.json');
