// A drill run's verdict: every drill passed, none skipped, and the per-run
// maximum left no database overdue or never drilled.
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { invokeTask } from '../../../src/runtime/task.ts';
import { summarizeDrillsTask } from '../../../src/tasks/summarize-drills.ts';
import { noTaskDependencies } from '../../support/local-cloud.ts';

const dependencies = {
  ...noTaskDependencies(() => new Date('2026-11-02T12:00:00Z')),
  logger: new Logger({ logLevel: 'SILENT' }),
};
const passed = { drillId: 'drill-orders-20261102T060000Z', database: 'orders', verdict: 'pass' as const };
const backlog = (heldBack: number, overdue: number, neverDrilled: number) => ({
  heldBack,
  overdue,
  neverDrilled,
  mostOverdue: [],
  spread: 0,
});

const summarize = (input: object) =>
  invokeTask(
    summarizeDrillsTask,
    { runId: 'drill-run', startedAt: '2026-11-02T06:00:00Z', results: [passed], skipped: [], ...input },
    dependencies,
  );

describe('the summary of a drill run', () => {
  it.each([
    ['nothing held back', backlog(0, 0, 0), 'OK'],
    ['held back within their interval: they go first next run', backlog(3, 0, 0), 'OK'],
    ['a database held back past its interval', backlog(3, 1, 0), 'FAILED'],
    ['a database never drilled held back: the fleet outgrows the maximum', backlog(3, 0, 1), 'FAILED'],
  ])('with every drill passed and %s is %s', async (_, held, status) => {
    expect((await summarize({ backlog: held })).status).toBe(status);
  });

  it('is OK for a run started before there was a per-run maximum, which reports no backlog', async () => {
    expect(await summarize({})).toMatchObject({ status: 'OK', drills: [passed] });
  });

  it("cuts a failed drill's long error", async () => {
    const failed = {
      ...passed,
      verdict: 'fail',
      error: { Error: 'States.TaskFailed', Cause: 'x'.repeat(5_000) },
    };

    const summary = await summarize({ results: [failed], backlog: backlog(0, 0, 0) });

    expect(summary.status).toBe('FAILED');
    expect(summary.drills[0]?.error).toHaveLength(300);
  });
});
