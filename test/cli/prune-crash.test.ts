// A prune stopped at any point never loses track of a deletion: killed with
// SIGKILL between deletions or right after one, or refused by its evidence
// store, it leaves a write-ahead deletion log that accounts for every
// snapshot that disappeared, and that the next run and the compliance report
// complete. The prune runs as an operator runs it: the CLI, in its own
// process, on a copy of one shared local cloud.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalReportStore } from '../../src/adapters/local/report-store.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { FaultRule } from '../../src/local-cloud/faults.ts';
import { listDeletionLog } from '../../src/reports/deletion-log.ts';
import { CONCURRENT_CALLS } from '../../src/tasks/delete-snapshot.ts';
import { runCli } from '../support/cli.ts';
import { COPY_REGION, createTestCloud, SOURCE_REGION, TEST_CONFIG_YAML } from '../support/local-cloud.ts';

// A one-day retention over 17 days of backups: each prune deletes nearly all
// of them, past the mass-deletion brake, which these cases are not about.
const CONFIG_YAML = `${TEST_CONFIG_YAML}retention:\n  days: 1\n  maxDeletionShare: 1\n`;
const REGIONS = [SOURCE_REGION, COPY_REGION];
const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}`;
// With a one-day retention, the prune at this time finds days 1 to 16 expired
// in both regions (32 deletions) and keeps day 17's snapshots.
const PRUNE_AT = `${day(18)}T01:00:00Z`;
const NEXT_PRUNE_AT = `${day(18)}T01:30:00Z`;
const EXPIRED = 32;

let workDir: string;
let fixtureDir: string;
let configFile: string;

async function snapshotsIn(stateDir: string): Promise<Set<string>> {
  const found = new Set<string>();
  for (const region of REGIONS) {
    for (const name of await readdir(join(stateDir, 'regions', region, 'snapshots'))) {
      if (name.endsWith('.json')) found.add(`${region}/${name.slice(0, -'.json'.length)}`);
    }
  }
  return found;
}

/** The deletion log's intents and outcomes, as region/snapshot, read as the compliance report reads them. */
async function deletionLog(stateDir: string) {
  const entries = await listDeletionLog(new LocalReportStore(stateDir), day(1), day(18));
  const of = (withOutcome: boolean) =>
    new Set(
      entries
        .filter((entry) => !withOutcome || entry.outcomeKey !== undefined)
        .map((entry) => `${entry.region}/${entry.snapshot}`),
    );
  return { intents: of(false), outcomes: of(true) };
}

async function copyOfFixture(name: string): Promise<string> {
  const dir = join(workDir, name);
  await cp(fixtureDir, dir, { recursive: true });
  return dir;
}

/** Runs `restorable prune` in a process of its own; resolves with how it ended. */
function pruneInChildProcess(stateDir: string, faults: FaultRule[]) {
  const child = spawn(
    process.execPath,
    ['bin/restorable.js', 'prune', '--config', configFile, '--state-dir', stateDir, '--now', PRUNE_AT],
    { stdio: 'ignore', env: { ...process.env, RESTORABLE_FAULTS: JSON.stringify(faults) } },
  );
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
}

const cli = (stateDir: string, ...args: string[]) =>
  runCli(...args, '--config', configFile, '--state-dir', stateDir);

async function retentionDetail(stateDir: string, now: string) {
  const report = await cli(stateDir, 'report', '--from', day(1), '--to', day(18), '--json', '--now', now);
  const controls = report.json<{ controls: { id: string; databases: { id: string; detail: string }[] }[] }>()
    .controls;
  return controls.find((control) => control.id === 'retention')?.databases.find((db) => db.id === 'orders')
    ?.detail;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-prune-crash-'));
  configFile = join(workDir, 'restorable.yml');
  await writeFile(configFile, CONFIG_YAML);
  const test = await createTestCloud([{ id: 'orders', kind: 'instance' }], parseConfig(CONFIG_YAML));
  for (let n = 1; n <= 17; n++) {
    test.setNow(`${day(n)}T02:00:00Z`);
    await test.runner().run('backup', {}, `backup-${day(n)}`);
  }
  await test.cloud.close();
  fixtureDir = test.stateDir;
});

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  if (fixtureDir !== undefined) await rm(fixtureDir, { recursive: true, force: true });
});

describe('a prune killed in the middle of its deletions', () => {
  it.each([
    [5, 'crash' as const],
    [21, 'crash-after' as const],
    [28, 'crash' as const],
  ])(
    'after %i deletions (%s) leaves a log that accounts for every snapshot gone, which the next run completes',
    async (after, effect) => {
      const stateDir = await copyOfFixture(`killed-after-${after}-${effect}`);
      const before = await snapshotsIn(stateDir);

      const ended = await pruneInChildProcess(stateDir, [{ operation: 'deleteSnapshot', effect, after }]);

      expect(ended.signal).toBe('SIGKILL');
      const afterKill = await snapshotsIn(stateDir);
      const gone = [...before].filter((snapshot) => !afterKill.has(snapshot));
      // A batch has up to CONCURRENT_CALLS delete calls in flight: when the
      // fault stops the process, the calls before it have started, and all
      // but those still in flight have completed.
      const started = effect === 'crash' ? after : after + 1;
      expect(gone.length).toBeGreaterThanOrEqual(started - (CONCURRENT_CALLS - 1));
      expect(gone.length).toBeLessThanOrEqual(effect === 'crash' ? after : started + CONCURRENT_CALLS - 1);
      expect(gone.length).toBeLessThan(EXPIRED);
      const killed = await deletionLog(stateDir);
      expect(gone.filter((snapshot) => !killed.intents.has(snapshot))).toEqual([]);
      // The report accounts for them before any other run has completed the log.
      expect(await retentionDetail(stateDir, `${day(18)}T01:10:00Z`)).not.toContain('disappeared');

      const next = await cli(stateDir, 'prune', '--json', '--now', NEXT_PRUNE_AT);

      expect(next.code).toBe(0);
      const remaining = await snapshotsIn(stateDir);
      expect([...remaining].sort()).toEqual(
        REGIONS.map((region) => `${region}/restorable-orders-${day(17)}`).sort(),
      );
      const completed = await deletionLog(stateDir);
      expect([...completed.intents].filter((snapshot) => !completed.outcomes.has(snapshot))).toEqual([]);
      expect(
        [...before].filter((snapshot) => !remaining.has(snapshot) && !completed.intents.has(snapshot)),
      ).toEqual([]);
      expect(await retentionDetail(stateDir, `${day(18)}T02:00:00Z`)).not.toContain('disappeared');
    },
  );

  it('is told apart from a snapshot deleted outside the tool, which the report names', async () => {
    const stateDir = await copyOfFixture('deleted-outside');
    await unlink(join(stateDir, 'regions', COPY_REGION, 'snapshots', `restorable-orders-${day(17)}.json`));

    expect(await retentionDetail(stateDir, `${day(18)}T01:10:00Z`)).toContain(
      `${COPY_REGION}/restorable-orders-${day(17)} disappeared with no entry in any deletion log`,
    );
  });
});

describe('a prune whose evidence store refuses writes', () => {
  it('deletes nothing and fails with the store’s error', async () => {
    const stateDir = await copyOfFixture('store-refuses');
    // Files where the deletion log and the run logs would go: every write there fails (ENOTDIR), even as root.
    await writeFile(join(stateDir, 'reports', 'evidence', 'deletions'), 'not a folder');
    await writeFile(join(stateDir, 'reports', 'evidence', 'prunes'), 'not a folder');
    const before = await snapshotsIn(stateDir);

    const run = await cli(stateDir, 'prune', '--now', PRUNE_AT);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EvidenceWriteError');
    expect(run.stderr).toMatch(/ENOTDIR|EEXIST/);
    expect(await snapshotsIn(stateDir)).toEqual(before);
  });
});
