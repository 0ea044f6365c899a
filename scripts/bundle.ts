// Builds what `serverless package` ships (`npm run bundle`):
//
// - one minified ESM bundle per Lambda handler, `functions/<name>.ts` →
//   `dist/functions/<name>.mjs` (+ source map), the AWS SDK bundled in at the
//   versions pinned in package-lock.json rather than whatever the runtime has;
// - `dist/config.yml`, a copy of the chosen configuration file, which every
//   function's package includes and reads at start (RESTORABLE_CONFIG_PATH);
// - `dist/stack-settings.json`, the same configuration validated, with the
//   schema's defaults filled in, plus the few values serverless.yml cannot
//   derive itself (IAM statements for the copy regions' KMS keys, the ARNs of
//   the tool's own snapshots in each region it writes to);
// - `dist/workflows.json`, each `workflows/<name>.asl.json` as one JSON string,
//   for the state machines' DefinitionString: serverless drops every null it
//   reads from a file, and `"ResultPath": null` is meaningful in ASL.
//
// The configuration is `$RESTORABLE_CONFIG` (relative to the repository root)
// when set, else `restorable.yml` in the repository root, else the demo config.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { loadConfig, resolveConfigPath } from '../src/config/load.ts';
import type { Config, CopyRegion } from '../src/config/schema.ts';
import { ConfigError } from '../src/domain/errors.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const FUNCTIONS_DIST = join(DIST, 'functions');
export const CONFIG_DIST = join(DIST, 'config.yml');
export const STACK_SETTINGS_DIST = join(DIST, 'stack-settings.json');
export const WORKFLOWS_DIST = join(DIST, 'workflows.json');

/** A string CloudFormation substitutes `${AWS::AccountId}`-style references in. */
export type CfnString = string | { readonly 'Fn::Sub': string };

export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: CfnString;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
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
  /** Empty when no address is configured: a CloudFormation condition skips the subscription then. */
  readonly alertEmail: string;
  /** kms:CreateGrant and kms:DescribeKey on each copy region's key, for the copy-snapshot role. */
  readonly copyKeyStatements: readonly IamStatement[];
  /** The tool's own DB snapshots (`restorable-*`) in each of the snapshotRegions: what the prune may delete. */
  readonly ownSnapshotArns: readonly CfnString[];
  /** The tool's own DB cluster snapshots (`restorable-*`) in each of the snapshotRegions. */
  readonly ownClusterSnapshotArns: readonly CfnString[];
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

export function stackSettings(config: Config, configFile: string): StackSettings {
  const copyRegions = config.copyRegions.map((copy) => copy.region);
  const snapshotRegions = [config.sourceRegion, ...copyRegions];
  return {
    configFile,
    stage: config.aws.stage,
    region: config.aws.region ?? config.sourceRegion,
    sourceRegion: config.sourceRegion,
    copyRegions,
    snapshotRegions,
    schedules: config.schedules,
    alertEmail: config.alerts.email ?? '',
    copyKeyStatements: copyKeyStatements(config.copyRegions),
    ownSnapshotArns: ownSnapshotArns(snapshotRegions, 'snapshot'),
    ownClusterSnapshotArns: ownSnapshotArns(snapshotRegions, 'cluster-snapshot'),
  };
}

/** The configuration file the package is built with (see the header). */
export function chooseConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.RESTORABLE_CONFIG;
  return resolveConfigPath(explicit === undefined || explicit === '' ? undefined : explicit, ROOT);
}

/** The handlers: every file `functions/<name>.ts`, by name (a folder under functions/ holds helpers). */
export function handlerEntryPoints(): Record<string, string> {
  const directory = join(ROOT, 'functions');
  const files = readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => entry.name)
    .sort();
  return Object.fromEntries(files.map((file) => [basename(file, '.ts'), join(directory, file)]));
}

/**
 * Zod's `z` namespace re-exports its error messages in some 40 languages
 * (about 270 KB minified, a fifth of each bundle), which the functions never
 * use: their messages are English, and the English locale is imported on its
 * own. Leaving the catalogue out keeps cold starts shorter.
 */
const leaveOutZodLocales: Plugin = {
  name: 'leave-out-zod-locales',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: 'zod-locales', namespace: 'empty-module' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'empty-module' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
};

/** Each workflow definition as compact JSON text, by name (`backup` for workflows/backup.asl.json). */
export function workflowDefinitions(): Record<string, string> {
  const directory = join(ROOT, 'workflows');
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.asl.json'))
    .sort();
  return Object.fromEntries(
    files.map((file) => [
      basename(file, '.asl.json'),
      JSON.stringify(JSON.parse(readFileSync(join(directory, file), 'utf8'))),
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
    plugins: [leaveOutZodLocales],
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
function writeStackInputs(configFile: string): void {
  const config = loadConfig(configFile).config;
  mkdirSync(DIST, { recursive: true });
  writeFileSync(
    STACK_SETTINGS_DIST,
    `${JSON.stringify(stackSettings(config, relative(ROOT, configFile)), null, 2)}\n`,
  );
  copyFileSync(configFile, CONFIG_DIST);
  writeFileSync(WORKFLOWS_DIST, `${JSON.stringify(workflowDefinitions(), null, 2)}\n`);
}

async function main(): Promise<number> {
  const configFile = chooseConfigFile();
  try {
    writeStackInputs(configFile);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const started = performance.now();
  const reports = await bundleHandlers(handlerEntryPoints());
  console.log(formatReport(reports));
  console.log(
    `${reports.length} bundles in ${relative(ROOT, FUNCTIONS_DIST)}/ in ${Math.round(performance.now() - started)} ms;` +
      ` configuration ${relative(ROOT, configFile)} copied to ${relative(ROOT, CONFIG_DIST)}`,
  );
  return 0;
}

if (import.meta.main) {
  process.exitCode = await main();
}
