import { z } from 'zod';
import { type BackupRunSummary, summarizeStatus } from '../domain/backup.ts';
import { defineTask } from '../runtime/task.ts';
import { isoTime } from './shapes.ts';

const databaseResult = z.object({
  id: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  status: z.enum(['OK', 'PARTIAL', 'FAILED']),
  snapshots: z.array(z.object({ region: z.string(), id: z.string(), status: z.string() })),
  error: z.string().optional(),
});

export const summarizeBackupRunTask = defineTask({
  name: 'summarize-backup-run',
  input: z.object({ runId: z.string().min(1), startedAt: isoTime, results: z.array(databaseResult) }),
  async run(input): Promise<BackupRunSummary> {
    return {
      runId: input.runId,
      startedAt: input.startedAt,
      status: summarizeStatus(input.results),
      databases: input.results,
    };
  },
});
