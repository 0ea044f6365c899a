// A prune run's plan in the report store: each deletion batch reads its own
// slice, not the fleet's plan, and a plan written before slices existed is
// still read.
import { describe, expect, it } from 'vitest';
import {
  DELETION_BATCH_SIZE,
  type PlannedDeletionDocument,
  type PrunePlanDocument,
  prunePlanSchema,
  readPrunePlanBatch,
  writePrunePlan,
} from '../../../src/reports/prune-plan.ts';
import { prunePlanKey } from '../../../src/reports/store/layout.ts';
import { CountingReportStore } from '../../support/compliance-evidence.ts';

const run = { runId: 'prune-1', startedAt: '2026-11-20T04:00:00.000Z' };

const deletion = (index: number): PlannedDeletionDocument => ({
  database: `db-${index}`,
  kind: 'instance',
  region: 'eu-west-1',
  snapshot: `restorable-db-${index}-2026-11-12`,
  arn: `arn:aws:rds:eu-west-1:123456789012:snapshot:restorable-db-${index}-2026-11-12`,
  ageHours: 192,
  reason: 'expired',
});

const plan = (deletions: number): PrunePlanDocument => ({
  schemaVersion: 1,
  ...run,
  deletions: Array.from({ length: deletions }, (_, index) => deletion(index)),
  deferred: [],
});

describe("a prune run's plan", () => {
  it('gives each batch its own slice, read alone, whatever the size of the plan', async () => {
    const reports = new CountingReportStore();
    await writePrunePlan(reports, plan(2 * DELETION_BATCH_SIZE + 7));
    reports.resetCounts();

    const third = await readPrunePlanBatch(reports, run, 2);

    expect(third.map((row) => row.database)).toEqual(
      Array.from({ length: 7 }, (_, index) => `db-${2 * DELETION_BATCH_SIZE + index}`),
    );
    expect(reports.reads).toBe(1);
    const middle = await readPrunePlanBatch(reports, run, 1);
    expect(middle[0]?.database).toBe(`db-${DELETION_BATCH_SIZE}`);
    expect(middle).toHaveLength(DELETION_BATCH_SIZE);
  });

  it('reads a batch from the whole plan when the plan was written without slices', async () => {
    const reports = new CountingReportStore();
    const whole = plan(DELETION_BATCH_SIZE + 3);
    await reports.put(prunePlanKey(run), JSON.stringify(prunePlanSchema.parse(whole)));

    const second = await readPrunePlanBatch(reports, run, 1);

    expect(second.map((row) => row.database)).toEqual(['db-500', 'db-501', 'db-502']);
  });
});
