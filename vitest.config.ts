import { configDefaults, defineConfig } from 'vitest/config';
import { HeavyFixturesFirstSequencer } from './test/support/sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The emulated suites need moto_server; `npm run test:emulated` runs them.
    exclude: [...configDefaults.exclude, 'test/emulated/**'],
    // PGlite instances are heavy (about 200 MB each, ~3 s for the first one):
    // a few forks at a time keep the suite within two cores and memory.
    pool: 'forks',
    maxWorkers: 2,
    // Generous: a slow minute on a busy machine must not fail a test; a hung
    // one still does.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    setupFiles: ['test/support/setup.ts'],
    sequence: { sequencer: HeavyFixturesFirstSequencer },
  },
});
