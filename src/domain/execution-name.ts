// Names of child executions. Step Functions allows 1 to 80 characters, and
// not every character (StartExecution API reference, `name`); a name is
// unique per state machine for 90 days. Deterministic names let a retried
// StartExecution find the child it started rather than start a second.
//
// Made here, not with States.Hash in the definitions: the local interpreter's
// States.Hash is wrong for inputs of 56 bytes or more (two such inputs can
// hash alike), and a name must mean the same locally as on AWS.
import { fnv1a } from './hash.ts';

/** The longest execution name Step Functions accepts. */
export const MAX_EXECUTION_NAME_LENGTH = 80;

const SAFE = /^[A-Za-z0-9_-]+$/;

/**
 * `text` as (the start of) an execution name of at most `room` characters:
 * itself when it fits and holds only letters, digits, `-` and `_`; else its
 * safe characters cut to fit, then `-` and a hash of the whole, so that two
 * texts never share a name by losing what set them apart.
 */
export function executionNamePart(text: string, room: number): string {
  if (text.length <= room && SAFE.test(text)) return text;
  const hash = fnv1a(text);
  const safe = text.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, Math.max(0, room - hash.length - 1));
  return safe === '' ? hash : `${safe}-${hash}`;
}

/** What follows a backup run's name in its children's: `-rounds-from-<first round>`. */
const ROUNDS_SUFFIX_ROOM = '-rounds-from-'.length + 10;

/** The start of the names of a backup run's children (backup.asl.json adds `-rounds-from-<n>`). */
export function backupRoundsNamePrefix(runId: string): string {
  return executionNamePart(runId, MAX_EXECUTION_NAME_LENGTH - ROUNDS_SUFFIX_ROOM);
}

/** The name of a drill's child execution: from the drill's id, which names its database and time. */
export function drillExecutionName(drillId: string): string {
  return executionNamePart(drillId, MAX_EXECUTION_NAME_LENGTH);
}
