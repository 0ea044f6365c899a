// Builds what `serverless package` ships (`npm run bundle`):
//
// - one minified ESM bundle per Lambda handler, `functions/<name>.ts` →
//   `dist/functions/<name>.mjs` (+ source map), holding only the adapters of
//   the ports its task needs (src/runtime/task.ts) and leaving the AWS SDK to
//   the one the Lambda runtime ships (see `external` below), and the regional
//   verifier stack's handler (infra/verifier.ts),
//   `functions/regional/verify-sandbox-in-region.ts` →
//   `dist/functions/regional/verify-sandbox-in-region.mjs`;
// - `dist/config.json`, the chosen configuration file validated, with the
//   schema's defaults filled in, which every function's package includes and
//   reads at start (RESTORABLE_CONFIG_PATH, src/config/shipped.ts): the
//   functions parse no YAML;
// - `dist/stack-settings.json`, the same configuration validated, with the
//   schema's defaults filled in, plus the few values the stack definition
//   cannot derive itself (IAM statements for the copy regions' KMS keys, the
//   ARNs of the tool's own snapshots in each region it writes to,
//   verify-sandbox's VPC from sandbox.verifierSubnetIds and the network
//   permissions it needs, and the settings of the regional verifier stack of
//   each other region of sandbox.regions, by region): computed by
//   infra/settings.ts, read by the stack definitions (infra/stack.ts,
//   infra/verifier.ts);
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
import { type StackSettings, stackSettings } from '../infra/settings.ts';
import { loadConfig, resolveConfigPath } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { shippedConfigText } from '../src/config/shipped.ts';
import { ConfigError } from '../src/domain/errors.ts';
import {
  missingNetworkMessage,
  sandboxNetworks,
  scheduledDrillRegion,
} from '../src/domain/sandbox-network.ts';
import { workflowDefinitionAt } from '../src/workflow-runner/definitions.ts';

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

/** The configuration file the package is built with (see the header). */
export function chooseConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.RESTORABLE_CONFIG;
  return resolveConfigPath(explicit === undefined || explicit === '' ? undefined : explicit, ROOT);
}

/**
 * The handler of the regional verifier stack (infra/verifier.ts),
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

/** Validates the configuration and writes what the stack definitions and the packages read besides the bundles. */
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
