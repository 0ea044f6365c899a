// Runs the prune's delete step on deletions a test names, as one batch of a
// run, and says what became of each.
import { Logger } from '@aws-lambda-powertools/logger';
import type { PlannedDeletionDocument } from '../../src/reports/prune-plan.ts';
import type { TaskDependencies } from '../../src/runtime/task.ts';
import { deleteBatch } from '../../src/tasks/delete-snapshot.ts';

export type DeletionFate =
  | { status: 'deleted' | 'not-deleted'; detail: string | null }
  | { status: 'already-gone' | 'refused'; detail: string };

/** Deletes `deletions` as batch 0 of run `runId`; the fate of each, in order. */
export async function deleteInOneBatch(
  dependencies: Omit<TaskDependencies, 'logger'>,
  run: { runId: string; runStartedAt: string },
  deletions: readonly PlannedDeletionDocument[],
): Promise<DeletionFate[]> {
  const { outcome } = await deleteBatch(
    { ...dependencies, logger: new Logger({ logLevel: 'SILENT' }) },
    { ...run, batch: 0, deletions },
  );
  return deletions.map((deletion) => {
    const same = (entry: { region: string; snapshot: string }) =>
      entry.region === deletion.region && entry.snapshot === deletion.snapshot;
    const fate = outcome.outcomes.find(same) ?? outcome.skipped.find(same);
    if (fate === undefined) throw new Error(`${deletion.region}/${deletion.snapshot}: no outcome`);
    return { status: fate.status, detail: fate.detail } as DeletionFate;
  });
}
