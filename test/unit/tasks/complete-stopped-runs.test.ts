// Completing the deletion log of prune runs that stopped between a
// deletion's intent and its outcome: from the live state, never crediting a
// stopped run with a deletion a later run made.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalReportStore } from '../../../src/adapters/local/report-store.ts';
import type { RdsPort, Snapshot } from '../../../src/ports/rds.ts';
import {
  type BatchIntent,
  type DeletionIntent,
  listDeletionLog,
  readBatchOutcome,
  readDeletionOutcome,
  writeBatchIntent,
  writeDeletionIntent,
  writeDeletionOutcome,
} from '../../../src/reports/deletion-log.ts';
import { batchOutcomeKey, deletionIntentKey } from '../../../src/reports/store/layout.ts';
import { completeStoppedRuns } from '../../../src/tasks/write-prune-log.ts';

const NOW = new Date('2026-11-20T04:00:00Z');
const SNAPSHOT = 'restorable-orders-2026-11-10';
const REGION = 'eu-west-1';
const silent = { warn: () => undefined };

let dir: string;
let reports: LocalReportStore;

const intentOf = (runId: string, intendedAt: string): DeletionIntent => ({
  schemaVersion: 1,
  runId,
  runStartedAt: intendedAt,
  intendedAt,
  database: 'orders',
  kind: 'instance',
  region: REGION,
  snapshot: SNAPSHOT,
  arn: `arn:aws:rds:${REGION}:000000000000:snapshot:${SNAPSHOT}`,
  ageHours: 200,
  reason: 'expired',
});

/** RDS as the completion sees it: the snapshot is there or not. */
const rdsWith = (exists: boolean) => () =>
  ({
    describeSnapshot: async () => (exists ? ({ id: SNAPSHOT } as Snapshot) : undefined),
  }) as unknown as RdsPort;

const outcomeOf = async (intent: DeletionIntent) =>
  readDeletionOutcome(reports, deletionIntentKey(intent).replace(/\.intent\.json$/, '.outcome.json'));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'restorable-completion-'));
  reports = new LocalReportStore(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('completing the deletion log of a run that stopped', () => {
  const stopped = intentOf('prune-stopped', '2026-11-20T02:00:00.000Z');

  it('records the deletion as its own when the snapshot is gone and no later run meant to delete it', async () => {
    await writeDeletionIntent(reports, stopped);

    const completed = await completeStoppedRuns(reports, rdsWith(false), NOW, 'prune-now', silent);

    expect(completed).toEqual([
      { runId: 'prune-stopped', region: REGION, snapshot: SNAPSHOT, status: 'deleted' },
    ]);
    expect(await outcomeOf(stopped)).toMatchObject({ status: 'deleted', completedBy: 'prune-now' });
  });

  it.each([
    ['this run', 'prune-now', false],
    ['a later run that recorded it', 'prune-later', true],
  ])('credits %s, not the stopped run, with a deletion it made', async (_case, laterRun, withOutcome) => {
    await writeDeletionIntent(reports, stopped);
    const later = intentOf(laterRun, '2026-11-20T03:00:00.000Z');
    await writeDeletionIntent(reports, later);
    if (withOutcome) {
      await writeDeletionOutcome(reports, later, {
        schemaVersion: 1,
        runId: laterRun,
        region: REGION,
        snapshot: SNAPSHOT,
        status: 'deleted',
        at: '2026-11-20T03:00:01.000Z',
        completedBy: null,
        detail: null,
      });
    }

    await completeStoppedRuns(reports, rdsWith(false), NOW, 'prune-now', silent);

    expect(await outcomeOf(stopped)).toMatchObject({
      status: 'not-deleted',
      detail: `run prune-stopped stopped before deleting it; run ${laterRun} deleted it`,
    });
  });

  it('records that it was not deleted when the snapshot is still there', async () => {
    await writeDeletionIntent(reports, stopped);

    await completeStoppedRuns(reports, rdsWith(true), NOW, 'prune-now', silent);

    expect(await outcomeOf(stopped)).toMatchObject({ status: 'not-deleted', completedBy: 'prune-now' });
  });

  it.each([
    ['an intent of this very run', intentOf('prune-now', '2026-11-20T02:00:00.000Z')],
    [
      'an intent younger than 15 minutes: its run may still be going',
      intentOf('prune-running', '2026-11-20T03:50:00.000Z'),
    ],
  ])('leaves alone %s', async (_case, intent) => {
    await writeDeletionIntent(reports, intent);

    expect(await completeStoppedRuns(reports, rdsWith(false), NOW, 'prune-now', silent)).toEqual([]);
    expect(await outcomeOf(intent)).toBeUndefined();
  });
});

describe('completing a deletion batch that stopped between its intent and its outcome', () => {
  const GONE = 'restorable-orders-2026-11-09';
  const batchIntent = (runId: string, intendedAt: string): BatchIntent => ({
    schemaVersion: 1,
    runId,
    runStartedAt: intendedAt,
    intendedAt,
    batch: 3,
    deletions: [GONE, SNAPSHOT].map((snapshot) => ({
      database: 'orders',
      kind: 'instance' as const,
      region: REGION,
      snapshot,
      arn: `arn:aws:rds:${REGION}:000000000000:snapshot:${snapshot}`,
      ageHours: 200,
      reason: 'expired',
    })),
  });
  /** RDS after the crash: the batch deleted one of its two snapshots. */
  const rdsAfterCrash = () =>
    ({
      describeSnapshot: async ({ id }: { id: string }) => (id === GONE ? undefined : ({ id } as Snapshot)),
    }) as unknown as RdsPort;

  it('records what went and what stayed, in one outcome for the batch', async () => {
    const stopped = batchIntent('prune-stopped', '2026-11-20T02:00:00.000Z');
    await writeBatchIntent(reports, stopped);

    const completed = await completeStoppedRuns(reports, rdsAfterCrash, NOW, 'prune-now', silent);

    expect(completed).toEqual([
      { runId: 'prune-stopped', region: REGION, snapshot: GONE, status: 'deleted' },
      { runId: 'prune-stopped', region: REGION, snapshot: SNAPSHOT, status: 'not-deleted' },
    ]);
    const outcome = await readBatchOutcome(reports, batchOutcomeKey(stopped));
    expect(outcome).toMatchObject({ runId: 'prune-stopped', batch: 3, completedBy: 'prune-now' });
    expect(outcome?.outcomes.map((entry) => `${entry.snapshot} ${entry.status}`)).toEqual([
      `${GONE} deleted`,
      `${SNAPSHOT} not-deleted`,
    ]);
    // Completed once: the next run finds nothing left to do.
    expect(await completeStoppedRuns(reports, rdsAfterCrash, NOW, 'prune-later', silent)).toEqual([]);
  });

  it('leaves alone a batch younger than 15 minutes: its run may still be going', async () => {
    const running = batchIntent('prune-running', '2026-11-20T03:50:00.000Z');
    await writeBatchIntent(reports, running);

    expect(await completeStoppedRuns(reports, rdsAfterCrash, NOW, 'prune-now', silent)).toEqual([]);
    expect(await readBatchOutcome(reports, batchOutcomeKey(running))).toBeUndefined();
  });

  it('lists the deletions of both layouts, per-deletion logs of earlier versions included', async () => {
    await writeDeletionIntent(reports, intentOf('prune-earlier', '2026-11-19T02:00:00.000Z'));
    await writeBatchIntent(reports, batchIntent('prune-batched', '2026-11-20T02:00:00.000Z'));

    const entries = await listDeletionLog(reports, '2026-11-19', '2026-11-20');

    expect(entries.map((entry) => `${entry.day} ${entry.runId} ${entry.snapshot}`).sort()).toEqual([
      `2026-11-19 prune-earlier ${SNAPSHOT}`,
      `2026-11-20 prune-batched ${GONE}`,
      `2026-11-20 prune-batched ${SNAPSHOT}`,
    ]);
  });
});
