import { z } from 'zod';
import {
  type DatabaseBackupResult,
  databaseStatus,
  type SnapshotOutcome,
  UNENCRYPTED_COPY_NOTE,
  UNENCRYPTED_SOURCE_NOTE,
} from '../domain/backup.ts';
import { writeBackupRecord } from '../reports/evidence.ts';
import { defineTask } from '../runtime/task.ts';
import { type CaughtError, caughtError, databaseRef, isoTime, snapshotSummary } from './shapes.ts';

const copyOutcome = z.object({
  region: z.string().min(1),
  status: z.string().min(1),
  snapshot: snapshotSummary.optional(),
  error: caughtError.optional(),
});

/**
 * Lambda errors arrive in a Catch as a JSON Cause with `errorMessage`; a
 * failed child execution (`startExecution.sync`) as `States.TaskFailed` with
 * the child's DescribeExecution as its Cause, whose own `Error` and `Cause`
 * say what failed; other integrations give plain text.
 */
export function describeCaughtError(error: CaughtError): string {
  if (error.Cause === undefined || error.Cause === '') return error.Error;
  try {
    const parsed: unknown = JSON.parse(error.Cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      return `${error.Error}: ${String(parsed.errorMessage)}`;
    }
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'Error' in parsed &&
      typeof parsed.Error === 'string'
    ) {
      const cause = 'Cause' in parsed && typeof parsed.Cause === 'string' ? parsed.Cause : undefined;
      return describeCaughtError({ Error: parsed.Error, ...(cause === undefined ? {} : { Cause: cause }) });
    }
  } catch {
    // not JSON: the cause is the message itself
  }
  return `${error.Error}: ${error.Cause}`;
}

/**
 * Ends a database's backup, on success and on failure alike: decides its
 * status and writes the record that the compliance report later counts.
 */
export const recordBackupTask = defineTask({
  name: 'record-backup',
  input: z.object({
    runId: z.string().min(1),
    startedAt: isoTime,
    database: databaseRef,
    source: z.object({ snapshot: snapshotSummary }).loose().optional(),
    copies: z.array(copyOutcome).optional(),
    error: caughtError.optional(),
  }),
  async run(input, { reports, clock }): Promise<DatabaseBackupResult> {
    const source = input.source?.snapshot;
    const sourceAvailable = input.error === undefined && source?.status === 'available';
    const copies = input.copies ?? [];
    const snapshots: SnapshotOutcome[] = [];
    if (source !== undefined) {
      snapshots.push({
        region: source.region,
        id: source.id,
        status: sourceAvailable ? 'available' : source.status,
        ...(source.encrypted === false ? { note: UNENCRYPTED_SOURCE_NOTE } : {}),
      });
    }
    for (const copy of copies) {
      snapshots.push({
        region: copy.region,
        id: copy.snapshot?.id ?? '',
        status: copy.status,
        ...(copy.snapshot?.encrypted === false ? { note: UNENCRYPTED_COPY_NOTE } : {}),
      });
    }
    const copyErrors = copies.flatMap((copy) =>
      copy.error === undefined ? [] : [`copy to ${copy.region}: ${describeCaughtError(copy.error)}`],
    );
    const errors = [...(input.error === undefined ? [] : [describeCaughtError(input.error)]), ...copyErrors];
    const result: DatabaseBackupResult = {
      id: input.database.id,
      kind: input.database.kind,
      status: databaseStatus(sourceAvailable, copies),
      snapshots,
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
    };
    await writeBackupRecord(reports, {
      schemaVersion: 1,
      runId: input.runId,
      startedAt: input.startedAt,
      recordedAt: clock().toISOString(),
      ...result,
    });
    return result;
  },
});
