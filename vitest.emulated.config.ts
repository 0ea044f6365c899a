import { defineConfig } from 'vitest/config';

// `npm run test:emulated`: the contract suites and the workflows over
// moto_server, an independent emulator of the AWS APIs, started once for the
// run by the global setup. The files share that one server and each resets
// it, so they run one after the other.
export default defineConfig({
  test: {
    include: ['test/emulated/**/*.test.ts'],
    globalSetup: ['test/emulated/moto-server.global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
