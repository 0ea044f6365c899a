// What `drill --json` prints of a drill run: one shape, `{ verdict, drills,
// backlog }`, whether the run drilled one database or several.
import { describe, expect, it } from 'vitest';
import { type DrillRunSummary, drillsResult } from '../../../src/cli/services/drill.ts';

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
  it('gives each of several drills with null checks, which their compact outcomes do not carry', () => {
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
      backlog: null,
    });
    expect(result.drills.map((drill) => drill.checks)).toEqual([null, null]);
  });

  it('gives one drill in the same shape as several, with its checks', () => {
    const checks = [{ name: 'restore', status: 'pass', detail: 'restored' }];
    const summary: DrillRunSummary = {
      runId: 'drill-run',
      status: 'OK',
      drills: [{ ...compact('orders'), checks }],
      skipped: [],
      backlog,
    };

    expect(drillsResult(summary)).toEqual({
      verdict: 'pass',
      drills: [
        {
          verdict: 'pass',
          database: 'orders',
          snapshot: 'restorable-orders-2026-11-02',
          region: 'eu-central-1',
          account: null,
          rtoSeconds: 600,
          rpoSeconds: 3600,
          checks,
          report: compact('orders').report,
        },
      ],
      backlog: null,
    });
  });

  it('lists a database that could not be drilled as a failed drill with its error', () => {
    const summary: DrillRunSummary = {
      runId: 'drill-run',
      status: 'FAILED',
      drills: [],
      skipped: [{ database: 'billing', error: 'no available snapshot in eu-central-1' }],
    };

    expect(drillsResult(summary)).toEqual({
      verdict: 'fail',
      drills: [
        {
          verdict: 'fail',
          database: 'billing',
          snapshot: null,
          region: null,
          account: null,
          rtoSeconds: null,
          rpoSeconds: null,
          checks: null,
          report: null,
          error: 'no available snapshot in eu-central-1',
        },
      ],
      backlog: null,
    });
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
