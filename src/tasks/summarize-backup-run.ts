import { z } from 'zod';
import { type BackupRunSummary, summarizeStatus } from '../domain/backup.ts';
import { defineTask } from '../runtime/task.ts';
import { describeCaughtError } from './record-backup.ts';
import { caughtError, isoTime } from './shapes.ts';

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
  input: z.object({ runId: z.string().min(1), startedAt: isoTime, results: z.array(databaseResult) }),
  async run(input): Promise<BackupRunSummary> {
    const databases = input.results.map(({ error, ...result }) =>
      error === undefined
        ? result
        : { ...result, error: typeof error === 'string' ? error : describeCaughtError(error) },
    );
    return { runId: input.runId, startedAt: input.startedAt, status: summarizeStatus(databases), databases };
  },
});
