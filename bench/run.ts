// Benchmarks: prints the figures the speed and memory targets are judged by.
// Run with `npm run bench`. Nothing here asserts; the numbers are for people.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploymentOf } from '../src/domain/deployment.ts';
import { planPrune } from '../src/domain/prune.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG } from '../src/domain/tags.ts';
import { LocalCloud } from '../src/local-cloud/cloud.ts';
import { seedDemoDatabases } from '../src/local-cloud/demo-data.ts';
import type { Snapshot } from '../src/ports/rds.ts';
import { verifierFor } from '../src/verifier/index.ts';
import { formatBundleFigures, measureBundles } from './bundles.ts';

const benchDeployment = deploymentOf({ sourceRegion: 'eu-west-1', aws: { stage: 'prod' } });

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function time<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`${label.padEnd(52)} ${(performance.now() - started).toFixed(0).padStart(7)} ms`);
  return result;
}

function prunePlannerFleet(size: number): Snapshot[] {
  const now = Date.parse('2026-11-22T04:00:00Z');
  return Array.from({ length: size }, (_, index) => {
    const taken = new Date(now - (index % 20) * 86_400_000);
    const region = ['eu-west-1', 'eu-central-1'][index % 2] ?? 'eu-west-1';
    return {
      id: `s${index}`,
      arn: `arn:aws:rds:${region}:1:snapshot:s${index}`,
      region,
      database: { kind: 'instance', id: `db${Math.floor(index / 40)}` },
      engine: 'postgres',
      status: 'available',
      type: 'manual',
      createdAt: taken,
      originalCreatedAt: taken,
      encrypted: true,
      kmsKeyId: 'k',
      sourceSnapshotArn: undefined,
      percentProgress: 100,
      tags: { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: benchDeployment.id },
    } satisfies Snapshot;
  });
}

// First, before any PGlite instance loads the machine.
console.log(formatBundleFigures(await measureBundles()));
console.log();

const stateDir = await mkdtemp(join(tmpdir(), 'restorable-bench-'));
const now = new Date('2026-11-22T02:00:00Z');
const cloud = await LocalCloud.open({ stateDir, clock: () => now });
try {
  await cloud.ensureRegion('eu-west-1');
  await cloud.ensureRegion('eu-central-1');
  await cloud.ensureKmsKey('eu-central-1', 'alias/bench');
  await time('seed the demo databases (3, incl. first initdb)', () =>
    seedDemoDatabases(cloud, 'eu-west-1', new Date(now.getTime() - 86_400_000)),
  );
  const source = cloud.rds('eu-west-1');
  const snapshot = await time('snapshot of orders (dump, gzip, encrypt, write)', () =>
    source.createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'bench-orders',
      tags: {},
    }),
  );
  await source.describeSnapshot({ kind: 'instance', id: 'bench-orders' });
  const copy = await time('cross-region copy (verify, decrypt, re-encrypt)', () =>
    cloud.rds('eu-central-1').copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: snapshot.arn,
      sourceRegion: 'eu-west-1',
      targetSnapshotId: 'bench-orders',
      sourceEncrypted: snapshot.encrypted,
      kmsKeyId: 'alias/bench',
      tags: {},
    }),
  );
  // A copy goes pending, then copying, then available: one step per status poll.
  await cloud.rds('eu-central-1').describeSnapshot({ kind: 'instance', id: 'bench-orders' });
  await cloud.rds('eu-central-1').describeSnapshot({ kind: 'instance', id: 'bench-orders' });
  const sandboxes = cloud.sandboxes('eu-central-1');
  await time('restore into a sandbox (digest, decrypt, PGlite, serve)', () =>
    sandboxes.restoreSandbox({
      region: 'eu-central-1',
      sandboxId: 'rsbx-bench',
      snapshot: { kind: 'instance', id: copy.id, arn: copy.arn },
      engine: 'postgres',
      instanceClass: 'local',
      tags: {},
    }),
  );
  await sandboxes.describeSandbox({ region: 'eu-central-1', kind: 'instance', id: 'rsbx-bench' });
  const connection = await sandboxes.connectionFor({
    region: 'eu-central-1',
    kind: 'instance',
    id: 'rsbx-bench',
  });
  const result = await time('verify over the wire (amcheck, inventory, assertion)', () =>
    verifierFor('postgres').verify({
      connection,
      consistencyTimeBudgetSeconds: 300,
      assertions: [{ name: 'orders', sql: 'select count(*) from orders', expect: { min: 1 } }],
      freshnessQuery: 'select max(created_at) from orders',
      statementTimeoutMs: 30_000,
      exactCountMaxRows: 1_000_000,
    }),
  );
  await sandboxes.deleteSandbox({ region: 'eu-central-1', kind: 'instance', id: 'rsbx-bench' });
  const archive = (await source.listSnapshots()).find((candidate) => candidate.id === 'bench-orders');
  console.log(
    `${'rows verified in orders'.padEnd(52)} ${String(result.inventory?.totalRows ?? 0).padStart(7)}`,
  );
  console.log(`${'archive digest'.padEnd(52)} ${archive?.sha256?.slice(0, 16) ?? '-'}…`);
  for (const size of [1_000, 10_000, 100_000]) {
    const fleet = prunePlannerFleet(size);
    await time(`prune plan over ${size} snapshots`, async () =>
      planPrune({
        now: new Date('2026-11-22T04:00:00Z'),
        policy: {
          retentionDays: 7,
          maxDeletionsPerRun: 50,
          maxDeletionShare: 1,
          backupMaxAgeHours: 26,
          snapshotTimeoutMinutes: 240,
        },
        deployment: benchDeployment,
        regions: ['eu-west-1', 'eu-central-1'],
        snapshots: fleet,
        protectedDatabases: [],
        inUseSnapshotArns: new Set(),
      }),
    );
  }
  const memory = process.memoryUsage();
  console.log(
    `${'resident memory at the end (4 PGlite instances)'.padEnd(52)} ${mib(memory.rss).padStart(10)}`,
  );
} finally {
  await cloud.close();
  await rm(stateDir, { recursive: true, force: true });
}
