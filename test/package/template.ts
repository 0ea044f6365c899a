// Runs the real packaging (bundle, then `serverless package`) and reads the
// CloudFormation template it writes, with helpers to query its resources and
// IAM statements as data.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type Json = null | boolean | number | string | Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
}

export interface Template {
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly Conditions?: JsonObject;
  readonly Parameters?: JsonObject;
  readonly Outputs?: Readonly<Record<string, { readonly Value: Json }>>;
}

export interface PackagedService {
  readonly outputDirectory: string;
  readonly template: Template;
  readonly provider: { readonly region: string; readonly stage: string };
}

/** The environment of the packaging commands: non-interactive, and no way to reach AWS credentials. */
export function offlineEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const withoutAws = Object.fromEntries(Object.entries(base).filter(([name]) => !name.startsWith('AWS_')));
  const nowhere = mkdtempSync(join(tmpdir(), 'restorable-no-aws-'));
  return {
    ...withoutAws,
    CI: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(nowhere, 'credentials'),
    AWS_CONFIG_FILE: join(nowhere, 'config'),
    // A deprecated setting in the service definition fails the packaging.
    SLS_DEPRECATION_NOTIFICATION_MODE: 'error',
  };
}

export function runInRoot(command: string, args: readonly string[], env: NodeJS.ProcessEnv): string {
  return runIn(ROOT, command, args, env);
}

function runIn(cwd: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: 'pipe', timeout: 110_000 });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ')} failed: ${failure.message}\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`,
    );
  }
}

/** `npm run package`, step by step, with the output kept out of the working tree. */
export function packageService(): PackagedService {
  const env = offlineEnvironment();
  const outputDirectory = mkdtempSync(join(tmpdir(), 'restorable-package-'));
  runInRoot('npx', ['--no', 'node', 'scripts/bundle.ts'], env);
  runInRoot('npx', ['--no', 'serverless', 'package', '--package', outputDirectory], env);
  return readPackage(outputDirectory);
}

function readPackage(outputDirectory: string): PackagedService {
  const written = readJson<Template>(join(outputDirectory, 'cloudformation-template-update-stack.json'));
  const state = readJson<{ service: { provider: { region: string; stage: string } } }>(
    join(outputDirectory, 'serverless-state.json'),
  );
  const { provider } = state.service;
  return { outputDirectory, template: withConditionsResolved(written, provider.region), provider };
}

/**
 * A service definition in a copy of the service directory: the repository's
 * stack module (infra/), which reads the copy's dist/ (the directory
 * serverless runs in).
 */
function writeServiceDefinition(service: string, file: string, module: string): void {
  const href = pathToFileURL(join(ROOT, 'infra', module)).href;
  writeFileSync(join(service, file), `export { default } from ${JSON.stringify(href)};\n`);
}

/**
 * `serverless package` of the repository's stack definition and of the bundles
 * already built in dist/ (by `packageService`), with the stack settings
 * changed as `change` says: another configuration's stack, packaged in a
 * directory of its own so that dist/ stays as the build left it. `files` are
 * extra files of the service directory, by path (`dist/rds-ca-bundle.pem`).
 */
export function packageVariant(
  change: (settings: JsonObject) => JsonObject,
  files: Readonly<Record<string, string>> = {},
): PackagedService {
  const env = offlineEnvironment();
  const service = mkdtempSync(join(tmpdir(), 'restorable-variant-'));
  mkdirSync(join(service, 'dist', 'functions'), { recursive: true });
  writeServiceDefinition(service, 'serverless.mjs', 'stack.ts');
  for (const file of ['config.json', 'workflows.json']) {
    copyFileSync(join(ROOT, 'dist', file), join(service, 'dist', file));
  }
  for (const bundle of readdirSync(join(ROOT, 'dist', 'functions')).filter((file) => file.endsWith('.mjs'))) {
    copyFileSync(join(ROOT, 'dist', 'functions', bundle), join(service, 'dist', 'functions', bundle));
  }
  const settings = change(readJson<JsonObject>(join(ROOT, 'dist', 'stack-settings.json')));
  writeFileSync(join(service, 'dist', 'stack-settings.json'), JSON.stringify(settings));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(service, path), text);
  const outputDirectory = join(service, '.package');
  // serverless is run from the repository's installation, on this Node.
  const cli = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
  runIn(service, process.execPath, [cli, 'package', '--package', outputDirectory], env);
  return readPackage(outputDirectory);
}

/**
 * `serverless package --config serverless-verifier.mjs --region <region>` of
 * the regional verifier stack, over the bundle and the regional workflow
 * already built in dist/ (by `packageService`) and the given stack settings,
 * in a directory of its own.
 */
export function packageRegionalVerifier(
  settings: JsonObject,
  region: string,
  files: Readonly<Record<string, string>> = {},
): PackagedService {
  const env = offlineEnvironment();
  const service = mkdtempSync(join(tmpdir(), 'restorable-regional-'));
  mkdirSync(join(service, 'dist', 'functions', 'regional'), { recursive: true });
  writeServiceDefinition(service, 'serverless-verifier.mjs', 'verifier.ts');
  copyFileSync(
    join(ROOT, 'dist', 'regional-workflows.json'),
    join(service, 'dist', 'regional-workflows.json'),
  );
  const bundle = join('dist', 'functions', 'regional', 'verify-sandbox-in-region.mjs');
  copyFileSync(join(ROOT, bundle), join(service, bundle));
  writeFileSync(join(service, 'dist', 'stack-settings.json'), JSON.stringify(settings));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(service, path), text);
  const outputDirectory = join(service, '.package');
  const cli = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
  runIn(
    service,
    process.execPath,
    [cli, 'package', '--config', 'serverless-verifier.mjs', '--region', region, '--package', outputDirectory],
    env,
  );
  return readPackage(outputDirectory);
}

/**
 * The value of a CloudFormation condition expression, as CloudFormation
 * evaluates it in the stack's region: over literal values and `AWS::Region`.
 */
function evaluateCondition(expression: Json, conditions: JsonObject, region: string): boolean {
  if (isObject(expression)) {
    const [[name, args] = ['', null]] = Object.entries(expression);
    const list = Array.isArray(args) ? args : [];
    switch (name) {
      case 'Fn::Not':
        return !evaluateCondition(list[0] ?? null, conditions, region);
      case 'Fn::And':
        return list.every((item) => evaluateCondition(item, conditions, region));
      case 'Fn::Or':
        return list.some((item) => evaluateCondition(item, conditions, region));
      case 'Fn::Equals': {
        const [left, right] = list.map((item) =>
          isObject(item) && item.Ref === 'AWS::Region' ? region : item,
        );
        if (typeof left !== 'string' || typeof right !== 'string') {
          throw new Error(`Fn::Equals of non-literal values: ${JSON.stringify(expression)}`);
        }
        return left === right;
      }
      case 'Condition':
        return evaluateCondition(conditions[String(args)] ?? null, conditions, region);
    }
  }
  throw new Error(`cannot evaluate the condition ${JSON.stringify(expression)}`);
}

const NO_VALUE = Symbol('AWS::NoValue');

function resolveIfs(value: Json, conditions: JsonObject, region: string): Json | typeof NO_VALUE {
  if (Array.isArray(value)) {
    return value
      .map((item) => resolveIfs(item, conditions, region))
      .filter((item): item is Json => item !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  if (value.Ref === 'AWS::NoValue') return NO_VALUE;
  const branches = value['Fn::If'];
  if (Array.isArray(branches) && Object.keys(value).length === 1) {
    const [name, whenTrue, whenFalse] = branches;
    const chosen = evaluateCondition({ Condition: name ?? null }, conditions, region) ? whenTrue : whenFalse;
    return resolveIfs(chosen ?? null, conditions, region);
  }
  const entries: [string, Json][] = [];
  for (const [key, item] of Object.entries(value)) {
    const resolved = resolveIfs(item, conditions, region);
    if (resolved !== NO_VALUE) entries.push([key, resolved]);
  }
  return Object.fromEntries(entries);
}

/**
 * The template as CloudFormation deploys it in `region`: every `Fn::If` in
 * the resources replaced by its chosen branch, `AWS::NoValue` removed. The
 * conditions are over literal values once serverless has resolved its
 * variables, and over the stack's region.
 */
export function withConditionsResolved(template: Template, region: string): Template {
  const conditions = template.Conditions ?? {};
  const resources = Object.fromEntries(
    Object.entries(template.Resources).map(([id, found]) => {
      if (found.Properties === undefined) return [id, found];
      const properties = resolveIfs(found.Properties, conditions, region);
      return [
        id,
        { ...found, Properties: properties !== NO_VALUE && isObject(properties) ? properties : {} },
      ];
    }),
  );
  return { ...template, Resources: resources };
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A CloudFormation value as readable text: `{ Ref: X }` → `${X}`,
 * `{ 'Fn::GetAtt': [X, Y] }` → `${X.Y}`, `{ 'Fn::Sub': s }` → s.
 */
export function render(value: Json | undefined): string {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    const ref = value.Ref;
    if (typeof ref === 'string') return `\${${ref}}`;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `\${${getAtt.map(String).join('.')}}`;
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub;
  }
  return JSON.stringify(value);
}

export function asList(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: Json;
  readonly actions: string[];
  /** Rendered with `render`. */
  readonly resources: string[];
  /** `NotAction`, which allows every action but these: empty when the statement has none. */
  readonly notActions: string[];
  /** `NotResource`, rendered with `render`: empty when the statement has none. */
  readonly notResources: string[];
  readonly Condition: Readonly<Record<string, JsonObject>>;
}

export interface LocatedStatement {
  /** The resource holding the policy: a role, a bucket or topic policy, a key. */
  readonly holder: string;
  readonly holderType: string;
  /** Identity policies are attached to a principal; resource policies to a bucket, topic or key. */
  readonly kind: 'identity' | 'resource';
  readonly policyName?: string;
  readonly statement: Statement;
}

function toStatement(raw: Json): Statement {
  if (!isObject(raw)) throw new Error(`not a policy statement: ${JSON.stringify(raw)}`);
  const effect = raw.Effect;
  if (effect !== 'Allow' && effect !== 'Deny')
    throw new Error(`statement without an Effect: ${JSON.stringify(raw)}`);
  const condition = isObject(raw.Condition) ? raw.Condition : {};
  return {
    ...(typeof raw.Sid === 'string' ? { Sid: raw.Sid } : {}),
    Effect: effect,
    ...(raw.Principal === undefined ? {} : { Principal: raw.Principal }),
    actions: asList(raw.Action).map(String),
    resources: asList(raw.Resource).map(render),
    notActions: asList(raw.NotAction).map(String),
    notResources: asList(raw.NotResource).map(render),
    Condition: Object.fromEntries(
      Object.entries(condition).map(([operator, keys]) => [operator, isObject(keys) ? keys : {}]),
    ),
  };
}

function documentStatements(document: Json | undefined): Statement[] {
  return isObject(document) ? asList(document.Statement).map(toStatement) : [];
}

/** Every policy statement of the template, identity and resource policies alike. */
export function policyStatements(template: Template): LocatedStatement[] {
  return Object.entries(template.Resources).flatMap(([holder, resource]) => {
    const properties = resource.Properties ?? {};
    const located = (kind: 'identity' | 'resource', statements: Statement[], policyName?: string) =>
      statements.map((statement) => ({
        holder,
        holderType: resource.Type,
        kind,
        ...(policyName === undefined ? {} : { policyName }),
        statement,
      }));
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return asList(properties.Policies).flatMap((policy) =>
          isObject(policy)
            ? located('identity', documentStatements(policy.PolicyDocument), String(policy.PolicyName))
            : [],
        );
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        return located('identity', documentStatements(properties.PolicyDocument));
      case 'AWS::S3::BucketPolicy':
      case 'AWS::SNS::TopicPolicy':
        return located('resource', documentStatements(properties.PolicyDocument));
      case 'AWS::KMS::Key':
        return located('resource', documentStatements(properties.KeyPolicy));
      default:
        return [];
    }
  });
}

/** The statements of the identity policies of one role. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  return policyStatements(template)
    .filter((located) => located.holder === roleId && located.kind === 'identity')
    .map((located) => located.statement);
}

export function allowing(statements: readonly Statement[], action: string): Statement[] {
  return statements.filter((statement) => statement.Effect === 'Allow' && statement.actions.includes(action));
}

export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

export function resource(template: Template, id: string): CfnResource {
  const found = template.Resources[id];
  if (found === undefined) throw new Error(`the template has no resource ${id}`);
  return found;
}

export function properties(template: Template, id: string): JsonObject {
  return resource(template, id).Properties ?? {};
}

/** The logical id a `{ 'Fn::GetAtt': [id, 'Arn'] }` or `{ Ref: id }` points at. */
export function referencedId(value: Json | undefined): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/**
 * `serverless package --config serverless-vault.mjs` of the vault stack over
 * the given stack settings (it ships no function), in a directory of its
 * own; `--region` only when a region is given. Also the service's name, from
 * which serverless names the stack `<service>-<stage>`.
 */
export function packageVault(
  settings: JsonObject,
  region?: string,
): PackagedService & { readonly service: string } {
  const env = offlineEnvironment();
  const service = mkdtempSync(join(tmpdir(), 'restorable-vault-'));
  mkdirSync(join(service, 'dist'), { recursive: true });
  writeServiceDefinition(service, 'serverless-vault.mjs', 'vault.ts');
  writeFileSync(join(service, 'dist', 'stack-settings.json'), JSON.stringify(settings));
  const outputDirectory = join(service, '.package');
  const cli = join(ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
  runIn(
    service,
    process.execPath,
    [
      cli,
      'package',
      '--config',
      'serverless-vault.mjs',
      ...(region === undefined ? [] : ['--region', region]),
      '--package',
      outputDirectory,
    ],
    env,
  );
  const state = readJson<{ service: { service: string } }>(join(outputDirectory, 'serverless-state.json'));
  return { ...readPackage(outputDirectory), service: state.service.service };
}
