// `restorable status --target aws`: the snapshots from RDS in every region,
// the last drill from the stack's report bucket, both through the real SDK
// clients mocked at the SDK boundary (an in-memory RDS and S3 bucket).
import { RDSClient } from '@aws-sdk/client-rds';
import {
  GetBucketTaggingCommand,
  type GetBucketTaggingCommandInput,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE } from '../../src/domain/tags.ts';
import { drillReportKeys } from '../../src/reports/store/layout.ts';
import { passingDrill, restoreFailedDrill } from '../reports/fixtures.ts';
import { runCli } from '../support/cli.ts';
import { installFakeRds } from '../support/fake-rds-sdk.ts';
import { installFakeS3, s3Error } from '../support/fake-s3-sdk.ts';

// The demo configuration: stage prod, stack and source region eu-west-1, copies to eu-central-1.
const BUCKET = 'restorable-prod-reportsbucket-1x2y3z4w5v6u';
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
const HOUR_MS = 3_600_000;

/** The buckets of the account, with the tags CloudFormation put on them (none: not one it made). */
function accountBuckets(buckets: { name: string; createdAt: Date; tags?: Record<string, string> }[]) {
  s3Mock.on(ListBucketsCommand).callsFake((input: { Prefix?: string }) => ({
    Buckets: buckets
      .filter((bucket) => bucket.name.startsWith(input.Prefix ?? ''))
      .map((bucket) => ({ Name: bucket.name, CreationDate: bucket.createdAt, BucketRegion: 'eu-west-1' })),
  }));
  s3Mock.on(GetBucketTaggingCommand).callsFake((input: GetBucketTaggingCommandInput) => {
    const tags = buckets.find((bucket) => bucket.name === input.Bucket)?.tags;
    if (tags === undefined) throw s3Error('NoSuchTagSet', 404, 'The TagSet does not exist');
    return { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
  });
}

const stackTags = (stackName: string) => ({
  'aws:cloudformation:stack-name': stackName,
  'aws:cloudformation:logical-id': 'ReportsBucket',
  'aws:cloudformation:stack-id': `arn:aws:cloudformation:eu-west-1:123456789012:stack/${stackName}/1a2b`,
});

function seedFleet(hoursAgo: (hours: number) => Date) {
  const rds = installFakeRds(rdsMock);
  rds.seedInstance('eu-west-1', { id: 'orders', engine: 'postgres', tags: { backup: 'daily' } });
  rds.seedInstance('eu-west-1', { id: 'scratch', engine: 'postgres', tags: {} });
  const ours = { [MANAGED_TAG]: MANAGED_TAG_VALUE, [DEPLOYMENT_TAG]: 'prod-eu-west-1' };
  rds.seedSnapshot('eu-west-1', {
    kind: 'instance',
    id: 'restorable-orders-2026-11-22',
    databaseId: 'orders',
    createdAt: hoursAgo(5),
    tags: ours,
  });
  rds.seedSnapshot('eu-west-1', {
    kind: 'instance',
    id: 'restorable-orders-2026-11-21',
    databaseId: 'orders',
    createdAt: hoursAgo(29),
    tags: ours,
  });
  rds.seedSnapshot('eu-central-1', {
    kind: 'instance',
    id: 'restorable-orders-2026-11-22',
    databaseId: 'orders',
    createdAt: hoursAgo(4),
    tags: ours,
  });
  // Not the tool's: RDS's own automated snapshot is never counted.
  rds.seedSnapshot('eu-west-1', {
    kind: 'instance',
    id: 'rds:orders-2026-11-22-03-00',
    databaseId: 'orders',
    type: 'automated',
    createdAt: hoursAgo(1),
  });
}

async function storeDrillReports(...reports: (typeof passingDrill)[]) {
  const store = new S3ReportStore(new S3Client({ region: 'eu-west-1' }), BUCKET);
  for (const report of reports) {
    await store.put(drillReportKeys(report).json, JSON.stringify(report), 'application/json');
  }
}

beforeEach(() => {
  rdsMock.reset();
  s3Mock.reset();
});

afterEach(() => {
  rdsMock.reset();
  s3Mock.reset();
});

describe('restorable status --target aws', () => {
  it('prints, per protected database and region, the snapshots kept and the last drill from the stack’s bucket', async () => {
    // Prepare: the stack's bucket among others whose names start alike; two drills of orders, the later failed.
    const now = Date.now();
    seedFleet((hours) => new Date(now - hours * HOUR_MS));
    installFakeS3(s3Mock, { bucket: BUCKET });
    accountBuckets([
      { name: 'restorable-prod-notes', createdAt: new Date('2026-01-01T00:00:00Z') },
      {
        name: 'restorable-prod-old-reportsbucket-9z8y7x',
        createdAt: new Date('2026-03-01T00:00:00Z'),
        tags: stackTags('restorable-prod-old'),
      },
      { name: BUCKET, createdAt: new Date('2026-02-01T00:00:00Z'), tags: stackTags('restorable-prod') },
    ]);
    await storeDrillReports(restoreFailedDrill, passingDrill);

    // Act
    const run = await runCli('status', '--target', 'aws', '--json');

    // Assess
    expect(run.code).toBe(0);
    const { databases } = run.json<{ databases: Record<string, unknown>[] }>();
    expect(databases).toEqual([
      {
        id: 'orders',
        kind: 'instance',
        engine: 'postgres',
        regions: {
          'eu-west-1': { snapshots: 2, newestAgeHours: 5, oldestAgeHours: 29 },
          'eu-central-1': { snapshots: 1, newestAgeHours: 4, oldestAgeHours: 4 },
        },
        lastDrill: {
          drillId: 'drill-orders-20250608T020005Z',
          verdict: 'fail',
          finishedAt: '2025-06-08T02:41:12.000Z',
          rtoSeconds: restoreFailedDrill.timings.rtoSeconds,
          rpoSeconds: restoreFailedDrill.timings.rpoSeconds,
          snapshot: restoreFailedDrill.snapshot.id,
          region: restoreFailedDrill.snapshot.region,
        },
      },
    ]);
    expect(s3Mock).toHaveReceivedCommandWith(ListBucketsCommand, {
      Prefix: 'restorable-prod-',
      BucketRegion: 'eu-west-1',
    });
  });

  it('prints the same table as the local status', async () => {
    // Prepare
    const now = Date.now();
    seedFleet((hours) => new Date(now - hours * HOUR_MS));
    installFakeS3(s3Mock, { bucket: BUCKET });
    accountBuckets([
      { name: BUCKET, createdAt: new Date('2026-02-01T00:00:00Z'), tags: stackTags('restorable-prod') },
    ]);

    // Act
    const run = await runCli('status', '--target', 'aws');

    // Assess: no drill report yet.
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      /database\s+kind\s+engine\s+eu-west-1 \(kept, newest\)\s+eu-central-1 \(kept, newest\)\s+last drill/,
    );
    expect(run.stdout).toMatch(/orders\s+instance\s+postgres\s+2, 5\.0 h\s+1, 4\.0 h\s+never/);
    expect(run.stdout).not.toContain('scratch');
  });

  it('exits 1 naming a drill report that does not read, and still prints the others', async () => {
    // Prepare
    const now = Date.now();
    seedFleet((hours) => new Date(now - hours * HOUR_MS));
    installFakeS3(s3Mock, { bucket: BUCKET });
    accountBuckets([
      { name: BUCKET, createdAt: new Date('2026-02-01T00:00:00Z'), tags: stackTags('restorable-prod') },
    ]);
    const broken = drillReportKeys({
      ...passingDrill,
      drillId: 'drill-orders-20991231T000000Z',
      finishedAt: '2099-12-31T00:00:00.000Z',
    });
    const store = new S3ReportStore(new S3Client({ region: 'eu-west-1' }), BUCKET);
    await store.put(broken.json, '{"schemaVersion":1,"verdict":', 'application/json');
    await storeDrillReports(passingDrill);

    // Act
    const run = await runCli('status', '--target', 'aws', '--json');

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /restorable: orders: \S*drills\/orders\/2099-12-31\/drill-orders-20991231T000000Z\.json is unreadable/,
    );
    expect(run.json()).toMatchObject({
      databases: [{ id: 'orders', lastDrill: { drillId: passingDrill.drillId } }],
    });
  });

  it('exits 2 saying how to fix it when the stage has no report bucket in the region', async () => {
    // Prepare: only another stage's stack is deployed.
    installFakeRds(rdsMock);
    accountBuckets([
      {
        name: 'restorable-staging-reportsbucket-abc',
        createdAt: new Date('2026-02-01T00:00:00Z'),
        tags: stackTags('restorable-staging'),
      },
    ]);

    // Act
    const run = await runCli('status', '--target', 'aws');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no report bucket of stack restorable-prod in region eu-west-1');
    expect(run.stderr).toContain('aws.stage');
  });
});
