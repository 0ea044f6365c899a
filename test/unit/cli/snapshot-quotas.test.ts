// What `backup` and `prune` show of the manual snapshot quotas, to people and
// in --json.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../../src/cli/main.ts';
import { Output } from '../../../src/cli/output.ts';
import { backupResult, printBackupSummary } from '../../../src/cli/services/backup.ts';
import { type PruneRunResult, printPruneSummary, pruneResult } from '../../../src/cli/services/prune.ts';
import type { BackupRunSummary } from '../../../src/domain/backup.ts';
import type { Finding } from '../../../src/domain/prune.ts';
import type { SnapshotQuotaHeadroom } from '../../../src/domain/snapshot-quota.ts';

const quotas: SnapshotQuotaHeadroom[] = [
  {
    region: 'eu-west-1',
    kind: 'instance',
    quota: 'ManualSnapshots',
    added: 12,
    removed: 12,
    status: 'fits',
    used: 84,
    max: 100,
    headroom: 16,
  },
  {
    region: 'eu-central-1',
    kind: 'instance',
    quota: 'ManualSnapshots',
    added: 12,
    removed: 3,
    status: 'exceeded',
    used: 95,
    max: 100,
    headroom: -4,
  },
  {
    region: 'eu-central-1',
    kind: 'cluster',
    quota: 'ManualClusterSnapshots',
    added: 0,
    removed: 0,
    status: 'unknown',
    reason: 'AccessDenied: not authorized',
  },
];

const warning: Finding = {
  kind: 'snapshot-quota-too-low',
  severity: 'warning',
  resource: 'eu-central-1/ManualSnapshots',
  detail:
    'eu-central-1 holds 95 of its 100 manual DB instance snapshots …: 4 would fail with SnapshotQuotaExceeded',
};

/** A context whose human output is collected; nothing else of it is used. */
function humanContext(): { context: CommandContext; said: () => string } {
  const chunks: Buffer[] = [];
  // Collects each write as it is made: the summaries print synchronously.
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const output = new Output(false, { stdout, stderr: new PassThrough() });
  return {
    context: { output } as unknown as CommandContext,
    said: () => Buffer.concat(chunks).toString('utf8'),
  };
}

const summary: BackupRunSummary = {
  runId: 'backup-2026-11-22',
  startedAt: '2026-11-22T02:00:00Z',
  status: 'OK',
  counts: { databases: 0, ok: 0, partial: 0, failed: 0 },
  databases: [],
  unlisted: 0,
  snapshotQuotas: quotas,
  findings: [warning],
};

const prune: PruneRunResult = {
  runId: 'prune-2026-11-22',
  dryRun: false,
  deleted: [],
  failed: [],
  deferred: [],
  kept: 0,
  findings: [warning],
  findingsTotal: 1,
  deferredTotal: 0,
  violations: 0,
  snapshotQuotas: quotas,
  completed: [],
  completedTotal: 0,
  status: 'OK',
  log: null,
};

describe('the manual snapshot quotas in the command output', () => {
  it('shows people one row per region and quota: usage, what the next backup changes, and the headroom or why it is unknown', () => {
    const { context, said } = humanContext();

    printBackupSummary(context, summary);

    const lines = said().split('\n');
    const row = (region: string, quota: string) =>
      lines.find((line) => line.startsWith(region) && line.includes(` ${quota} `));
    expect(row('eu-west-1', 'ManualSnapshots')).toMatch(/84 of 100\s+\+12 -12 pruned\s+16$/);
    expect(row('eu-central-1', 'ManualSnapshots')).toMatch(/95 of 100\s+\+12 -3 pruned\s+-4 \(exceeded\)$/);
    expect(row('eu-central-1', 'ManualClusterSnapshots')).toMatch(
      /\?\s+\+0\s+unknown: AccessDenied: not authorized$/,
    );
    expect(said()).toContain(
      `warning: snapshot-quota-too-low eu-central-1/ManualSnapshots: ${warning.detail}`,
    );
  });

  it('shows the prune’s forecast for the next backup with its findings', () => {
    const { context, said } = humanContext();

    printPruneSummary(context, prune);

    expect(said()).toContain('manual snapshot quotas for the next backup, after this run:');
    expect(said()).toMatch(/eu-central-1\s+ManualSnapshots\s+95 of 100/);
    expect(said()).toContain('warning: snapshot-quota-too-low eu-central-1/ManualSnapshots');
  });

  it('puts every row in the --json results of backup and prune, and the warning among their findings', () => {
    expect(backupResult(summary)).toMatchObject({ snapshotQuotas: quotas, findings: [warning] });
    expect(pruneResult(prune)).toMatchObject({ snapshotQuotas: quotas, findings: [warning] });
  });
});
