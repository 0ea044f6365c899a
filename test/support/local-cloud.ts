// A throwaway local cloud for tests: a temporary state directory, a settable
// virtual clock, small databases, and the workflow runner wired to them the
// way the CLI wires it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localRegionalVerifierProvider } from '../../src/adapters/local/regional-verifier.ts';
import { LocalReportStore } from '../../src/adapters/local/report-store.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { LocalCloud } from '../../src/local-cloud/cloud.ts';
import { localVaultAccess, prepareLocalVault } from '../../src/local-cloud/vault-account.ts';
import type { DatabaseKind } from '../../src/ports/rds.ts';
import type { TaskDependencies } from '../../src/runtime/task.ts';
import { LocalWorkflowRunner, type WorkflowEvent } from '../../src/workflow-runner/local-runner.ts';

export const SOURCE_REGION = 'eu-west-1';
export const COPY_REGION = 'eu-central-1';
export const COPY_KEY = 'alias/restorable-test';

/** The configuration of test clouds, as a file a command would read (see `testConfig`). */
export const TEST_CONFIG_YAML = `
sourceRegion: ${SOURCE_REGION}
copyRegions:
  - region: ${COPY_REGION}
    kmsKeyId: ${COPY_KEY}
selection:
  tags: { backup: daily }
sandbox:
  ttlMinutes: 60
drills:
  rtoTargetMinutes: 10
  rpoTargetHours: 26
  databases:
    orders:
      freshnessQuery: select max(created_at) from items
      assertions:
        - name: items are numbered from 1
          sql: select min(id) from items
          expect: { equals: 1 }
    billing:
      freshnessQuery: select max(created_at) from items
`;

export const testConfig: Config = parseConfig(TEST_CONFIG_YAML);

export interface TestDatabase {
  readonly id: string;
  readonly kind: DatabaseKind;
  readonly tags?: Record<string, string>;
}

export interface TestCloud {
  readonly stateDir: string;
  readonly cloud: LocalCloud;
  readonly dependencies: Omit<TaskDependencies, 'logger'>;
  setNow(time: string): void;
  runner(options?: {
    onEvent?: (event: WorkflowEvent) => void;
    onAlert?: (alert: { subject: string; message: string }) => void;
  }): LocalWorkflowRunner;
  cleanup(): Promise<void>;
}

/**
 * The test configuration with the drill settings of the given databases only:
 * a drill run fails on settings of a database it does not protect.
 */
export function testConfigOf(databases: readonly TestDatabase[]): Config {
  const ids = new Set(databases.map((database) => database.id));
  return {
    ...testConfig,
    drills: {
      ...testConfig.drills,
      databases: Object.fromEntries(
        Object.entries(testConfig.drills.databases).filter(([id]) => ids.has(id)),
      ),
    },
  };
}

export async function createTestCloud(
  databases: readonly TestDatabase[],
  config = testConfigOf(databases),
): Promise<TestCloud> {
  const stateDir = await mkdtemp(join(tmpdir(), 'restorable-test-'));
  let now = new Date('2026-11-01T02:00:00Z');
  const clock = () => new Date(now.getTime());
  const cloud = await LocalCloud.open({ stateDir, clock });
  for (const region of [config.sourceRegion, ...config.copyRegions.map((copy) => copy.region)]) {
    await cloud.ensureRegion(region);
  }
  for (const copy of config.copyRegions) await cloud.ensureKmsKey(copy.region, copy.kmsKeyId);
  await prepareLocalVault(cloud, config);
  for (const database of databases) {
    await cloud.createDatabase({
      region: config.sourceRegion,
      id: database.id,
      kind: database.kind,
      engine: database.kind === 'cluster' ? 'aurora-postgresql' : 'postgres',
      tags: database.tags ?? { backup: 'daily' },
      multiAz: true,
    });
    await cloud.withDatabase(config.sourceRegion, database.id, (db) =>
      db.exec(`create table items (id int primary key, created_at timestamptz not null);
               insert into items select g, '${clock().toISOString()}'::timestamptz - g * interval '1 minute'
               from generate_series(1, 100) g;`),
    );
  }
  const sandboxes = cloud.sandboxProvider();
  const dependencies = {
    config,
    rds: cloud.rdsProvider(),
    sandboxes,
    regionalVerifiers: localRegionalVerifierProvider(sandboxes, clock),
    reports: new LocalReportStore(stateDir),
    ...(config.vault === undefined ? {} : { vault: localVaultAccess(cloud, config.vault) }),
    clock,
  };
  return {
    stateDir,
    cloud,
    dependencies,
    setNow: (time) => {
      now = new Date(time);
    },
    runner: (options = {}) => new LocalWorkflowRunner({ dependencies, ...options }),
    cleanup: async () => {
      await cloud.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * The dependencies of a runner whose workflows call no task (tests of the
 * runner itself): every port throws if a task ever reaches for it.
 */
export function noTaskDependencies(clock: () => Date): Omit<TaskDependencies, 'logger'> {
  const unused = () => {
    throw new Error('this workflow calls no task');
  };
  return {
    config: testConfig,
    rds: unused,
    reports: new Proxy({}, { get: unused }) as never,
    sandboxes: unused,
    regionalVerifiers: unused,
    clock,
  };
}
