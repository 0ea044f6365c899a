import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import type { RdsPort, Snapshot } from '../../../src/ports/rds.ts';
import type { ReportStore } from '../../../src/ports/report-store.ts';
import { invokeTask } from '../../../src/runtime/task.ts';
import { MAX_LISTED, planPruneTask } from '../../../src/tasks/plan-prune.ts';

const config = parseConfig(`
sourceRegion: eu-west-1
copyRegions: [{ region: eu-central-1, kmsKeyId: alias/k }]
selection: { tags: { backup: daily } }
`);

const foreign = (index: number): Snapshot => ({
  id: `manual-${index}`,
  arn: `arn:aws:rds:eu-west-1:1:snapshot:manual-${index}`,
  region: 'eu-west-1',
  database: { kind: 'instance', id: 'legacy' },
  engine: 'postgres',
  status: 'available',
  type: 'manual',
  createdAt: new Date('2026-01-01T00:00:00Z'),
  originalCreatedAt: new Date('2026-01-01T00:00:00Z'),
  encrypted: index % 2 === 0,
  kmsKeyId: undefined,
  sourceSnapshotArn: undefined,
  percentProgress: 100,
  tags: {},
});

describe('planning a prune with a long list of findings', () => {
  it('lists at most MAX_LISTED of them, violations first, and keeps the totals', async () => {
    const snapshots = Array.from({ length: 300 }, (_, index) => foreign(index));
    const port = {
      listDatabases: async () => [],
      listSnapshots: async () => snapshots,
    } as unknown as RdsPort;
    const reports = { list: async () => [], get: async () => undefined } as unknown as ReportStore;

    const plan = await invokeTask(
      planPruneTask,
      { request: {}, executionName: 'prune-big' },
      {
        config,
        rds: (region) =>
          region === 'eu-west-1' ? port : ({ listSnapshots: async () => [] } as unknown as RdsPort),
        reports,
        clock: () => new Date('2026-11-22T04:00:00Z'),
        logger: new Logger({ logLevel: 'SILENT' }),
      },
    );

    expect(plan.findings).toHaveLength(MAX_LISTED);
    expect(plan.findingsTotal).toBe(450);
    expect(plan.violations).toBe(450);
    expect(plan.deletions).toEqual([]);
    expect(JSON.stringify(plan).length).toBeLessThan(256 * 1024);
  });
});
