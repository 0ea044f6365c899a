// Two deployments of restorable in one account, over the same local cloud and
// the same databases: the default one (stage prod, 7-day retention) and a
// staging stage keeping snapshots for a day. Each backs up and prunes day
// after day with the real workflows; neither ever deletes, adopts or sweeps
// what the other made, and each one's status counts only its own.
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalReportStore } from '../../src/adapters/local/report-store.ts';
import type { PruneRunResult } from '../../src/cli/services/prune.ts';
import { collectStatus } from '../../src/cli/services/status.ts';
import type { Config } from '../../src/config/schema.ts';
import type { BackupRunSummary } from '../../src/domain/backup.ts';
import { deploymentOf } from '../../src/domain/deployment.ts';
import { sandboxTags } from '../../src/domain/sandbox.ts';
import { DATABASE_KIND_TAG, DATABASE_TAG, DEPLOYMENT_TAG, MANAGED_TAG } from '../../src/domain/tags.ts';
import { listDeletionLog } from '../../src/reports/deletion-log.ts';
import { invokeTask } from '../../src/runtime/task.ts';
import { planDrillsTask } from '../../src/tasks/plan-drills.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import {
  COPY_REGION,
  createTestCloud,
  SOURCE_REGION,
  type TestCloud,
  testConfig,
} from '../support/local-cloud.ts';

const prod: Config = testConfig;
const staging: Config = {
  ...testConfig,
  aws: { ...testConfig.aws, stage: 'staging' },
  // A one-day retention deletes half of staging's snapshots every day: past
  // the mass-deletion brake, which these cases are not about.
  retention: { ...testConfig.retention, days: 1, maxDeletionShare: 1 },
};
const DISCRIMINATOR = deploymentOf(staging).discriminator ?? '';
const DATABASES = ['billing', 'orders'];
const DAYS = 9;

const day = (n: number) => `2026-11-${String(n).padStart(2, '0')}`;

/** What each deployment's workflows returned, day by day. */
interface Replay {
  readonly config: Config;
  readonly backups: BackupRunSummary[];
  readonly prunes: PruneRunResult[];
}

let test: TestCloud;
const ofProd: Replay = { config: prod, backups: [], prunes: [] };
const ofStaging: Replay = { config: staging, backups: [], prunes: [] };

/** A deployment's dependencies as the CLI wires them: the shared cloud, its own report store. */
const dependenciesOf = (config: Config) => ({
  ...test.dependencies,
  config,
  reports: new LocalReportStore(test.stateDir, deploymentOf(config)),
});

const runnerOf = (config: Config) => new LocalWorkflowRunner({ dependencies: dependenciesOf(config) });

const snapshotIds = async (region: string) =>
  (await test.dependencies.rds(region).listSnapshots()).map((snapshot) => snapshot.id).sort();

/** The snapshots a deployment's backups reported, as `region/id`. */
const backedUp = (replay: Replay) =>
  new Set(
    replay.backups.flatMap((summary) =>
      summary.databases.flatMap((database) =>
        database.snapshots.map((snapshot) => `${snapshot.region}/${snapshot.id}`),
      ),
    ),
  );

beforeAll(async () => {
  test = await createTestCloud(
    DATABASES.map((id) => ({ id, kind: id === 'billing' ? 'cluster' : 'instance' })),
  );
  // Taken by an earlier version on the first day, before the upgrade: no
  // deployment tag. The default deployment's first backup reuses it.
  test.setNow(`${day(1)}T01:00:00Z`);
  await test.dependencies.rds(SOURCE_REGION).createSnapshot({
    database: { kind: 'instance', id: 'orders' },
    snapshotId: `restorable-orders-${day(1)}`,
    tags: { [MANAGED_TAG]: 'true', [DATABASE_TAG]: 'orders', [DATABASE_KIND_TAG]: 'instance' },
  });
  for (let n = 1; n <= DAYS; n++) {
    test.setNow(`${day(n)}T02:00:00Z`);
    // Interleaved, so that each run meets what the other just made.
    for (const replay of [ofProd, ofStaging]) {
      const summary = await runnerOf(replay.config).run('backup', {}, `backup-${day(n)}`);
      replay.backups.push(summary as BackupRunSummary);
    }
    for (const replay of [ofStaging, ofProd]) {
      const result = await runnerOf(replay.config).run('prune', {}, `prune-${day(n)}`);
      replay.prunes.push(result as PruneRunResult);
    }
  }
}, 600_000);

afterAll(async () => {
  await test?.cleanup();
});

describe('two deployments in one account', () => {
  it('back up every day under names of their own: the default deployment as earlier versions did', () => {
    for (const [replay, suffix] of [
      [ofProd, ''],
      [ofStaging, `-${DISCRIMINATOR}`],
    ] as const) {
      for (const [index, summary] of replay.backups.entries()) {
        expect(summary.status).toBe('OK');
        for (const database of summary.databases) {
          expect(database.snapshots.map((snapshot) => snapshot.id)).toEqual([
            `restorable-${database.id}-${day(index + 1)}${suffix}`,
            `restorable-${database.id}-${day(index + 1)}${suffix}`,
          ]);
        }
      }
    }
    expect(DISCRIMINATOR).toMatch(/^[0-9a-f]{6}$/);
  });

  it("tag every snapshot and copy with the deployment that made it, and never adopt the other's", async () => {
    for (const region of [SOURCE_REGION, COPY_REGION]) {
      for (const snapshot of await test.dependencies.rds(region).listSnapshots()) {
        const made = snapshot.id.endsWith(`-${DISCRIMINATOR}`) ? 'staging-eu-west-1' : 'prod-eu-west-1';
        expect(snapshot.tags[DEPLOYMENT_TAG], `${region}/${snapshot.id}`).toBe(made);
      }
    }
  });

  it('prune only their own snapshots, each under its own retention, and audit no one else’s', () => {
    for (const replay of [ofProd, ofStaging]) {
      const own = backedUp(replay);
      for (const run of replay.prunes) {
        expect(run).toMatchObject({ status: 'OK', failed: [], findings: [] });
        for (const row of run.deleted)
          expect(own, `${row.region}/${row.snapshot}`).toContain(`${row.region}/${row.snapshot}`);
      }
    }
    // Staging (1 day) prunes from the third day on; the default deployment (7 days) from the eighth,
    // the earlier version's snapshot (taken an hour before the first backup) and its copy first.
    expect(ofStaging.prunes.map((run) => run.deleted.length)).toEqual([0, 0, 4, 4, 4, 4, 4, 4, 4]);
    expect(ofProd.prunes.map((run) => run.deleted.length)).toEqual([0, 0, 0, 0, 0, 0, 0, 2, 2]);
  });

  it("keep what their retention says, the earlier version's snapshot pruned by the default deployment alone", async () => {
    const expected = DATABASES.flatMap((id) => [
      ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `restorable-${id}-${day(n)}`),
      ...[8, 9].map((n) => `restorable-${id}-${day(n)}-${DISCRIMINATOR}`),
    ]).sort();
    expect(await snapshotIds(SOURCE_REGION)).toEqual(expected);
    expect(await snapshotIds(COPY_REGION)).toEqual(expected);
    const firstPrunedByProd = ofProd.prunes[7]?.deleted.map((row) => `${row.region}/${row.snapshot}`);
    expect(firstPrunedByProd?.sort()).toEqual([
      `${COPY_REGION}/restorable-orders-${day(1)}`,
      `${SOURCE_REGION}/restorable-orders-${day(1)}`,
    ]);
  });

  it('each count only their own snapshots in their status', async () => {
    const now = new Date(`${day(DAYS)}T03:00:00Z`);
    for (const [config, kept] of [
      [prod, 8],
      [staging, 2],
    ] as const) {
      const statuses = await collectStatus(
        config,
        test.dependencies.rds,
        dependenciesOf(config).reports,
        now,
      );
      expect(statuses.map((status) => status.id)).toEqual(DATABASES);
      for (const status of statuses) {
        for (const region of [SOURCE_REGION, COPY_REGION]) {
          expect(status.regions[region], `${config.aws.stage} ${status.id} ${region}`).toEqual({
            snapshots: kept,
            newestAgeHours: 1,
            oldestAgeHours: 24 * (kept - 1) + 1,
          });
        }
      }
    }
  });

  it('each drill only their own snapshots', async () => {
    test.setNow(`${day(DAYS)}T05:00:00Z`);
    for (const config of [prod, staging]) {
      const plan = await invokeTask(
        planDrillsTask,
        { request: { databaseId: 'orders' }, executionName: 'drill-plan' },
        { ...dependenciesOf(config), logger: new Logger({ logLevel: 'SILENT' }) },
      );
      const suffix = config === staging ? `-${DISCRIMINATOR}` : '';
      expect(plan.drills).toEqual([
        expect.objectContaining({
          drillId: `drill-orders-20261109T050000Z${suffix}`,
          sandboxId: `rsbx-orders-20261109050000${suffix}`,
          snapshot: expect.objectContaining({
            id: `restorable-orders-${day(DAYS)}${suffix}`,
            region: COPY_REGION,
          }),
        }),
      ]);
    }
  });

  it("each sweep only their own expired sandboxes, never the other's", async () => {
    test.setNow(`${day(DAYS)}T06:00:00Z`);
    for (const config of [prod, staging]) {
      const deployment = deploymentOf(config);
      const snapshot = await test.dependencies.rds(COPY_REGION).describeSnapshot({
        kind: 'instance',
        id: `restorable-orders-${day(DAYS)}${config === staging ? `-${DISCRIMINATOR}` : ''}`,
      });
      await test.dependencies.sandboxes(COPY_REGION).restoreSandbox({
        region: COPY_REGION,
        sandboxId: `rsbx-orders-left-by-${config.aws.stage}`,
        snapshot: { kind: 'instance', id: snapshot?.id ?? '', arn: snapshot?.arn ?? '' },
        engine: 'postgres',
        instanceClass: 'db.t4g.medium',
        tags: sandboxTags({
          drillId: `drill-left-by-${config.aws.stage}`,
          databaseId: 'orders',
          expiresAt: new Date(`${day(DAYS)}T05:30:00Z`),
          deployment,
        }),
      });
    }
    const sandboxIds = async () =>
      (await test.dependencies.sandboxes(COPY_REGION).listSandboxes()).map((sandbox) => sandbox.id).sort();

    const byStaging = (await runnerOf(staging).run('sweeper', {}, 'sweep-staging')) as {
      deleted: { id: string }[];
    };
    expect(byStaging.deleted.map((row) => row.id)).toEqual(['rsbx-orders-left-by-staging']);
    expect(await sandboxIds()).toEqual(['rsbx-orders-left-by-prod']);

    const byProd = (await runnerOf(prod).run('sweeper', {}, 'sweep-prod')) as { deleted: { id: string }[] };
    expect(byProd.deleted.map((row) => row.id)).toEqual(['rsbx-orders-left-by-prod']);
    expect(await sandboxIds()).toEqual([]);
  });

  it('each keep their evidence apart, and report on their own backups and deletions only', async () => {
    test.setNow(`${day(DAYS)}T06:00:00Z`);
    for (const { config, prunes } of [ofProd, ofStaging]) {
      const deleted = prunes.flatMap((run) => run.deleted).length;
      expect(deleted, config.aws.stage).toBeGreaterThan(0);
      const reports = dependenciesOf(config).reports;
      const intents = await listDeletionLog(reports, day(1), day(DAYS));
      expect(intents, config.aws.stage).toHaveLength(deleted);
      const report = (await runnerOf(config).run(
        'report',
        { from: day(1), to: day(DAYS) },
        `report-${config.aws.stage}`,
      )) as { controls: { id: string; status: string; databases: { detail: string }[] }[] };
      const control = (id: string) => report.controls.find((item) => item.id === id);
      expect(control('daily-backup')?.status, config.aws.stage).toBe('pass');
      expect(control('cross-region-copy')?.status, config.aws.stage).toBe('pass');
      expect(
        control('retention')
          ?.databases.map((row) => row.detail)
          .join('; '),
      ).not.toContain('disappeared');
    }
  });
});
