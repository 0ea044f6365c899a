// Specifications of the deployed stack, read from what `npm run package`
// really produces offline: the bundles in dist/, the function packages and the
// CloudFormation template written by `serverless package`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { lambdaFunctions } from '../../infra/functions.ts';
import { copyKeyScope, copyKeyStatements, ownSnapshotArns, restoreKeyStatements } from '../../infra/iam.ts';
import { oneOffResources } from '../../infra/resources.ts';
import { powertoolsVersionOf, type StackSettings, stackSettings, verifierVpc } from '../../infra/settings.ts';
import {
  chooseConfigFile,
  drillWarnings,
  handlerEntryPoints,
  RDS_CA_BUNDLE_PACKAGED,
  shipRdsCaBundle,
} from '../../scripts/bundle.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { deploymentOf } from '../../src/domain/deployment.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import { METRIC, METRICS_NAMESPACE } from '../../src/domain/metrics.ts';
import { SANDBOX_ID_PREFIX, SANDBOX_TAG, SANDBOX_TAG_VALUE } from '../../src/domain/sandbox.ts';
import {
  DEPLOYMENT_TAG,
  MANAGED_TAG,
  MANAGED_TAG_VALUE,
  PROVEN_BAD_TAG,
  SOURCE_REGION_TAG,
} from '../../src/domain/tags.ts';
import type { AnyTask, Port } from '../../src/runtime/task.ts';
import { tasksByPlaceholder } from '../../src/tasks/registry.ts';
import { workflowText } from '../../src/workflow-runner/definitions.ts';
import {
  allowing,
  asList,
  type CfnResource,
  isObject,
  type Json,
  type JsonObject,
  type PackagedService,
  packageRegionalVerifier,
  packageService,
  packageVariant,
  policyStatements,
  properties,
  ROOT,
  referencedId,
  render,
  resource,
  resourcesOfType,
  roleStatements,
  type Statement,
  type Template,
} from './template.ts';
import { placeholders, taskStates, workflowFiles } from './workflow.ts';
import { zipEntryNames } from './zip.ts';

const HANDLERS = Object.keys(handlerEntryPoints());

/** The task behind the handler `functions/<name>.ts`. */
function taskNamed(name: string): AnyTask {
  const task = Object.values(tasksByPlaceholder).find((candidate) => candidate.name === name);
  if (task === undefined) throw new Error(`no task is named ${name}`);
  return task;
}

let service: PackagedService;
let template: Template;
let config: Config;

beforeAll(() => {
  config = loadConfig(chooseConfigFile()).config;
  service = packageService();
  template = service.template;
}, 120_000);

/** The Lambda function resource whose handler is `dist/functions/<name>.handler`. */
function lambdaFunction(name: string): [string, CfnResource] {
  const found = resourcesOfType(template, 'AWS::Lambda::Function').filter(
    ([, fn]) => fn.Properties?.Handler === `dist/functions/${name}.handler`,
  );
  expect(found, `one Lambda function runs functions/${name}.ts`).toHaveLength(1);
  return found[0] as [string, CfnResource];
}

function roleOf(name: string): string {
  const [, fn] = lambdaFunction(name);
  const role = referencedId(fn.Properties?.Role);
  if (role === undefined) throw new Error(`${name} has no role of the stack`);
  return role;
}

/** A placeholder such as `AdvanceBackupFunctionArn` names the Lambda function `advance-backup`. */
function handlerOfPlaceholder(placeholder: string): string {
  return placeholder
    .replace(/FunctionArn$/, '')
    .replace(/[A-Z]/g, (letter, offset: number) => (offset === 0 ? '' : '-') + letter.toLowerCase());
}

function servicesOf(statements: readonly Statement[]): Set<string> {
  return new Set(
    statements.flatMap((statement) => statement.actions.map((action) => action.split(':')[0] ?? action)),
  );
}

function allowedActions(statements: readonly Statement[]): Set<string> {
  return new Set(
    statements.filter((statement) => statement.Effect === 'Allow').flatMap((statement) => statement.actions),
  );
}

/** The tool's own snapshots (and cluster snapshots) in the source region. */
function ownSourceSnapshots(): string[] {
  return ['snapshot', 'cluster-snapshot'].map(
    (type) => `arn:\${AWS::Partition}:rds:${config.sourceRegion}:\${AWS::AccountId}:${type}:restorable-*`,
  );
}

/** A snapshot (or cluster snapshot) ARN pattern of the tool's own naming, in one region or any. */
function isOwnSnapshotPattern(arn: string): boolean {
  return /^arn:\$\{AWS::Partition\}:rds:([a-z0-9-]+|\*):\$\{AWS::AccountId\}:(snapshot|cluster-snapshot):restorable-\*$/.test(
    arn,
  );
}

/** Every region the tool writes snapshots to: the source region, then the copy regions. */
function snapshotRegions(): string[] {
  return [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)];
}

/**
 * The vault account's copies in one of its regions (restorable-*), which a
 * drill restores once the vault shares them back: none without a vault.
 */
function isVaultCopyPattern(arn: string): boolean {
  const { vault } = config;
  if (vault === undefined) return false;
  return vault.regions.some(({ region }) =>
    ['snapshot', 'cluster-snapshot'].some(
      (type) => arn === `arn:\${AWS::Partition}:rds:${region}:${vault.accountId}:${type}:restorable-*`,
    ),
  );
}

/** The regions drills restore in: those the tool writes snapshots to, and the vault regions. */
function restoreRegions(): string[] {
  return [...snapshotRegions(), ...(config.vault?.regions.map(({ region }) => region) ?? [])];
}

/** IAM matches action names without regard to case. */
function hasAction(statement: Statement, pattern: RegExp): boolean {
  return statement.actions.some((action) => pattern.test(action));
}

/**
 * The snapshot deletes, each with the resource type it acts on and the
 * condition keys that hold the deleted snapshot's ownership tag: the global
 * key, or the RDS key of that resource type.
 */
const SNAPSHOT_DELETES = [
  {
    action: 'rds:DeleteDBSnapshot',
    type: 'snapshot',
    tagKeys: [`aws:ResourceTag/${MANAGED_TAG}`, `rds:snapshot-tag/${MANAGED_TAG}`],
  },
  {
    action: 'rds:DeleteDBClusterSnapshot',
    type: 'cluster-snapshot',
    tagKeys: [`aws:ResourceTag/${MANAGED_TAG}`, `rds:cluster-snapshot-tag/${MANAGED_TAG}`],
  },
] as const;

/** Any delete of a snapshot, of whatever type, in any letter case. */
const DELETES_SNAPSHOTS = /^rds:Delete\w*Snapshot\w*$/i;

/** Whether the statement allows the action only on resources carrying the ownership tag, by one of these keys. */
function requiresOwnershipTag(statement: Statement, tagKeys: readonly string[]): boolean {
  const wanted = new Set(tagKeys.map((key) => key.toLowerCase()));
  return Object.entries(statement.Condition.StringEquals ?? {}).some(
    ([key, value]) =>
      wanted.has(key.toLowerCase()) &&
      (value === MANAGED_TAG_VALUE ||
        (Array.isArray(value) && value.length === 1 && value[0] === MANAGED_TAG_VALUE)),
  );
}

/**
 * A workflow definition text with its `${Name}` placeholders replaced as
 * CloudFormation does; a placeholder without a value fails, as the deployment would.
 */
function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nothing substitutes \${${name}}`);
    return value;
  });
}

/** The sandbox name pattern every drill resource is confined to: `rsbx-*`. */
const SANDBOX = `${SANDBOX_ID_PREFIX}-*`;

/** Any delete of a DB instance or cluster, in any letter case. */
const DELETES_DATABASES = /^rds:DeleteDB(Instance|Cluster)$/i;

/** Anything that brings a DB instance or cluster into being, in any letter case. */
const CREATES_DATABASES = /^rds:(RestoreDB\w*|CreateDBInstance\w*|CreateDBCluster)$/i;

/** Any modification of a DB instance or cluster, in any letter case. */
const MODIFIES_DATABASES = /^rds:ModifyDB(Instance|Cluster)$/i;

/** Any read of a secret's value, in any letter case. */
const READS_SECRETS = /^secretsmanager:(Batch)?GetSecretValue$/i;

interface RdsArn {
  readonly region: string;
  readonly type: string;
  readonly name: string;
}

/** An RDS ARN pattern of the template (`arn:${AWS::Partition}:rds:<region>:${AWS::AccountId}:<type>:<name>`). */
function rdsArn(arn: string): RdsArn | undefined {
  const match = /^arn:\$\{AWS::Partition\}:rds:([a-z0-9-]+|\*):\$\{AWS::AccountId\}:([a-z-]+):(.+)$/.exec(
    arn,
  );
  if (match === null) return undefined;
  const [, region = '', type = '', name = ''] = match;
  return { region, type, name };
}

/** The value of a condition key under an operator; IAM matches keys without regard to case. */
function conditionValue(statement: Statement, operator: string, key: string): Json | undefined {
  return Object.entries(statement.Condition[operator] ?? {}).find(
    ([candidate]) => candidate.toLowerCase() === key.toLowerCase(),
  )?.[1];
}

/** The rendered values of a condition key (one value or a list). */
function conditionValues(statement: Statement, operator: string, key: string): string[] {
  const value = conditionValue(statement, operator, key);
  return value === undefined ? [] : asList(value).map(render);
}

/** Whether the statement holds only when the key has exactly this value. */
function requiresValue(statement: Statement, operator: string, key: string, value: string): boolean {
  const values = conditionValues(statement, operator, key);
  return values.length === 1 && values[0] === value;
}

/** Whether the statement holds only for resources carrying the sandbox tag, by RDS's key of that type or the global one. */
function requiresSandboxTag(statement: Statement, type: 'db' | 'cluster'): boolean {
  return [`rds:${type}-tag/${SANDBOX_TAG}`, `aws:ResourceTag/${SANDBOX_TAG}`].some((key) =>
    requiresValue(statement, 'StringEquals', key, SANDBOX_TAG_VALUE),
  );
}

/**
 * The regions an RDS statement can act in: those its ARNs name, and for an
 * ARN of any region (`*`) those its aws:RequestedRegion condition allows (or
 * `*` when it has none).
 */
function regionsOf(statement: Statement): Set<string> {
  const requested = conditionValues(statement, 'StringEquals', 'aws:RequestedRegion');
  return new Set(
    statement.resources.flatMap((arn) => {
      const region = rdsArn(arn)?.region;
      if (region === undefined) return [];
      if (region !== '*') return [region];
      return requested.length > 0 ? requested : ['*'];
    }),
  );
}

/** The holders of every Allow statement granting an action that matches the pattern. */
function holdersOf(pattern: RegExp): string[] {
  return [
    ...new Set(
      policyStatements(template)
        .filter(({ statement }) => statement.Effect === 'Allow' && hasAction(statement, pattern))
        .map(({ holder, kind }) => `${kind} ${holder}`),
    ),
  ].sort();
}

/** Every Allow statement of the template granting an action that matches the pattern, with where it is. */
function statementsAllowing(pattern: RegExp): { where: string; statement: Statement }[] {
  return policyStatements(template)
    .filter(({ statement }) => statement.Effect === 'Allow' && hasAction(statement, pattern))
    .map(({ holder, statement }) => ({ where: `${holder} ${statement.Sid ?? ''}`, statement }));
}

/** The S3 grants of a role: each action with the objects (or the bucket) it names. */
function s3Grants(statements: readonly Statement[]): Record<string, string[]> {
  return Object.fromEntries(
    [...allowedActions(statements)]
      .filter((action) => action.startsWith('s3:'))
      .sort()
      .map((action) => [
        action,
        allowing(statements, action)
          .flatMap((statement) => statement.resources)
          .sort(),
      ]),
  );
}

/** The prefixes an s3:ListBucket grant is confined to. */
function listedPrefixes(statements: readonly Statement[]): string[] {
  return allowing(statements, 's3:ListBucket').flatMap((statement) => [
    ...conditionValues(statement, 'StringLike', 's3:prefix'),
    ...conditionValues(statement, 'StringEquals', 's3:prefix'),
  ]);
}

/** One ARN per region the tool writes snapshots to, where drills restore. */
function inDrillRegions(type: string, name: string): string[] {
  return snapshotRegions()
    .map((region) => `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${type}:${name}`)
    .sort();
}

/** The drill functions' one statement that reaches the vault: assuming the vault stack's drill role. */
function isVaultDrillRoleAssumption(statement: Statement): boolean {
  const { vault } = config;
  return (
    vault !== undefined &&
    statement.actions.length === 1 &&
    statement.actions[0] === 'sts:AssumeRole' &&
    statement.resources.length === 1 &&
    statement.resources[0] === `arn:\${AWS::Partition}:iam::${vault.accountId}:role/${vault.drillRoleName}`
  );
}

/** The state machine whose StateMachineName is restorable-<stage>-<workflow>, which the CLI looks for. */
function stateMachineNamed(workflow: string): [string, CfnResource] {
  const name = `restorable-${config.aws.stage}-${workflow}`;
  const found = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').filter(
    ([, machine]) => machine.Properties?.StateMachineName === name,
  );
  expect(found, `one state machine is named ${name}`).toHaveLength(1);
  return found[0] as [string, CfnResource];
}

describe('the function bundles', () => {
  it('builds one bundle per handler in functions/', () => {
    expect(HANDLERS.length).toBeGreaterThanOrEqual(6);
    for (const name of HANDLERS) {
      const code = readFileSync(join(ROOT, 'dist', 'functions', `${name}.mjs`), 'utf8');
      expect(code, `${name} is an ES module exporting handler`).toMatch(/export\s*\{[^}]*\bhandler\b/);
      expect(
        code.startsWith("import { createRequire } from 'module';"),
        `${name} defines require for ESM`,
      ).toBe(true);
    }
  });

  it.each(HANDLERS)("leaves zod's locales and its JSON Schema reader out of the %s bundle", (name) => {
    // The functions parse with their own schemas in English (the invocation
    // below proves the parsing still works); zod's other languages and
    // z.fromJSONSchema are some 280 KB they never run.
    const code = readFileSync(join(ROOT, 'dist', 'functions', `${name}.mjs`), 'utf8');
    expect(code).not.toContain('External $ref is not supported');
    expect(code).toContain('z.fromJSONSchema is left out of the Lambda bundles');
    expect(code).not.toContain('Ongeldige invoer');
  });

  it.each(HANDLERS)('keeps the error class names in the minified %s bundle', (name) => {
    const code = readFileSync(join(ROOT, 'dist', 'functions', `${name}.mjs`), 'utf8');
    // Every task validates its input; a task that calls AWS also translates
    // throttling (a task of no port, summarize-drills, bundles no such error).
    const errorNames =
      taskNamed(name).needs.length > 0 ? ['ThrottlingError', 'InvalidInputError'] : ['InvalidInputError'];
    for (const errorName of errorNames) {
      expect(code.includes(`"${errorName}"`), `${name} names ${errorName}`).toBe(true);
    }
  });

  it.each(HANDLERS)(
    '%s bundles the adapters of the ports its task needs and no other, and no YAML parser',
    (name) => {
      // Given the ports the task declares, and the SDK clients their aws adapters use;
      const clientsOfPort: Record<Port, readonly string[]> = {
        rds: ['@aws-sdk/client-rds'],
        reports: ['@aws-sdk/client-s3'],
        sandboxes: ['@aws-sdk/client-rds', '@aws-sdk/client-secrets-manager'],
        regionalVerifiers: ['@aws-sdk/client-sfn'],
        vault: ['@aws-sdk/client-rds', '@aws-sdk/client-sts'],
      };
      const expected = [...new Set(taskNamed(name).needs.flatMap((port) => clientsOfPort[port]))].sort();
      // when the bundle is read, the SDK being left to the runtime's;
      const code = readFileSync(join(ROOT, 'dist', 'functions', `${name}.mjs`), 'utf8');
      const imported = [
        ...new Set([...code.matchAll(/from\s*"(@aws-sdk\/[a-z0-9-]+)"/g)].map((match) => match[1])),
      ];
      // then it imports exactly those clients, and holds no YAML parser.
      expect(imported.sort()).toEqual(expected);
      expect(code).not.toContain('YAMLParseError');
    },
  );

  it.each(HANDLERS)('throws errors named after their class from the %s bundle', (name) => {
    // Given the bundle as Lambda loads it, with the configuration it ships;
    // when it is invoked with an input that fails validation (before any AWS
    // call); then the error's name is the one the workflows' Catch matches.
    const [, fn] = lambdaFunction(name);
    const environment = fn.Properties?.Environment;
    const variables = isObject(environment) && isObject(environment.Variables) ? environment.Variables : {};
    const probe = `
      const { handler } = await import(${JSON.stringify(join(ROOT, 'dist', 'functions', `${name}.mjs`))});
      const context = { functionName: 'probe', functionVersion: '$LATEST', memoryLimitInMB: '512',
        invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:probe', awsRequestId: 'probe',
        logGroupName: 'probe', logStreamName: 'probe', getRemainingTimeInMillis: () => 30000 };
      try { await handler({}, context); console.log('RESULT ' + JSON.stringify({ resolved: true })); }
      catch (error) { console.log('RESULT ' + JSON.stringify({ name: error.name })); }`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
      env: {
        PATH: process.env.PATH,
        LAMBDA_TASK_ROOT: ROOT,
        AWS_REGION: config.sourceRegion,
        RESTORABLE_CONFIG_PATH: String(variables.RESTORABLE_CONFIG_PATH),
        RESTORABLE_STAGE: String(variables.RESTORABLE_STAGE),
        REPORT_BUCKET: 'probe-bucket',
        WORK_BUCKET: 'probe-work-bucket',
      },
    });
    const result = output
      .split('\n')
      .find((line) => line.startsWith('RESULT '))
      ?.slice('RESULT '.length);
    expect(JSON.parse(result ?? '{}')).toEqual({ name: 'InvalidInputError' });
  });
});

describe('the Lambda functions', () => {
  const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const powertoolsParameter = `/aws/service/powertools/typescript/generic/all/${pinned.dependencies['@aws-lambda-powertools/logger']}`;

  it.each(HANDLERS)(
    '%s runs with the Powertools layer of the release package.json pins, and bundles none of it',
    (name) => {
      const [, fn] = lambdaFunction(name);
      expect(fn.Properties?.Layers).toEqual([{ Ref: 'PowertoolsLayerArn' }]);
      expect(template.Parameters?.PowertoolsLayerArn).toEqual({
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: powertoolsParameter,
      });
      const code = readFileSync(join(ROOT, 'dist', 'functions', `${name}.mjs`), 'utf8');
      expect(code).not.toContain('POWERTOOLS_DEV');
    },
  );

  it('pins one release for every Powertools package, the one the layer names', () => {
    expect(powertoolsVersionOf(pinned.dependencies)).toBe(
      pinned.dependencies['@aws-lambda-powertools/logger'],
    );
    expect(() =>
      powertoolsVersionOf({
        '@aws-lambda-powertools/logger': '2.36.0',
        '@aws-lambda-powertools/tracer': '2.35.0',
      }),
    ).toThrow(/one exact release/);
    expect(() => powertoolsVersionOf({ '@aws-lambda-powertools/logger': '^2.36.0' })).toThrow(
      /one exact release/,
    );
  });

  it('are deployed in the region and stage of the configuration', () => {
    expect(service.provider.region).toBe(config.aws.region ?? config.sourceRegion);
    expect(service.provider.stage).toBe(config.aws.stage);
  });

  it.each(HANDLERS)('%s runs on nodejs24.x, arm64, with structured JSON logs kept for a while', (name) => {
    const [id, fn] = lambdaFunction(name);
    expect(fn.Properties?.Runtime).toBe('nodejs24.x');
    expect(fn.Properties?.Architectures).toEqual(['arm64']);
    expect(fn.Properties?.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
    const logGroup = properties(template, id.replace(/LambdaFunction$/, 'LogGroup'));
    expect(logGroup.RetentionInDays).toEqual(expect.any(Number));
  });

  it('each have a role of their own', () => {
    const roles = HANDLERS.map(roleOf);
    expect(new Set(roles).size).toBe(HANDLERS.length);
    for (const role of roles) expect(resource(template, role).Type).toBe('AWS::IAM::Role');
    expect(template.Resources.IamRoleLambdaExecution, 'no shared default role').toBeUndefined();
  });

  it.each(HANDLERS)('%s ships only its own bundle and the configuration it reads', (name) => {
    const [id, fn] = lambdaFunction(name);
    const zip = join(
      service.outputDirectory,
      `${id.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase())}.zip`,
    );
    const environment = fn.Properties?.Environment;
    const variables = isObject(environment) && isObject(environment.Variables) ? environment.Variables : {};
    // verify-sandbox also ships the RDS CA bundle, when the build found one.
    const caBundle = typeof variables.RDS_CA_BUNDLE_PATH === 'string' ? [variables.RDS_CA_BUNDLE_PATH] : [];
    expect(zipEntryNames(zip)).toEqual(
      [String(variables.RESTORABLE_CONFIG_PATH), `dist/functions/${name}.mjs`, ...caBundle].sort(),
    );
    // The configuration ships validated, as JSON: the functions parse no YAML.
    expect(variables.RESTORABLE_CONFIG_PATH).toBe('dist/config.json');
    expect(JSON.parse(readFileSync(join(ROOT, 'dist', 'config.json'), 'utf8'))).toEqual(
      loadConfig(chooseConfigFile()).config,
    );
  });

  it('time out before the workflow Task that calls them gives up', () => {
    for (const workflow of workflowFiles()) {
      for (const task of taskStates(workflow.definition)) {
        const placeholder = /^\$\{(\w+FunctionArn)\}$/.exec(task.resource)?.[1];
        if (placeholder === undefined || task.timeoutSeconds === undefined) continue;
        const [, fn] = lambdaFunction(handlerOfPlaceholder(placeholder));
        expect(fn.Properties?.Timeout, `${workflow.name}.${task.name}`).toBeLessThan(task.timeoutSeconds);
      }
    }
  });
});

describe('IAM', () => {
  it('allows no wildcard action anywhere', () => {
    const allows = policyStatements(template).filter((located) => located.statement.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(20);
    for (const { holder, statement } of allows) {
      for (const action of statement.actions)
        expect(action, `${holder} ${statement.Sid ?? ''}`).not.toContain('*');
    }
  });

  it('names resources in every identity statement, except for log delivery, network interface listing and the account quotas, which have no resource-level permissions', () => {
    const logDelivery = new Set([
      'rds:DescribeAccountAttributes',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    for (const { holder, kind, statement } of policyStatements(template)) {
      if (kind !== 'identity' || !statement.resources.includes('*')) continue;
      expect(
        statement.actions.filter((action) => !logDelivery.has(action)),
        `${holder} ${statement.Sid ?? ''}`,
      ).toEqual([]);
    }
  });

  it('lets each function write only to its own log group', () => {
    for (const name of HANDLERS) {
      const [id] = lambdaFunction(name);
      const logs = roleStatements(template, roleOf(name)).filter((statement) =>
        statement.actions.some((action) => action.startsWith('logs:')),
      );
      expect(logs.flatMap((statement) => statement.resources)).toEqual([
        `\${${id.replace(/LambdaFunction$/, 'LogGroup')}.Arn}`,
      ]);
    }
  });

  it('lets advance-backup create only restorable-* snapshots of the source region, and tag only restorable-* snapshots, tagged restorable:managed=true in the request', () => {
    const statements = roleStatements(template, roleOf('advance-backup'));
    const creates = [
      ...allowing(statements, 'rds:CreateDBSnapshot'),
      ...allowing(statements, 'rds:CreateDBClusterSnapshot'),
    ];
    const tags = allowing(statements, 'rds:AddTagsToResource');
    expect(creates.length).toBeGreaterThan(0);
    expect(tags.length).toBeGreaterThan(0);
    for (const statement of [...creates, ...tags]) {
      expect(statement.Condition.StringEquals?.['aws:RequestTag/restorable:managed']).toBe('true');
    }
    for (const statement of creates) {
      const snapshotResources = statement.resources.filter((arn) => /:(cluster-)?snapshot:/.test(arn));
      expect(snapshotResources.sort()).toEqual(ownSourceSnapshots().sort());
    }
    for (const statement of tags) expect(statement.resources.every(isOwnSnapshotPattern)).toBe(true);
  });

  it('lets every role create, copy, tag or delete only snapshots named restorable-*', () => {
    const snapshotWrites = /^rds:(Create|Copy|Delete)DB(Cluster)?Snapshot$/;
    for (const { holder, statement } of policyStatements(template)) {
      if (statement.Effect !== 'Allow') continue;
      const where = `${holder} ${statement.Sid ?? ''}`;
      const snapshots = statement.resources.filter((arn) => /:(cluster-)?snapshot:/.test(arn));
      if (statement.actions.some((action) => snapshotWrites.test(action))) {
        expect(snapshots.length, where).toBeGreaterThan(0);
      }
      if (
        statement.actions.some((action) => snapshotWrites.test(action) || action === 'rds:AddTagsToResource')
      ) {
        expect(snapshots.every(isOwnSnapshotPattern), where).toBe(true);
      }
    }
  });

  it('allows nothing through NotAction or NotResource, which would reach past every check here', () => {
    for (const { holder, statement } of policyStatements(template)) {
      if (statement.Effect !== 'Allow') continue;
      expect(
        [...statement.notActions, ...statement.notResources],
        `${holder} ${statement.Sid ?? ''}`,
      ).toEqual([]);
    }
  });

  it('requires, in every statement allowing a snapshot delete, the ownership tag of that snapshot type', () => {
    // Whatever the role: only the tool's own snapshots (restorable-*, never
    // `*`), and only those tagged restorable:managed=true, by the global key
    // or by RDS's key of the deleted resource type.
    let deletes = 0;
    for (const { holder, statement } of policyStatements(template)) {
      if (statement.Effect !== 'Allow') continue;
      for (const { action, type, tagKeys } of SNAPSHOT_DELETES) {
        if (!statement.actions.some((allowed) => allowed.toLowerCase() === action.toLowerCase())) continue;
        deletes++;
        const where = `${holder} ${statement.Sid ?? ''} ${action}`;
        expect(statement.resources, where).not.toContain('*');
        expect(statement.resources.length, where).toBeGreaterThan(0);
        expect(statement.resources.every(isOwnSnapshotPattern), where).toBe(true);
        expect(
          statement.resources.some((arn) => arn.includes(`:${type}:restorable-*`)),
          where,
        ).toBe(true);
        expect(requiresOwnershipTag(statement, tagKeys), `${where} requires ${MANAGED_TAG}=true`).toBe(true);
      }
    }
    expect(deletes).toBeGreaterThanOrEqual(SNAPSHOT_DELETES.length);
  });

  it("lets delete-snapshot delete the tool's own snapshots in each region it writes to, tagged by RDS's keys", () => {
    const statements = roleStatements(template, roleOf('delete-snapshot'));
    for (const { action, type } of SNAPSHOT_DELETES) {
      const allowed = allowing(statements, action);
      expect(allowed.length, action).toBeGreaterThan(0);
      // The statements of the deployment's own snapshots and, for the default
      // deployment, of those earlier versions made name the same snapshots.
      expect([...new Set(allowed.flatMap((statement) => statement.resources))].sort(), action).toEqual(
        snapshotRegions()
          .map((region) => `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${type}:restorable-*`)
          .sort(),
      );
      for (const statement of allowed) {
        expect(statement.Condition.StringEquals?.[`rds:${type}-tag/${MANAGED_TAG}`], action).toBe(
          MANAGED_TAG_VALUE,
        );
      }
    }
    const writes = [...allowedActions(statements)].filter(
      (action) => action.startsWith('rds:') && !/^rds:Describe/.test(action),
    );
    expect(writes.sort()).toEqual(['rds:DeleteDBClusterSnapshot', 'rds:DeleteDBSnapshot']);
  });

  it("gives no role but delete-snapshot's any delete of a snapshot, but advance-backup's of its vault staging copies", () => {
    const deleter = roleOf('delete-snapshot');
    const holders = policyStatements(template)
      .filter(({ statement }) => statement.Effect === 'Allow' && hasAction(statement, DELETES_SNAPSHOTS))
      .filter(
        ({ holder, statement }) =>
          holder !== roleOf('advance-backup') ||
          statement.Condition.Null?.['aws:ResourceTag/restorable:vault-staging'] !== 'false',
      )
      .map(({ holder, kind }) => `${kind} ${holder}`);
    expect(holders.length).toBeGreaterThan(0);
    expect([...new Set(holders)]).toEqual([`identity ${deleter}`]);
  });

  it('keeps plan-prune from changing anything in RDS: Describe, List and Get, besides its own logs, SSE-KMS leases, removing expired ones, and its plan', () => {
    const [logGroup] = lambdaFunction('plan-prune');
    const statements = roleStatements(template, roleOf('plan-prune')).filter(
      (statement) => statement.Effect === 'Allow',
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const where = statement.Sid ?? JSON.stringify(statement.actions);
      // Writing its own log stream is every function's; decrypting is how S3
      // hands over an object encrypted under the reports key.
      const ownLogs = statement.resources.every(
        (arn) => arn === `\${${logGroup.replace(/LambdaFunction$/, 'LogGroup')}.Arn}`,
      );
      const only = (resource: string) => statement.resources.every((arn) => arn === resource);
      const exceptions = new Set([
        ...(ownLogs ? ['logs:createlogstream', 'logs:putlogevents'] : []),
        ...(only(`\${ReportsKey.Arn}`) ? ['kms:decrypt', 'kms:generatedatakey'] : []),
        // The run's plan document, and leases whose expiry day is past.
        ...(only(`\${WorkBucket.Arn}/work/prunes/*`) ? ['s3:putobject'] : []),
        ...(only(`\${ReportsBucket.Arn}/leases/drills/*`) ? ['s3:deleteobject'] : []),
      ]);
      for (const action of statement.actions) {
        if (exceptions.has(action.toLowerCase())) continue;
        expect(action, where).toMatch(/^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/i);
      }
      expect(
        hasAction(
          statement,
          /^rds:(Delete|Create|Copy|Modify|Restore|Start|Stop|Reboot|AddTags|RemoveTags)/i,
        ),
        where,
      ).toBe(false);
    }
    const rds = [...allowedActions(statements)].filter((action) => action.startsWith('rds:'));
    expect(rds.sort()).toEqual([
      'rds:DescribeAccountAttributes',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusters',
      'rds:DescribeDBInstances',
      'rds:DescribeDBSnapshots',
    ]);
  });

  it('lets discover-databases and plan-prune, and no other function, read the manual snapshot quotas, in the regions the tool writes to', () => {
    // DescribeAccountAttributes has no resource type in the Service
    // Authorization Reference, so only "*" names its resource
    // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
    for (const name of ['discover-databases', 'plan-prune']) {
      const quotas = allowing(roleStatements(template, roleOf(name)), 'rds:DescribeAccountAttributes');
      expect(quotas, name).toHaveLength(1);
      for (const statement of quotas) {
        expect(statement.actions, name).toEqual(['rds:DescribeAccountAttributes']);
        expect(statement.resources, name).toEqual(['*']);
        expect(asList(statement.Condition.StringEquals?.['aws:RequestedRegion']), name).toEqual(
          snapshotRegions(),
        );
      }
    }
    const holders = policyStatements(template)
      .filter(
        ({ statement }) =>
          statement.Effect === 'Allow' && hasAction(statement, /^rds:DescribeAccountAttributes$/i),
      )
      .map(({ holder }) => holder);
    expect([...new Set(holders)].sort()).toEqual([roleOf('discover-databases'), roleOf('plan-prune')].sort());
  });

  const readsOnlyDrillLeases = (name: string, listing: ReturnType<typeof roleStatements>) => {
    expect(listing.length, name).toBeGreaterThan(0);
    for (const statement of listing) {
      expect(statement.resources).toEqual([`\${ReportsBucket.Arn}`]);
      const prefix =
        statement.Condition.StringLike?.['s3:prefix'] ?? statement.Condition.StringEquals?.['s3:prefix'];
      expect(asList(prefix).length).toBeGreaterThan(0);
      for (const value of asList(prefix)) expect(String(value)).toMatch(/^leases\/drills\/\*?$/);
    }
  };

  it('lets plan-prune read and remove only the drill leases of the reports bucket, list only their prefix, and write its plan', () => {
    const statements = roleStatements(template, roleOf('plan-prune'));
    const s3 = statements.filter((statement) => hasAction(statement, /^s3:/i));
    expect(s3.flatMap((statement) => statement.actions).sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    readsOnlyDrillLeases('plan-prune', allowing(statements, 's3:ListBucket'));
    for (const action of ['s3:GetObject', 's3:DeleteObject']) {
      expect(allowing(statements, action).flatMap((statement) => statement.resources)).toEqual([
        `\${ReportsBucket.Arn}/leases/drills/*`,
      ]);
    }
    expect(allowing(statements, 's3:PutObject').flatMap((statement) => statement.resources)).toEqual([
      `\${WorkBucket.Arn}/work/prunes/*`,
    ]);
    expect(allowing(statements, 'kms:Decrypt').flatMap((statement) => statement.resources)).toEqual([
      `\${ReportsKey.Arn}`,
    ]);
  });

  it('lets delete-snapshot read the drill leases and its run’s plan, and read and write only the deletion log', () => {
    const statements = roleStatements(template, roleOf('delete-snapshot'));
    const listing = allowing(statements, 's3:ListBucket');
    readsOnlyDrillLeases(
      'delete-snapshot',
      listing.filter((statement) => statement.Sid !== 'ListDeletionLog'),
    );
    expect(
      listing
        .filter((statement) => statement.Sid === 'ListDeletionLog')
        .map((statement) => asList(statement.Condition.StringLike?.['s3:prefix'])),
    ).toEqual([['evidence/deletions/*']]);
    expect(
      allowing(statements, 's3:GetObject')
        .flatMap((statement) => statement.resources)
        .sort(),
    ).toEqual([
      `\${ReportsBucket.Arn}/evidence/deletions/*`,
      `\${ReportsBucket.Arn}/leases/drills/*`,
      `\${WorkBucket.Arn}/work/prunes/*`,
    ]);
    // The intent is written before any delete: the role that deletes can write the log, and nothing else.
    expect(allowing(statements, 's3:PutObject').flatMap((statement) => statement.resources)).toEqual([
      `\${ReportsBucket.Arn}/evidence/deletions/*`,
    ]);
    expect([...allowedActions(statements)].filter((action) => action.startsWith('s3:')).sort()).toEqual([
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('lets write-prune-log write run logs, complete the deletion log, and only describe snapshots', () => {
    const statements = roleStatements(template, roleOf('write-prune-log'));
    expect(
      allowing(statements, 's3:PutObject')
        .flatMap((statement) => statement.resources)
        .sort(),
    ).toEqual([`\${ReportsBucket.Arn}/evidence/deletions/*`, `\${ReportsBucket.Arn}/evidence/prunes/*`]);
    expect(
      allowing(statements, 's3:GetObject')
        .flatMap((statement) => statement.resources)
        .sort(),
    ).toEqual([`\${ReportsBucket.Arn}/evidence/deletions/*`, `\${WorkBucket.Arn}/work/prunes/*`]);
    const listing = allowing(statements, 's3:ListBucket');
    expect(listing).toHaveLength(1);
    for (const statement of listing) {
      expect(asList(statement.Condition.StringLike?.['s3:prefix'])).toEqual(['evidence/deletions/*']);
    }
    expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 'rds', 's3']);
    const rds = [...allowedActions(statements)].filter((action) => action.startsWith('rds:'));
    expect(rds.sort()).toEqual(['rds:DescribeDBClusterSnapshots', 'rds:DescribeDBSnapshots']);
  });

  it('lets mark-snapshot-proven-bad add only the proven-bad tag, and only to the tool’s own snapshots', () => {
    // With a vault, also its drill role, which tags a vault copy (the vault stack's tests pin that).
    const statements = roleStatements(template, roleOf('mark-snapshot-proven-bad')).filter(
      (statement) => !isVaultDrillRoleAssumption(statement),
    );
    expect([...servicesOf(statements)].sort()).toEqual(['logs', 'rds']);
    const tagging = allowing(statements, 'rds:AddTagsToResource');
    expect(tagging).toHaveLength(2);
    for (const statement of tagging) {
      expect(asList(statement.Condition['ForAllValues:StringEquals']?.['aws:TagKeys'])).toEqual([
        'restorable:proven-bad',
      ]);
      const ownership = Object.entries(statement.Condition.StringEquals ?? {});
      expect(ownership).toHaveLength(1);
      expect(ownership[0]?.[0]).toMatch(/^rds:(snapshot|cluster-snapshot)-tag\/restorable:managed$/);
      expect(ownership[0]?.[1]).toBe('true');
      for (const resource of statement.resources) {
        expect(resource).toMatch(/:(snapshot|cluster-snapshot):restorable-\*$/);
      }
    }
    const rds = [...allowedActions(statements)].filter((action) => action.startsWith('rds:'));
    expect(rds.sort()).toEqual([
      'rds:AddTagsToResource',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBSnapshots',
    ]);
  });

  it('keeps discover-databases read-only on RDS, and lets it write only the run queues and read only the backup timings', () => {
    const statements = roleStatements(template, roleOf('discover-databases'));
    const rds = [...allowedActions(statements)].filter((action) => action.startsWith('rds:'));
    expect(rds.length).toBeGreaterThan(0);
    expect(rds.every((action) => action.startsWith('rds:Describe'))).toBe(true);
    expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 'rds', 's3']);
    expect(allowing(statements, 's3:PutObject').flatMap((statement) => statement.resources)).toEqual([
      `\${WorkBucket.Arn}/work/backups/*`,
    ]);
    expect(allowing(statements, 's3:GetObject').flatMap((statement) => statement.resources)).toEqual([
      `\${WorkBucket.Arn}/work/backups/timings.json`,
    ]);
  });

  it('lets advance-backup describe only restorable-* snapshots, in the regions the tool writes to', () => {
    const statements = roleStatements(template, roleOf('advance-backup'));
    const describes = [
      ...allowing(statements, 'rds:DescribeDBSnapshots'),
      ...allowing(statements, 'rds:DescribeDBClusterSnapshots'),
    ];
    expect(describes.length).toBeGreaterThan(0);
    for (const statement of describes) {
      expect(statement.resources.every(isOwnSnapshotPattern)).toBe(true);
      expect(asList(statement.Condition.StringEquals?.['aws:RequestedRegion'])).toEqual(snapshotRegions());
    }
  });

  it('lets advance-backup use the configured key of each copy region, for grants to AWS resources only, and the reports key', () => {
    const statements = roleStatements(template, roleOf('advance-backup'));
    for (const statement of allowing(statements, 'kms:CreateGrant')) {
      expect(statement.Condition.Bool?.['kms:GrantIsForAWSResource']).toBe('true');
    }
    expect([...allowedActions(statements)].filter((action) => action.startsWith('kms:')).sort()).toEqual([
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:GenerateDataKey',
    ]);
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(allowing(statements, action).flatMap((statement) => statement.resources)).toEqual([
        `\${ReportsKey.Arn}`,
      ]);
    }
    for (const copy of config.copyRegions) {
      for (const action of ['kms:CreateGrant', 'kms:DescribeKey']) {
        const onRegion = allowing(statements, action).filter((statement) =>
          statement.resources.some((arn) => arn.includes(`:kms:${copy.region}:`)),
        );
        expect(onRegion, `${action} in ${copy.region}`).toHaveLength(1);
        const [statement] = onRegion as [Statement];
        if (copy.kmsKeyId.startsWith('alias/')) {
          expect(statement.Condition['ForAnyValue:StringEquals']?.['kms:ResourceAliases']).toBe(
            copy.kmsKeyId,
          );
        } else if (copy.kmsKeyId.includes(':key/')) {
          expect(statement.resources).toEqual([copy.kmsKeyId]);
        }
      }
    }
  });

  it('lets advance-backup copy only within the configured regions', () => {
    const statements = roleStatements(template, roleOf('advance-backup'));
    const copies = [
      ...allowing(statements, 'rds:CopyDBSnapshot'),
      ...allowing(statements, 'rds:CopyDBClusterSnapshot'),
    ];
    expect(copies.length).toBeGreaterThan(0);
    for (const statement of copies) {
      expect(statement.Condition.StringEquals?.['aws:RequestedRegion']).toEqual([
        config.sourceRegion,
        ...config.copyRegions.map((copy) => copy.region),
      ]);
    }
  });

  it('lets advance-backup keep only the run queues and put only backup records in the reports bucket', () => {
    const statements = roleStatements(template, roleOf('advance-backup'));
    const s3 = statements.filter((statement) => statement.actions.some((action) => action.startsWith('s3:')));
    expect([...new Set(s3.flatMap((statement) => statement.actions))].sort()).toEqual([
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
    expect(
      allowing(statements, 's3:PutObject')
        .flatMap((statement) => statement.resources)
        .sort(),
    ).toEqual([`\${ReportsBucket.Arn}/evidence/backups/*`, `\${WorkBucket.Arn}/work/backups/*`]);
    expect(allowing(statements, 's3:GetObject').flatMap((statement) => statement.resources)).toEqual([
      `\${WorkBucket.Arn}/work/backups/*`,
    ]);
  });

  it('lets summarize-backup-run read the run queues and write only the backup timings', () => {
    const statements = roleStatements(template, roleOf('summarize-backup-run'));
    expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 's3']);
    expect(allowing(statements, 's3:PutObject').flatMap((statement) => statement.resources)).toEqual([
      `\${WorkBucket.Arn}/work/backups/timings.json`,
    ]);
    expect(allowing(statements, 's3:GetObject').flatMap((statement) => statement.resources)).toEqual([
      `\${WorkBucket.Arn}/work/backups/*`,
    ]);
  });
});

describe('IAM of the restore drills', () => {
  it("gives no role but teardown-sandbox's and sweep-sandboxes' any delete of a DB instance or cluster", () => {
    expect(holdersOf(DELETES_DATABASES)).toEqual(
      [`identity ${roleOf('sweep-sandboxes')}`, `identity ${roleOf('teardown-sandbox')}`].sort(),
    );
  });

  it('requires, in every statement allowing a DB instance or cluster delete, an rsbx-* target carrying the sandbox tag', () => {
    const deletes = statementsAllowing(DELETES_DATABASES);
    expect(deletes.length).toBeGreaterThan(0);
    for (const { where, statement } of deletes) {
      expect(statement.resources.length, where).toBeGreaterThan(0);
      const arns = statement.resources.map((arn) => ({ arn, parsed: rdsArn(arn) }));
      for (const { arn, parsed } of arns) {
        // Only sandboxes, in a region where drills restore: never `*`, never
        // a pattern that a production database could match.
        expect(parsed, `${where} ${arn}`).toBeDefined();
        expect(parsed?.name, `${where} ${arn}`).toBe(SANDBOX);
        expect(snapshotRegions(), `${where} ${arn}`).toContain(parsed?.region);
      }
      const types = new Set(arns.map(({ parsed }) => parsed?.type));
      const instanceDelete = hasAction(statement, /^rds:DeleteDBInstance$/i);
      const clusterDelete = hasAction(statement, /^rds:DeleteDBCluster$/i);
      for (const type of types) {
        const allowed = [
          ...(instanceDelete ? ['db'] : []),
          ...(clusterDelete ? ['cluster', 'cluster-snapshot'] : []),
        ];
        expect(allowed, `${where} names a ${type}`).toContain(type);
      }
      if (types.has('db'))
        expect(requiresSandboxTag(statement, 'db'), `${where} requires the tag`).toBe(true);
      if (types.has('cluster')) {
        expect(requiresSandboxTag(statement, 'cluster'), `${where} requires the tag`).toBe(true);
      }
      if (!types.has('db') && !types.has('cluster')) {
        // The final cluster snapshot DeleteDBCluster names: on its own it
        // deletes nothing, so it must allow that one action and nothing else.
        expect(statement.actions, where).toEqual(['rds:DeleteDBCluster']);
      }
    }
  });

  it.each(['teardown-sandbox', 'sweep-sandboxes'])(
    '%s deletes sandboxes in every region drills restore to, and changes no other RDS resource',
    (name) => {
      const statements = roleStatements(template, roleOf(name));
      const targets = (action: string, type: string) =>
        [...new Set(allowing(statements, action).flatMap((statement) => statement.resources))]
          .filter((arn) => rdsArn(arn)?.type === type)
          .sort();
      expect(targets('rds:DeleteDBInstance', 'db')).toEqual(inDrillRegions('db', SANDBOX));
      expect(targets('rds:DeleteDBCluster', 'cluster')).toEqual(inDrillRegions('cluster', SANDBOX));
      const rdsWrites = [...allowedActions(statements)].filter(
        (action) => action.startsWith('rds:') && !/^rds:Describe/.test(action),
      );
      expect(rdsWrites.sort()).toEqual(['rds:DeleteDBCluster', 'rds:DeleteDBInstance']);
      expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 'rds', 's3']);
    },
  );

  it('lets teardown-sandbox read and release only drill leases', () => {
    const statements = roleStatements(template, roleOf('teardown-sandbox'));
    expect(s3Grants(statements)).toEqual({
      's3:GetObject': [`\${ReportsBucket.Arn}/leases/drills/*`],
      's3:ListBucket': [`\${ReportsBucket.Arn}`],
      's3:PutObject': [`\${ReportsBucket.Arn}/leases/drills/*`],
    });
    // Listing lets a missing lease read as missing (404), not as forbidden.
    expect(listedPrefixes(statements)).toEqual(['leases/drills/*']);
  });

  it('lets sweep-sandboxes write only sweep evidence', () => {
    expect(s3Grants(roleStatements(template, roleOf('sweep-sandboxes')))).toEqual({
      's3:PutObject': [`\${ReportsBucket.Arn}/evidence/sweeps/*`],
    });
  });

  it('lets only restore-sandbox restore or create a DB instance or cluster, and only an rsbx-* sandbox tagged in the request', () => {
    expect(holdersOf(CREATES_DATABASES)).toEqual([`identity ${roleOf('restore-sandbox')}`]);
    const creates = statementsAllowing(CREATES_DATABASES);
    const actions = new Set(creates.flatMap(({ statement }) => statement.actions));
    expect([...actions].sort()).toEqual([
      'rds:CreateDBInstance',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:RestoreDBInstanceFromDBSnapshot',
    ]);
    for (const { where, statement } of creates) {
      expect(
        requiresValue(statement, 'StringEquals', `aws:RequestTag/${SANDBOX_TAG}`, SANDBOX_TAG_VALUE),
        `${where} requires ${SANDBOX_TAG}=${SANDBOX_TAG_VALUE} in the request`,
      ).toBe(true);
      expect(statement.resources, where).not.toContain('*');
      const parsed = statement.resources.map((arn) => ({
        arn,
        type: rdsArn(arn)?.type,
        name: rdsArn(arn)?.name,
      }));
      expect(
        parsed.some(({ type }) => type === 'db' || type === 'cluster'),
        where,
      ).toBe(true);
      for (const { arn, type, name } of parsed) {
        const what = `${where} ${arn}`;
        // A vault copy is the vault account's: the only ARN of another account.
        if (isVaultCopyPattern(arn)) {
          expect(statement.actions, what).not.toContain('rds:CreateDBInstance');
          continue;
        }
        expect(
          ['db', 'cluster', 'snapshot', 'cluster-snapshot', 'subgrp', 'og', 'pg', 'cluster-pg'],
          what,
        ).toContain(type);
        if (type === 'db' || type === 'cluster') expect(name, what).toBe(SANDBOX);
        if (type === 'snapshot' || type === 'cluster-snapshot')
          expect(isOwnSnapshotPattern(arn), what).toBe(true);
        if (type === 'subgrp') expect(name, what).toBe(config.sandbox.subnetGroup);
      }
      // Only in the regions the tool writes snapshots to, or in a vault
      // region, where the drills restore.
      const regions = [...regionsOf(statement)];
      expect(regions.length, where).toBeGreaterThan(0);
      for (const region of regions) expect(restoreRegions(), `${where} in ${region}`).toContain(region);
    }
    // Each restore names its snapshot type, so the tool's own snapshots are restorable.
    const snapshotTypes = (action: string) =>
      new Set(
        allowing(
          creates.map(({ statement }) => statement),
          action,
        ).flatMap((statement) => statement.resources.map((arn) => rdsArn(arn)?.type)),
      );
    expect(snapshotTypes('rds:RestoreDBInstanceFromDBSnapshot').has('snapshot')).toBe(true);
    expect(snapshotTypes('rds:RestoreDBClusterFromSnapshot').has('cluster-snapshot')).toBe(true);
  });

  it('lets restore-sandbox tag only the sandboxes it creates, with the sandbox tag in the request', () => {
    const statements = roleStatements(template, roleOf('restore-sandbox'));
    const tagging = allowing(statements, 'rds:AddTagsToResource');
    expect(tagging.length).toBeGreaterThan(0);
    for (const statement of tagging) {
      expect(
        requiresValue(statement, 'StringEquals', `aws:RequestTag/${SANDBOX_TAG}`, SANDBOX_TAG_VALUE),
      ).toBe(true);
      for (const arn of statement.resources) {
        expect(['db', 'cluster']).toContain(rdsArn(arn)?.type);
        expect(rdsArn(arn)?.name).toBe(SANDBOX);
      }
    }
    const rdsWrites = [...allowedActions(statements)].filter(
      (action) => action.startsWith('rds:') && !/^rds:Describe/.test(action),
    );
    expect(rdsWrites.sort()).toEqual([
      'rds:AddTagsToResource',
      'rds:CreateDBInstance',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:RestoreDBInstanceFromDBSnapshot',
    ]);
  });

  it('lets restore-sandbox use the keys of the snapshots it restores only through RDS, for grants to AWS resources only', () => {
    const statements = roleStatements(template, roleOf('restore-sandbox'));
    const keyStatements = statements.filter(
      (statement) => hasAction(statement, /^kms:/i) && !statement.resources.includes(`\${ReportsKey.Arn}`),
    );
    expect([...allowedActions(keyStatements)].sort()).toEqual([
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DescribeKey',
    ]);
    for (const statement of keyStatements) {
      const where = statement.Sid ?? JSON.stringify(statement.actions);
      const regions = statement.resources.map((arn) => /:kms:([a-z0-9-]+):/.exec(arn)?.[1]);
      expect(regions.length, where).toBeGreaterThan(0);
      for (const region of regions) {
        expect(restoreRegions(), where).toContain(region);
        expect(
          requiresValue(statement, 'StringEquals', 'kms:ViaService', `rds.${region}.amazonaws.com`),
          where,
        ).toBe(true);
      }
      if (statement.actions.includes('kms:CreateGrant')) {
        expect(requiresValue(statement, 'Bool', 'kms:GrantIsForAWSResource', 'true'), where).toBe(true);
      }
    }
    // The vault keys are the vault account's, each named exactly (pinned in
    // "a stack with a vault account"); the keys of this account's snapshots:
    const vaultKeys = config.vault?.regions.map(({ kmsKeyArn }) => kmsKeyArn) ?? [];
    const ownKeyStatements = keyStatements.filter((statement) =>
      statement.resources.every((arn) => !vaultKeys.includes(arn)),
    );
    for (const copy of config.copyRegions) {
      for (const action of ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt']) {
        const onRegion = allowing(ownKeyStatements, action).filter((statement) =>
          statement.resources.some((arn) => arn.includes(`:kms:${copy.region}:`)),
        );
        expect(onRegion, `${action} in ${copy.region}`).toHaveLength(1);
        const [statement] = onRegion as [Statement];
        if (copy.kmsKeyId.startsWith('alias/')) {
          expect(conditionValues(statement, 'ForAnyValue:StringEquals', 'kms:ResourceAliases')).toEqual([
            copy.kmsKeyId,
          ]);
        } else if (copy.kmsKeyId.includes(':key/')) {
          expect(statement.resources).toEqual([copy.kmsKeyId]);
        }
      }
    }
  });

  it('lets restore-sandbox write only drill leases', () => {
    expect(s3Grants(roleStatements(template, roleOf('restore-sandbox')))).toEqual({
      's3:PutObject': [`\${ReportsBucket.Arn}/leases/drills/*`],
    });
  });

  it('lets only check-sandbox modify a DB instance or cluster, and only to turn on the RDS-managed password of a tagged rsbx-* sandbox', () => {
    expect(holdersOf(MODIFIES_DATABASES)).toEqual([`identity ${roleOf('check-sandbox')}`]);
    for (const { where, statement } of statementsAllowing(MODIFIES_DATABASES)) {
      const types = new Set(statement.resources.map((arn) => rdsArn(arn)?.type));
      expect(types.size, where).toBe(1);
      const [type] = [...types];
      expect(['db', 'cluster'], where).toContain(type);
      expect(statement.actions, where).toEqual([
        type === 'db' ? 'rds:ModifyDBInstance' : 'rds:ModifyDBCluster',
      ]);
      expect(statement.resources.sort(), where).toEqual(inDrillRegions(String(type), SANDBOX));
      expect(requiresSandboxTag(statement, type === 'db' ? 'db' : 'cluster'), where).toBe(true);
      expect(requiresValue(statement, 'Bool', 'rds:ManageMasterUserPassword', 'true'), where).toBe(true);
    }
    const statements = roleStatements(template, roleOf('check-sandbox'));
    expect(
      [...allowedActions(statements)]
        .filter((action) => action.startsWith('rds:') && !/^rds:Describe/.test(action))
        .sort(),
    ).toEqual(['rds:ModifyDBCluster', 'rds:ModifyDBInstance']);
  });

  it('lets check-sandbox have RDS create only its managed secrets, and read none', () => {
    const statements = roleStatements(template, roleOf('check-sandbox'));
    const secrets = statements.filter((statement) => hasAction(statement, /^secretsmanager:/i));
    expect([...allowedActions(secrets)].sort()).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:TagResource',
    ]);
    expect(secrets.flatMap((statement) => statement.resources).sort()).toEqual(
      snapshotRegions()
        .map((region) => `arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:rds!*`)
        .sort(),
    );
    for (const statement of allowing(statements, 'kms:DescribeKey')) {
      expect(conditionValues(statement, 'ForAnyValue:StringEquals', 'kms:ResourceAliases')).toEqual([
        'alias/aws/secretsmanager',
      ]);
    }
    expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 'rds', 'secretsmanager']);
  });

  it('lets only verify-sandbox read a secret, and only the RDS-managed secret of an rsbx-* sandbox of the stack region', () => {
    // A sandbox of another region is verified by the regional verifier stack
    // there, or cannot be restored at all (no sandbox network): the stack
    // region's verifier reaches, and so reads, only its own region's.
    const stackRegion = service.provider.region;
    expect(holdersOf(READS_SECRETS)).toEqual([`identity ${roleOf('verify-sandbox')}`]);
    const tagKeys = {
      db: 'aws:rds:primaryDBInstanceArn',
      cluster: 'aws:rds:primaryDBClusterArn',
    } as const;
    const covered = new Set<string>();
    for (const { where, statement } of statementsAllowing(READS_SECRETS)) {
      expect(statement.actions, where).toEqual(['secretsmanager:GetSecretValue']);
      expect(statement.resources, where).toEqual([
        `arn:\${AWS::Partition}:secretsmanager:${stackRegion}:\${AWS::AccountId}:secret:rds!*`,
      ]);
      // RDS tags the secret it manages with its database's ARN: the
      // statement holds only for secrets of a sandbox.
      const ties = (Object.entries(tagKeys) as ['db' | 'cluster', string][]).flatMap(([type, tagKey]) =>
        ['StringLike', 'StringEquals'].flatMap((operator) =>
          [`aws:ResourceTag/${tagKey}`, `secretsmanager:ResourceTag/${tagKey}`].map((key) => ({
            type,
            values: conditionValues(statement, operator, key),
          })),
        ),
      );
      const tied = ties.filter(({ values }) => values.length > 0);
      expect(tied.length, `${where} is tied to the secret's database`).toBeGreaterThan(0);
      for (const { type, values } of tied) {
        expect(values, where).toEqual([
          `arn:\${AWS::Partition}:rds:${stackRegion}:\${AWS::AccountId}:${type}:${SANDBOX}`,
        ]);
        covered.add(type);
      }
    }
    expect([...covered].sort()).toEqual(['cluster', 'db']);
  });

  it('lets verify-sandbox describe only sandboxes and decrypt only RDS-managed secrets of the stack region, through Secrets Manager, and write only verification results', () => {
    const stackRegion = service.provider.region;
    const statements = roleStatements(template, roleOf('verify-sandbox'));
    expect(allowing(statements, 'kms:Decrypt').length).toBeGreaterThan(0);
    for (const statement of allowing(statements, 'kms:Decrypt')) {
      expect(conditionValues(statement, 'StringEquals', 'kms:ViaService')).toEqual([
        `secretsmanager.${stackRegion}.amazonaws.com`,
      ]);
      expect(statement.resources).toEqual([
        `arn:\${AWS::Partition}:kms:${stackRegion}:\${AWS::AccountId}:key/*`,
      ]);
      for (const secret of conditionValues(statement, 'StringLike', 'kms:EncryptionContext:SecretARN')) {
        expect(secret).toMatch(/:secretsmanager:[a-z0-9-]+:\$\{AWS::AccountId\}:secret:rds!\*$/);
      }
      expect(
        conditionValues(statement, 'StringLike', 'kms:EncryptionContext:SecretARN').length,
      ).toBeGreaterThan(0);
    }
    expect(s3Grants(statements)).toEqual({ 's3:PutObject': [`\${WorkBucket.Arn}/work/drills/*`] });
    const rds = [...allowedActions(statements)].filter((action) => action.startsWith('rds:'));
    expect(rds.sort()).toEqual(['rds:DescribeDBClusters', 'rds:DescribeDBInstances']);
    for (const action of rds) {
      expect(
        allowing(statements, action)
          .flatMap((statement) => statement.resources)
          .sort(),
        action,
      ).toEqual([
        `arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:cluster:${SANDBOX}`,
        `arn:\${AWS::Partition}:rds:\${AWS::Region}:\${AWS::AccountId}:db:${SANDBOX}`,
      ]);
    }
  });

  it('keeps plan-drills read-only: Describe and List, besides its own logs', () => {
    const [logGroup] = lambdaFunction('plan-drills');
    const statements = roleStatements(template, roleOf('plan-drills'));
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      const where = statement.Sid ?? JSON.stringify(statement.actions);
      const ownLogs = statement.resources.every(
        (arn) => arn === `\${${logGroup.replace(/LambdaFunction$/, 'LogGroup')}.Arn}`,
      );
      for (const action of statement.actions) {
        if (ownLogs && /^logs:(CreateLogStream|PutLogEvents)$/i.test(action)) continue;
        // With a vault: its drill role, through which it reads (and shares
        // with this account) the vault's copies; the vault stack's tests pin
        // what that role may do.
        if (isVaultDrillRoleAssumption(statement)) continue;
        expect(action, where).toMatch(/^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/i);
      }
    }
    expect(s3Grants(statements)).toEqual({ 's3:ListBucket': [`\${ReportsBucket.Arn}`] });
    expect(listedPrefixes(statements)).toEqual(['drills/*']);
    expect(
      [...servicesOf(statements.filter((statement) => !isVaultDrillRoleAssumption(statement)))].sort(),
    ).toEqual(['logs', 'rds', 's3']);
  });

  it('lets write-drill-report read drill reports and verification results, and write only drill reports', () => {
    const statements = roleStatements(template, roleOf('write-drill-report'));
    expect(s3Grants(statements)).toEqual({
      's3:GetObject': [`\${ReportsBucket.Arn}/drills/*`, `\${WorkBucket.Arn}/work/drills/*`],
      's3:ListBucket': [`\${ReportsBucket.Arn}`],
      's3:PutObject': [`\${ReportsBucket.Arn}/drills/*`],
    });
    expect(listedPrefixes(statements)).toEqual(['drills/*']);
    expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 's3']);
  });

  it('gives summarize-drills nothing beyond its logs', () => {
    expect([...servicesOf(roleStatements(template, roleOf('summarize-drills')))]).toEqual(['logs']);
  });
});

describe('IAM of one deployment among several in the account', () => {
  /** The stack's deployment as the conditions name it: the `Deployment.id` of its stage and region. */
  const deploymentInTemplate = () => `${service.provider.stage}-\${AWS::Region}`;
  const deploymentKey = `aws:ResourceTag/${DEPLOYMENT_TAG}`;

  /** Whether the statement holds only for resources carrying the stack's deployment tag. */
  const requiresOwnDeployment = (statement: Statement) =>
    requiresValue(statement, 'StringEquals', deploymentKey, deploymentInTemplate());
  /** Whether the statement holds only for resources carrying no deployment tag: what earlier versions made. */
  const requiresNoDeployment = (statement: Statement) =>
    requiresValue(statement, 'Null', deploymentKey, 'true');

  /** The statements allowing a delete of a snapshot, or of a sandbox itself (not of its final snapshot). */
  const deletesOf = (packaged: Template) =>
    policyStatements(packaged)
      .filter(
        ({ statement }) =>
          statement.Effect === 'Allow' &&
          (hasAction(statement, DELETES_SNAPSHOTS) ||
            (hasAction(statement, DELETES_DATABASES) &&
              statement.resources.some((arn) => ['db', 'cluster'].includes(rdsArn(arn)?.type ?? '')))),
      )
      .map(({ holder, statement }) => ({ where: `${holder} ${statement.Sid ?? ''}`, statement }));

  it("derives the deployment in the functions as the conditions name it, from the stack's stage and region", () => {
    for (const name of HANDLERS) {
      const [, fn] = lambdaFunction(name);
      const environment = fn.Properties?.Environment;
      const variables = isObject(environment) && isObject(environment.Variables) ? environment.Variables : {};
      expect(variables.RESTORABLE_STAGE, name).toBe(service.provider.stage);
    }
    // Lambda sets AWS_REGION to the stack's region, which CloudFormation substitutes for AWS::Region.
    const deployed = { ...config, aws: { stage: service.provider.stage, region: service.provider.region } };
    expect(deploymentOf(deployed).id).toBe(
      deploymentInTemplate().replace(`\${AWS::Region}`, service.provider.region),
    );
  });

  it("requires, in every statement allowing a snapshot or sandbox delete, the stack's deployment tag or, for the default deployment, none", () => {
    const deletes = deletesOf(template);
    expect(deletes.length).toBeGreaterThan(0);
    for (const { where, statement } of deletes) {
      expect(requiresOwnDeployment(statement) || requiresNoDeployment(statement), where).toBe(true);
    }
    // The demo configuration's stack is the default deployment: it keeps
    // pruning and sweeping what earlier versions made, of each type.
    expect(deploymentOf(config).isDefault).toBe(true);
    const earlier = deletes.filter(({ statement }) => requiresNoDeployment(statement));
    expect(earlier.flatMap(({ statement }) => statement.actions).sort()).toEqual(
      [
        'rds:DeleteDBClusterSnapshot',
        'rds:DeleteDBSnapshot',
        // teardown-sandbox and sweep-sandboxes
        'rds:DeleteDBCluster',
        'rds:DeleteDBCluster',
        'rds:DeleteDBInstance',
        'rds:DeleteDBInstance',
      ].sort(),
    );
    for (const { where, statement } of earlier.filter(({ statement }) =>
      hasAction(statement, DELETES_SNAPSHOTS),
    )) {
      // Those of its own source region only: a copy names the region it came from.
      expect(
        requiresValue(
          statement,
          'StringEqualsIfExists',
          `aws:ResourceTag/${SOURCE_REGION_TAG}`,
          config.sourceRegion,
        ),
        where,
      ).toBe(true);
    }
  });

  it("requires the stack's deployment tag in every request that creates or tags a snapshot or sandbox, and never re-tags another deployment's", () => {
    const creates = /^rds:(CreateDB(Cluster)?Snapshot|RestoreDB\w*|CreateDBInstance)$/i;
    const writes = statementsAllowing(creates);
    // Marking a snapshot proven bad adds that one tag key and no other, so it
    // sets no deployment tag; it still may touch only this deployment's own.
    const onlyProvenBad = ({ statement }: { statement: Statement }) =>
      JSON.stringify(asList(statement.Condition['ForAllValues:StringEquals']?.['aws:TagKeys'])) ===
      JSON.stringify([PROVEN_BAD_TAG]);
    const allTagging = statementsAllowing(/^rds:AddTagsToResource$/i);
    const tagging = allTagging.filter((entry) => !onlyProvenBad(entry));
    expect(writes.length).toBeGreaterThan(0);
    expect(tagging.length).toBeGreaterThan(0);
    expect(allTagging.length - tagging.length).toBe(2);
    for (const { where, statement } of allTagging.filter(onlyProvenBad)) {
      expect(
        requiresValue(statement, 'StringEqualsIfExists', deploymentKey, deploymentInTemplate()),
        where,
      ).toBe(true);
    }
    for (const { where, statement } of [...writes, ...tagging]) {
      expect(
        requiresValue(statement, 'StringEquals', `aws:RequestTag/${DEPLOYMENT_TAG}`, deploymentInTemplate()),
        where,
      ).toBe(true);
    }
    for (const { where, statement } of tagging) {
      expect(
        requiresValue(statement, 'StringEqualsIfExists', deploymentKey, deploymentInTemplate()),
        where,
      ).toBe(true);
    }
  });

  it.each([
    ['another stage', (settings: JsonObject) => ({ ...settings, stage: 'staging' }), 'staging'],
    [
      'a stack outside the source region',
      (settings: JsonObject) => ({ ...settings, region: 'eu-central-1' }),
      'prod',
    ],
  ])(
    'lets a deployment of %s delete only what carries its own deployment tag, never what earlier versions made',
    (_, change, stage) => {
      const variant = packageVariant(change);
      const deletes = deletesOf(variant.template);
      expect(variant.provider.stage).toBe(stage);
      expect(deletes.length).toBeGreaterThan(0);
      for (const { where, statement } of deletes) {
        expect(
          requiresValue(statement, 'StringEquals', deploymentKey, `${stage}-\${AWS::Region}`),
          where,
        ).toBe(true);
        expect(requiresNoDeployment(statement), where).toBe(false);
      }
    },
    120_000,
  );
});

describe('verify-sandbox network and TLS', () => {
  const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'];
  const GROUPS = ['sg-0aaaabbbbccccdddd'];
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
  const DRILL_REGION_SUBNETS = ['subnet-0c0c0c0c0c0c0c0c0', 'subnet-0c0c0c0c0c0c0c0c1'];
  const DRILL_REGION_VERIFIER_GROUPS = ['sg-0d0d0d0d0d0d0d0d0'];
  const DRILL_REGION_SANDBOX_GROUPS = ['sg-0e0e0e0e0e0e0e0e0'];
  /**
   * The stage both stacks are deployed under: not the configuration's
   * aws.stage, as after `serverless deploy --stage staging`.
   */
  const DEPLOYED_STAGE = 'staging';
  let variant: PackagedService;
  /** The regional verifier stack of drillRegion, from the same build. */
  let regional: PackagedService;
  let drillRegion: string;

  beforeAll(() => {
    // The stack of this configuration with the verifier's subnets and
    // security groups added to its file, built with a CA bundle, as a
    // deployer would: the configuration file is chosen through
    // RESTORABLE_CONFIG and the settings come from the bundle script's own
    // functions; the rest is the real stack definition (infra/).
    const document = parseDocument(readFileSync(chooseConfigFile(), 'utf8'));
    document.setIn(['sandbox', 'verifierSubnetIds'], SUBNETS);
    document.setIn(['sandbox', 'verifierSecurityGroupIds'], GROUPS);
    // ...and the network of its first copy region, where it drills.
    drillRegion = config.copyRegions[0]?.region ?? '';
    document.setIn(['sandbox', 'regions', drillRegion], {
      subnetGroup: 'restorable-sandbox-drill-region',
      securityGroupIds: DRILL_REGION_SANDBOX_GROUPS,
      verifierSubnetIds: DRILL_REGION_SUBNETS,
      verifierSecurityGroupIds: DRILL_REGION_VERIFIER_GROUPS,
    });
    const file = join(mkdtempSync(join(tmpdir(), 'restorable-config-')), 'restorable.yml');
    writeFileSync(file, document.toString());
    const configured = loadConfig(chooseConfigFile({ RESTORABLE_CONFIG: file })).config;
    const settings = {
      ...stackSettings(configured, 'restorable.yml', { rdsCaBundlePath: RDS_CA_BUNDLE_PACKAGED }),
      stage: DEPLOYED_STAGE,
    };
    variant = packageVariant(() => JSON.parse(JSON.stringify(settings)) as JsonObject, {
      [RDS_CA_BUNDLE_PACKAGED]: PEM,
    });
    regional = packageRegionalVerifier(JSON.parse(JSON.stringify(settings)) as JsonObject, drillRegion, {
      [RDS_CA_BUNDLE_PACKAGED]: PEM,
    });
  }, 180_000);

  const verifierIn = (packaged: PackagedService) => {
    const found = resourcesOfType(packaged.template, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties?.Handler === 'dist/functions/verify-sandbox.handler',
    );
    expect(found).toHaveLength(1);
    return found[0] as [string, CfnResource];
  };
  const environmentOf = (fn: CfnResource): JsonObject => {
    const environment = fn.Properties?.Environment;
    return isObject(environment) && isObject(environment.Variables) ? environment.Variables : {};
  };

  it("follows the build's settings: a VPC and a CA bundle only when the build was given them", () => {
    const settings = JSON.parse(
      readFileSync(join(ROOT, 'dist', 'stack-settings.json'), 'utf8'),
    ) as JsonObject;
    const [, fn] = verifierIn(service);
    if (settings.verifierVpc === false) {
      expect(fn.Properties?.VpcConfig).toBeUndefined();
      expect(servicesOf(roleStatements(template, roleOf('verify-sandbox'))).has('ec2')).toBe(false);
    }
    expect(environmentOf(fn).RDS_CA_BUNDLE_PATH).toEqual(
      isObject(settings.verifierEnvironment) ? settings.verifierEnvironment.RDS_CA_BUNDLE_PATH : undefined,
    );
  });

  it('runs verify-sandbox, and no other function, in the given subnets and security groups', () => {
    const [, fn] = verifierIn(variant);
    expect(fn.Properties?.VpcConfig).toEqual({ SubnetIds: SUBNETS, SecurityGroupIds: GROUPS });
    for (const [id, other] of resourcesOfType(variant.template, 'AWS::Lambda::Function')) {
      if (other !== fn) expect(other.Properties?.VpcConfig, id).toBeUndefined();
    }
  });

  it('lets verify-sandbox create network interfaces only in those subnets, with those security groups', () => {
    const [, fn] = verifierIn(variant);
    const statements = roleStatements(variant.template, String(referencedId(fn.Properties?.Role)));
    const ec2 = (resource: string) =>
      `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${resource}`;
    expect(
      allowing(statements, 'ec2:CreateNetworkInterface')
        .flatMap((statement) => statement.resources)
        .sort(),
    ).toEqual(
      [
        ec2('network-interface/*'),
        ...SUBNETS.map((id) => ec2(`subnet/${id}`)),
        ...GROUPS.map((id) => ec2(`security-group/${id}`)),
      ].sort(),
    );
    for (const action of [
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ]) {
      expect(
        allowing(statements, action).flatMap((statement) => statement.resources),
        action,
      ).toEqual([ec2('network-interface/*')]);
    }
    expect([...allowedActions(statements)].filter((action) => action.startsWith('ec2:')).sort()).toEqual([
      'ec2:AssignPrivateIpAddresses',
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:UnassignPrivateIpAddresses',
    ]);
    // No other role gains any EC2 permission.
    const holders = policyStatements(variant.template)
      .filter(({ statement }) => statement.Effect === 'Allow' && hasAction(statement, /^ec2:/i))
      .map(({ holder }) => holder);
    expect([...new Set(holders)]).toEqual([String(referencedId(fn.Properties?.Role))]);
  });

  const relayRoleIn = (packaged: PackagedService, handler: string) => {
    const found = resourcesOfType(packaged.template, 'AWS::Lambda::Function').filter(
      ([, fn]) => fn.Properties?.Handler === `dist/functions/${handler}.handler`,
    );
    expect(found).toHaveLength(1);
    return String(referencedId((found[0] as [string, CfnResource])[1].Properties?.Role));
  };

  it("lets start-regional-verification start only the drill region's regional verifier", () => {
    const statements = roleStatements(variant.template, relayRoleIn(variant, 'start-regional-verification'));
    expect(allowing(statements, 'states:StartExecution').flatMap((statement) => statement.resources)).toEqual(
      [
        `arn:\${AWS::Partition}:states:${drillRegion}:\${AWS::AccountId}:stateMachine:\${AWS::StackName}-verify-sandbox-in-region`,
      ],
    );
    expect([...allowedActions(statements)].sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'states:StartExecution',
    ]);
  });

  it("lets check-regional-verification follow only that verifier's executions, and write only verification results", () => {
    const statements = roleStatements(variant.template, relayRoleIn(variant, 'check-regional-verification'));
    expect(
      allowing(statements, 'states:DescribeExecution').flatMap((statement) => statement.resources),
    ).toEqual([
      `arn:\${AWS::Partition}:states:${drillRegion}:\${AWS::AccountId}:execution:\${AWS::StackName}-verify-sandbox-in-region:*`,
    ]);
    expect(allowing(statements, 's3:PutObject').flatMap((statement) => statement.resources)).toEqual([
      `\${WorkBucket.Arn}/work/drills/*`,
    ]);
    expect([...allowedActions(statements)].sort()).toEqual([
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:PutObject',
      'states:DescribeExecution',
    ]);
  });

  it("lets restore-sandbox restore into each region's own subnet group only, never one region's in another", () => {
    const statements = roleStatements(variant.template, relayRoleIn(variant, 'restore-sandbox'));
    const stackRegion = config.aws.region ?? config.sourceRegion;
    for (const action of [
      'rds:RestoreDBInstanceFromDBSnapshot',
      'rds:RestoreDBClusterFromSnapshot',
      'rds:CreateDBInstance',
    ]) {
      const subnetGroups = allowing(statements, action)
        .flatMap((statement) => statement.resources)
        .filter((arn) => arn.includes(':subgrp:'));
      expect(subnetGroups.sort(), action).toEqual(
        [
          `arn:\${AWS::Partition}:rds:${stackRegion}:\${AWS::AccountId}:subgrp:${config.sandbox.subnetGroup}`,
          `arn:\${AWS::Partition}:rds:${drillRegion}:\${AWS::AccountId}:subgrp:restorable-sandbox-drill-region`,
        ].sort(),
      );
    }
  });

  describe('the regional verifier stack', () => {
    const verifierFunction = (): [string, CfnResource] => {
      const found = resourcesOfType(regional.template, 'AWS::Lambda::Function');
      expect(found.map(([, fn]) => fn.Properties?.Handler)).toEqual([
        'dist/functions/regional/verify-sandbox-in-region.handler',
      ]);
      return found[0] as [string, CfnResource];
    };
    const verifierStatements = () =>
      roleStatements(regional.template, String(referencedId(verifierFunction()[1].Properties?.Role)));

    it('runs its function with the Powertools layer of the main stack', () => {
      const [, fn] = verifierFunction();
      expect(fn.Properties?.Layers).toEqual([{ Ref: 'PowertoolsLayerArn' }]);
      expect(regional.template.Parameters?.PowertoolsLayerArn).toEqual(
        template.Parameters?.PowertoolsLayerArn,
      );
    });

    it('traces its function and its state machine with X-Ray, each role allowed to write the traces', () => {
      const xrayWrite = [{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess` }];
      const [, fn] = verifierFunction();
      expect(fn.Properties?.TracingConfig).toEqual({ Mode: 'Active' });
      expect(
        properties(regional.template, String(referencedId(fn.Properties?.Role))).ManagedPolicyArns,
      ).toEqual(xrayWrite);
      const [, machine] = resourcesOfType(regional.template, 'AWS::StepFunctions::StateMachine')[0] ?? [];
      expect(machine?.Properties?.TracingConfiguration).toEqual({ Enabled: true });
      expect(
        properties(regional.template, String(referencedId(machine?.Properties?.RoleArn))).ManagedPolicyArns,
      ).toEqual(xrayWrite);
    });

    it('is packaged for the drill region and the stage of the main stack', () => {
      expect(regional.provider.region).toBe(drillRegion);
      expect(variant.provider.stage).toBe(DEPLOYED_STAGE);
      expect(regional.provider.stage).toBe(DEPLOYED_STAGE);
    });

    it('deploys the state machine that the relay functions call and may start and describe, under the deployed stage', () => {
      const [, machine] = resourcesOfType(regional.template, 'AWS::StepFunctions::StateMachine')[0] ?? [];
      const deployedArn = `arn:\${AWS::Partition}:states:${drillRegion}:\${AWS::AccountId}:stateMachine:${String(machine?.Properties?.StateMachineName)}`;
      // osls names the main stack `<service>-<stage>`: what CloudFormation gives for AWS::StackName.
      const inMainStack = (arn: string) =>
        arn.replaceAll(`\${AWS::StackName}`, `restorable-${DEPLOYED_STAGE}`);
      for (const [handler, action, allowed] of [
        ['start-regional-verification', 'states:StartExecution', deployedArn],
        [
          'check-regional-verification',
          'states:DescribeExecution',
          `${deployedArn.replace(':stateMachine:', ':execution:')}:*`,
        ],
      ] as const) {
        const [, fn] =
          resourcesOfType(variant.template, 'AWS::Lambda::Function').find(
            ([, candidate]) => candidate.Properties?.Handler === `dist/functions/${handler}.handler`,
          ) ?? [];
        const called = render(environmentOf(fn ?? { Type: '' }).REGIONAL_VERIFIER_ARN).replace(
          '{region}',
          drillRegion,
        );
        expect(inMainStack(called), handler).toBe(deployedArn);
        const statements = roleStatements(variant.template, relayRoleIn(variant, handler));
        expect(
          allowing(statements, action)
            .flatMap((statement) => statement.resources)
            .map(inMainStack),
          handler,
        ).toEqual([allowed]);
      }
    });

    it("runs its one function in the drill region's verifier subnets and security groups, trusting the CA bundle it ships", () => {
      const [id, fn] = verifierFunction();
      expect(fn.Properties?.VpcConfig).toEqual({
        SubnetIds: DRILL_REGION_SUBNETS,
        SecurityGroupIds: DRILL_REGION_VERIFIER_GROUPS,
      });
      expect(fn.Properties?.Runtime).toBe('nodejs24.x');
      expect(environmentOf(fn).RDS_CA_BUNDLE_PATH).toBe(RDS_CA_BUNDLE_PACKAGED);
      const zip = join(
        regional.outputDirectory,
        `${id.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase())}.zip`,
      );
      expect(zipEntryNames(zip)).toEqual(
        ['dist/functions/regional/verify-sandbox-in-region.mjs', RDS_CA_BUNDLE_PACKAGED].sort(),
      );
    });

    it('lets its function read only the RDS-managed secrets of rsbx-* sandboxes of its own region, and write nothing', () => {
      const statements = verifierStatements();
      const secretArns = [
        `arn:\${AWS::Partition}:secretsmanager:${drillRegion}:\${AWS::AccountId}:secret:rds!*`,
      ];
      const reads = allowing(statements, 'secretsmanager:GetSecretValue');
      expect(reads).toHaveLength(2);
      for (const statement of reads) expect(statement.resources).toEqual(secretArns);
      expect(
        reads.map((statement) => [
          ...conditionValues(statement, 'StringLike', 'aws:ResourceTag/aws:rds:primaryDBInstanceArn'),
          ...conditionValues(statement, 'StringLike', 'aws:ResourceTag/aws:rds:primaryDBClusterArn'),
        ]),
      ).toEqual([
        [`arn:\${AWS::Partition}:rds:${drillRegion}:\${AWS::AccountId}:db:${SANDBOX_ID_PREFIX}-*`],
        [`arn:\${AWS::Partition}:rds:${drillRegion}:\${AWS::AccountId}:cluster:${SANDBOX_ID_PREFIX}-*`],
      ]);
      expect(servicesOf(statements)).toEqual(new Set(['logs', 'rds', 'secretsmanager', 'kms', 'ec2']));
      const rdsActions = [...allowedActions(statements)].filter((action) => action.startsWith('rds:'));
      expect(rdsActions.sort()).toEqual(['rds:DescribeDBClusters', 'rds:DescribeDBInstances']);
      expect(
        allowing(statements, 'kms:Decrypt').flatMap((statement) =>
          conditionValues(statement, 'StringEquals', 'kms:ViaService'),
        ),
      ).toEqual([`secretsmanager.${drillRegion}.amazonaws.com`]);
      expect(
        allowing(statements, 'ec2:CreateNetworkInterface')
          .flatMap((statement) => statement.resources)
          .sort(),
      ).toEqual(
        [
          'network-interface/*',
          ...DRILL_REGION_SUBNETS.map((subnet) => `subnet/${subnet}`),
          ...DRILL_REGION_VERIFIER_GROUPS.map((group) => `security-group/${group}`),
        ]
          .map((resource) => `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${resource}`)
          .sort(),
      );
    });

    it('has one STANDARD state machine, named as the main stack starts it, that may invoke exactly that function', () => {
      const machines = resourcesOfType(regional.template, 'AWS::StepFunctions::StateMachine');
      expect(machines).toHaveLength(1);
      const [, machine] = machines[0] as [string, CfnResource];
      expect(machine.Properties?.StateMachineName).toBe(
        `restorable-${DEPLOYED_STAGE}-verify-sandbox-in-region`,
      );
      expect(machine.Properties?.StateMachineType).toBe('STANDARD');
      const definition = machine.Properties?.DefinitionString;
      expect(JSON.parse(typeof definition === 'string' ? definition : '{}')).toEqual(
        JSON.parse(workflowText('regional/verify-sandbox-in-region')),
      );
      const [functionId] = verifierFunction();
      expect(machine.Properties?.DefinitionSubstitutions).toEqual({
        VerifySandboxInRegionFunctionArn: { 'Fn::GetAtt': [functionId, 'Arn'] },
      });
      const statements = roleStatements(regional.template, String(referencedId(machine.Properties?.RoleArn)));
      expect(
        allowing(statements, 'lambda:InvokeFunction').flatMap((statement) => statement.resources),
      ).toEqual([`\${${functionId}.Arn}`]);
    });

    it('allows no wildcard action', () => {
      const allows = policyStatements(regional.template).filter(
        ({ statement }) => statement.Effect === 'Allow',
      );
      expect(allows.length).toBeGreaterThan(5);
      for (const { holder, statement } of allows) {
        for (const action of statement.actions)
          expect(action, `${holder} ${statement.Sid ?? ''}`).not.toContain('*');
      }
    });
  });

  it('ships the RDS CA bundle with verify-sandbox and points RDS_CA_BUNDLE_PATH at it', () => {
    const [id, fn] = verifierIn(variant);
    expect(environmentOf(fn).RDS_CA_BUNDLE_PATH).toBe(RDS_CA_BUNDLE_PACKAGED);
    const zip = join(
      variant.outputDirectory,
      `${id.replace(/LambdaFunction$/, '').replace(/^./, (c) => c.toLowerCase())}.zip`,
    );
    expect(zipEntryNames(zip)).toEqual(
      ['dist/config.json', 'dist/functions/verify-sandbox.mjs', RDS_CA_BUNDLE_PACKAGED].sort(),
    );
    for (const [otherId, other] of resourcesOfType(variant.template, 'AWS::Lambda::Function')) {
      if (other !== fn) expect(environmentOf(other).RDS_CA_BUNDLE_PATH, otherId).toBeUndefined();
    }
  });
});

describe('regional verification', () => {
  const name = () => `restorable-${config.aws.stage}-verify-sandbox-in-region`;

  it('lets the relay functions start and follow nothing when no region has a regional verifier', () => {
    for (const fn of ['start-regional-verification', 'check-regional-verification']) {
      const statements = roleStatements(template, roleOf(fn));
      expect(servicesOf(statements).has('states'), fn).toBe(false);
    }
  });

  it('names the regional state machine of the drill region, with its region left to the function', () => {
    for (const fn of ['start-regional-verification', 'check-regional-verification']) {
      const [, resource] = lambdaFunction(fn);
      const environment = resource.Properties?.Environment;
      const variables = isObject(environment) && isObject(environment.Variables) ? environment.Variables : {};
      expect(render(variables.REGIONAL_VERIFIER_ARN), fn).toBe(
        `arn:\${AWS::Partition}:states:{region}:\${AWS::AccountId}:stateMachine:${name()}`,
      );
      expect(resource.Properties?.VpcConfig, fn).toBeUndefined();
    }
  });
});

describe('the workflows', () => {
  const stateMachines = (): [string, CfnResource][] =>
    resourcesOfType(template, 'AWS::StepFunctions::StateMachine');

  /** The CLI (--target aws) finds a workflow's state machine by this name. */
  function stateMachineOf(workflow: string): [string, CfnResource] {
    const name = `restorable-${config.aws.stage}-${workflow}`;
    const found = stateMachines().filter(([, machine]) => machine.Properties?.StateMachineName === name);
    expect(found, `one state machine is named ${name}`).toHaveLength(1);
    return found[0] as [string, CfnResource];
  }

  /** The definition Step Functions receives: DefinitionString parsed, or Definition. */
  function deployedDefinition(machine: CfnResource): Json | undefined {
    const text = machine.Properties?.DefinitionString;
    return typeof text === 'string' ? (JSON.parse(text) as Json) : machine.Properties?.Definition;
  }

  it('deploy every workflow file unchanged, as a STANDARD state machine named restorable-<stage>-<workflow>', () => {
    // Unchanged includes every `"ResultPath": null`, which serverless drops
    // from a definition it reads as data.
    const files = workflowFiles();
    expect(files.map((file) => file.name)).toEqual(
      expect.arrayContaining(['backup', 'backup-rounds', 'drill', 'drill-database', 'sweeper']),
    );
    for (const file of files) {
      const [, machine] = stateMachineOf(file.name);
      expect(deployedDefinition(machine)).toEqual(file.definition);
      expect(machine.Properties?.StateMachineType).toBe('STANDARD');
    }
  });

  it('substitute every placeholder of the workflow files, and nothing else', () => {
    for (const file of workflowFiles()) {
      const [, machine] = stateMachineOf(file.name);
      const substitutions = machine.Properties?.DefinitionSubstitutions;
      expect(isObject(substitutions)).toBe(true);
      expect(Object.keys(isObject(substitutions) ? substitutions : {}).sort()).toEqual(
        placeholders(file.text),
      );
    }
  });

  it('bind each function placeholder to the function of that name', () => {
    for (const file of workflowFiles()) {
      const [, machine] = stateMachineOf(file.name);
      const substitutions = machine.Properties?.DefinitionSubstitutions;
      for (const [placeholder, value] of Object.entries(isObject(substitutions) ? substitutions : {})) {
        if (!placeholder.endsWith('FunctionArn')) continue;
        const [id] = lambdaFunction(handlerOfPlaceholder(placeholder));
        expect(render(value), placeholder).toBe(`\${${id}.Arn}`);
      }
    }
  });

  const PARENTS = [
    ['backup', 'backup-rounds', 'BackupRoundsStateMachineArn'],
    ['drill', 'drill-database', 'DrillDatabaseStateMachineArn'],
  ] as const;

  it.each(PARENTS)(
    'bind the child workflow of %s (%s) and the alert topic',
    (parentName, childName, placeholder) => {
      const [, parent] = stateMachineOf(parentName);
      const [childId] = stateMachineOf(childName);
      expect(parent.Properties?.DefinitionSubstitutions).toMatchObject({
        [placeholder]: { Ref: childId },
        AlertTopicArn: { Ref: 'AlertTopic' },
      });
    },
  );

  it('log errors at least, each to a log group of the stack', () => {
    for (const [id, machine] of stateMachines()) {
      const logging = machine.Properties?.LoggingConfiguration;
      expect(isObject(logging) && ['ERROR', 'ALL'].includes(String(logging.Level)), id).toBe(true);
      const destination = isObject(logging) ? asList(logging.Destinations)[0] : undefined;
      const group =
        isObject(destination) && isObject(destination.CloudWatchLogsLogGroup)
          ? destination.CloudWatchLogsLogGroup.LogGroupArn
          : undefined;
      expect(resource(template, String(referencedId(group))).Type).toBe('AWS::Logs::LogGroup');
    }
  });

  it('may invoke exactly the functions of their own workflow', () => {
    for (const file of workflowFiles()) {
      const [, machine] = stateMachineOf(file.name);
      const role = String(referencedId(machine.Properties?.RoleArn));
      const invoked = allowing(roleStatements(template, role), 'lambda:InvokeFunction').flatMap(
        (statement) => statement.resources,
      );
      const expected = placeholders(file.text)
        .filter((placeholder) => placeholder.endsWith('FunctionArn'))
        .map((placeholder) => `\${${lambdaFunction(handlerOfPlaceholder(placeholder))[0]}.Arn}`);
      expect(invoked.sort(), file.name).toEqual(expected.sort());
    }
  });

  it.each(PARENTS)(
    'let the %s workflow start and follow its %s executions, and publish alerts',
    (parentName, childName) => {
      const [, parent] = stateMachineOf(parentName);
      const [childId] = stateMachineOf(childName);
      const statements = roleStatements(template, String(referencedId(parent.Properties?.RoleArn)));
      expect(allowing(statements, 'states:StartExecution').flatMap((s) => s.resources)).toEqual([
        `\${${childId}}`,
      ]);
      const childExecutions = `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:\${${childId}.Name}:*`;
      for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
        expect(allowing(statements, action).flatMap((s) => s.resources)).toEqual([childExecutions]);
      }
      const rule = `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;
      for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
        expect(allowing(statements, action).flatMap((s) => s.resources)).toEqual([rule]);
      }
      expect(allowing(statements, 'sns:Publish').flatMap((s) => s.resources)).toEqual([`\${AlertTopic}`]);
    },
  );
});

describe('the prune workflow', () => {
  const PRUNE_FUNCTIONS = ['plan-prune', 'delete-snapshot', 'write-prune-log'];

  it('is deployed as the STANDARD state machine restorable-<stage>-prune', () => {
    const [, machine] = stateMachineNamed('prune');
    expect(machine.Properties?.StateMachineType).toBe('STANDARD');
  });

  it('deploys workflows/prune.asl.json with every placeholder bound to its function or the alert topic', () => {
    const file = workflowFiles().find((workflow) => workflow.name === 'prune');
    if (file === undefined) throw new Error('workflows/prune.asl.json is missing');
    const [, machine] = stateMachineNamed('prune');
    const deployed = machine.Properties?.DefinitionString;
    expect(typeof deployed).toBe('string');
    const substitutions = machine.Properties?.DefinitionSubstitutions;
    const given = Object.fromEntries(
      Object.entries(isObject(substitutions) ? substitutions : {}).map(([name, value]) => [
        name,
        render(value),
      ]),
    );
    const expected = {
      PlanPruneFunctionArn: `\${${lambdaFunction('plan-prune')[0]}.Arn}`,
      DeleteSnapshotFunctionArn: `\${${lambdaFunction('delete-snapshot')[0]}.Arn}`,
      WritePruneLogFunctionArn: `\${${lambdaFunction('write-prune-log')[0]}.Arn}`,
      AlertTopicArn: `\${AlertTopic}`,
    };
    expect(placeholders(file.text)).toEqual(Object.keys(expected).sort());
    expect(given).toEqual(expected);
    // What Step Functions receives, once CloudFormation has substituted: the
    // file, nulls included, with each placeholder replaced.
    expect(JSON.parse(substitute(String(deployed), given))).toEqual(
      JSON.parse(substitute(file.text, expected)),
    );
  });

  it('may invoke exactly its three functions, publish to the alert topic and deliver its logs', () => {
    const [, machine] = stateMachineNamed('prune');
    const statements = roleStatements(template, String(referencedId(machine.Properties?.RoleArn)));
    const grants = Object.fromEntries(
      [...allowedActions(statements)].map((action) => [
        action,
        allowing(statements, action)
          .flatMap((statement) => statement.resources)
          .sort(),
      ]),
    );
    const logDelivery = Object.fromEntries(
      Object.entries(grants).filter(([action]) => action.startsWith('logs:')),
    );
    expect(Object.values(logDelivery).every((resources) => resources.join() === '*')).toBe(true);
    expect(Object.keys(logDelivery).length).toBeGreaterThan(0);
    expect(
      Object.fromEntries(Object.entries(grants).filter(([action]) => !action.startsWith('logs:'))),
    ).toEqual({
      'lambda:InvokeFunction': PRUNE_FUNCTIONS.map((name) => `\${${lambdaFunction(name)[0]}.Arn}`).sort(),
      'sns:Publish': [`\${AlertTopic}`],
      'kms:GenerateDataKey': [`\${AlertsKey.Arn}`],
      'kms:Decrypt': [`\${AlertsKey.Arn}`],
    });
  });

  it('logs its errors to a log group of its own', () => {
    const [id, machine] = stateMachineNamed('prune');
    const logging = machine.Properties?.LoggingConfiguration;
    expect(isObject(logging) && ['ERROR', 'ALL'].includes(String(logging.Level))).toBe(true);
    const groupOf = (candidate: CfnResource) => {
      const config = candidate.Properties?.LoggingConfiguration;
      const destination = isObject(config) ? asList(config.Destinations)[0] : undefined;
      return isObject(destination) && isObject(destination.CloudWatchLogsLogGroup)
        ? referencedId(destination.CloudWatchLogsLogGroup.LogGroupArn)
        : undefined;
    };
    const group = groupOf(machine);
    expect(resource(template, String(group)).Type).toBe('AWS::Logs::LogGroup');
    for (const [otherId, other] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
      if (otherId !== id) expect(groupOf(other), otherId).not.toBe(group);
    }
  });

  it('is named in the stack outputs', () => {
    const [id] = stateMachineNamed('prune');
    expect(template.Outputs?.PruneStateMachineArn?.Value).toEqual({ Ref: id });
  });
});

describe('the prune schedule', () => {
  it('starts the prune workflow on the configured prune schedule, in the configured time zone', () => {
    const [pruneId] = stateMachineNamed('prune');
    const prune = resourcesOfType(template, 'AWS::Scheduler::Schedule').filter(([, schedule]) => {
      const target = schedule.Properties?.Target;
      return isObject(target) && render(target.Arn) === `\${${pruneId}}`;
    });
    expect(prune).toHaveLength(1);
    const [, schedule] = prune[0] as [string, CfnResource];
    expect(schedule.Properties?.ScheduleExpression).toBe(config.schedules.prune);
    expect(schedule.Properties?.ScheduleExpressionTimezone).toBe(config.schedules.timezone);
    expect(schedule.Properties?.State).toBe('ENABLED');
    const target = schedule.Properties?.Target;
    // A scheduled run deletes: its request does not ask for a dry run.
    expect(JSON.parse(String(isObject(target) ? target.Input : 'null'))).toEqual({});
    const role = isObject(target) ? String(referencedId(target.RoleArn)) : '';
    expect(
      roleStatements(template, role).map((statement) => [statement.actions, statement.resources]),
    ).toEqual([[['states:StartExecution'], [`\${${pruneId}}`]]]);
  });
});

describe('the drill and sweeper workflows', () => {
  /** What each workflow's placeholders are bound to, and what its role may do besides invoking. */
  const WORKFLOWS = {
    drill: {
      functions: ['sweep-sandboxes', 'plan-drills', 'summarize-drills'],
      child: 'drill-database',
      alerts: true,
    },
    'drill-database': {
      functions: [
        'restore-sandbox',
        'check-sandbox',
        'verify-sandbox',
        'start-regional-verification',
        'check-regional-verification',
        'teardown-sandbox',
        'write-drill-report',
        'mark-snapshot-proven-bad',
      ],
      child: undefined,
      alerts: false,
    },
    sweeper: { functions: ['sweep-sandboxes'], child: undefined, alerts: true },
  } as const;
  const NAMES = Object.keys(WORKFLOWS) as (keyof typeof WORKFLOWS)[];

  const pascal = (name: string) =>
    name
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('');

  it.each(NAMES)(
    'deploys workflows/%s.asl.json as a STANDARD state machine with every placeholder bound',
    (name) => {
      const spec = WORKFLOWS[name];
      const file = workflowFiles().find((workflow) => workflow.name === name);
      if (file === undefined) throw new Error(`workflows/${name}.asl.json is missing`);
      const [, machine] = stateMachineNamed(name);
      expect(machine.Properties?.StateMachineType).toBe('STANDARD');
      const substitutions = machine.Properties?.DefinitionSubstitutions;
      const given = Object.fromEntries(
        Object.entries(isObject(substitutions) ? substitutions : {}).map(([key, value]) => [
          key,
          render(value),
        ]),
      );
      const expected: Record<string, string> = Object.fromEntries(
        spec.functions.map((fn) => [`${pascal(fn)}FunctionArn`, `\${${lambdaFunction(fn)[0]}.Arn}`]),
      );
      if (spec.child !== undefined) {
        expected[`${pascal(spec.child)}StateMachineArn`] = `\${${stateMachineNamed(spec.child)[0]}}`;
      }
      if (spec.alerts) expected.AlertTopicArn = `\${AlertTopic}`;
      expect(placeholders(file.text)).toEqual(Object.keys(expected).sort());
      expect(given).toEqual(expected);
      const deployed = machine.Properties?.DefinitionString;
      expect(typeof deployed).toBe('string');
      // What Step Functions receives once CloudFormation has substituted: the
      // file, nulls included, with each placeholder replaced.
      expect(JSON.parse(substitute(String(deployed), given))).toEqual(
        JSON.parse(substitute(file.text, expected)),
      );
    },
  );

  it.each(NAMES)('%s may invoke exactly its functions, and do nothing else but its own duties', (name) => {
    const spec = WORKFLOWS[name];
    const [, machine] = stateMachineNamed(name);
    const statements = roleStatements(template, String(referencedId(machine.Properties?.RoleArn)));
    const grants = Object.fromEntries(
      [...allowedActions(statements)]
        .filter((action) => !action.startsWith('logs:'))
        .map((action) => [
          action,
          allowing(statements, action)
            .flatMap((statement) => statement.resources)
            .sort(),
        ]),
    );
    const expected: Record<string, string[]> = {
      'lambda:InvokeFunction': spec.functions.map((fn) => `\${${lambdaFunction(fn)[0]}.Arn}`).sort(),
    };
    if (spec.child !== undefined) {
      const [childId] = stateMachineNamed(spec.child);
      const executions = `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:\${${childId}.Name}:*`;
      const rule = `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;
      Object.assign(expected, {
        'states:StartExecution': [`\${${childId}}`],
        'states:DescribeExecution': [executions],
        'states:StopExecution': [executions],
        'events:PutTargets': [rule],
        'events:PutRule': [rule],
        'events:DescribeRule': [rule],
      });
    }
    if (spec.alerts) {
      Object.assign(expected, {
        'sns:Publish': [`\${AlertTopic}`],
        'kms:GenerateDataKey': [`\${AlertsKey.Arn}`],
        'kms:Decrypt': [`\${AlertsKey.Arn}`],
      });
    }
    expect(grants).toEqual(expected);
    const logs = [...allowedActions(statements)].filter((action) => action.startsWith('logs:'));
    expect(logs.length).toBeGreaterThan(0);
    for (const action of logs) {
      expect(allowing(statements, action).flatMap((statement) => statement.resources)).toEqual(['*']);
    }
  });

  it.each(NAMES)('%s logs its errors to a log group of its own', (name) => {
    const [id, machine] = stateMachineNamed(name);
    const groupOf = (candidate: CfnResource) => {
      const logging = candidate.Properties?.LoggingConfiguration;
      const destination = isObject(logging) ? asList(logging.Destinations)[0] : undefined;
      return isObject(destination) && isObject(destination.CloudWatchLogsLogGroup)
        ? referencedId(destination.CloudWatchLogsLogGroup.LogGroupArn)
        : undefined;
    };
    const group = groupOf(machine);
    expect(resource(template, String(group)).Type).toBe('AWS::Logs::LogGroup');
    for (const [otherId, other] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
      if (otherId !== id) expect(groupOf(other), otherId).not.toBe(group);
    }
  });

  it.each([
    ['drill', 'DrillStateMachineArn'],
    ['sweeper', 'SweeperStateMachineArn'],
  ])('names the %s workflow in the stack outputs', (name, output) => {
    const [id] = stateMachineNamed(name);
    expect(template.Outputs?.[output]?.Value).toEqual({ Ref: id });
  });
});

describe('the drill and sweeper schedules', () => {
  it.each(['drill', 'sweeper'] as const)(
    'start the %s workflow on its configured schedule, in the configured time zone',
    (name) => {
      const [machineId] = stateMachineNamed(name);
      const found = resourcesOfType(template, 'AWS::Scheduler::Schedule').filter(([, schedule]) => {
        const target = schedule.Properties?.Target;
        return isObject(target) && render(target.Arn) === `\${${machineId}}`;
      });
      expect(found).toHaveLength(1);
      const [, schedule] = found[0] as [string, CfnResource];
      expect(schedule.Properties?.ScheduleExpression).toBe(config.schedules[name]);
      expect(schedule.Properties?.ScheduleExpressionTimezone).toBe(config.schedules.timezone);
      expect(schedule.Properties?.State).toBe('ENABLED');
      const target = schedule.Properties?.Target;
      // A scheduled drill run drills the databases that are due: an empty request.
      expect(JSON.parse(String(isObject(target) ? target.Input : 'null'))).toEqual({});
      const role = isObject(target) ? String(referencedId(target.RoleArn)) : '';
      expect(
        roleStatements(template, role).map((statement) => [statement.actions, statement.resources]),
      ).toEqual([[['states:StartExecution'], [`\${${machineId}}`]]]);
    },
  );
});

describe('the compliance report workflow', () => {
  const REPORT = 'write-compliance-report';
  const SEAL = 'seal-evidence';
  const bucketObjects = (...prefixes: string[]) =>
    prefixes.map((prefix) => `\${ReportsBucket.Arn}/${prefix}*`).sort();

  /** The grants of a role other than its logs: each action with the resources it names. */
  function grantsBesidesLogs(statements: readonly Statement[]): Record<string, string[]> {
    return Object.fromEntries(
      [...allowedActions(statements)]
        .filter((action) => !action.startsWith('logs:'))
        .sort()
        .map((action) => [
          action,
          allowing(statements, action)
            .flatMap((statement) => statement.resources)
            .sort(),
        ]),
    );
  }

  it('deploys workflows/report.asl.json as the STANDARD state machine restorable-<stage>-report, its placeholders bound to seal-evidence, write-compliance-report and the alert topic', () => {
    const file = workflowFiles().find((workflow) => workflow.name === 'report');
    if (file === undefined) throw new Error('workflows/report.asl.json is missing');
    const [, machine] = stateMachineNamed('report');
    expect(machine.Properties?.StateMachineType).toBe('STANDARD');
    const substitutions = machine.Properties?.DefinitionSubstitutions;
    const given = Object.fromEntries(
      Object.entries(isObject(substitutions) ? substitutions : {}).map(([name, value]) => [
        name,
        render(value),
      ]),
    );
    const expected = {
      SealEvidenceFunctionArn: `\${${lambdaFunction(SEAL)[0]}.Arn}`,
      WriteComplianceReportFunctionArn: `\${${lambdaFunction(REPORT)[0]}.Arn}`,
      AlertTopicArn: `\${AlertTopic}`,
    };
    expect(placeholders(file.text)).toEqual(Object.keys(expected).sort());
    expect(given).toEqual(expected);
    const deployed = machine.Properties?.DefinitionString;
    expect(typeof deployed).toBe('string');
    // What Step Functions receives once CloudFormation has substituted: the
    // file, nulls included ("ResultPath": null keeps the report's result for
    // the Choice), with each placeholder replaced.
    expect(JSON.parse(substitute(String(deployed), given))).toEqual(
      JSON.parse(substitute(file.text, expected)),
    );
  });

  it('may invoke exactly seal-evidence and write-compliance-report, publish to the alert topic and deliver its logs', () => {
    const [, machine] = stateMachineNamed('report');
    const statements = roleStatements(template, String(referencedId(machine.Properties?.RoleArn)));
    expect(grantsBesidesLogs(statements)).toEqual({
      'kms:Decrypt': [`\${AlertsKey.Arn}`],
      'kms:GenerateDataKey': [`\${AlertsKey.Arn}`],
      'lambda:InvokeFunction': [
        `\${${lambdaFunction(SEAL)[0]}.Arn}`,
        `\${${lambdaFunction(REPORT)[0]}.Arn}`,
      ].sort(),
      'sns:Publish': [`\${AlertTopic}`],
    });
    const logs = [...allowedActions(statements)].filter((action) => action.startsWith('logs:'));
    expect(logs.length).toBeGreaterThan(0);
    for (const action of logs) {
      expect(allowing(statements, action).flatMap((statement) => statement.resources)).toEqual(['*']);
    }
  });

  it('logs its errors to a log group of its own', () => {
    const [id, machine] = stateMachineNamed('report');
    const groupOf = (candidate: CfnResource) => {
      const logging = candidate.Properties?.LoggingConfiguration;
      const destination = isObject(logging) ? asList(logging.Destinations)[0] : undefined;
      return isObject(destination) && isObject(destination.CloudWatchLogsLogGroup)
        ? referencedId(destination.CloudWatchLogsLogGroup.LogGroupArn)
        : undefined;
    };
    const group = groupOf(machine);
    expect(resource(template, String(group)).Type).toBe('AWS::Logs::LogGroup');
    for (const [otherId, other] of resourcesOfType(template, 'AWS::StepFunctions::StateMachine')) {
      if (otherId !== id) expect(groupOf(other), otherId).not.toBe(group);
    }
  });

  it('is named in the stack outputs', () => {
    const [id] = stateMachineNamed('report');
    expect(template.Outputs?.ReportStateMachineArn?.Value).toEqual({ Ref: id });
  });

  it('runs write-compliance-report with generous memory, and a timeout below its Task', () => {
    const [, fn] = lambdaFunction(REPORT);
    expect(Number(fn.Properties?.MemorySize)).toBeGreaterThanOrEqual(1024);
    const file = workflowFiles().find((workflow) => workflow.name === 'report');
    const task = taskStates(file?.definition ?? null).find(
      (state) => state.resource === `\${WriteComplianceReportFunctionArn}`,
    );
    expect(task?.timeoutSeconds).toEqual(expect.any(Number));
    expect(Number(fn.Properties?.Timeout)).toBeLessThan(Number(task?.timeoutSeconds));
  });

  it('keeps write-compliance-report read-only on RDS, in the source region and every region the tool writes to', () => {
    const statements = roleStatements(template, roleOf(REPORT));
    const rds = statements.filter((statement) => hasAction(statement, /^rds:/i));
    expect([...allowedActions(rds)].sort()).toEqual([
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusters',
      'rds:DescribeDBInstances',
      'rds:DescribeDBSnapshots',
    ]);
    for (const statement of rds) {
      const where = statement.Sid ?? JSON.stringify(statement.actions);
      expect(statement.Effect, where).toBe('Allow');
      // Listing is authorised on all of a region's resources of a type, and
      // only in the regions the tool writes to (the source region among them).
      expect([...regionsOf(statement)].sort(), where).toEqual([...snapshotRegions()].sort());
      for (const arn of statement.resources) expect(rdsArn(arn)?.name, `${where} ${arn}`).toBe('*');
    }
    const regionsFor = (action: string) =>
      [...new Set(allowing(rds, action).flatMap((statement) => [...regionsOf(statement)]))].sort();
    expect(regionsFor('rds:DescribeDBInstances')).toContain(config.sourceRegion);
    for (const action of ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots']) {
      expect(regionsFor(action), action).toEqual([...snapshotRegions()].sort());
    }
  });

  it('lets write-compliance-report read only evidence, drill reports and compliance reports, and write only inventories and compliance reports', () => {
    const statements = roleStatements(template, roleOf(REPORT));
    expect(s3Grants(statements)).toEqual({
      's3:GetObject': bucketObjects('evidence/', 'drills/', 'compliance/'),
      's3:ListBucket': [`\${ReportsBucket.Arn}`],
      's3:PutObject': bucketObjects('evidence/inventories/', 'compliance/'),
    });
    // Listing those prefixes lets a missing file read as missing (404), not as forbidden.
    expect(listedPrefixes(statements).sort()).toEqual(['compliance/*', 'drills/*', 'evidence/*']);
    // The objects are SSE-KMS under the reports key: reading decrypts, writing generates a data key.
    const kms = statements.filter((statement) => hasAction(statement, /^kms:/i));
    expect(grantsBesidesLogs(kms)).toEqual({
      'kms:Decrypt': [`\${ReportsKey.Arn}`],
      'kms:GenerateDataKey': [`\${ReportsKey.Arn}`],
    });
    expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 'rds', 's3']);
  });

  it('lets write-compliance-report delete nothing, and change nothing but its own logs and its two kinds of object', () => {
    const [logGroup] = lambdaFunction(REPORT);
    const ownLogs = `\${${logGroup.replace(/LambdaFunction$/, 'LogGroup')}.Arn}`;
    const writes = bucketObjects('evidence/inventories/', 'compliance/');
    for (const statement of roleStatements(template, roleOf(REPORT))) {
      const where = statement.Sid ?? JSON.stringify(statement.actions);
      expect(statement.Effect, where).toBe('Allow');
      expect([...statement.notActions, ...statement.notResources], where).toEqual([]);
      for (const action of statement.actions) {
        expect(action, where).not.toMatch(/delete|remove|retention|legalhold|bypass/i);
        if (/^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/i.test(action)) continue;
        if (/^logs:(CreateLogStream|PutLogEvents)$/i.test(action)) {
          expect(statement.resources, where).toEqual([ownLogs]);
        } else if (/^s3:PutObject$/i.test(action)) {
          expect([...statement.resources].sort(), where).toEqual(writes);
        } else if (/^kms:(Decrypt|GenerateDataKey)$/i.test(action)) {
          expect(statement.resources, where).toEqual([`\${ReportsKey.Arn}`]);
        } else {
          expect.fail(`${where} allows ${action}`);
        }
      }
    }
  });

  it('runs seal-evidence with generous memory, and a timeout below its Task', () => {
    const [, fn] = lambdaFunction(SEAL);
    expect(Number(fn.Properties?.MemorySize)).toBeGreaterThanOrEqual(1024);
    const file = workflowFiles().find((workflow) => workflow.name === 'report');
    const task = taskStates(file?.definition ?? null).find(
      (state) => state.resource === `\${SealEvidenceFunctionArn}`,
    );
    expect(task?.timeoutSeconds).toEqual(expect.any(Number));
    expect(Number(fn.Properties?.Timeout)).toBeLessThan(Number(task?.timeoutSeconds));
  });

  it('lets seal-evidence describe only the source region’s databases, read only evidence and drill reports, and write only manifests', () => {
    const statements = roleStatements(template, roleOf(SEAL));
    const rds = statements.filter((statement) => hasAction(statement, /^rds:/i));
    expect([...allowedActions(rds)].sort()).toEqual(['rds:DescribeDBClusters', 'rds:DescribeDBInstances']);
    for (const statement of rds) {
      for (const arn of statement.resources) expect(rdsArn(arn)?.region, arn).toBe(config.sourceRegion);
    }
    expect(s3Grants(statements)).toEqual({
      's3:GetObject': bucketObjects('evidence/', 'drills/'),
      's3:ListBucket': [`\${ReportsBucket.Arn}`],
      's3:PutObject': bucketObjects('evidence/manifests/'),
    });
    expect(listedPrefixes(statements).sort()).toEqual(['drills/*', 'evidence/*']);
    const [logGroup] = lambdaFunction(SEAL);
    const ownLogs = `\${${logGroup.replace(/LambdaFunction$/, 'LogGroup')}.Arn}`;
    for (const statement of statements) {
      const where = statement.Sid ?? JSON.stringify(statement.actions);
      expect(statement.Effect, where).toBe('Allow');
      for (const action of statement.actions) {
        expect(action, where).not.toMatch(/delete|remove|retention|legalhold|bypass/i);
        if (/^logs:/i.test(action)) expect(statement.resources, where).toEqual([ownLogs]);
        if (/^kms:/i.test(action)) expect(statement.resources, where).toEqual([`\${ReportsKey.Arn}`]);
      }
    }
    expect([...servicesOf(statements)].sort()).toEqual(['kms', 'logs', 'rds', 's3']);
  });
});

describe('the compliance report schedule', () => {
  /** The schedule whose target is the report state machine, in a packaged stack. */
  function reportSchedule(packaged: Template, machineId: string): CfnResource {
    const found = resourcesOfType(packaged, 'AWS::Scheduler::Schedule').filter(([, schedule]) => {
      const target = schedule.Properties?.Target;
      return isObject(target) && render(target.Arn) === `\${${machineId}}`;
    });
    expect(found).toHaveLength(1);
    return (found[0] as [string, CfnResource])[1];
  }

  it('starts the report workflow on schedules.report, in the configured time zone, for the previous month', () => {
    const [machineId] = stateMachineNamed('report');
    const schedule = reportSchedule(template, machineId);
    expect(schedule.Properties?.ScheduleExpression).toBe(config.schedules.report);
    expect(schedule.Properties?.ScheduleExpressionTimezone).toBe(config.schedules.timezone);
    expect(schedule.Properties?.State).toBe('ENABLED');
    const target = schedule.Properties?.Target;
    // Whole calendar months: consecutive monthly reports cover every day exactly once.
    expect(JSON.parse(String(isObject(target) ? target.Input : 'null'))).toEqual({ previousMonth: true });
    const role = isObject(target) ? String(referencedId(target.RoleArn)) : '';
    expect(
      roleStatements(template, role).map((statement) => [statement.actions, statement.resources]),
    ).toEqual([[['states:StartExecution'], [`\${${machineId}}`]]]);
  });

  it('starts the seal workflow on schedules.seal, daily after the prune, so the report reads sealed days', () => {
    const [machineId] = stateMachineNamed('seal');
    const schedule = reportSchedule(template, machineId);
    expect(schedule.Properties?.ScheduleExpression).toBe(config.schedules.seal);
    expect(schedule.Properties?.ScheduleExpressionTimezone).toBe(config.schedules.timezone);
    expect(schedule.Properties?.State).toBe('ENABLED');
    const target = schedule.Properties?.Target;
    const role = isObject(target) ? String(referencedId(target.RoleArn)) : '';
    expect(
      roleStatements(template, role).map((statement) => [statement.actions, statement.resources]),
    ).toEqual([[['states:StartExecution'], [`\${${machineId}}`]]]);
  });

  it('follows another configured report schedule and time zone', () => {
    // Values no other schedule of the stack and no default has: only
    // schedules.report and schedules.timezone can produce them.
    const report = 'cron(30 5 15 * ? *)';
    const timezone = 'America/Argentina/Buenos_Aires';
    const variant = packageVariant((settings) => ({
      ...settings,
      schedules: { ...(isObject(settings.schedules) ? settings.schedules : {}), report, timezone },
    }));
    const [machineId] = resourcesOfType(variant.template, 'AWS::StepFunctions::StateMachine').find(
      ([, machine]) => machine.Properties?.StateMachineName === `restorable-${config.aws.stage}-report`,
    ) ?? [''];
    const schedule = reportSchedule(variant.template, machineId);
    expect(schedule.Properties?.ScheduleExpression).toBe(report);
    expect(schedule.Properties?.ScheduleExpressionTimezone).toBe(timezone);
  }, 120_000);
});

describe('the backup schedule', () => {
  it('starts the backup workflow on the configured schedule, in the configured time zone', () => {
    const schedules = resourcesOfType(template, 'AWS::Scheduler::Schedule');
    const backup = schedules.filter(([, schedule]) => {
      const target = schedule.Properties?.Target;
      return isObject(target) && render(target.Arn) === `\${BackupStateMachine}`;
    });
    expect(backup).toHaveLength(1);
    const [, schedule] = backup[0] as [string, CfnResource];
    expect(schedule.Properties?.ScheduleExpression).toBe(config.schedules.backup);
    expect(schedule.Properties?.ScheduleExpressionTimezone).toBe(config.schedules.timezone);
    const target = schedule.Properties?.Target;
    const role = isObject(target) ? String(referencedId(target.RoleArn)) : '';
    const statements = roleStatements(template, role);
    expect(statements.map((statement) => [statement.actions, statement.resources])).toEqual([
      [['states:StartExecution'], [`\${BackupStateMachine}`]],
    ]);
  });
});

describe('the reports bucket', () => {
  const bucket = (): Record<string, Json> => ({ ...properties(template, 'ReportsBucket') });

  it('encrypts with SSE-KMS under a rotating key of the stack', () => {
    const encryption = bucket().BucketEncryption;
    const rules = isObject(encryption) ? asList(encryption.ServerSideEncryptionConfiguration) : [];
    const byDefault = rules.map((rule) => (isObject(rule) ? rule.ServerSideEncryptionByDefault : undefined));
    expect(byDefault).toEqual([
      { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['ReportsKey', 'Arn'] } },
    ]);
    expect(resource(template, 'ReportsKey').Type).toBe('AWS::KMS::Key');
    expect(properties(template, 'ReportsKey').EnableKeyRotation).toBe(true);
  });

  it('blocks public access, keeps versions and locks objects', () => {
    expect(bucket().PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket().VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket().ObjectLockEnabled).toBe(true);
    const lock = bucket().ObjectLockConfiguration;
    const retention = isObject(lock) && isObject(lock.Rule) ? lock.Rule.DefaultRetention : undefined;
    expect(isObject(lock) && lock.ObjectLockEnabled).toBe('Enabled');
    expect(isObject(retention) && ['GOVERNANCE', 'COMPLIANCE'].includes(String(retention.Mode))).toBe(true);
    expect(isObject(retention) ? Number(retention.Days ?? retention.Years) : 0).toBeGreaterThan(0);
  });

  it('refuses requests without TLS, or with TLS older than 1.2', () => {
    const policies = policyStatements(template).filter(
      (located) => located.holderType === 'AWS::S3::BucketPolicy' && located.holder === 'ReportsBucketPolicy',
    );
    expect(render(properties(template, 'ReportsBucketPolicy').Bucket)).toBe(`\${ReportsBucket}`);
    const denies = policies
      .map((located) => located.statement)
      .filter((statement) => statement.Effect === 'Deny');
    const coversBucket = (statement: Statement) =>
      statement.Principal === '*' &&
      statement.actions.includes('s3:*') &&
      statement.resources.includes(`\${ReportsBucket.Arn}`) &&
      statement.resources.includes(`\${ReportsBucket.Arn}/*`);
    expect(
      denies.some(
        (statement) =>
          coversBucket(statement) && String(statement.Condition.Bool?.['aws:SecureTransport']) === 'false',
      ),
    ).toBe(true);
    expect(
      denies.some(
        (statement) =>
          coversBucket(statement) && String(statement.Condition.NumericLessThan?.['s3:TlsVersion']) === '1.2',
      ),
    ).toBe(true);
  });

  it('is named in the stack outputs', () => {
    expect(template.Outputs?.ReportsBucketName?.Value).toEqual({ Ref: 'ReportsBucket' });
  });
});

describe('the work bucket', () => {
  const bucket = (): Record<string, Json> => ({ ...properties(template, 'WorkBucket') });

  /** A role's S3 grants on the work bucket, with the prefixes its listing is confined to. */
  const workGrants = (name: string) => {
    const statements = roleStatements(template, roleOf(name)).filter((statement) =>
      statement.resources.some((arn) => arn.startsWith(`\${WorkBucket`)),
    );
    return { ...s3Grants(statements), listedPrefixes: listedPrefixes(statements) };
  };

  it('has no Object Lock and keeps no versions: a rewritten work document keeps no locked copies', () => {
    expect(bucket().ObjectLockEnabled).toBeUndefined();
    expect(bucket().ObjectLockConfiguration).toBeUndefined();
    expect(bucket().VersioningConfiguration).toBeUndefined();
  });

  it('encrypts like the reports bucket and blocks public access', () => {
    expect(bucket().BucketEncryption).toEqual(properties(template, 'ReportsBucket').BucketEncryption);
    expect(bucket().PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('expires objects well after the longest run, and aborts incomplete uploads', () => {
    const lifecycle = bucket().LifecycleConfiguration;
    const rules = isObject(lifecycle) ? asList(lifecycle.Rules).filter(isObject) : [];
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule?.Status).toBe('Enabled');
    expect(rule?.Prefix ?? rule?.Filter).toBeUndefined();
    // A backup of 10,000 databases runs for about a week.
    expect(Number(rule?.ExpirationInDays)).toBeGreaterThanOrEqual(14);
    expect(Number(rule?.ExpirationInDays)).toBeLessThanOrEqual(90);
    const abort = rule?.AbortIncompleteMultipartUpload;
    expect(isObject(abort) ? Number(abort.DaysAfterInitiation) : 0).toBeGreaterThan(0);
  });

  it('refuses requests without TLS, or with TLS older than 1.2', () => {
    expect(render(properties(template, 'WorkBucketPolicy').Bucket)).toBe(`\${WorkBucket}`);
    const denies = policyStatements(template)
      .filter((located) => located.holder === 'WorkBucketPolicy')
      .map((located) => located.statement)
      .filter(
        (statement) =>
          statement.Effect === 'Deny' &&
          statement.Principal === '*' &&
          statement.actions.includes('s3:*') &&
          statement.resources.includes(`\${WorkBucket.Arn}`) &&
          statement.resources.includes(`\${WorkBucket.Arn}/*`),
      );
    expect(
      denies.some((statement) => String(statement.Condition.Bool?.['aws:SecureTransport']) === 'false'),
    ).toBe(true);
    expect(
      denies.some((statement) => String(statement.Condition.NumericLessThan?.['s3:TlsVersion']) === '1.2'),
    ).toBe(true);
  });

  it('is named in the stack outputs and in every function environment', () => {
    expect(template.Outputs?.WorkBucketName?.Value).toEqual({ Ref: 'WorkBucket' });
    for (const name of HANDLERS) {
      const environment = lambdaFunction(name)[1].Properties?.Environment;
      const variables = isObject(environment) && isObject(environment.Variables) ? environment.Variables : {};
      expect(variables.WORK_BUCKET, name).toEqual({ Ref: 'WorkBucket' });
    }
  });

  it('is the only bucket any role reaches work documents in', () => {
    for (const { holder, statement } of policyStatements(template)) {
      const inReports = statement.resources.filter((arn) => arn.startsWith(`\${ReportsBucket`));
      if (inReports.length === 0) continue;
      for (const arn of inReports) expect(arn, holder).not.toMatch(/\/work\//);
      for (const prefix of [
        ...conditionValues(statement, 'StringLike', 's3:prefix'),
        ...conditionValues(statement, 'StringEquals', 's3:prefix'),
      ]) {
        expect(prefix, holder).not.toMatch(/^work/);
      }
    }
  });

  it.each([
    [
      'discover-databases',
      {
        's3:GetObject': [`\${WorkBucket.Arn}/work/backups/timings.json`],
        's3:ListBucket': [`\${WorkBucket.Arn}`],
        's3:PutObject': [`\${WorkBucket.Arn}/work/backups/*`],
        listedPrefixes: ['work/backups/*'],
      },
    ],
    [
      'advance-backup',
      {
        's3:GetObject': [`\${WorkBucket.Arn}/work/backups/*`],
        's3:ListBucket': [`\${WorkBucket.Arn}`],
        's3:PutObject': [`\${WorkBucket.Arn}/work/backups/*`],
        listedPrefixes: ['work/backups/*'],
      },
    ],
    [
      'summarize-backup-run',
      {
        's3:GetObject': [`\${WorkBucket.Arn}/work/backups/*`],
        's3:ListBucket': [`\${WorkBucket.Arn}`],
        's3:PutObject': [`\${WorkBucket.Arn}/work/backups/timings.json`],
        listedPrefixes: ['work/backups/*'],
      },
    ],
    ['plan-prune', { 's3:PutObject': [`\${WorkBucket.Arn}/work/prunes/*`], listedPrefixes: [] }],
    ['delete-snapshot', { 's3:GetObject': [`\${WorkBucket.Arn}/work/prunes/*`], listedPrefixes: [] }],
    ['write-prune-log', { 's3:GetObject': [`\${WorkBucket.Arn}/work/prunes/*`], listedPrefixes: [] }],
    ['verify-sandbox', { 's3:PutObject': [`\${WorkBucket.Arn}/work/drills/*`], listedPrefixes: [] }],
    ['write-drill-report', { 's3:GetObject': [`\${WorkBucket.Arn}/work/drills/*`], listedPrefixes: [] }],
  ])('grants %s its own work documents, and only those, in the work bucket', (name, expected) => {
    expect(workGrants(name)).toEqual(expected);
  });

  it('grants no other function anything in the work bucket', () => {
    const users = new Set(
      [
        'discover-databases',
        'advance-backup',
        'summarize-backup-run',
        'plan-prune',
        'delete-snapshot',
        'write-prune-log',
        'verify-sandbox',
        'write-drill-report',
        'check-regional-verification',
      ].map(roleOf),
    );
    const holders = policyStatements(template)
      .filter(
        ({ kind, statement }) =>
          kind === 'identity' && statement.resources.some((arn) => arn.startsWith(`\${WorkBucket`)),
      )
      .map(({ holder }) => holder);
    expect(holders.filter((holder) => !users.has(holder))).toEqual([]);
  });
});

describe('alerts', () => {
  it('go to an SNS topic encrypted with a rotating key of the stack', () => {
    const topic = properties(template, 'AlertTopic');
    const key = String(referencedId(topic.KmsMasterKeyId));
    expect(resource(template, key).Type).toBe('AWS::KMS::Key');
    expect(properties(template, key).EnableKeyRotation).toBe(true);
  });

  it('are mailed to the configured address, if any', () => {
    const subscription = resource(template, 'AlertEmailSubscription');
    const email = config.alerts.email ?? '';
    expect(subscription.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: email,
      TopicArn: { Ref: 'AlertTopic' },
    });
    expect(subscription.Condition).toBe('HasAlertEmail');
    expect(template.Conditions?.HasAlertEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [email, ''] }] });
  });

  it.each([
    ['ExecutionsFailed', 'backup'],
    ['ExecutionsTimedOut', 'backup'],
    ['ExecutionsFailed', 'prune'],
    ['ExecutionsFailed', 'drill'],
    ['ExecutionsFailed', 'sweeper'],
    ['ExecutionsFailed', 'report'],
    ['ExecutionsFailed', 'seal'],
    ['ExecutionsTimedOut', 'prune'],
    ['ExecutionsTimedOut', 'drill'],
    ['ExecutionsTimedOut', 'sweeper'],
    ['ExecutionsTimedOut', 'report'],
    ['ExecutionsTimedOut', 'seal'],
  ])('are raised by an alarm on %s of the %s workflow', (metric, workflow) => {
    const [machineId] = stateMachineNamed(workflow);
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) =>
        alarm.Properties?.MetricName === metric &&
        alarm.Properties?.Namespace === 'AWS/States' &&
        asList(alarm.Properties?.Dimensions).some(
          (dimension) => isObject(dimension) && referencedId(dimension.Value) === machineId,
        ),
    );
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0] as [string, CfnResource];
    expect(alarm.Properties?.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: machineId } }]);
    expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    expect(alarm.Properties).toMatchObject({
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });
});

describe('observability on AWS', () => {
  const alarms = () => resourcesOfType(template, 'AWS::CloudWatch::Alarm');
  const deployment = () => ({ 'Fn::Sub': `${config.aws.stage}-\${AWS::Region}` });

  it('writes its metrics in the one namespace Restorable', () => {
    expect(METRICS_NAMESPACE).toBe('Restorable');
    const own = alarms().filter(([, alarm]) => alarm.Properties?.Namespace !== 'AWS/States');
    expect(own.map(([id]) => id)).toEqual(['FleetBackupOverdueAlarm']);
    expect(own[0]?.[1].Properties?.Namespace).toBe('Restorable');
  });

  it("has a dead-man's switch: no OK backup run of the whole fleet in backup.maxAgeHours alarms", () => {
    const alarm = properties(template, 'FleetBackupOverdueAlarm');
    const hours = Math.ceil(config.backup.maxAgeHours);
    expect(alarm).toMatchObject({
      MetricName: METRIC.fleetBackupSucceeded,
      Dimensions: [
        { Name: 'service', Value: 'restorable' },
        { Name: 'Deployment', Value: deployment() },
      ],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: hours,
      DatapointsToAlarm: hours,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      // No run at all is the case it exists for.
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'AlertTopic' }],
      OKActions: [{ Ref: 'AlertTopic' }],
    });
    // CloudWatch refuses an alarm of hourly periods that looks back more than 7 days.
    expect(Number(alarm.Period) * Number(alarm.EvaluationPeriods)).toBeLessThanOrEqual(7 * 86400);
  });

  it.each([
    [26, 26],
    [30.5, 31],
    [168, 168],
  ])('waits backup.maxAgeHours %s as %s hourly periods', (maxAgeHours, hours) => {
    const configured = parseConfig(`
sourceRegion: eu-west-1
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/backups
selection:
  ids: [orders]
backup:
  maxAgeHours: ${maxAgeHours}
`);
    expect(stackSettings(configured, 'restorable.yml').observability.backupOverdueHours).toBe(hours);
  });

  it('refuses a backup.maxAgeHours longer than an alarm can look back', () => {
    expect(() =>
      parseConfig(`
sourceRegion: eu-west-1
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/backups
selection:
  ids: [orders]
backup:
  maxAgeHours: 169
`),
    ).toThrow(/backup\.maxAgeHours/);
  });

  it('times out every workflow an ExecutionsTimedOut alarm watches', () => {
    const watched = alarms().filter(([, alarm]) => alarm.Properties?.MetricName === 'ExecutionsTimedOut');
    expect(watched.length).toBeGreaterThan(0);
    for (const [id, alarm] of watched) {
      const dimension = asList(alarm.Properties?.Dimensions)[0];
      const machine = isObject(dimension) ? referencedId(dimension.Value) : undefined;
      const definition = JSON.parse(String(properties(template, String(machine)).DefinitionString)) as {
        TimeoutSeconds?: unknown;
      };
      expect(definition.TimeoutSeconds, id).toEqual(expect.any(Number));
    }
  });

  const XRAY_WRITE = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess` };

  it('traces every function with X-Ray, each role allowed to write the traces', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      expect(fn.Properties?.TracingConfig, id).toEqual({ Mode: 'Active' });
      const role = referencedId(fn.Properties?.Role);
      expect(properties(template, String(role)).ManagedPolicyArns, id).toEqual([XRAY_WRITE]);
    }
  });

  it('traces every state machine with X-Ray, each role allowed to write the traces', () => {
    const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(8);
    for (const [id, machine] of machines) {
      expect(machine.Properties?.TracingConfiguration, id).toEqual({ Enabled: true });
      const role = referencedId(machine.Properties?.RoleArn);
      expect(properties(template, String(role)).ManagedPolicyArns, id).toEqual([XRAY_WRITE]);
    }
  });

  describe('the dashboard', () => {
    const body = () => {
      const sub = properties(template, 'Dashboard').DashboardBody as { 'Fn::Sub': [string, JsonObject] };
      return { text: sub['Fn::Sub'][0], variables: sub['Fn::Sub'][1] };
    };

    it('is named after the stack and reads its own deployment', () => {
      expect(resource(template, 'Dashboard').Type).toBe('AWS::CloudWatch::Dashboard');
      expect(properties(template, 'Dashboard').DashboardName).toBe(`restorable-${config.aws.stage}`);
      expect(body().variables).toEqual({ Deployment: deployment() });
    });

    it('shows every alarm of the stack', () => {
      const widgets = (JSON.parse(body().text) as { widgets: { type: string; properties: JsonObject }[] })
        .widgets;
      const shown = widgets
        .filter((widget) => widget.type === 'alarm')
        .flatMap((widget) => widget.properties.alarms);
      expect(new Set(shown)).toEqual(new Set(alarms().map(([id]) => `\${${id}.Arn}`)));
    });

    it('graphs every metric the tasks write, and the failed and timed-out executions of each scheduled workflow', () => {
      const { text } = body();
      for (const name of Object.values(METRIC)) expect(text, name).toContain(`"${name}`);
      for (const workflow of ['backup', 'prune', 'drill', 'sweeper', 'seal', 'report']) {
        const [machineId] = stateMachineNamed(workflow);
        expect(text).toContain(`"ExecutionsFailed","StateMachineArn","\${${machineId}}"`);
        expect(text).toContain(`"ExecutionsTimedOut","StateMachineArn","\${${machineId}}"`);
      }
    });

    it('substitutes only resources of the stack, its region and its deployment', () => {
      const ids = new Set(Object.keys(template.Resources));
      const placeholders = [...body().text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] ?? '');
      expect(placeholders.length).toBeGreaterThan(0);
      for (const placeholder of placeholders) {
        if (placeholder === 'AWS::Region' || placeholder === 'Deployment') continue;
        expect(ids.has(placeholder.replace(/\.Arn$/, '')), placeholder).toBe(true);
      }
    });
  });
});

describe('alerts to an existing topic (alerts.topicArn)', () => {
  // The same stack, configured to alert an existing topic of its region.
  let topicArn: string;
  let variant: Template;
  const ALERT_STATE_MACHINES = ['backup', 'prune', 'drill', 'sweeper', 'report'];

  beforeAll(() => {
    const region = deploymentOf(config).region;
    topicArn = `arn:aws:sns:${region}:123456789012:ops-alerts`;
    const configured = stackSettings({ ...config, alerts: { topicArn } }, 'restorable.yml');
    variant = packageVariant((settings) => ({
      ...settings,
      alertTopicArn: configured.alertTopicArn,
      alertTopic: configured.alertTopic as unknown as Json,
      alertKeyStatement: configured.alertKeyStatement as unknown as Json,
    })).template;
  }, 120_000);

  it('creates neither the alert topic nor its key: each is created only when no topic is configured', () => {
    for (const id of ['AlertTopic', 'AlertTopicPolicy', 'AlertsKey', 'AlertsKeyAlias']) {
      expect(resource(variant, id).Condition, id).toBe('CreatesAlertTopic');
      expect(resource(template, id).Condition, id).toBe('CreatesAlertTopic');
    }
    expect(variant.Conditions?.CreatesAlertTopic).toEqual({ 'Fn::Equals': [topicArn, ''] });
    expect(template.Conditions?.CreatesAlertTopic).toEqual({ 'Fn::Equals': ['', ''] });
  });

  it('lets nothing the stack creates reference the topic or key it does not create', () => {
    const created = Object.entries(variant.Resources).filter(
      ([, found]) => found.Condition !== 'CreatesAlertTopic' && found.Condition !== 'HasAlertEmail',
    );
    for (const [id, found] of created) {
      const text = JSON.stringify(found);
      expect(text, id).not.toMatch(/"(AlertTopic|AlertsKey)"|"AlertsKey\.Arn"/);
    }
    expect(JSON.stringify(variant.Outputs?.AlertTopicArn)).toContain(topicArn);
  });

  it.each(ALERT_STATE_MACHINES)(
    "binds the %s workflow's alerts to the topic, and lets it publish there only",
    (name) => {
      const [machineId] = stateMachineNamed(name);
      const machine = variant.Resources[machineId] as CfnResource;
      const substitutions = machine.Properties?.DefinitionSubstitutions;
      expect(isObject(substitutions) ? substitutions.AlertTopicArn : undefined).toBe(topicArn);
      const statements = roleStatements(variant, String(referencedId(machine.Properties?.RoleArn)));
      expect(allowing(statements, 'sns:Publish').flatMap((statement) => statement.resources)).toEqual([
        topicArn,
      ]);
      // The topic's key is not known to the stack: any key, used by SNS of the
      // stack region for that topic alone.
      const [encrypt, ...others] = allowing(statements, 'kms:GenerateDataKey');
      expect(others).toEqual([]);
      expect(encrypt?.actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(encrypt?.resources).toEqual(['*']);
      expect(encrypt?.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': `sns.${deploymentOf(config).region}.amazonaws.com`,
          'kms:EncryptionContext:aws:sns:topicArn': topicArn,
        },
      });
    },
  );

  it('has every alarm that notifies notify the topic', () => {
    const alarms = resourcesOfType(variant, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties?.AlarmActions !== undefined,
    );
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    for (const [id, alarm] of alarms) expect(alarm.Properties?.AlarmActions, id).toEqual([topicArn]);
  });
});

describe('a stack with a vault account (vault)', () => {
  // The stack the tests package: its configuration (config/demo.yml, unless
  // RESTORABLE_CONFIG says otherwise) keeps copies in a vault account.
  const vaultOf = () => {
    if (config.vault === undefined) throw new Error('the packaged configuration names no vault account');
    return config.vault;
  };
  const vaultAccount = () => vaultOf().accountId;
  const vaultKey = () => vaultOf().regions[0]?.kmsKeyArn ?? '';
  const advanceBackup = () => {
    const [, fn] = lambdaFunction('advance-backup');
    return roleStatements(template, String(referencedId(fn.Properties?.Role)));
  };

  it('keeps a share key whose policy lets the vault account use it through RDS, to copy, and nothing else', () => {
    expect(resource(template, 'VaultShareKey').Type).toBe('AWS::KMS::Key');
    expect(properties(template, 'VaultShareKeyAlias').AliasName).toBe(
      `alias/restorable-${config.aws.stage}-vault-share`,
    );
    const forVault = policyStatements(template)
      .filter((located) => located.holder === 'VaultShareKey')
      .map((located) => located.statement)
      .filter((statement) =>
        render(isObject(statement.Principal) ? statement.Principal.AWS : undefined).includes(vaultAccount()),
      );
    expect(forVault.flatMap((statement) => statement.actions).sort()).toEqual([
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DescribeKey',
    ]);
    for (const statement of forVault) {
      expect(statement.Condition.StringLike?.['kms:ViaService']).toBe('rds.*.amazonaws.com');
    }
    const grants = forVault.find((statement) => statement.actions.includes('kms:CreateGrant'));
    expect(grants?.Condition.Bool?.['kms:GrantIsForAWSResource']).toBe('true');
  });

  it('lets advance-backup assume the vault writer role, the drill functions the vault drill role, and no role more', () => {
    const assumes = allowing(advanceBackup(), 'sts:AssumeRole');
    expect(assumes.flatMap((statement) => statement.resources)).toEqual([
      `arn:\${AWS::Partition}:iam::${vaultAccount()}:role/restorable-vault-writer`,
    ]);
    const assumed = policyStatements(template)
      .filter(
        (located) =>
          located.kind === 'identity' &&
          located.statement.actions.some((action) => action.startsWith('sts:')),
      )
      .map(
        (located) =>
          `${located.holder} ${located.statement.actions.join(',')} ${located.statement.resources.join(',')}`,
      )
      .sort();
    const drillRole = `arn:\${AWS::Partition}:iam::${vaultAccount()}:role/restorable-vault-drills`;
    expect(assumed).toEqual(
      [
        `${roleOf('advance-backup')} sts:AssumeRole arn:\${AWS::Partition}:iam::${vaultAccount()}:role/restorable-vault-writer`,
        `${roleOf('mark-snapshot-proven-bad')} sts:AssumeRole ${drillRole}`,
        `${roleOf('plan-drills')} sts:AssumeRole ${drillRole}`,
        `${roleOf('restore-sandbox')} sts:AssumeRole ${drillRole}`,
      ].sort(),
    );
  });

  it('lets advance-backup delete its own staging copies only, in the source region', () => {
    const deletes = advanceBackup().filter((statement) =>
      statement.actions.some((action) => action.startsWith('rds:Delete')),
    );
    expect(deletes.flatMap((statement) => statement.actions).sort()).toEqual([
      'rds:DeleteDBClusterSnapshot',
      'rds:DeleteDBSnapshot',
    ]);
    for (const staging of deletes) {
      expect(
        staging.resources.every((arn) => arn.includes(`:rds:${config.sourceRegion}:\${AWS::AccountId}:`)),
      ).toBe(true);
      expect(staging.Condition.Null).toEqual({ 'aws:ResourceTag/restorable:vault-staging': 'false' });
      expect(render(staging.Condition.StringEquals?.['aws:ResourceTag/restorable:deployment'])).toBe(
        `${config.aws.stage}-\${AWS::Region}`,
      );
    }
  });

  it('gives no role of the stack a delete of anything in another account', () => {
    const deletes = policyStatements(template).filter(
      (located) =>
        located.kind === 'identity' &&
        located.statement.Effect === 'Allow' &&
        located.statement.actions.some((action) =>
          /^rds:Delete|^s3:Delete|^kms:ScheduleKeyDeletion/.test(action),
        ),
    );
    expect(deletes.length).toBeGreaterThan(0);
    for (const { holder, statement } of deletes) {
      for (const arn of statement.resources) {
        expect(arn, `${holder} ${statement.Sid ?? ''}`).not.toContain(vaultAccount());
        if (arn.startsWith('arn:'))
          expect(arn, `${holder} ${statement.Sid ?? ''}`).toMatch(
            /\$\{AWS::AccountId\}|^arn:\$\{AWS::Partition\}:s3:::/,
          );
      }
    }
  });

  it("lets restore-sandbox restore the vault account's restorable-* copies in the vault regions, with exactly the vault keys through RDS", () => {
    const statements = roleStatements(template, roleOf('restore-sandbox'));
    const bySid = (sid: string) => {
      const found = statements.find((statement) => statement.Sid === sid);
      if (found === undefined) throw new Error(`restore-sandbox has no statement ${sid}`);
      return found;
    };
    const vaultCopies = (type: string) => [
      `arn:\${AWS::Partition}:rds:eu-central-1:${vaultAccount()}:${type}:restorable-*`,
    ];
    const ofVault = (statement: Statement) =>
      statement.resources.filter((arn) => arn.includes(vaultAccount()));

    const instances = bySid('RestoreSandboxInstances');
    const clusters = bySid('RestoreSandboxClusters');
    expect(ofVault(instances)).toEqual(vaultCopies('snapshot'));
    expect(ofVault(clusters)).toEqual(vaultCopies('cluster-snapshot'));
    for (const restore of [
      instances,
      clusters,
      bySid('CreateSandboxClusterInstances'),
      bySid('TagNewSandboxes'),
    ]) {
      const where = restore.Sid ?? '';
      expect(conditionValues(restore, 'StringEquals', 'aws:RequestedRegion'), where).toEqual([
        ...new Set([...snapshotRegions(), 'eu-central-1']),
      ]);
      expect(
        requiresValue(restore, 'StringEquals', `aws:RequestTag/${SANDBOX_TAG}`, SANDBOX_TAG_VALUE),
        where,
      ).toBe(true);
    }

    const grant = bySid('RestoreVaultKeyGrantEuCentral1');
    expect(grant.actions).toEqual(['kms:CreateGrant']);
    expect(grant.resources).toEqual([vaultKey()]);
    expect(requiresValue(grant, 'Bool', 'kms:GrantIsForAWSResource', 'true')).toBe(true);
    const use = bySid('RestoreVaultKeyUseEuCentral1');
    expect(use.actions.sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    expect(use.resources).toEqual([vaultKey()]);
    for (const statement of [grant, use]) {
      expect(
        requiresValue(statement, 'StringEquals', 'kms:ViaService', 'rds.eu-central-1.amazonaws.com'),
        statement.Sid,
      ).toBe(true);
    }
    // Nothing else of restore-sandbox names the vault account, but the
    // assumption of the vault's drill role, which describes the vault copy.
    expect(
      statements
        .filter((statement) => ofVault(statement).length > 0)
        .map((statement) => statement.Sid)
        .sort(),
    ).toEqual([
      'AssumeTheVaultDrillRole',
      'RestoreSandboxClusters',
      'RestoreSandboxInstances',
      'RestoreVaultKeyGrantEuCentral1',
      'RestoreVaultKeyUseEuCentral1',
    ]);
  });

  it('has no share key, no shares and no assumed role without a vault', () => {
    // The stack's generators, given the settings of a configuration without one.
    const settings = stackSettings({ ...config, vault: undefined }, 'restorable.yml');
    expect(oneOffResources(settings).VaultShareKey).toBeUndefined();
    const advance = lambdaFunctions(settings).find((fn) => fn.task.name === 'advance-backup');
    const statements = JSON.stringify(advance?.policies);
    expect(statements).toContain('CopyOwnSnapshots');
    for (const action of [
      'sts:AssumeRole',
      'rds:ModifyDBSnapshotAttribute',
      'rds:DeleteDBSnapshot',
      'VaultShareKey',
    ]) {
      expect(statements).not.toContain(action);
    }
    const restore = lambdaFunctions(settings).find((fn) => fn.task.name === 'restore-sandbox');
    expect(JSON.stringify(restore?.policies)).not.toContain('RestoreVaultKey');
  });
});

describe('stack settings derived from the configuration', () => {
  const minimal = `
sourceRegion: eu-west-1
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/backups
selection:
  ids: [orders]
`;

  it('fill in the schema defaults and leave out what is not configured', () => {
    const settings = stackSettings(parseConfig(minimal), 'restorable.yml');
    expect(settings.schedules.backup).toBe('cron(0 2 * * ? *)');
    expect(settings.schedules.timezone).toBe('UTC');
    expect(settings.stage).toBe('prod');
    expect(settings.alertEmail).toBe('');
    expect(settings.region).toBe('eu-west-1');
    expect(settings.snapshotRegions).toEqual(['eu-west-1', 'eu-central-1']);
    expect(settings.schedules.prune).toBe('cron(0 4 * * ? *)');
    // The compliance report: monthly, on the 1st at 07:00.
    expect(settings.schedules.report).toBe('cron(0 7 1 * ? *)');
  });

  it("name the tool's own snapshots of each type in every region it writes to", () => {
    const settings = stackSettings(parseConfig(minimal), 'restorable.yml');
    const arns = (type: string) =>
      ['eu-west-1', 'eu-central-1'].map((region) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${type}:restorable-*`,
      }));
    expect(settings.ownSnapshotArns).toEqual(arns('snapshot'));
    expect(settings.ownClusterSnapshotArns).toEqual(arns('cluster-snapshot'));
    expect(ownSnapshotArns(['us-east-1'], 'cluster-snapshot')).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:rds:us-east-1:\${AWS::AccountId}:cluster-snapshot:restorable-*` },
    ]);
  });

  it('carry the alert address, the stage and the stack region when configured', () => {
    const settings = stackSettings(
      parseConfig(
        `${minimal}alerts:\n  email: ops@example.com\naws:\n  stage: staging\n  region: us-east-1\n`,
      ),
      'restorable.yml',
    );
    expect(settings.alertEmail).toBe('ops@example.com');
    expect(settings.stage).toBe('staging');
    expect(settings.region).toBe('us-east-1');
    expect(settings.sourceRegion).toBe('eu-west-1');
  });

  it.each([
    [
      'an alias',
      'alias/backups',
      { 'Fn::Sub': `arn:\${AWS::Partition}:kms:eu-central-1:\${AWS::AccountId}:key/*` },
      'alias/backups',
    ],
    [
      'an alias ARN',
      'arn:aws:kms:eu-central-1:123456789012:alias/backups',
      'arn:aws:kms:eu-central-1:123456789012:key/*',
      'alias/backups',
    ],
    [
      'a key ARN',
      'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      undefined,
    ],
    [
      'a key id',
      '1234abcd-12ab-34cd-56ef-1234567890ab',
      {
        'Fn::Sub': `arn:\${AWS::Partition}:kms:eu-central-1:\${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
      },
      undefined,
    ],
  ])('scope a copy key given as %s to that key only', (_form, kmsKeyId, resourceArn, alias) => {
    expect(copyKeyScope({ region: 'eu-central-1', kmsKeyId })).toEqual({
      resource: resourceArn,
      ...(alias === undefined ? {} : { alias }),
    });
  });

  it('refuse a copy key of another region', () => {
    expect(() =>
      copyKeyScope({ region: 'eu-central-1', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abcd' }),
    ).toThrow(ConfigError);
  });

  it('grant the copy keys for AWS resources only, and describe them without that condition', () => {
    const statements = copyKeyStatements([
      { region: 'eu-central-1', kmsKeyId: 'alias/backups' },
      { region: 'us-east-1', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abcd' },
    ]);
    expect(statements.map((statement) => [statement.Action, statement.Condition])).toEqual([
      [
        ['kms:CreateGrant'],
        {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/backups' },
        },
      ],
      [['kms:DescribeKey'], { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/backups' } }],
      [['kms:CreateGrant'], { Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
      [['kms:DescribeKey'], undefined],
    ]);
    expect(new Set(statements.map((statement) => statement.Sid)).size).toBe(statements.length);
  });
});

describe('drill settings derived from the configuration and the build', () => {
  const minimal = parseConfig(`
sourceRegion: eu-west-1
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/backups
selection:
  ids: [orders]
sandbox:
  securityGroupIds: [sg-0123456789abcdef0]
`);

  it('confine sandboxes to rsbx-* in every region the tool writes snapshots to', () => {
    const settings = stackSettings(minimal, 'restorable.yml');
    const arns = (type: string) =>
      ['eu-west-1', 'eu-central-1'].map((region) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:rds:${region}:\${AWS::AccountId}:${type}:${SANDBOX_ID_PREFIX}-*`,
      }));
    expect(settings.sandboxInstanceArns).toEqual(arns('db'));
    expect(settings.sandboxClusterArns).toEqual(arns('cluster'));
    expect(settings.sandboxClusterSnapshotArns).toEqual(arns('cluster-snapshot'));
    expect(settings.rdsSecretArns).toEqual(
      ['eu-west-1', 'eu-central-1'].map((region) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:${region}:\${AWS::AccountId}:secret:rds!*`,
      })),
    );
    // The subnet group of the stack region (the source region here) only:
    // the copy region has no sandbox network of its own.
    for (const resources of [
      settings.restoreSandboxInstanceResources,
      settings.restoreSandboxClusterResources,
      settings.createSandboxInstanceResources,
    ]) {
      expect(resources.filter((arn) => JSON.stringify(arn).includes(':subgrp:'))).toEqual([
        { 'Fn::Sub': `arn:\${AWS::Partition}:rds:eu-west-1:\${AWS::AccountId}:subgrp:restorable-sandbox` },
      ]);
    }
  });

  it('leave verify-sandbox out of any VPC and without a CA bundle unless the build gives them', () => {
    const settings = stackSettings(minimal, 'restorable.yml');
    expect(settings.verifierVpc).toBe(false);
    expect(settings.verifierNetwork).toBe('none');
    expect(settings.verifierNetworkStatements).toEqual([]);
    expect(settings.verifierEnvironment).toEqual({});
    expect(
      stackSettings(minimal, 'restorable.yml', { rdsCaBundlePath: RDS_CA_BUNDLE_PACKAGED })
        .verifierEnvironment,
    ).toEqual({ RDS_CA_BUNDLE_PATH: RDS_CA_BUNDLE_PACKAGED });
  });

  /** The minimal configuration with these sandbox settings, read from a file as the bundle reads it. */
  const withSandbox = (sandboxYaml: string): Config => {
    const file = join(mkdtempSync(join(tmpdir(), 'restorable-config-')), 'restorable.yml');
    writeFileSync(
      file,
      `sourceRegion: eu-west-1
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/backups
selection:
  ids: [orders]
sandbox:
${sandboxYaml}`,
    );
    const chosen = chooseConfigFile({ RESTORABLE_CONFIG: file });
    expect(chosen).toBe(file);
    return loadConfig(chosen).config;
  };

  it("put verify-sandbox in the configured subnets, with the configured security groups or else the sandbox's", () => {
    expect(verifierVpc(minimal)).toBeUndefined();
    expect(
      verifierVpc(
        withSandbox(
          '  securityGroupIds: [sg-0123456789abcdef0]\n  verifierSubnetIds: [subnet-0123456789abcdef0]\n',
        ),
      ),
    ).toEqual({
      subnetIds: ['subnet-0123456789abcdef0'],
      securityGroupIds: ['sg-0123456789abcdef0'],
    });
    const configured = withSandbox(
      [
        '  securityGroupIds: [sg-0123456789abcdef0]',
        '  verifierSubnetIds: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]',
        '  verifierSecurityGroupIds: [sg-0aaaabbbbccccdddd]',
        '',
      ].join('\n'),
    );
    expect(verifierVpc(configured)).toEqual({
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      securityGroupIds: ['sg-0aaaabbbbccccdddd'],
    });
    const settings = stackSettings(configured, 'restorable.yml');
    expect(settings.verifierVpc).toEqual({
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      securityGroupIds: ['sg-0aaaabbbbccccdddd'],
    });
    expect(settings.verifierNetwork).toBe('vpc');
    expect(settings.verifierNetworkStatements.flatMap((statement) => statement.Action)).toContain(
      'ec2:CreateNetworkInterface',
    );
  });

  it('take the verifier network from the configuration only, not from the stopgap environment variables', () => {
    // The variables the build used to read before the configuration had these fields.
    const saved = {
      subnets: process.env.RESTORABLE_VERIFIER_SUBNET_IDS,
      groups: process.env.RESTORABLE_VERIFIER_SECURITY_GROUP_IDS,
    };
    process.env.RESTORABLE_VERIFIER_SUBNET_IDS = 'subnet-0123456789abcdef0';
    process.env.RESTORABLE_VERIFIER_SECURITY_GROUP_IDS = 'sg-0aaaabbbbccccdddd';
    try {
      expect(verifierVpc(minimal)).toBeUndefined();
      expect(stackSettings(minimal, 'restorable.yml').verifierNetwork).toBe('none');
    } finally {
      for (const [name, value] of [
        ['RESTORABLE_VERIFIER_SUBNET_IDS', saved.subnets],
        ['RESTORABLE_VERIFIER_SECURITY_GROUP_IDS', saved.groups],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuse malformed network ids, and subnets without any security group', () => {
    expect(() =>
      verifierVpc(
        withSandbox(
          '  securityGroupIds: [sg-0123456789abcdef0]\n  verifierSubnetIds: [vpc-0123456789abcdef0]\n',
        ),
      ),
    ).toThrow(/sandbox\.verifierSubnetIds/);
    expect(() =>
      verifierVpc(
        withSandbox(
          '  verifierSubnetIds: [subnet-0123456789abcdef0]\n  verifierSecurityGroupIds: [default]\n',
        ),
      ),
    ).toThrow(/sandbox\.verifierSecurityGroupIds/);
    expect(() =>
      verifierVpc(
        withSandbox('  verifierSubnetIds: [subnet-0123456789abcdef0]\n  securityGroupIds: [default]\n'),
      ),
    ).toThrow(ConfigError);
    expect(() => verifierVpc(withSandbox('  verifierSubnetIds: [subnet-0123456789abcdef0]\n'))).toThrow(
      ConfigError,
    );
  });

  it('warn at build time, naming the configuration field, when verify-sandbox is given no subnets', () => {
    const warnings = (settings: StackSettings) =>
      drillWarnings(settings, join(ROOT, 'restorable.yml')).filter((warning) => warning.includes('VPC'));
    expect(warnings(stackSettings(minimal, 'restorable.yml'))).toEqual([
      'warning: restorable.yml sets no sandbox.verifierSubnetIds: verify-sandbox runs outside any VPC and cannot reach a sandbox',
    ]);
    const inVpc = withSandbox(
      '  securityGroupIds: [sg-0123456789abcdef0]\n  verifierSubnetIds: [subnet-0123456789abcdef0]\n',
    );
    expect(warnings(stackSettings(inVpc, 'restorable.yml'))).toEqual([]);
  });

  it('warn at build time, naming the region and the field, when scheduled drills restore where there is no sandbox network', () => {
    const warnings = (config: Config) =>
      drillWarnings(stackSettings(config, 'restorable.yml'), join(ROOT, 'restorable.yml'), config).filter(
        (warning) => warning.includes('drills.region'),
      );
    // Scheduled drills restore in the copy region, eu-central-1, by default.
    const [warning, ...others] = warnings(withSandbox('  securityGroupIds: [sg-0123456789abcdef0]\n'));
    expect(others).toEqual([]);
    expect(warning).toContain('scheduled drills restore in eu-central-1 (drills.region)');
    expect(warning).toContain('sandbox.regions.eu-central-1.subnetGroup');
    const withNetwork = withSandbox(
      [
        '  regions:',
        '    eu-central-1:',
        '      subnetGroup: restorable-sandbox',
        '      securityGroupIds: [sg-0123456789abcdef1]',
        '      verifierSubnetIds: [subnet-0123456789abcdef1]',
        '      verifierSecurityGroupIds: [sg-0123456789abcdef2]',
        '',
      ].join('\n'),
    );
    expect(warnings(withNetwork)).toEqual([]);
  });

  it('grant the keys of restored snapshots through RDS of their region only, and grants for AWS resources only', () => {
    const statements = restoreKeyStatements('eu-west-1', [
      { region: 'eu-central-1', kmsKeyId: 'alias/backups' },
      { region: 'us-east-1', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abcd' },
    ]);
    expect(
      statements.map((statement) => [statement.Action, statement.Resource, statement.Condition]),
    ).toEqual([
      [
        ['kms:CreateGrant'],
        { 'Fn::Sub': `arn:\${AWS::Partition}:kms:eu-west-1:\${AWS::AccountId}:key/*` },
        {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' },
        },
      ],
      [
        ['kms:DescribeKey', 'kms:Decrypt'],
        { 'Fn::Sub': `arn:\${AWS::Partition}:kms:eu-west-1:\${AWS::AccountId}:key/*` },
        { StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' } },
      ],
      [
        ['kms:CreateGrant'],
        { 'Fn::Sub': `arn:\${AWS::Partition}:kms:eu-central-1:\${AWS::AccountId}:key/*` },
        {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': 'rds.eu-central-1.amazonaws.com' },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/backups' },
        },
      ],
      [
        ['kms:DescribeKey', 'kms:Decrypt'],
        { 'Fn::Sub': `arn:\${AWS::Partition}:kms:eu-central-1:\${AWS::AccountId}:key/*` },
        {
          StringEquals: { 'kms:ViaService': 'rds.eu-central-1.amazonaws.com' },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/backups' },
        },
      ],
      [
        ['kms:CreateGrant'],
        'arn:aws:kms:us-east-1:123456789012:key/abcd',
        {
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
          StringEquals: { 'kms:ViaService': 'rds.us-east-1.amazonaws.com' },
        },
      ],
      [
        ['kms:DescribeKey', 'kms:Decrypt'],
        'arn:aws:kms:us-east-1:123456789012:key/abcd',
        { StringEquals: { 'kms:ViaService': 'rds.us-east-1.amazonaws.com' } },
      ],
    ]);
    expect(new Set(statements.map((statement) => statement.Sid)).size).toBe(statements.length);
  });

  it('ship the RDS CA bundle only when the deployer placed one, and never a stale copy', () => {
    const directory = mkdtempSync(join(tmpdir(), 'restorable-ca-'));
    const source = join(directory, 'certs', 'rds-ca-bundle.pem');
    const destination = join(directory, 'dist', 'rds-ca-bundle.pem');
    expect(shipRdsCaBundle(source, destination)).toBe(false);
    expect(existsSync(destination)).toBe(false);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    mkdirSync(join(directory, 'certs'));
    writeFileSync(source, pem);
    expect(shipRdsCaBundle(source, destination)).toBe(true);
    expect(readFileSync(destination, 'utf8')).toBe(pem);
    writeFileSync(source, 'not a certificate');
    expect(() => shipRdsCaBundle(source, destination)).toThrow(ConfigError);
    rmSync(source);
    expect(shipRdsCaBundle(source, destination)).toBe(false);
    expect(existsSync(destination), 'a copy left by an earlier build is removed').toBe(false);
  });
});
