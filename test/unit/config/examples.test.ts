import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';

const readFile = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

/** The YAML of a file without its leading comment lines. */
const withoutHeader = (text: string) => text.replace(/^(#.*\n)+/, '');

describe('the worked example of the deployment section', () => {
  const example = readFile('config/examples/two-regions.yml');

  it('is the README’s example, word for word (CI packages and lints both stacks with it)', () => {
    expect(readFile('README.md')).toContain(`\`\`\`yaml\n${withoutHeader(example)}\`\`\``);
  });

  it('is a valid configuration whose scheduled drills restore in eu-central-1 with that region’s own network', () => {
    const config = parseConfig(example, 'config/examples/two-regions.yml');
    expect(config.drills.region).toBe('eu-central-1');
    expect(config.sandbox.regions?.['eu-central-1']?.subnetGroup).toBe('restorable-sandbox');
  });
});
