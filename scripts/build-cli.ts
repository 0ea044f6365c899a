// Builds the command line of the installed package (`npm run build:cli`, and
// `npm pack` through the prepack script): `src/cli/main.ts` →
// `dist/cli/restorable.js` (+ source map), one ESM module that
// bin/restorable.js imports when the package holds no TypeScript sources.
// Node strips types only outside node_modules
// (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING), so an installed package must
// run JavaScript.
//
// The project's own code is bundled; every runtime dependency stays external
// and loads from node_modules, where npm installs it: PGlite finds its
// WebAssembly and data files next to its own modules, and the AWS SDK is the
// one the installer resolved. The bundle lives two folders below the package
// root, as its sources do (src/<folder>/), so the files the code finds
// relative to its own module (`../../config/demo.yml`, `../../workflows/`)
// resolve to the same files in the package.
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_ENTRY = join(ROOT, 'src', 'cli', 'main.ts');
export const CLI_DIST = join(ROOT, 'dist', 'cli', 'restorable.js');

/** The packages the installed command may import: what npm installs with it. */
export function runtimeDependencies(root: string = ROOT): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {}).sort();
}

/**
 * The packages bundled from node_modules: one the code imports without
 * declaring it in `dependencies` (the checkout has it as a dev or transitive
 * dependency, an install need not), and what that one imports. The build
 * refuses them rather than ship private copies beside the installed ones.
 */
export function bundledPackages(metafile: Metafile): string[] {
  const packages = Object.keys(metafile.inputs)
    .map((input) => /(?:^|[\\/])node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(input)?.[1])
    .filter((name) => name !== undefined)
    .map((name) => name.replace(/\\/g, '/'));
  return [...new Set(packages)].sort();
}

export interface CliBuild {
  readonly file: string;
  readonly bytes: number;
}

export async function buildCli(): Promise<CliBuild> {
  const result = await build({
    entryPoints: [CLI_ENTRY],
    outfile: CLI_DIST,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // A package name marks its subpaths external too (`mysql2/promise`).
    external: runtimeDependencies(),
    // Error names are part of the contract (the state machines match them,
    // and the command prints them): bundling must not rename a class.
    keepNames: true,
    // Mappings only, for stack traces: the sources would double the package.
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  const stray = bundledPackages(result.metafile);
  if (stray.length > 0) {
    throw new Error(
      `the command would bundle ${stray.join(', ')} from node_modules: add the package it imports to package.json's dependencies, which an install has`,
    );
  }
  return { file: CLI_DIST, bytes: statSync(CLI_DIST).size };
}

if (import.meta.main) {
  const started = performance.now();
  const built = await buildCli();
  console.log(
    `${relative(ROOT, built.file)}: ${(built.bytes / 1024).toFixed(1)} KB in ${Math.round(performance.now() - started)} ms`,
  );
}
