// `restorable demo` (what `npm start` runs), over fifteen days: longer than
// two drill intervals and the retention, shorter than the 30 days a report
// covers by default. The replay ends with the retention period's snapshots in
// both regions, every database drilled as often as its interval asks, and a
// compliant report, also over the default period.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli.ts';

let workDir: string;
let run: CliRun;

interface ReportJson {
  period: { from: string; to: string };
  status: string;
  controls: {
    id: string;
    title: string;
    status: string;
    databases: unknown[];
    evidence: { kind: string; path: string; sha256: string }[];
  }[];
  integrity: { verified: number; altered: number };
  report: { json: string; csv: string; html: string };
}

interface DemoJson {
  compliance: ReportJson;
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
    '15',
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
    expect(days.map((day) => day.date)).toEqual(
      Array.from({ length: 15 }, (_, index) => `2026-11-${String(8 + index).padStart(2, '0')}`),
    );
    expect(days.every((day) => day.backup.status === 'OK')).toBe(true);
    expect(days.map((day) => day.prune.deleted.length)).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4,
    ]);
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

  it('writes the compliance report of the replayed period: compliant, in JSON, CSV and HTML', () => {
    const { compliance } = run.json<DemoJson>();
    expect(compliance.period).toEqual({ from: '2026-11-08', to: '2026-11-22' });
    expect(compliance.status).toBe('compliant');
    expect(compliance.controls.map((control) => `${control.id} ${control.status}`)).toEqual([
      'daily-backup pass',
      'cross-region-copy pass',
      // The demo configuration has a vault account, which the demo drills from.
      'vault-copy pass',
      'retention pass',
      'automated-backup-retention pass',
      'encryption-at-rest pass',
      'multi-az pass',
      'restore-tested pass',
      'latest-drill-passed pass',
      'rto-rpo pass',
      'sandbox-ttl pass',
      'evidence-readable pass',
    ]);
    for (const path of Object.values(compliance.report)) expect(existsSync(path)).toBe(true);
    const backups = compliance.controls[0]?.evidence.filter((evidence) => evidence.kind === 'backup-record');
    expect(backups).toHaveLength(30);
    expect(backups?.every((evidence) => /^[0-9a-f]{64}$/.test(evidence.sha256))).toBe(true);
  });

  it('seals the closed days of the replay into daily manifests as its report runs, the 2 last days left open', async () => {
    const manifests = (await readdir(join(workDir, 'state', 'reports', 'evidence', 'manifests'))).sort();
    expect(manifests[0]).toBe('2026-11-08.json');
    expect(manifests.at(-1)).toBe('2026-11-20.json');
    expect(manifests).toHaveLength(13);
  });

  it('drills every database as often as the 7-day interval asks: 3 times during the replay and at the end', async () => {
    const reports = join(workDir, 'state', 'reports', 'drills', 'orders');
    const days = (await readdir(reports)).sort();
    expect(days).toEqual(['2026-11-08', '2026-11-15', '2026-11-21', '2026-11-22']);
  });

  it('then reports the default 30 days as compliant, the days before the replay not yet protected', async () => {
    const report = await runCli(
      'report',
      '--json',
      '--state-dir',
      join(workDir, 'state'),
      '--now',
      '2026-11-22T12:30:00Z',
    );

    expect(report.code).toBe(0);
    const result = report.json<ReportJson>();
    expect(result.period).toEqual({ from: '2026-10-24', to: '2026-11-22' });
    expect(result.status).toBe('compliant');
    const csv = await readFile(result.report.csv, 'utf8');
    expect(csv).toContain(
      'daily-backup,A backup of every protected database on every day of the period,' +
        'Database backups are taken periodically and kept for 7 days,pass,orders,pass,' +
        'a snapshot on each of the 15 days; 2026-10-24 to 2026-11-07 not yet protected,',
    );
  });

  it('detects evidence altered after a report used it, and says the period is non-compliant', async () => {
    const stateDir = join(workDir, 'state');
    const { compliance } = run.json<DemoJson>();
    const evidence = compliance.controls[0]?.evidence.find((ref) => ref.kind === 'backup-record');
    const file = join(stateDir, 'reports', evidence?.path ?? 'missing');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status": "OK"', '"status": "OK" '));

    const again = await runCli(
      'report',
      '--from',
      '2026-11-08',
      '--to',
      '2026-11-22',
      '--json',
      '--state-dir',
      stateDir,
      '--now',
      '2026-11-22T13:00:00Z',
    );

    expect(again.code).toBe(1);
    expect(again.json<ReportJson>()).toMatchObject({ status: 'non-compliant', integrity: { altered: 1 } });
  });

  it.each([
    [['--from', '2026-11-30', '--to', '2026-11-01'], '--from 2026-11-30 is after --to 2026-11-01'],
    [['--from', 'last week'], '--from must be a date such as 2026-11-01'],
  ])('report %j exits 2', async (flags, message) => {
    const refused = await runCli('report', ...flags, '--state-dir', join(workDir, 'state'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(message);
  });

  it('refuses to reset a directory that is not a local cloud, and writes nothing in it', async () => {
    await writeFile(join(workDir, 'keep.txt'), 'x');
    const refused = await runCli('demo', '--state-dir', workDir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `the state directory ${workDir} is not empty and is not a restorable local cloud`,
    );
    expect((await readdir(workDir)).sort()).toEqual(['keep.txt', 'state']);
  });

  it('refuses to reset a local cloud that another live process holds locked, and deletes nothing', async () => {
    const stateDir = join(workDir, 'state');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      if (holder.pid === undefined) throw new Error('could not start a process to hold the lock');
      await writeFile(join(stateDir, 'lock'), `${holder.pid}\n`);
      const before = (await readdir(stateDir, { recursive: true })).sort();

      const refused = await runCli('demo', '--days', '1', '--state-dir', stateDir);

      expect(refused.code).toBe(75);
      expect(refused.stderr).toContain(`the state directory ${stateDir} is in use by process ${holder.pid}`);
      expect((await readdir(stateDir, { recursive: true })).sort()).toEqual(before);
    } finally {
      holder.kill();
      await rm(join(stateDir, 'lock'), { force: true });
    }
  });

  // A whole demo run (seeding, a backup, drills, a report): given far more than a test's usual time.
  it('resets a local cloud by deleting only what the cloud owns: a file of the user in it survives', async () => {
    const stateDir = join(workDir, 'state');
    await writeFile(join(stateDir, 'mine.txt'), 'mine');

    const again = await runCli(
      'demo',
      '--days',
      '1',
      '--json',
      '--state-dir',
      stateDir,
      '--now',
      '2026-11-22T12:00:00Z',
    );

    expect(again.code).toBe(0);
    expect(await readFile(join(stateDir, 'mine.txt'), 'utf8')).toBe('mine');
    // Only the one replayed day's snapshots: those of the fifteen days before went with the reset.
    for (const database of again.json<DemoJson>().status.databases) {
      expect(database.regions['eu-west-1']).toMatchObject({ snapshots: 1 });
    }
    expect(
      existsSync(join(stateDir, 'regions', 'eu-west-1', 'snapshots', 'restorable-orders-2026-11-21.json')),
    ).toBe(false);
  }, 300_000);
});
