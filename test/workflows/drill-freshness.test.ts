// A drill of a database with no drill settings at all, as a fleet selected by
// tags has them: the verifier finds the newest row itself, and the drill
// passes with the RPO measured and its source named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillRunSummary } from '../../src/cli/services/drill.ts';
import { createTestCloud, type TestCloud } from '../support/local-cloud.ts';

let test: TestCloud;

beforeAll(async () => {
  // `catalog` has no entry under drills.databases: no freshness query, no assertions.
  test = await createTestCloud([{ id: 'catalog', kind: 'instance' }]);
  test.setNow('2026-11-02T02:00:00Z');
  await test.runner().run('backup', {}, 'backup-2026-11-02');
});

afterAll(async () => {
  await test?.cleanup();
});

describe('a drill without a freshness query', () => {
  it('measures the RPO from the newest timestamp of the user tables and says where it came from', async () => {
    test.setNow('2026-11-02T05:00:00Z');
    const summary = (await test
      .runner()
      .run('drill', { databaseId: 'catalog' }, 'drill-2026-11-02')) as DrillRunSummary;

    const [outcome] = summary.drills;
    expect(outcome?.verdict).toBe('pass');
    const freshness = outcome?.checks?.find((check) => check.name === 'freshness');
    expect(freshness).toMatchObject({ status: 'pass' });
    // The test cloud writes its items a day before the backup, the newest a minute before its clock.
    expect(freshness?.detail).toBe(
      'newest row 2026-11-01T01:59:00.000Z (column postgres.public.items.created_at, newest of 1 timestamp column read in 1 database), ' +
        'snapshot 2026-11-02T02:00:00.000Z: RPO 24.0 h (target 26.0 h)',
    );
  });
});
