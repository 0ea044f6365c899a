// The package as a user gets it: `npm pack` (whose prepack script builds the
// command to JavaScript), the tarball installed into a fresh folder outside
// the checkout, and its `restorable` run through its shebang on the pinned
// Node, from a working directory of its own.
//
// The install is offline and reproducible: the folder is a project that
// depends on the tarball, with a lockfile holding the checkout's resolution
// of the package's runtime dependencies (package-lock.json less its dev
// entries), and `npm ci --offline` takes every dependency from the npm cache
// that the checkout's own `npm ci` filled. A plain `npm install --offline
// <tarball>` cannot work there: resolving the version ranges needs the
// registry's package documents, which `npm ci` never fetches, so the cache
// has none.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './template.ts';

const run = promisify(execFile);

interface LockEntry {
  readonly version?: string;
  readonly dev?: boolean;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly bin?: Readonly<Record<string, string>>;
}

interface Lockfile {
  readonly lockfileVersion: number;
  readonly packages: Readonly<Record<string, LockEntry>>;
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
};

/** The npm settings the nested npm keeps: where its configuration and its cache are. */
const KEPT_NPM_SETTINGS = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig']);

/**
 * The environment of every command here: the pinned Node first on the PATH
 * (npm, and the command's `#!/usr/bin/env node`, run on it), and none of the
 * other `npm_*` variables of the `npm test` that runs this file, which would
 * point the nested npm back at the checkout (npm_config_local_prefix).
 */
function environment(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => {
    const lower = name.toLowerCase();
    return !lower.startsWith('npm_') || KEPT_NPM_SETTINGS.has(lower);
  });
  return {
    ...Object.fromEntries(inherited),
    PATH: [join(ROOT, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
  };
}

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function runIn(cwd: string, file: string, args: readonly string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd,
      env: environment(),
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

async function mustRun(cwd: string, file: string, args: readonly string[]): Promise<Result> {
  const result = await runIn(cwd, file, args);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

function readLockfile(): Lockfile {
  return JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
}

/** A project that depends on the tarball alone, locked to the checkout's runtime dependencies. */
async function writeConsumer(directory: string, tarball: string): Promise<void> {
  const lock = readLockfile();
  const root = lock.packages[''];
  const runtime = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev !== true);
  const dependencies = { restorable: `file:${tarball}` };
  const packages = {
    '': { name: 'restorable-install', dependencies },
    'node_modules/restorable': {
      version: manifest.version,
      resolved: `file:${tarball}`,
      dependencies: root?.dependencies ?? {},
      bin: root?.bin ?? {},
    },
    ...Object.fromEntries(runtime),
  };
  await writeFile(
    join(directory, 'package.json'),
    JSON.stringify({ name: 'restorable-install', private: true, dependencies }),
  );
  await writeFile(
    join(directory, 'package-lock.json'),
    JSON.stringify({
      name: 'restorable-install',
      lockfileVersion: lock.lockfileVersion,
      requires: true,
      packages,
    }),
  );
}

let workDir: string;
let consumer: string;
let command: string;
let tarballFiles: string[];

beforeAll(async () => {
  // A space in the path, as in many home and application folders: a URL
  // spells it %20, and the command must find its files by their paths.
  workDir = await mkdtemp(join(tmpdir(), 'restorable install-'));
  const packed = join(workDir, 'packed');
  consumer = join(workDir, 'consumer');
  await mkdir(packed);
  await mkdir(consumer);
  await mustRun(ROOT, 'npm', ['pack', '--pack-destination', packed]);
  const [tarballName, ...others] = readdirSync(packed).filter((name) => name.endsWith('.tgz'));
  expect(others).toEqual([]);
  expect(tarballName).toBe(`restorable-${manifest.version}.tgz`);
  const tarball = join(packed, `restorable-${manifest.version}.tgz`);
  tarballFiles = (await mustRun(workDir, 'tar', ['-tzf', tarball])).stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^package\//, ''));
  await writeConsumer(consumer, tarball);
  await mustRun(consumer, 'npm', ['ci', '--offline', '--no-audit', '--no-fund']);
  command = join(consumer, 'node_modules', '.bin', 'restorable');
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the built command and what it reads at run time, and no TypeScript', () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'bin/restorable.js',
        'dist/cli/restorable.js',
        'dist/cli/restorable.js.map',
        'config/demo.yml',
        'config/examples/two-regions.yml',
        'workflows/backup.asl.json',
        'workflows/regional/verify-sandbox-in-region.asl.json',
      ]),
    );
    expect(tarballFiles.filter((file) => file.endsWith('.ts'))).toEqual([]);
  });
});

describe('the installed command', () => {
  it('is installed with the runtime dependencies and none of the dev ones', () => {
    const installed = join(consumer, 'node_modules');
    // A dev dependency can be a runtime one's too (@types/node is mysql2's peer).
    const devOnly = Object.keys(manifest.devDependencies).filter(
      (name) => readLockfile().packages[`node_modules/${name}`]?.dev === true,
    );

    expect(devOnly).toEqual(expect.arrayContaining(['esbuild', 'node', 'typescript', 'vitest']));
    for (const name of Object.keys(manifest.dependencies)) {
      expect(existsSync(join(installed, name, 'package.json')), name).toBe(true);
    }
    for (const name of devOnly) {
      expect(existsSync(join(installed, name)), name).toBe(false);
    }
  });

  it('prints the package version', async () => {
    const result = await runIn(workDir, command, ['--version']);

    expect(result).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  it('replays two days of the demo on the local cloud', async () => {
    const stateDir = join(workDir, 'state');

    const result = await runIn(workDir, command, ['demo', '--days', '2', '--state-dir', stateDir]);

    const output = `${result.stdout}${result.stderr}`;
    expect(result.code, output).toBe(0);
    expect(output).toContain(`restorable demo: 2 days of daily backups on the local cloud in ${stateDir}`);
    expect(output).toMatch(/day 2\/2 \S+: backup OK \(billing OK, orders OK\)/);
    expect(output).toMatch(/drill of billing: PASS/);
    expect(output).toMatch(/drill of orders: PASS/);
    expect(output).toMatch(/compliance \S+ to \S+: COMPLIANT/);
    expect(readdirSync(join(stateDir, 'reports', 'compliance'), { recursive: true })).toEqual(
      expect.arrayContaining([expect.stringMatching(/\.html$/)]),
    );
  });
});
