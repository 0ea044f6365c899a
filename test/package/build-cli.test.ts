// The installed command imports its runtime dependencies from node_modules
// and bundles only the project's code: a package the code imports without
// declaring it in `dependencies` is found, since an install would lack it.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundledPackages, runtimeDependencies } from '../../scripts/build-cli.ts';
import { ROOT } from './template.ts';

/** The metafile of a bundle of `source`, as if it were a module at the root of the checkout. */
async function bundle(source: string) {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    external: runtimeDependencies(),
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  return result.metafile;
}

describe('the command build', () => {
  it('leaves runtime dependencies and their subpaths external', async () => {
    const metafile = await bundle(
      "import { z } from 'zod';\nimport mysql from 'mysql2/promise';\nexport const both = [z, mysql];\n",
    );

    expect(bundledPackages(metafile)).toEqual([]);
  });

  it('finds a package imported without being a runtime dependency', async () => {
    const metafile = await bundle("import fc from 'fast-check';\nexport const arbitrary = fc.integer();\n");

    expect(runtimeDependencies()).not.toContain('fast-check');
    expect(bundledPackages(metafile)).toContain('fast-check');
  });
});
