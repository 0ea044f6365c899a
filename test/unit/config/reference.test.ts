import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withReference } from '../../../scripts/config-reference.ts';

describe('the configuration reference in the README', () => {
  it('matches the schema (run `npm run docs:config` after changing it)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(withReference(readme)).toBe(readme);
  });
});
