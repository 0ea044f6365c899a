// What `drill --json` prints of a drill run: one drill as the single-drill
// contract, several as `{ verdict, drills }` with what the run held back.
import { describe, expect, it } from 'vitest';
import { type DrillRunSummary, drillsResult } from '../../../src/cli/commands/drill.ts';

const compact = (database: string) => ({
  drillId: `drill-${database}-20261102T060000Z`,
  verdict: 'pass' as const,
  database,
  snapshot: `restorable-${database}-2026-11-02`,
  region: 'eu-central-1',
  rtoSeconds: 600,
  rpoSeconds: 3600,
  report: { json: `drills/${database}/2026-11-02/x.json`, html: `drills/${database}/2026-11-02/x.html` },
});
const backlog = { heldBack: 0, overdue: 0, neverDrilled: 0, mostOverdue: [], spread: 4 };

describe('the JSON of a drill run', () => {
  it('gives each of several drills without checks, which their compact outcomes do not carry', () => {
    const summary: DrillRunSummary = {
      runId: 'drill-run',
      status: 'OK',
      drills: [compact('orders'), compact('billing')],
      skipped: [],
      backlog,
    };

    const result = drillsResult(summary);

    expect(result).toEqual({
      verdict: 'pass',
      drills: [
        expect.objectContaining({ database: 'orders', verdict: 'pass', report: compact('orders').report }),
        expect.objectContaining({ database: 'billing' }),
      ],
    });
    expect((result as { drills: object[] }).drills.every((drill) => !('checks' in drill))).toBe(true);
  });

  it('names what the per-run maximum held back, even beside a single drill', () => {
    const held = {
      ...backlog,
      heldBack: 2,
      overdue: 1,
      mostOverdue: [
        { database: 'billing', dueBy: '2026-10-30T00:00:00.000Z' },
        { database: 'audit', dueBy: null },
      ],
    };
    const summary: DrillRunSummary = {
      runId: 'drill-run',
      status: 'FAILED',
      drills: [compact('orders')],
      skipped: [],
      backlog: held,
    };

    expect(drillsResult(summary)).toMatchObject({
      verdict: 'fail',
      drills: [{ database: 'orders' }],
      backlog: held,
    });
  });
});
