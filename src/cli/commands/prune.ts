import type { CommandContext } from '../main.ts';
import {
  type PruneRunResult,
  printPruneSummary,
  pruneExitCode,
  pruneResult,
  runLocalPrune,
} from '../services/prune.ts';
import { runWorkflowCommand, type WorkflowCommand } from '../workflow-command.ts';

/** `restorable prune`: the prune workflow, fleet-wide, or what it would delete with --dry-run. */
const PRUNE: WorkflowCommand<{ dryRun: boolean }, PruneRunResult> = {
  workflow: 'prune',
  request: (context) => ({ dryRun: context.flags['dry-run'] }),
  print: printPruneSummary,
  result: pruneResult,
  exitCode: pruneExitCode,
  local: {
    run: (environment, { dryRun }, executionName) => runLocalPrune(environment, dryRun, executionName),
  },
  aws: {
    // A stack deployed before the quota forecast, or before stopped runs were
    // completed, returns no such fields: each is then empty, never missing
    // from the --json contract.
    summaryOf: (deployed) => {
      const output = deployed as Omit<PruneRunResult, 'snapshotQuotas' | 'completed' | 'completedTotal'> &
        Partial<PruneRunResult>;
      return {
        ...output,
        snapshotQuotas: output.snapshotQuotas ?? [],
        completed: output.completed ?? [],
        completedTotal: output.completedTotal ?? 0,
      };
    },
  },
};

export const runPruneCommand = (context: CommandContext) => runWorkflowCommand(PRUNE, context);
