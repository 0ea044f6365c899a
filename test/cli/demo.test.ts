// `restorable demo` (what `npm start` runs), shortened to nine days: the
// replay ends with the retention period's snapshots in both regions and a
// passing drill of every protected database.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli.ts';

let workDir: string;
let run: CliRun;

interface DemoJson {
  days: { date: string; backup: { status: string }; prune: { deleted: unknown[] } }[];
  drills: { verdict: string; drills: { verdict: string; database: string; report: { html: string } }[] };
  status: {
    databases: { id: string; regions: Record<string, { snapshots: number; oldestAgeHours: number }> }[];
  };
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-demo-'));
  run = await runCli(
    'demo',
    '--days',
    '9',
    '--json',
    '--state-dir',
    join(workDir, 'state'),
    '--now',
    '2026-11-22T12:00:00Z',
  );
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('restorable demo', () => {
  it('replays the days, each backup OK, and prunes from the day a snapshot passes the retention', () => {
    expect(run.code).toBe(0);
    const { days } = run.json<DemoJson>();
    expect(days.map((day) => day.date)).toEqual([
      '2026-11-14',
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
    ]);
    expect(days.every((day) => day.backup.status === 'OK')).toBe(true);
    expect(days.map((day) => day.prune.deleted.length)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 4]);
  });

  it('ends with 7 days of snapshots plus today’s in both regions, and nothing older', () => {
    const { status } = run.json<DemoJson>();
    for (const database of status.databases) {
      for (const region of ['eu-west-1', 'eu-central-1']) {
        expect(database.regions[region]).toMatchObject({ snapshots: 8 });
        expect(database.regions[region]?.oldestAgeHours).toBeLessThanOrEqual(168.1);
      }
    }
  });

  it('drills every protected database, and both pass, with their reports on disk', () => {
    const { drills } = run.json<DemoJson>();
    expect(drills.verdict).toBe('pass');
    expect(drills.drills.map((drill) => `${drill.database} ${drill.verdict}`)).toEqual([
      'billing pass',
      'orders pass',
    ]);
    for (const drill of drills.drills) expect(existsSync(drill.report.html)).toBe(true);
  });

  it('refuses to reset a directory that is not a local cloud', async () => {
    await writeFile(join(workDir, 'keep.txt'), 'x');
    const refused = await runCli('demo', '--state-dir', workDir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not a restorable local cloud; refusing to reset it');
    expect(existsSync(join(workDir, 'keep.txt'))).toBe(true);
  });
});
