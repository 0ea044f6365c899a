// `restorable --version` prints the package's version on stdout, alone, for
// scripts; from a checkout the command runs the TypeScript sources
// (test/package/install.test.ts runs the installed build).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../package/template.ts';

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('restorable --version', () => {
  it('prints the version of package.json and exits 0', async () => {
    const result = await run(process.execPath, [join(ROOT, 'bin', 'restorable.js'), '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
    });

    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(result).toEqual({ stdout: `${version}\n`, stderr: '' });
  });
});
