// The stack's state machines: one entry per workflow, `workflows/<name>.asl.json`.
// The stack (infra/stack.ts) generates from an entry the state machine
// (restorable-<stage>-<name>), its log group and its role, and, for a
// scheduled workflow, its schedule with the schedule's role, and its alarms.
//
// The definitions come as JSON text from dist/workflows.json: their ${…}
// placeholders are substituted by CloudFormation (DefinitionSubstitutions),
// and packaging fails when a definition's placeholders are not exactly those
// of its entry (the functions it invokes, the child it starts, the alert
// topic).
import { advanceBackupTask } from '../src/tasks/advance-backup.ts';
import { checkRegionalVerificationTask } from '../src/tasks/check-regional-verification.ts';
import { checkSandboxTask } from '../src/tasks/check-sandbox.ts';
import { deleteSnapshotTask } from '../src/tasks/delete-snapshot.ts';
import { discoverDatabasesTask } from '../src/tasks/discover-databases.ts';
import { markSnapshotProvenBadTask } from '../src/tasks/mark-snapshot-proven-bad.ts';
import { planDrillsTask } from '../src/tasks/plan-drills.ts';
import { planPruneTask } from '../src/tasks/plan-prune.ts';
import { restoreSandboxTask } from '../src/tasks/restore-sandbox.ts';
import { sealEvidenceTask } from '../src/tasks/seal-evidence.ts';
import { startRegionalVerificationTask } from '../src/tasks/start-regional-verification.ts';
import { summarizeBackupRunTask } from '../src/tasks/summarize-backup-run.ts';
import { summarizeDrillsTask } from '../src/tasks/summarize-drills.ts';
import { sweepSandboxesTask } from '../src/tasks/sweep-sandboxes.ts';
import { teardownSandboxTask } from '../src/tasks/teardown-sandbox.ts';
import { verifySandboxTask } from '../src/tasks/verify-sandbox.ts';
import { writeComplianceReportTask } from '../src/tasks/write-compliance-report.ts';
import { writeDrillReportTask } from '../src/tasks/write-drill-report.ts';
import { writePruneLogTask } from '../src/tasks/write-prune-log.ts';

export interface Workflow {
  /** `workflows/<name>.asl.json`; also the key of its expression in the configuration's schedules. */
  readonly name: string;
  /** What the state machine's role allows, in a sentence. */
  readonly role: string;
  /** The functions its Tasks invoke, in the order of their first Task. */
  readonly invokes: readonly { readonly name: string }[];
  /**
   * The child workflow it runs as executions of their own
   * (startExecution.sync:2), and the noun of its statements' Sids.
   */
  readonly starts?: { readonly workflow: string; readonly as: string };
  /** Whether it publishes to the alert topic. */
  readonly alerts?: boolean;
  /** Whether an execution's data goes to its log (false: the data is not the stack's to keep). */
  readonly logsExecutionData?: boolean;
  /** Scheduled: when (the configuration's schedules.<name>), and with which request. */
  readonly schedule?: { readonly description: string; readonly input: string };
  /**
   * Alarms on an execution that fails or times out as a whole, and what that
   * leaves undone, said in their descriptions.
   */
  readonly alarms?: { readonly consequence?: string };
  /** The workflow in a few words, as the schedule's role and the alarms name it. */
  readonly title?: string;
  /** The stack output naming the state machine (the CLI's --target aws finds it there). */
  readonly output?: string;
}

/**
 * The alarms are on a run of any scheduled workflow that fails or times out
 * as a whole (each workflow sets a TimeoutSeconds; see the README's "Time
 * limits of the workflows"). A run that completes with failed databases, or
 * with failed deletions or policy findings, alerts from the workflow itself.
 */
export const WORKFLOWS: readonly Workflow[] = [
  {
    name: 'backup-rounds',
    role: "The backup's rounds invoke the backup step function",
    invokes: [advanceBackupTask],
  },
  {
    name: 'backup',
    role: 'The backup workflow discovers, runs its rounds as child executions, summarises and alerts',
    invokes: [discoverDatabasesTask, summarizeBackupRunTask],
    starts: { workflow: 'backup-rounds', as: 'BackupRounds' },
    alerts: true,
    // The workflow's request: {} backs up every protected database.
    schedule: { description: 'Daily backup of every protected database', input: '{}' },
    alarms: {},
    output: 'The backup workflow',
  },
  {
    name: 'prune',
    role: 'The prune workflow plans, deletes, writes the deletion log and alerts',
    invokes: [planPruneTask, deleteSnapshotTask, writePruneLogTask],
    alerts: true,
    // schedules.prune defaults to two hours after the daily backup, so a run
    // prunes with the day's snapshots already taken. The workflow's
    // request: {} deletes (dryRun false).
    schedule: { description: "Daily prune of the tool's expired snapshots, after the backup", input: '{}' },
    alarms: {},
    output: 'The prune workflow',
  },
  // The drill workflows: the parent sweeps, plans, runs one child execution
  // per database (startExecution.sync:2, as the backup) and alerts; the
  // child restores, verifies, always tears down and reports. The sweeper
  // removes expired sandboxes on its own schedule too.
  {
    name: 'drill-database',
    role: 'The per-database drill workflow invokes its eight functions',
    invokes: [
      restoreSandboxTask,
      checkSandboxTask,
      verifySandboxTask,
      startRegionalVerificationTask,
      checkRegionalVerificationTask,
      teardownSandboxTask,
      writeDrillReportTask,
      markSnapshotProvenBadTask,
    ],
  },
  {
    name: 'drill',
    role: 'The drill workflow sweeps, plans, runs one child execution per database, summarises and alerts',
    invokes: [sweepSandboxesTask, planDrillsTask, summarizeDrillsTask],
    starts: { workflow: 'drill-database', as: 'DatabaseDrills' },
    alerts: true,
    // The workflow's request: {} drills the databases that are due. A run
    // that completes with failed drills alerts from the workflow itself.
    schedule: {
      description: 'Restore drills of every protected database whose drill interval has elapsed',
      input: '{}',
    },
    alarms: {},
    output: 'The restore drill workflow',
  },
  {
    name: 'sweeper',
    role: 'The sweeper workflow removes expired sandboxes and alerts when it had to',
    invokes: [sweepSandboxesTask],
    alerts: true,
    // schedules.sweeper (hourly by default) bounds how long a sandbox
    // outlives its time to live when its drill could not tear it down. A
    // sweep that had to remove sandboxes alerts from the workflow itself.
    schedule: {
      description: 'Removes restore sandboxes past their time to live, and failed ones',
      input: '{}',
    },
    alarms: { consequence: 'expired sandboxes may remain' },
    output: 'The sandbox sweeper workflow',
  },
  {
    name: 'seal',
    role: "The seal workflow seals the closed days' evidence into daily manifests",
    invokes: [sealEvidenceTask],
    // schedules.seal (daily, after the prune, by default): each closed day
    // is sealed once, so a report reads manifests instead of every document.
    schedule: { description: "Seals the closed days' evidence into daily manifests", input: '{}' },
    alarms: { consequence: 'the next one, or the next report, seals the days it left' },
    output: 'The seal workflow',
  },
  {
    name: 'report',
    title: 'compliance report',
    role: 'The report workflow seals the evidence, writes the compliance report and alerts when it is non-compliant',
    invokes: [sealEvidenceTask, writeComplianceReportTask],
    alerts: true,
    // schedules.report (monthly by default): each run reports on the whole
    // previous calendar month, so consecutive reports cover every day once.
    // A report that is written but non-compliant alerts from the workflow.
    schedule: {
      description: 'Compliance report of the previous calendar month',
      input: '{"previousMonth":true}',
    },
    alarms: { consequence: 'no report was written' },
    output: 'The compliance report workflow',
  },
];
