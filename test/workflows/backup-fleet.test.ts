// The backup of a fleet: the real workflows/backup*.asl.json in the local
// runner (which enforces the Step Functions payload and history limits), the
// AWS adapters over the fake RDS SDK with realistic durations (10-minute
// snapshots, 20-minute copies) and an in-memory bucket, on a simulated clock.
import {
  CreateDBSnapshotCommand,
  type DBSnapshot,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { BackupRunSummary } from '../../src/domain/backup.ts';
import { isProbe } from '../../src/domain/backup-queue.ts';
import type { ReportStore } from '../../src/ports/report-store.ts';
import { readBackupTimings, writeBackupTimings } from '../../src/reports/backup-queue.ts';
import { backupQueuePageKey, backupRecordsOfDayPrefix } from '../../src/reports/store/layout.ts';
import type { ExecutionMeasure } from '../../src/workflow-runner/execution-limits.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import { SimulatedTime } from '../../src/workflow-runner/simulated-time.ts';
import { type FakeRds, installFakeRds } from '../support/fake-rds-sdk.ts';
import { installFakeS3 } from '../support/fake-s3-sdk.ts';

const SOURCE = 'eu-west-1';
const COPIES = ['eu-central-1', 'eu-north-1'];
const BUCKET = 'restorable-reports-fleet';
const START = new Date('2026-11-20T02:00:00Z');
const SNAPSHOT_SECONDS = 600;
const COPY_SECONDS = 1200;

const configWith = (backup: string) =>
  parseConfig(`
sourceRegion: ${SOURCE}
copyRegions:
${COPIES.map((region) => `  - { region: ${region}, kmsKeyId: arn:aws:kms:${region}:123456789012:key/00000000-0000-4000-8000-000000000001 }`).join('\n')}
selection: { tags: { backup: daily } }
${backup}
`);

const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
let time: SimulatedTime;
let fake: FakeRds;
let reports: ReportStore;

beforeEach(() => {
  rdsMock.reset();
  s3Mock.reset();
  time = new SimulatedTime(START);
  fake = installFakeRds(rdsMock, {
    now: () => time.now(),
    durations: { snapshotSeconds: SNAPSHOT_SECONDS, copySeconds: COPY_SECONDS },
    manualSnapshotQuota: 100_000,
  });
  installFakeS3(s3Mock, { bucket: BUCKET });
  reports = new S3ReportStore(new S3Client({ region: SOURCE }), BUCKET);
});

afterAll(() => {
  rdsMock.restore();
  s3Mock.restore();
});

function seedFleet(size: number): string[] {
  const ids = Array.from({ length: size }, (_, index) => `db-${String(index + 1).padStart(4, '0')}`);
  for (const id of ids) fake.seedInstance(SOURCE, { id, tags: { backup: 'daily' } });
  return ids;
}

async function backUp(
  config: Config,
  options: { store?: ReportStore; measures?: ExecutionMeasure[]; name?: string } = {},
) {
  const runner = new LocalWorkflowRunner({
    dependencies: {
      config,
      rds: awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) }),
      reports: options.store ?? reports,
      sandboxes: () => {
        throw new Error('the backup uses no sandbox');
      },
      regionalVerifiers: () => {
        throw new Error('the backup verifies no sandbox');
      },
      clock: () => time.now(),
    },
    logLevel: 'SILENT',
    simulatedClock: time,
    onExecutionMeasured: (measure) => options.measures?.push(measure),
  });
  return (await runner.run('backup', {}, options.name ?? 'backup-fleet')) as BackupRunSummary;
}

/** The evidence of earlier runs: how long each database's snapshot and copies took. */
function seedTimings(ids: readonly string[], timing: { snapshotSeconds?: number; copySeconds?: number }) {
  const { snapshotSeconds, copySeconds } = timing;
  return writeBackupTimings(reports, {
    schemaVersion: 1,
    updatedAt: START.toISOString(),
    databases: Object.fromEntries(
      ids.map((id) => [
        id,
        {
          ...(snapshotSeconds === undefined ? {} : { snapshotSeconds }),
          ...(copySeconds === undefined
            ? {}
            : { copySeconds: Object.fromEntries(COPIES.map((region) => [region, copySeconds])) }),
        },
      ]),
    ),
  });
}

/** Describes of each snapshot, by region and id, as the fake RDS received them. */
async function describesBySnapshot(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const call of rdsMock.commandCalls(DescribeDBSnapshotsCommand)) {
    const region = await (call.thisValue as RDSClient).config.region();
    const key = `${region}/${call.args[0].input.DBSnapshotIdentifier}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('the backup of a fleet', () => {
  it('backs up 1,000 databases to two copy regions with no state near the 256 KiB limit', async () => {
    await seedTimings(seedFleet(1_000), { snapshotSeconds: SNAPSHOT_SECONDS, copySeconds: COPY_SECONDS });
    const measures: ExecutionMeasure[] = [];

    const summary = await backUp(configWith(''), { measures });

    expect(summary.status).toBe('OK');
    expect(summary.counts).toEqual({ databases: 1_000, ok: 1_000, partial: 0, failed: 0 });
    // A fleet this size is counted, not listed: the records say each database's backup.
    expect(summary.databases).toEqual([]);
    expect(summary.unlisted).toBe(1_000);
    expect(Math.max(...measures.map((measure) => measure.largestPayloadBytes))).toBeLessThan(16_384);
    expect(await reports.list('evidence/backups/2026-11-20/')).toHaveLength(1_000);
  });

  it('keeps at most the configured copies in flight into each region, and never holds snapshots back for copies', async () => {
    await seedTimings(seedFleet(30), { snapshotSeconds: SNAPSHOT_SECONDS, copySeconds: COPY_SECONDS });

    const summary = await backUp(configWith('backup: { concurrentCopiesPerRegion: 4 }'));

    expect(summary.status).toBe('OK');
    for (const region of COPIES) expect(fake.peakCopiesInFlight(region)).toBe(4);
    // Every snapshot started with the run, though the copies took 8 waves,
    // each starting as the one before it ended.
    const creates = rdsMock.commandCalls(CreateDBSnapshotCommand);
    expect(creates).toHaveLength(30);
    const created = fake.snapshots(SOURCE, 'instance').map((snapshot) => snapshot.SnapshotCreateTime);
    expect(new Set(created.map((at) => at?.toISOString()))).toEqual(new Set([START.toISOString()]));
    const waves = Math.ceil(30 / 4);
    expect(time.now().getTime() - START.getTime()).toBe((SNAPSHOT_SECONDS + waves * COPY_SECONDS) * 1000);
  });

  it('checks a snapshot and each copy once when the evidence says how long they take; without evidence, along the backoff', async () => {
    seedFleet(3);
    const config = configWith('');

    await backUp(config, { name: 'backup-first' });

    // Backoff from 30 s, doubling to at most 300 s: seen available at 750 s
    // (after 30, 90, 210, 450) and at 1350 s (then 750, 1050).
    const first = await describesBySnapshot();
    expect(first.get(`${SOURCE}/restorable-db-0001-2026-11-20`)).toBe(5);
    for (const region of COPIES) expect(first.get(`${region}/restorable-db-0001-2026-11-20`)).toBe(7);
    // The run keeps how long each took at most: until the check that saw it done.
    expect((await readBackupTimings(reports))['db-0001']).toEqual({
      snapshotSeconds: 750,
      copySeconds: Object.fromEntries(COPIES.map((region) => [region, 1350])),
    });

    rdsMock.resetHistory();
    time.advanceTo(new Date(START.getTime() + 86_400_000));
    const summary = await backUp(config, { name: 'backup-second' });

    expect(summary.status).toBe('OK');
    const second = await describesBySnapshot();
    // Once each. A probe looks at 80% of the expected time first: the
    // snapshot (600 s of an expected 750) is done by then, a copy (1,200 s
    // of 1,350) is not, and is looked at again when the expected time ends.
    const checksOn = (id: string, region: string) => (isProbe(id, region, time.now()) ? 2 : 1);
    for (const id of ['db-0001', 'db-0002', 'db-0003']) {
      expect(second.get(`${SOURCE}/restorable-${id}-2026-11-21`)).toBe(1);
      for (const region of COPIES)
        expect(second.get(`${region}/restorable-${id}-2026-11-21`)).toBe(checksOn(id, region));
    }
  });

  it('completes the work of a step that died before saving the queue: the next try adopts its snapshots', async () => {
    const ids = seedFleet(5);
    let crashed = false;
    const dying: ReportStore = {
      get: (key) => reports.get(key),
      list: (prefix) => reports.list(prefix),
      delete: (key) => reports.delete(key),
      putIfAbsent: (key, body, contentType) => reports.putIfAbsent(key, body, contentType),
      put: async (key, body, contentType) => {
        // The first step has created every snapshot when it saves its page.
        if (!crashed && key.includes('/pages/') && rdsMock.commandCalls(CreateDBSnapshotCommand).length > 0) {
          crashed = true;
          throw Object.assign(new Error('the function ran out of time'), { name: 'Lambda.Unknown' });
        }
        return reports.put(key, body, contentType);
      },
    };

    const summary = await backUp(configWith(''), { store: dying });

    expect(crashed).toBe(true);
    expect(summary.status).toBe('OK');
    // Each create was sent twice (the retry's found the id taken), and no retake was needed.
    expect(rdsMock.commandCalls(CreateDBSnapshotCommand)).toHaveLength(10);
    expect(
      fake.snapshots(SOURCE, 'instance').map((snapshot) => (snapshot as DBSnapshot).DBSnapshotIdentifier),
    ).toEqual(ids.map((id) => `restorable-${id}-2026-11-20`));
  });

  it('fails only the databases of a queue page that does not read, by name with the page and why; the others complete', async () => {
    const ids = seedFleet(300);
    const corruptPage = backupQueuePageKey('backup-fleet', 1);
    const corrupting: ReportStore = {
      get: async (key) =>
        key === corruptPage ? new TextEncoder().encode('{"schemaVersion":1,"runId":') : reports.get(key),
      list: (prefix) => reports.list(prefix),
      delete: (key) => reports.delete(key),
      put: (key, body, contentType) => reports.put(key, body, contentType),
      putIfAbsent: (key, body, contentType) => reports.putIfAbsent(key, body, contentType),
    };

    const summary = await backUp(configWith(''), { store: corrupting });

    expect(summary.status).toBe('PARTIAL');
    expect(summary.counts).toEqual({ databases: 300, ok: 250, partial: 0, failed: 50 });
    // The second page held the last 50: each is named, failed, with the page's key and reason.
    expect(summary.databases.map((database) => database.id)).toEqual(ids.slice(250));
    for (const database of summary.databases) {
      expect(database.status).toBe('FAILED');
      expect(database.error).toContain(corruptPage);
      expect(database.error).toContain('does not read');
    }
    // The first page's databases were backed up and recorded.
    expect(await reports.list(backupRecordsOfDayPrefix('2026-11-20'))).toHaveLength(250);
  });
});
