import { configDefaults, defineConfig } from 'vitest/config';
import { HeavyFixturesFirstSequencer } from './test/support/sequencer.ts';

/**
 * Tests of pure functions and quick ones of local files, which touch no
 * process state (environment, mocked SDK clients, child processes, local
 * clouds): they share a worker and its loaded modules instead of paying a
 * process and the imports per file. Long files stay isolated, where they
 * start first.
 */
const PURE = [
  'test/unit/domain/**/*.test.ts',
  'test/unit/config/**/*.test.ts',
  'test/unit/reports/**/*.test.ts',
  'test/unit/tasks/**/*.test.ts',
  'test/reports/**/*.test.ts',
  'test/unit/cli/{backup-result,command-line,demo-schedule,drill-result,snapshot-quotas}.test.ts',
  'test/unit/adapters/{execution-progress,local-regional-verifier,routed-report-store}.test.ts',
  'test/contract/{local-report-store,routed-report-store}.contract.test.ts',
  'test/workflows/{error-names,local-runner,simulated-clock}.test.ts',
];

export default defineConfig({
  test: {
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
    projects: [
      {
        extends: true,
        test: {
          name: 'isolated',
          include: ['test/**/*.test.ts'],
          // The local clouds several command-line files start from, built once.
          globalSetup: ['test/support/seeded-clouds.global-setup.ts'],
          // The emulated suites need moto_server; `npm run test:emulated` runs them.
          exclude: [...configDefaults.exclude, 'test/emulated/**', ...PURE],
        },
      },
      { extends: true, test: { name: 'pure', include: PURE, isolate: false } },
    ],
  },
});
