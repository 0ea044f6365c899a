// The real workflows/drill*.asl.json and sweeper.asl.json, executed by the
// local ASL interpreter: restores into PGlite sandboxes served on loopback
// ports, verified over the PostgreSQL wire protocol.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillRunSummary } from '../../src/cli/services/drill.ts';
import type { DrillLease } from '../../src/domain/drill-leases.ts';
import { SANDBOX_EXPIRES_TAG, SANDBOX_TAG } from '../../src/domain/sandbox.ts';
import { DEPLOYMENT_TAG } from '../../src/domain/tags.ts';
import { corruptSnapshotArchive } from '../../src/local-cloud/faults.ts';
import { parseDrillReport } from '../../src/reports/drill-report.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import { COPY_REGION, createTestCloud, SOURCE_REGION, type TestCloud } from '../support/local-cloud.ts';

let test: TestCloud;

async function backUp(day: string) {
  test.setNow(`${day}T02:00:00Z`);
  await test.runner().run('backup', {}, `backup-${day}`);
}

async function drill(day: string, request: object = { databaseId: 'orders' }, time = '05:00') {
  test.setNow(`${day}T${time}:00Z`);
  return (await test.runner().run('drill', request, `drill-${day}`)) as DrillRunSummary;
}

const sandboxRecords = async (region: string) =>
  (await readdir(join(test.stateDir, 'regions', region, 'sandboxes')).catch(() => [])).filter((name) =>
    name.endsWith('.json'),
  );

/** The checks of a passing drill of the test cloud's orders, in order, each `name: status`. */
const PASSING_DRILL_CHECKS = [
  'restore: pass',
  'connect: pass',
  'consistency: pass',
  'assertion: items are numbered from 1: pass',
  'inventory: pass',
  'freshness: pass',
  'recovery-time: pass',
  'teardown: pass',
];

const checkOf = (summary: DrillRunSummary, name: string) =>
  summary.drills[0]?.checks?.find((check) => check.name === name);

beforeAll(async () => {
  test = await createTestCloud([{ id: 'orders', kind: 'instance' }]);
  await backUp('2026-11-02');
});

afterAll(async () => {
  await test?.cleanup();
});

describe('a restore drill', () => {
  it('restores the newest copy in the copy region, verifies it and passes', async () => {
    const summary = await drill('2026-11-02');

    expect(summary.status).toBe('OK');
    const [outcome] = summary.drills;
    expect(outcome).toMatchObject({
      verdict: 'pass',
      database: 'orders',
      snapshot: 'restorable-orders-2026-11-02',
      region: COPY_REGION,
    });
    expect(outcome?.checks?.map((check) => `${check.name}: ${check.status}`)).toEqual(PASSING_DRILL_CHECKS);
    expect(checkOf(summary, 'consistency')?.detail).toMatch(/checked 1\/1 indexes and 1\/1 tables/);
    expect(checkOf(summary, 'freshness')?.detail).toContain('RPO 24.0 h (target 26.0 h)');
  });

  it('leaves no sandbox behind and releases its lease on the snapshot', async () => {
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
    const leaseKeys = await test.dependencies.reports.list('leases/drills/');
    expect(leaseKeys).toHaveLength(1);
    const lease = JSON.parse(
      Buffer.from((await test.dependencies.reports.get(leaseKeys[0] ?? '')) ?? []).toString(),
    ) as DrillLease;
    expect(Date.parse(lease.expiresAt)).toBeLessThanOrEqual(Date.parse('2026-11-02T05:00:01Z'));
    expect(lease.deployment).toBe('prod-eu-west-1');
  });

  it('writes a JSON report with the snapshot’s provenance and an HTML page', async () => {
    const keys = await test.dependencies.reports.list('drills/orders/2026-11-02/');
    expect(keys.map((key) => key.slice(key.lastIndexOf('.')))).toEqual(['.html', '.json']);
    const report = parseDrillReport(
      Buffer.from((await test.dependencies.reports.get(keys[1] ?? '')) ?? []).toString(),
    );
    expect(report.verdict).toBe('pass');
    expect(report.snapshot).toMatchObject({
      region: COPY_REGION,
      encrypted: true,
      kmsKeyId: 'alias/restorable-test',
      takenAt: '2026-11-02T02:00:00.000Z',
    });
    expect(report.snapshot.sourceSnapshotArn).toContain(
      `${SOURCE_REGION}:000000000000:snapshot:restorable-orders-2026-11-02`,
    );
    expect(report.snapshot.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.inventory).toMatchObject({
      schemas: 1,
      totalRows: 100,
      tables: [{ table: 'items', rows: 100 }],
    });
    const html = Buffer.from((await test.dependencies.reports.get(keys[0] ?? '')) ?? []).toString();
    expect(html).toContain('PASS');
  });

  it('fails when a table lost rows since the previous drill, naming it with the numbers', async () => {
    await test.cloud.withDatabase(SOURCE_REGION, 'orders', (db) =>
      db.exec('delete from items where id > 30'),
    );
    await backUp('2026-11-03');

    const summary = await drill('2026-11-03');

    expect(summary.status).toBe('FAILED');
    expect(summary.drills[0]?.verdict).toBe('fail');
    expect(checkOf(summary, 'inventory')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('public.items shrank from 100 to 30 rows (-70.0%, threshold 10%)'),
    });
    expect(checkOf(summary, 'teardown')?.status).toBe('pass');
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
  });

  it('fails closed on a corrupted snapshot archive, and tears down', async () => {
    await corruptSnapshotArchive(test.stateDir, COPY_REGION, 'restorable-orders-2026-11-03');

    const summary = await drill(
      '2026-11-03',
      { databaseId: 'orders', snapshotId: 'restorable-orders-2026-11-03' },
      '05:10',
    );

    expect(summary.drills[0]?.verdict).toBe('fail');
    expect(checkOf(summary, 'restore')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/^SnapshotCorruptedError: .*the archive does not match its digest/),
    });
    expect(checkOf(summary, 'connect')?.detail).toMatch(/^not run: SnapshotCorruptedError/);
    expect(checkOf(summary, 'teardown')?.status).toBe('pass');
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
  });

  it('drills the source region’s snapshot when asked', async () => {
    const summary = await drill('2026-11-03', { databaseId: 'orders', region: SOURCE_REGION }, '05:20');
    expect(summary.drills[0]).toMatchObject({ region: SOURCE_REGION, verdict: 'fail' });
    // still failing: the baseline is the last drill whose inventory passed (11-02), not the one that saw the loss
    expect(checkOf(summary, 'inventory')?.status).toBe('fail');
    expect(checkOf(summary, 'consistency')?.status).toBe('pass');
  });

  it('rejects an unknown database before any sandbox exists', async () => {
    await expect(drill('2026-11-03', { databaseId: 'nope' })).rejects.toMatchObject({
      error: 'DatabaseNotFoundError',
    });
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
  });
});

describe('scheduled drills', () => {
  it('drill only the databases whose drill interval has elapsed, again and again', async () => {
    const early = await drill('2026-11-05', {});
    expect(early.drills).toEqual([]);

    await backUp('2026-11-11');
    const due = await drill('2026-11-11', {});
    expect(due.drills.map((outcome) => `${outcome.database} ${outcome.snapshot}`)).toEqual([
      'orders restorable-orders-2026-11-11',
    ]);

    const notAgain = await drill('2026-11-12', {});
    expect(notAgain.drills).toEqual([]);
  });
});

describe('the sweeper', () => {
  it('removes sandboxes past their time to live, and failed ones, and records it', async () => {
    test.setNow('2026-11-03T06:00:00Z');
    const sandboxes = test.dependencies.sandboxes(COPY_REGION);
    const snapshot = await test.dependencies
      .rds(COPY_REGION)
      .describeSnapshot({ kind: 'instance', id: 'restorable-orders-2026-11-02' });
    await sandboxes.restoreSandbox({
      region: COPY_REGION,
      sandboxId: 'rsbx-orders-leftover',
      snapshot: { kind: 'instance', id: snapshot?.id ?? '', arn: snapshot?.arn ?? '' },
      engine: 'postgres',
      instanceClass: 'db.t4g.medium',
      tags: { 'restorable:sandbox': 'true', 'restorable:expires-at': '2026-11-03T07:00:00.000Z' },
    });

    test.setNow('2026-11-03T06:30:00Z');
    const early = (await test.runner().run('sweeper', {}, 'sweep-early')) as {
      deleted: unknown[];
      remaining: number;
    };
    expect(early).toMatchObject({ deleted: [], remaining: 1 });

    test.setNow('2026-11-03T07:00:00Z');
    const due = (await test.runner().run('sweeper', {}, 'sweep-due')) as {
      deleted: { id: string; reason: string }[];
    };
    expect(due.deleted).toEqual([
      expect.objectContaining({ id: 'rsbx-orders-leftover', reason: 'time to live ended' }),
    ]);
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
    expect(await test.dependencies.reports.list('evidence/sweeps/2026-11-03/')).toEqual([
      'evidence/sweeps/2026-11-03/sweep-due.json',
    ]);
  });
});

describe('the sweeper beside another deployment in the account', () => {
  it("leaves another deployment's expired sandbox to that deployment's sweeper", async () => {
    test.setNow('2026-11-03T08:00:00Z');
    const snapshot = await test.dependencies
      .rds(COPY_REGION)
      .describeSnapshot({ kind: 'instance', id: 'restorable-orders-2026-11-02' });
    await test.dependencies.sandboxes(COPY_REGION).restoreSandbox({
      region: COPY_REGION,
      sandboxId: 'rsbx-orders-theirs',
      snapshot: { kind: 'instance', id: snapshot?.id ?? '', arn: snapshot?.arn ?? '' },
      engine: 'postgres',
      instanceClass: 'db.t4g.medium',
      tags: {
        [SANDBOX_TAG]: 'true',
        [SANDBOX_EXPIRES_TAG]: '2026-11-03T07:00:00.000Z',
        [DEPLOYMENT_TAG]: 'staging-eu-west-1',
      },
    });

    const ours = (await test.runner().run('sweeper', {}, 'sweep-ours')) as {
      deleted: unknown[];
      remaining: number;
    };

    expect(ours).toMatchObject({ deleted: [], remaining: 0 });
    expect(await sandboxRecords(COPY_REGION)).toEqual(['rsbx-orders-theirs.json']);

    const config = test.dependencies.config;
    const staging = new LocalWorkflowRunner({
      dependencies: { ...test.dependencies, config: { ...config, aws: { ...config.aws, stage: 'staging' } } },
    });
    const theirs = (await staging.run('sweeper', {}, 'sweep-theirs')) as { deleted: { id: string }[] };
    expect(theirs.deleted).toEqual([expect.objectContaining({ id: 'rsbx-orders-theirs' })]);
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
  });
});

describe('a teardown', () => {
  it('refuses to delete a sandbox another drill made, even under the same id', async () => {
    test.setNow('2026-11-12T06:00:00Z');
    const sandboxes = test.dependencies.sandboxes(COPY_REGION);
    const snapshot = await test.dependencies.rds(COPY_REGION).describeSnapshot({
      kind: 'instance',
      id: 'restorable-orders-2026-11-11',
    });
    const ref = { region: COPY_REGION, kind: 'instance' as const, id: 'rsbx-orders-shared' };
    await sandboxes.restoreSandbox({
      region: COPY_REGION,
      sandboxId: ref.id,
      snapshot: { kind: 'instance', id: snapshot?.id ?? '', arn: snapshot?.arn ?? '' },
      engine: 'postgres',
      instanceClass: 'db.t4g.medium',
      tags: { 'restorable:sandbox': 'true', 'restorable:drill': 'drill-first' },
    });

    await expect(sandboxes.deleteSandbox(ref, { drillId: 'drill-second' })).rejects.toThrow(
      'belongs to drill drill-first, not drill-second',
    );
    expect(await sandboxRecords(COPY_REGION)).toEqual(['rsbx-orders-shared.json']);

    await sandboxes.deleteSandbox(ref, { drillId: 'drill-first' });
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
  });
});

describe('a drill in a region with a regional verifier', () => {
  it('verifies the sandbox through the verifier of its region, with the same checks and verdict', async () => {
    // Given a configuration that gives the copy region a network of its own
    const config = test.dependencies.config;
    const states: string[] = [];
    const regional = new LocalWorkflowRunner({
      dependencies: {
        ...test.dependencies,
        config: {
          ...config,
          sandbox: {
            ...config.sandbox,
            regions: {
              [COPY_REGION]: {
                subnetGroup: 'restorable-sandbox-copy',
                securityGroupIds: ['sg-0c0c0c0c0c0c0c0c0'],
                verifierSubnetIds: ['subnet-0c0c0c0c0c0c0c0c0'],
                verifierSecurityGroupIds: ['sg-0d0d0d0d0d0d0d0d0'],
              },
            },
          },
        },
      },
      onEvent: (event) => {
        if (event.type === 'task') states.push(event.state);
      },
    });
    // ...and orders whole again (an earlier test deleted rows), written to and backed up today
    await test.cloud.withDatabase(SOURCE_REGION, 'orders', (db) =>
      db.exec(`insert into items select g, '2026-11-13T01:00:00Z'::timestamptz - g * interval '1 minute'
               from generate_series(31, 100) g on conflict do nothing;
               insert into items values (1000, '2026-11-13T01:30:00Z')`),
    );
    await backUp('2026-11-13');
    test.setNow('2026-11-13T05:00:00Z');

    // When orders is drilled in the copy region
    const summary = (await regional.run(
      'drill',
      { databaseId: 'orders' },
      'drill-regional',
    )) as DrillRunSummary;

    // Then the regional verifier verified it, and the drill passed on the same checks
    expect(states).toEqual(
      expect.arrayContaining(['StartRegionalVerification', 'CheckRegionalVerification']),
    );
    expect(states).not.toContain('VerifySandbox');
    expect(summary.status).toBe('OK');
    expect(summary.drills[0]).toMatchObject({ verdict: 'pass', region: COPY_REGION });
    expect(summary.drills[0]?.checks?.map((check) => `${check.name}: ${check.status}`)).toEqual(
      PASSING_DRILL_CHECKS,
    );
    expect(await sandboxRecords(COPY_REGION)).toEqual([]);
  });
});
