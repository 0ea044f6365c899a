// Results for people go to stdout, so that `restorable status > file` keeps
// them; progress and diagnostics go to stderr; --json puts one document on
// stdout. Run as a shell runs it: a process of its own, stdout a file.
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOfSeededCloud } from '../support/seeded-clouds.ts';

let workDir: string;
let stateDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-streams-'));
  // Seeded on 2026-11-19.
  stateDir = await copyOfSeededCloud('seeded', join(workDir, 'state'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** `restorable <argv> > <file>`: what the file holds, what stderr said, and the exit code. */
async function runRedirected(name: string, ...argv: string[]) {
  const file = join(workDir, name);
  const handle = await open(file, 'w');
  try {
    const child = spawn(process.execPath, ['bin/restorable.js', ...argv, '--state-dir', stateDir], {
      stdio: ['ignore', handle.fd, 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, stderr, stdout: await readFile(file, 'utf8') };
  } finally {
    await handle.close();
  }
}

describe('restorable <command> > file', () => {
  it('backup: the summary in the file, the progress on stderr', async () => {
    const run = await runRedirected('backup.txt', 'backup', '--now', '2026-11-20T02:00:00Z');

    expect(run.code, run.stderr).toBe(0);
    // The run is named after the clock when it starts, which --now starts at
    // 02:00:00 and which then runs: opening the local cloud takes seconds on
    // a busy machine.
    expect(run.stdout).toMatch(/^backup backup-2026-11-20T02-0\d-\d{2}-\d{3}Z: OK\n/);
    expect(run.stdout).toMatch(/\norders +OK +eu-west-1: restorable-orders-2026-11-20 \(available\)/);
    expect(run.stderr).toContain('  discovering the protected databases\n');
    expect(run.stderr).not.toContain('restorable-orders-2026-11-20');
  });

  it('status: the table in the file, nothing on stderr', async () => {
    const run = await runRedirected('status.txt', 'status', '--now', '2026-11-20T03:00:00Z');

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^database +kind +engine +eu-west-1 \(kept, newest\)/);
    // The demo configuration's vault account holds a copy too.
    expect(run.stdout).toMatch(/\norders +instance +postgres +1, 1\.0 h +1, 1\.0 h +1, 1\.0 h +never\n/);
  });

  it('status --json: one JSON document in the file', async () => {
    const run = await runRedirected('status.json', 'status', '--json', '--now', '2026-11-20T03:00:00Z');

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const document = JSON.parse(run.stdout) as { databases: { id: string }[] };
    expect(document.databases.map((database) => database.id)).toEqual(['billing', 'orders']);
  });
});
