// `restorable status --target aws`: the snapshots from RDS in every region,
// the last drill from the stack's report bucket (the stack's ReportsBucketName
// output), all through the real SDK clients mocked at the SDK boundary (an
// in-memory RDS and S3 bucket, a stack's outputs).
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import { forgetStackOutputs } from '../../src/adapters/aws/stack.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE } from '../../src/domain/tags.ts';
import { drillReportKeys } from '../../src/reports/store/layout.ts';
import { passingDrill, restoreFailedDrill } from '../reports/fixtures.ts';
import { runCli } from '../support/cli.ts';
import { installFakeRds } from '../support/fake-rds-sdk.ts';
import { installFakeS3 } from '../support/fake-s3-sdk.ts';
import { installFakeStack, stackOutputsOf } from '../support/fake-stack-sdk.ts';

// The demo configuration: stage prod, stack and source region eu-west-1, copies to eu-central-1.
// The bucket named by the stack's ReportsBucketName output (test/support/fake-stack-sdk.ts).
const BUCKET = stackOutputsOf('prod').ReportsBucketName;
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);
const cloudFormationMock = mockClient(CloudFormationClient);
const HOUR_MS = 3_600_000;

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
  cloudFormationMock.reset();
  forgetStackOutputs();
  installFakeStack(cloudFormationMock);
});

afterEach(() => {
  rdsMock.reset();
  s3Mock.reset();
});

describe('restorable status --target aws', () => {
  it('prints, per protected database and region, the snapshots kept and the last drill from the stack’s bucket', async () => {
    // Prepare: the bucket the stack's output names; two drills of orders, the later failed.
    const now = Date.now();
    seedFleet((hours) => new Date(now - hours * HOUR_MS));
    installFakeS3(s3Mock, { bucket: BUCKET });
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
    expect(cloudFormationMock).toHaveReceivedCommandExactlyOnceWith(DescribeStacksCommand, {
      StackName: 'restorable-prod',
    });
  });

  it('prints the same table as the local status', async () => {
    // Prepare
    const now = Date.now();
    seedFleet((hours) => new Date(now - hours * HOUR_MS));
    installFakeS3(s3Mock, { bucket: BUCKET });

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

  it('exits 2 saying how to fix it when the stage has no stack in the region', async () => {
    // Prepare: only another stage's stack is deployed.
    installFakeRds(rdsMock);
    cloudFormationMock.reset();
    installFakeStack(cloudFormationMock, 'staging');

    // Act
    const run = await runCli('status', '--target', 'aws');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('stack restorable-prod not found in region eu-west-1');
    expect(run.stderr).toContain('aws.stage');
  });

  it('exits 2 naming the output and the stack when the stack has no report bucket output', async () => {
    // Prepare: a stack deployed without the ReportsBucketName output.
    installFakeRds(rdsMock);
    const { ReportsBucketName: _, ...older } = stackOutputsOf('prod');
    cloudFormationMock.reset();
    installFakeStack(cloudFormationMock, 'prod', older);

    // Act
    const run = await runCli('status', '--target', 'aws');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('stack restorable-prod has no output ReportsBucketName');
  });
});
