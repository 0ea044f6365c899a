// The fleet benchmark: D simulated days of backup and prune for N databases
// with K copy regions, through the real workflows (local ASL interpreter),
// the aws adapters, the fake RDS SDK (10-minute snapshots, 20-minute copies,
// at most 20 copies in flight into a region, as RDS allows) and a fake S3.
// Time is modelled (src/workflow-runner/simulated-time.ts): no Wait really
// pauses. When a backup takes longer than a day, the next day's runs start
// as soon as it ends.
//
//   npm run bench:fleet -- --databases N [--copy-regions K] [--days D]
//
// The runner measures the Step Functions limits here rather than enforcing
// them, so that a run past 256 KiB still prints how far past it goes. The
// last line printed is one JSON object; nothing here asserts.
import { parseArgs } from 'node:util';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { awsRdsPortProvider } from '../src/adapters/aws/rds.ts';
import { S3ReportStore } from '../src/adapters/aws/report-store.ts';
import { parseConfig } from '../src/config/load.ts';
import { dailySnapshotId, snapshotTags } from '../src/domain/backup.ts';
import { deploymentOf } from '../src/domain/deployment.ts';
import { writeBackupTimings } from '../src/reports/backup-queue.ts';
import type { ExecutionMeasure } from '../src/workflow-runner/execution-limits.ts';
import { LocalWorkflowRunner } from '../src/workflow-runner/local-runner.ts';
import { SimulatedTime } from '../src/workflow-runner/simulated-time.ts';
import { installFakeRds } from '../test/support/fake-rds-sdk.ts';
import { installFakeS3 } from '../test/support/fake-s3-sdk.ts';

const SOURCE_REGION = 'eu-west-1';
const COPY_REGIONS = ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-west-2', 'eu-west-3'];
const ACCOUNT = '123456789012';
const BUCKET = 'restorable-reports-bench';
const FIRST_DAY = Date.parse('2026-11-20T00:00:00Z');
const DAY_MS = 86_400_000;
/** When the default schedules start the backup and the prune (schema.ts: cron(0 2 …), cron(0 4 …)). */
const BACKUP_AT_MS = 2 * 3_600_000;
const PRUNE_AT_MS = 4 * 3_600_000;
const SNAPSHOT_SECONDS = 10 * 60;
const COPY_SECONDS = 20 * 60;
/** RDS: "up to 20 concurrent snapshot copy requests per destination Region" (Amazon RDS User Guide, Copying a DB snapshot). */
const CONCURRENT_COPIES = 20;

function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new Error(`--${flag} takes a whole number of at least 1`);
  return parsed;
}

const { values } = parseArgs({
  options: {
    databases: { type: 'string' },
    'copy-regions': { type: 'string' },
    days: { type: 'string' },
  },
});
if (values.databases === undefined)
  throw new Error('usage: npm run bench:fleet -- --databases N [--copy-regions K] [--days D]');
const databases = positiveInteger(values.databases, 'databases', 0);
const copyRegionCount = positiveInteger(values['copy-regions'], 'copy-regions', 2);
const days = positiveInteger(values.days, 'days', 3);
if (copyRegionCount > COPY_REGIONS.length) throw new Error(`--copy-regions: at most ${COPY_REGIONS.length}`);
const copyRegions = COPY_REGIONS.slice(0, copyRegionCount);

const config = parseConfig(`
sourceRegion: ${SOURCE_REGION}
copyRegions:
${copyRegions.map((region) => `  - region: ${region}\n    kmsKeyId: arn:aws:kms:${region}:${ACCOUNT}:key/00000000-0000-4000-8000-000000000001`).join('\n')}
selection:
  tags: { backup: daily }
`);
const deployment = deploymentOf(config);

const time = new SimulatedTime(new Date(FIRST_DAY));
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
const fake = installFakeRds(rdsMock, {
  accountId: ACCOUNT,
  now: () => time.now(),
  durations: { snapshotSeconds: SNAPSHOT_SECONDS, copySeconds: COPY_SECONDS },
  concurrentCopyLimit: CONCURRENT_COPIES,
  // A fleet this size has had its manual snapshot quotas raised (the default
  // 100 per region holds about a dozen databases' week).
  manualSnapshotQuota: 1_000_000,
});
installFakeS3(s3Mock, { bucket: BUCKET });
const reports = new S3ReportStore(new S3Client({ region: SOURCE_REGION }), BUCKET);

// A fleet in steady state: each database has the week of daily snapshots
// the retention keeps, in every region, so each prune has one a day to delete.
const databaseIds = Array.from(
  { length: databases },
  (_, index) => `db-${String(index + 1).padStart(5, '0')}`,
);
for (const id of databaseIds) {
  fake.seedInstance(SOURCE_REGION, { id, multiAz: true, tags: { backup: 'daily' } });
  const database = { kind: 'instance' as const, id };
  for (let age = 1; age <= config.retention.days; age++) {
    const takenAt = new Date(FIRST_DAY - age * DAY_MS + BACKUP_AT_MS);
    const snapshotId = dailySnapshotId(database, takenAt, deployment);
    for (const region of [SOURCE_REGION, ...copyRegions]) {
      fake.seedSnapshot(region, {
        kind: 'instance',
        id: snapshotId,
        databaseId: id,
        createdAt: takenAt,
        tags: snapshotTags(database, `seed-${age}`, deployment),
      });
    }
  }
}

// ...and the timings its earlier backups observed, which each run reads to
// schedule its first checks (a fleet's first run ever polls along the backoff).
await writeBackupTimings(reports, {
  schemaVersion: 1,
  updatedAt: new Date(FIRST_DAY - DAY_MS + BACKUP_AT_MS).toISOString(),
  databases: Object.fromEntries(
    databaseIds.map((id) => [
      id,
      {
        snapshotSeconds: SNAPSHOT_SECONDS,
        copySeconds: Object.fromEntries(copyRegions.map((region) => [region, COPY_SECONDS])),
      },
    ]),
  ),
});

let maxStateBytes = 0;
let maxStateAt = '';
let maxHistoryEvents = 0;
let transitions = 0;
let pruneMaxStateBytes = 0;
let pruneMaxHistoryEvents = 0;
const onExecutionMeasured = (measure: ExecutionMeasure) => {
  if (measure.largestPayloadBytes > maxStateBytes) {
    maxStateBytes = measure.largestPayloadBytes;
    maxStateAt = `${measure.workflow}: ${measure.largestPayloadAt}`;
  }
  maxHistoryEvents = Math.max(maxHistoryEvents, measure.historyEvents);
  transitions += measure.stateTransitions;
  if (measure.workflow === 'prune') {
    pruneMaxStateBytes = Math.max(pruneMaxStateBytes, measure.largestPayloadBytes);
    pruneMaxHistoryEvents = Math.max(pruneMaxHistoryEvents, measure.historyEvents);
  }
};

const runner = new LocalWorkflowRunner({
  dependencies: {
    config,
    rds: awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) }),
    reports,
    sandboxes: () => {
      throw new Error('the backup and the prune use no sandbox');
    },
    regionalVerifiers: () => {
      throw new Error('the backup and the prune verify no sandbox');
    },
    clock: () => time.now(),
  },
  logLevel: 'SILENT',
  limits: 'measure',
  simulatedClock: time,
  onExecutionMeasured,
  onEvent: (event) => {
    if (event.type === 'step') countApiCalls();
  },
});

let apiCalls = 0;
let backupApiCalls = 0;
let pruneApiCalls = 0;
let pruneTransitions = 0;
let uncounted = 0;
/**
 * The mocks keep every call's arguments (each stored document's body among
 * them): counted and forgotten after every task, so that what a run keeps
 * in memory does not grow with its length.
 */
const countApiCalls = () => {
  uncounted += rdsMock.calls().length + s3Mock.calls().length;
  rdsMock.resetHistory();
  s3Mock.resetHistory();
};
const takeApiCalls = () => {
  countApiCalls();
  const calls = uncounted;
  uncounted = 0;
  apiCalls += calls;
  return calls;
};
takeApiCalls();

const started = performance.now();
let modelledBackupHours = 0;
for (let day = 0; day < days; day++) {
  const dayStart = FIRST_DAY + day * DAY_MS;
  time.advanceTo(new Date(dayStart + BACKUP_AT_MS));
  const backupStarted = time.now().getTime();
  const backupClock = performance.now();
  const backup = (await runner.run('backup', {}, `backup-day-${day + 1}`)) as { status?: string };
  const backupHours = (time.now().getTime() - backupStarted) / 3_600_000;
  modelledBackupHours = Math.max(modelledBackupHours, backupHours);
  const backupSeconds = (performance.now() - backupClock) / 1000;
  const backupCalls = takeApiCalls();
  backupApiCalls += backupCalls;
  time.advanceTo(new Date(dayStart + PRUNE_AT_MS));
  const pruneClock = performance.now();
  const pruneTransitionsBefore = transitions;
  const prune = (await runner.run('prune', {}, `prune-day-${day + 1}`)) as {
    status?: string;
    deleted?: unknown[];
    deletedTotal?: number;
    deferredTotal?: number;
    findings?: { kind: string; severity: string }[];
  };
  const violations = [
    ...new Set((prune.findings ?? []).filter((f) => f.severity === 'violation').map((f) => f.kind)),
  ];
  const pruneSeconds = (performance.now() - pruneClock) / 1000;
  const pruneCalls = takeApiCalls();
  pruneApiCalls += pruneCalls;
  pruneTransitions += transitions - pruneTransitionsBefore;
  console.log(
    `day ${day + 1}: backup ${backup.status ?? '?'} in ${backupHours.toFixed(1)} modelled hours, ${backupCalls} API calls; prune ${prune.status ?? '?'} (${prune.deletedTotal ?? prune.deleted?.length ?? 0} deleted, ${prune.deferredTotal ?? 0} deferred${violations.length === 0 ? '' : `, violations: ${violations.join(', ')}`}), ${pruneCalls} API calls; backup ${backupSeconds.toFixed(1)} s, prune ${pruneSeconds.toFixed(1)} s, ${((performance.now() - started) / 1000).toFixed(1)} s so far`,
  );
}
const seconds = (performance.now() - started) / 1000;
console.log(`largest state: ${maxStateAt}`);
const databaseDays = databases * days;
// Snapshots, then every region's copies in waves of the copy limit, the regions in parallel.
const physicalBoundHours =
  (SNAPSHOT_SECONDS + Math.ceil(databases / CONCURRENT_COPIES) * COPY_SECONDS) / 3600;
console.log(
  `per database-day: backup ${(backupApiCalls / databaseDays).toFixed(2)} API calls, prune ${(pruneApiCalls / databaseDays).toFixed(2)}; ` +
    `longest backup ${modelledBackupHours.toFixed(2)} modelled hours, ${(modelledBackupHours / physicalBoundHours).toFixed(2)} × the physical bound of ${physicalBoundHours.toFixed(2)}`,
);
console.log(
  `prune: ${(pruneApiCalls / databaseDays).toFixed(2)} API calls and ${(pruneTransitions / databaseDays).toFixed(3)} state transitions per database-day; largest state ${pruneMaxStateBytes} bytes, longest history ${pruneMaxHistoryEvents} events`,
);
console.log(
  JSON.stringify({
    databases,
    copyRegions: copyRegionCount,
    maxStateBytes,
    maxHistoryEvents,
    apiCallsPerDbDay: Number((apiCalls / databaseDays).toFixed(2)),
    transitionsPerDbDay: Number((transitions / databaseDays).toFixed(2)),
    modelledBackupHours: Number(modelledBackupHours.toFixed(2)),
    seconds: Number(seconds.toFixed(1)),
  }),
);
rdsMock.restore();
s3Mock.restore();
