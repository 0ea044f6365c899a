// The backup as the commands use it (`backup`, and `demo` for each replayed
// day): running the workflow on the local cloud, the `--json` result, the
// summary for people and the progress lines. Commands share this service
// layer instead of importing each other.
import type { BackupRunSummary, SnapshotOutcome } from '../../domain/backup.ts';
import { selectProtectedDatabases } from '../../domain/backup.ts';
import type { WorkflowEvent } from '../../workflow-runner/local-runner.ts';
import { UsageError } from '../errors.ts';
import type { LocalEnvironment } from '../local-environment.ts';
import type { CommandContext } from '../main.ts';
import { formatSnapshotQuotas } from '../snapshot-quotas.ts';
import { formatTable } from '../table.ts';

/** The `backup --json` contract. */
export function backupResult(summary: BackupRunSummary) {
  return {
    status: summary.status,
    databases: summary.databases.map((database) => ({
      id: database.id,
      status: database.status,
      snapshots: database.snapshots.map(({ region, id, status, note }) => ({
        region,
        id,
        status,
        ...(note === undefined ? {} : { note }),
      })),
      ...(database.vaultCopies === undefined
        ? {}
        : {
            vaultCopies: database.vaultCopies.map(({ region, id, status, note }) => ({
              region,
              id,
              status,
              ...(note === undefined ? {} : { note }),
            })),
          }),
      ...(database.error === undefined ? {} : { error: database.error }),
    })),
    // A large run lists only the databases that are not OK: the counts say the rest.
    ...(summary.unlisted > 0 ? { counts: summary.counts, unlisted: summary.unlisted } : {}),
    snapshotQuotas: summary.snapshotQuotas,
    findings: summary.findings.map(({ kind, severity, resource, detail }) => ({
      kind,
      severity,
      resource,
      detail,
    })),
  };
}

export function describeProgress(event: WorkflowEvent): string | undefined {
  if (event.type === 'retry') return `${event.state}: retry ${event.attempt}`;
  if (event.type === 'failed') return `${event.state}: ${event.error}`;
  if (event.type === 'step') {
    const step = event.output as { databases?: unknown; settled?: unknown; done?: unknown } | null;
    if (event.state !== 'AdvanceBackup' || typeof step?.databases !== 'number') return undefined;
    return `backup step: ${String(step.settled)} of ${step.databases} databases done`;
  }
  if (event.state === 'DiscoverDatabases') return 'discovering the protected databases';
  return undefined;
}

/** Unknown ids are bad usage: checked before anything runs, so nothing is changed. */
export async function assertProtected(environment: LocalEnvironment, ids: readonly string[]) {
  if (ids.length === 0) return;
  const { config, rds } = environment.dependencies;
  const databases = await rds(config.sourceRegion).listDatabases();
  const protectedIds = selectProtectedDatabases(databases, config.selection).map((database) => database.id);
  const unknown = ids.filter((id) => !protectedIds.includes(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `--db ${unknown.join(', ')}: not a protected database (protected: ${protectedIds.join(', ') || 'none'})`,
    );
  }
}

export async function runLocalBackup(
  environment: LocalEnvironment,
  databaseIds: readonly string[],
  executionName: string,
): Promise<BackupRunSummary> {
  return (await environment.runner.run('backup', { databaseIds }, executionName)) as BackupRunSummary;
}

function describeSnapshot(where: string, snapshot: SnapshotOutcome): string {
  const state = snapshot.note === undefined ? snapshot.status : `${snapshot.status}; ${snapshot.note}`;
  return `${where}: ${snapshot.id} (${state})`;
}

export function printBackupSummary(context: CommandContext, summary: BackupRunSummary): void {
  const { output } = context;
  output.say(`backup ${summary.runId}: ${summary.status}`);
  output.say(
    formatTable(
      ['database', 'status', 'snapshots'],
      summary.databases.map((database) => [
        database.id,
        database.status,
        [
          ...database.snapshots.map((snapshot) => describeSnapshot(snapshot.region, snapshot)),
          ...(database.vaultCopies ?? []).map((copy) => describeSnapshot(`vault ${copy.region}`, copy)),
        ].join(', '),
      ]),
    ),
  );
  if (summary.unlisted > 0) {
    const { ok, partial, failed } = summary.counts;
    output.say(
      `${summary.counts.databases} databases: ${ok} OK, ${partial} PARTIAL, ${failed} FAILED; ` +
        `${summary.unlisted} not listed (their records are in the report store)`,
    );
  }
  for (const database of summary.databases) {
    if (database.error !== undefined) output.say(`${database.id}: ${database.error}`);
  }
  if (summary.snapshotQuotas.length > 0) {
    output.say('manual snapshot quotas, with this run:');
    output.say(formatSnapshotQuotas(summary.snapshotQuotas));
  }
  for (const finding of summary.findings)
    output.say(`${finding.severity}: ${finding.kind} ${finding.resource}: ${finding.detail}`);
}
