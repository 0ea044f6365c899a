import { describe, expect, it } from 'vitest';
import { backupResult } from '../../../src/cli/services/backup.ts';
import { type BackupRunSummary, UNENCRYPTED_COPY_NOTE } from '../../../src/domain/backup.ts';

describe('the backup --json result', () => {
  it('keeps the note of a snapshot (an unencrypted copy) and adds none where there is none', () => {
    const summary: BackupRunSummary = {
      runId: 'backup-1',
      startedAt: '2026-11-20T02:00:00Z',
      status: 'OK',
      counts: { databases: 1, ok: 1, partial: 0, failed: 0 },
      databases: [
        {
          id: 'billing',
          kind: 'cluster',
          status: 'OK',
          snapshots: [
            { region: 'eu-west-1', id: 'restorable-billing', status: 'available' },
            {
              region: 'eu-central-1',
              id: 'restorable-billing',
              status: 'available',
              note: UNENCRYPTED_COPY_NOTE,
            },
          ],
        },
      ],
      unlisted: 0,
      snapshotQuotas: [],
      findings: [],
    };

    expect(backupResult(summary).databases[0]?.snapshots).toEqual([
      { region: 'eu-west-1', id: 'restorable-billing', status: 'available' },
      { region: 'eu-central-1', id: 'restorable-billing', status: 'available', note: UNENCRYPTED_COPY_NOTE },
    ]);
    expect(backupResult(summary).databases[0]?.snapshots[0]).not.toHaveProperty('note');
  });
});
