import { z } from 'zod';
import { nextPoll } from '../domain/backup.ts';
import { SnapshotFailedError, SnapshotNotFoundError, SnapshotTimeoutError } from '../domain/errors.ts';
import { defineTask } from '../runtime/task.ts';
import { summarizeSnapshot } from './create-snapshot.ts';
import { pollState, snapshotSummary } from './shapes.ts';

/**
 * One status poll of a snapshot or copy. The workflow waits between polls
 * (`poll.delaySeconds`, growing each time); this task only looks and decides.
 */
export const checkSnapshotTask = defineTask({
  name: 'check-snapshot',
  input: z.object({ snapshot: snapshotSummary, poll: pollState }),
  async run(input, { rds, clock }) {
    const { snapshot, poll } = input;
    const current = await rds(snapshot.region).describeSnapshot({ kind: snapshot.kind, id: snapshot.id });
    if (current === undefined) throw new SnapshotNotFoundError(snapshot.id);
    if (current.status === 'failed') {
      throw new SnapshotFailedError(`snapshot ${snapshot.id} in ${snapshot.region} failed`);
    }
    if (current.status !== 'available' && clock().getTime() > Date.parse(poll.deadline)) {
      throw new SnapshotTimeoutError(
        `snapshot ${snapshot.id} in ${snapshot.region} is still ${current.status} after the deadline ${poll.deadline}`,
      );
    }
    return { snapshot: summarizeSnapshot(current), poll: nextPoll(poll) };
  },
});
