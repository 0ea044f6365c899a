import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { LocalReportStore } from '../../../src/adapters/local/report-store.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { RegionalVerificationError, SandboxTimeoutError } from '../../../src/domain/errors.ts';
import type { RegionalVerificationStatus } from '../../../src/ports/regional-verifier.ts';
import { readVerification } from '../../../src/reports/evidence.ts';
import { invokeTask, type TaskDependencies } from '../../../src/runtime/task.ts';
import { checkRegionalVerificationTask } from '../../../src/tasks/check-regional-verification.ts';

const config = parseConfig(`
sourceRegion: eu-west-1
copyRegions: [{ region: eu-central-1, kmsKeyId: alias/k }]
selection: { tags: { backup: daily } }
`);

const drill = {
  drillId: 'drill-orders-20261102T060000Z',
  trigger: 'schedule',
  plannedAt: '2026-11-02T06:00:00.000Z',
  database: { kind: 'instance', id: 'orders', engine: 'postgres' },
  snapshot: {
    kind: 'instance',
    id: 'restorable-orders-2026-11-02',
    arn: 'arn:snapshot',
    region: 'eu-central-1',
  },
  sandboxId: 'rsbx-orders-20261102060000',
  verifiedIn: 'drill-region',
};
const poll = { attempt: 2, delaySeconds: 120, deadline: '2026-11-02T07:30:00.000Z' };
const VERIFICATION = {
  verifiedAt: '2026-11-02T06:40:00.000Z',
  checks: [{ name: 'connect', status: 'pass' as const, detail: 'connected', durationMs: 12 }],
};

function dependencies(outcome: RegionalVerificationStatus, now: string) {
  const asked: string[] = [];
  const reports = new LocalReportStore(mkdtempSync(join(tmpdir(), 'restorable-check-')));
  const deps: TaskDependencies = {
    config,
    rds: () => {
      throw new Error('not used');
    },
    sandboxes: () => {
      throw new Error('the stack region never reaches a sandbox of another region');
    },
    regionalVerifiers: (region) => ({
      region,
      startVerification: async () => {
        throw new Error('not used');
      },
      describeVerification: async (name) => {
        asked.push(`${region}/${name}`);
        return outcome;
      },
    }),
    reports,
    clock: () => new Date(now),
    logger: new Logger({ logLevel: 'SILENT' }),
  };
  return { deps, asked, reports };
}

describe('following a regional verification', () => {
  it("asks the drill region's verifier, and polls again later while it runs", async () => {
    const { deps, asked } = dependencies({ status: 'running' }, '2026-11-02T06:30:00Z');

    const result = await invokeTask(checkRegionalVerificationTask, { drill, poll }, deps);

    expect(asked).toEqual(['eu-central-1/rsbx-orders-20261102060000']);
    expect(result).toEqual({
      status: 'running',
      poll: { attempt: 3, delaySeconds: 240, deadline: poll.deadline },
    });
  });

  it('stores the verification it returned, as the stack region’s verifier does, and carries only its key', async () => {
    const { deps, reports } = dependencies(
      { status: 'succeeded', verification: VERIFICATION },
      '2026-11-02T06:45:00Z',
    );

    const result = await invokeTask(checkRegionalVerificationTask, { drill, poll }, deps);

    expect(result).toEqual({
      status: 'verified',
      verification: {
        verifiedAt: VERIFICATION.verifiedAt,
        key: `work/drills/${drill.drillId}/verification.json`,
      },
    });
    expect(await readVerification(reports, `work/drills/${drill.drillId}/verification.json`)).toMatchObject(
      VERIFICATION,
    );
  });

  it("fails with the regional verifier's error name and message", async () => {
    const { deps } = dependencies(
      { status: 'failed', error: 'SandboxConnectionError', cause: 'ECONNREFUSED 10.1.2.3:5432' },
      '2026-11-02T06:45:00Z',
    );

    const checking = invokeTask(checkRegionalVerificationTask, { drill, poll }, deps);

    await expect(checking).rejects.toBeInstanceOf(RegionalVerificationError);
    await expect(checking).rejects.toThrow(
      'the verifier in eu-central-1 failed: SandboxConnectionError: ECONNREFUSED 10.1.2.3:5432',
    );
  });

  it('gives up once the deadline passed with the verification still running', async () => {
    const { deps } = dependencies({ status: 'running' }, '2026-11-02T07:31:00Z');

    await expect(invokeTask(checkRegionalVerificationTask, { drill, poll }, deps)).rejects.toBeInstanceOf(
      SandboxTimeoutError,
    );
  });
});
