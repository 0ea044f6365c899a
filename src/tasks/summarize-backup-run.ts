import { z } from 'zod';
import { type BackupRunSummary, summarizeStatus } from '../domain/backup.ts';
import type { Finding } from '../domain/prune.ts';
import { defineTask } from '../runtime/task.ts';
import { describeCaughtError } from './record-backup.ts';
import { caughtError, finding, isoTime, snapshotQuotaHeadroom } from './shapes.ts';

const databaseResult = z.object({
  id: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  status: z.enum(['OK', 'PARTIAL', 'FAILED']),
  snapshots: z.array(
    z.object({ region: z.string(), id: z.string(), status: z.string(), note: z.string().optional() }),
  ),
  /** A database's own record says what failed; a failed child execution arrives as the error caught. */
  error: z.union([z.string(), caughtError]).optional(),
});

export const summarizeBackupRunTask = defineTask({
  name: 'summarize-backup-run',
  input: z.object({
    runId: z.string().min(1),
    startedAt: isoTime,
    results: z.array(databaseResult),
    /**
     * The discovery's forecast of the manual snapshot quotas for this run.
     * Absent from a run started before the quotas were read (in flight across
     * an upgrade), which is summarised all the same.
     */
    snapshotQuotas: z.array(snapshotQuotaHeadroom).default([]),
    findings: z.array(finding).default([]),
  }),
  async run(input): Promise<BackupRunSummary> {
    const databases = input.results.map(({ error, ...result }) =>
      error === undefined
        ? result
        : { ...result, error: typeof error === 'string' ? error : describeCaughtError(error) },
    );
    return {
      runId: input.runId,
      startedAt: input.startedAt,
      status: summarizeStatus(databases),
      databases,
      snapshotQuotas: input.snapshotQuotas,
      findings: input.findings as Finding[],
    };
  },
});
