// Which task runs behind each Lambda ARN placeholder of `workflows/*.asl.json`.
// The stack (infra/workflows.ts) substitutes the same placeholders with the deployed functions;
// the local runner binds them to these tasks in-process.
import type { AnyTask } from '../runtime/task.ts';
import { advanceBackupTask } from './advance-backup.ts';
import { checkRegionalVerificationTask } from './check-regional-verification.ts';
import { checkSandboxTask } from './check-sandbox.ts';
import { deleteSnapshotTask } from './delete-snapshot.ts';
import { discoverDatabasesTask } from './discover-databases.ts';
import { markSnapshotProvenBadTask } from './mark-snapshot-proven-bad.ts';
import { planDrillsTask } from './plan-drills.ts';
import { planPruneTask } from './plan-prune.ts';
import { restoreSandboxTask } from './restore-sandbox.ts';
import { sealEvidenceTask } from './seal-evidence.ts';
import { startRegionalVerificationTask } from './start-regional-verification.ts';
import { summarizeBackupRunTask } from './summarize-backup-run.ts';
import { summarizeDrillsTask } from './summarize-drills.ts';
import { sweepSandboxesTask } from './sweep-sandboxes.ts';
import { teardownSandboxTask } from './teardown-sandbox.ts';
import { verifySandboxTask } from './verify-sandbox.ts';
import { writeComplianceReportTask } from './write-compliance-report.ts';
import { writeDrillReportTask } from './write-drill-report.ts';
import { writePruneLogTask } from './write-prune-log.ts';

export const tasksByPlaceholder: Readonly<Record<string, AnyTask>> = {
  DiscoverDatabasesFunctionArn: discoverDatabasesTask,
  AdvanceBackupFunctionArn: advanceBackupTask,
  SummarizeBackupRunFunctionArn: summarizeBackupRunTask,
  PlanPruneFunctionArn: planPruneTask,
  DeleteSnapshotFunctionArn: deleteSnapshotTask,
  WritePruneLogFunctionArn: writePruneLogTask,
  SweepSandboxesFunctionArn: sweepSandboxesTask,
  PlanDrillsFunctionArn: planDrillsTask,
  RestoreSandboxFunctionArn: restoreSandboxTask,
  CheckSandboxFunctionArn: checkSandboxTask,
  VerifySandboxFunctionArn: verifySandboxTask,
  StartRegionalVerificationFunctionArn: startRegionalVerificationTask,
  CheckRegionalVerificationFunctionArn: checkRegionalVerificationTask,
  TeardownSandboxFunctionArn: teardownSandboxTask,
  WriteDrillReportFunctionArn: writeDrillReportTask,
  MarkSnapshotProvenBadFunctionArn: markSnapshotProvenBadTask,
  SummarizeDrillsFunctionArn: summarizeDrillsTask,
  SealEvidenceFunctionArn: sealEvidenceTask,
  WriteComplianceReportFunctionArn: writeComplianceReportTask,
};

/** Child workflows started from a parent: placeholder → workflow file name (without `.asl.json`). */
export const workflowsByPlaceholder: Readonly<Record<string, string>> = {
  BackupRoundsStateMachineArn: 'backup-rounds',
  DrillDatabaseStateMachineArn: 'drill-database',
};

export const ALERT_TOPIC_PLACEHOLDER = 'AlertTopicArn';
