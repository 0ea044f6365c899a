// The version `restorable --version` prints: the package's own. package.json
// sits two folders above this module both in a checkout (src/cli/) and in an
// installed package, whose command is built to dist/cli/ (scripts/build-cli.ts).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

export function packageVersion(): string {
  return z.object({ version: z.string() }).parse(JSON.parse(readFileSync(PACKAGE_JSON, 'utf8'))).version;
}
