// Local clouds that several command-line test files start from, built once
// per test run instead of once per file: `local init` and `local seed` at
// 2026-11-19T12:00Z (`seeded`), and the same cloud after the next night's
// backup at 2026-11-20T02:00Z (`backedUp`). A file never runs on these: it
// copies one (`copyOfSeededCloud`) and runs on its copy, so no file sees
// another's changes.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { runCli } from './cli.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    seededClouds: { readonly seeded: string; readonly backedUp: string };
  }
}

async function mustRun(...argv: string[]): Promise<void> {
  const run = await runCli(...argv);
  if (run.code !== 0) {
    throw new Error(
      `restorable ${argv.join(' ')} exited ${run.code} building a shared test cloud:\n${run.stderr}`,
    );
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'restorable-seeded-clouds-'));
  const seeded = join(root, 'seeded');
  const backedUp = join(root, 'backed-up');
  await mustRun('local', 'init', '--state-dir', seeded, '--now', '2026-11-19T12:00:00Z');
  await mustRun('local', 'seed', '--state-dir', seeded, '--now', '2026-11-19T12:00:00Z');
  await cp(seeded, backedUp, { recursive: true });
  await mustRun('backup', '--state-dir', backedUp, '--now', '2026-11-20T02:00:00Z');
  project.provide('seededClouds', { seeded, backedUp });
  return () => rm(root, { recursive: true, force: true });
}
