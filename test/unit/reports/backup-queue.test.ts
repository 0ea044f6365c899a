// Where a backup run's work documents live, and how they read back.
import { describe, expect, it } from 'vitest';
import { CorruptEvidenceError } from '../../../src/domain/errors.ts';
import { readBackupQueuePage, writeBackupQueuePage } from '../../../src/reports/backup-queue.ts';
import { backupQueueKey, backupQueuePageKey } from '../../../src/reports/store/layout.ts';
import { CountingReportStore } from '../../support/memory-report-store.ts';

describe("a backup run's work documents", () => {
  it('live under work/backups/<run>/', () => {
    expect(backupQueueKey('backup-2026-11-20')).toBe('work/backups/backup-2026-11-20/queue.json');
    expect(backupQueuePageKey('backup-2026-11-20', 3)).toBe('work/backups/backup-2026-11-20/pages/3.json');
  });

  it('of a run whose execution name cannot be a key segment, live in a folder made safe, and distinct', () => {
    const plus = backupQueueKey('backup+2026=11@20');
    const at = backupQueueKey('backup@2026=11+20');

    expect(plus).toMatch(/^work\/backups\/backup-2026-11-20-[0-9a-f]{8}\/queue\.json$/);
    expect(at).not.toBe(plus);
  });

  it('read a page back only as the page it was asked for: one holding another page is corrupt', async () => {
    const reports = new CountingReportStore();
    await writeBackupQueuePage(reports, { schemaVersion: 1, runId: 'backup-1', page: 0, databases: [] });
    const page = await reports.get(backupQueuePageKey('backup-1', 0));
    await reports.put(backupQueuePageKey('backup-1', 1), page ?? new Uint8Array(), 'application/json');

    expect((await readBackupQueuePage(reports, 'backup-1', 0)).databases).toEqual([]);
    await expect(readBackupQueuePage(reports, 'backup-1', 1)).rejects.toBeInstanceOf(CorruptEvidenceError);
  });
});
