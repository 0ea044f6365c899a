// The real workflows/prune.asl.json, run by the local ASL interpreter with the
// AWS adapters: the RDS port over a stateful fake of the RDS SDK and the S3
// report store over an in-memory bucket, both mocked at the SDK boundary. On
// AWS as locally, no snapshot is deleted before its intent is in the deletion
// log, and a store that refuses writes stops the run before any delete; the
// delete step checks the retention rules again against the live state.

import {
  CopyDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import type { PruneRunResult } from '../../src/cli/services/prune.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, PROVEN_BAD_TAG } from '../../src/domain/tags.ts';
import { readBatchIntent, readBatchOutcome } from '../../src/reports/deletion-log.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import { DEFAULT_DEPLOYMENT } from '../support/deployments.ts';
import { type FakeRds, installFakeRds } from '../support/fake-rds-sdk.ts';
import { installFakeS3, s3Error } from '../support/fake-s3-sdk.ts';
import { COPY_REGION, SOURCE_REGION, testConfig } from '../support/local-cloud.ts';
import { deleteInOneBatch } from '../support/prune-batches.ts';

const BUCKET = 'restorable-reports-test';
const NOW = new Date('2026-11-20T04:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);

let fake: FakeRds;
/** Per intent or outcome put: how many of the run's six expired snapshots still existed in RDS at that moment. */
let puts: { key: string; snapshotsExisting: number }[];
let refuseWrites: boolean;

const existsInRds = (region: string, id: string) =>
  fake
    .snapshots(region, 'instance')
    .some((snapshot) => 'DBSnapshotIdentifier' in snapshot && snapshot.DBSnapshotIdentifier === id);

// Each region holds four of orders' snapshots and a run deletes three of
// them: over the mass-deletion brake's default share, which these tests are
// not about (test/workflows/prune-at-scale.test.ts is).
const config = { ...testConfig, retention: { ...testConfig.retention, maxDeletionShare: 1 } };

const dependencies = () => ({
  config,
  rds: awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) }),
  reports: new S3ReportStore(new S3Client({ region: SOURCE_REGION }), BUCKET),
  sandboxes: () => {
    throw new Error('the prune uses no sandbox');
  },
  regionalVerifiers: () => {
    throw new Error('the prune verifies no sandbox');
  },
  clock: () => new Date(NOW.getTime()),
});

const runner = () => new LocalWorkflowRunner({ dependencies: dependencies(), logLevel: 'SILENT' });

beforeEach(() => {
  rdsMock.reset();
  fake = installFakeRds(rdsMock, { now: () => NOW });
  puts = [];
  refuseWrites = false;
  installFakeS3(s3Mock, {
    bucket: BUCKET,
    beforePut: (key) => {
      if (refuseWrites) return s3Error('AccessDenied', 403, 'Access Denied');
      if (/^evidence\/deletions\/.*\.(intent|outcome)\.json$/.test(key)) {
        const existing = [SOURCE_REGION, COPY_REGION].flatMap((region) =>
          [9, 10, 11].filter((age) => existsInRds(region, `restorable-orders-day-${age}`)),
        );
        puts.push({ key, snapshotsExisting: existing.length });
      }
      return undefined;
    },
  });
  seedFleet();
});

/** orders, with four of its snapshots in each region: 1, 9, 10 and 11 days old. */
function seedFleet(): void {
  fake.seedInstance(SOURCE_REGION, { id: 'orders', tags: { backup: 'daily' }, multiAz: true });
  for (const region of [SOURCE_REGION, COPY_REGION]) {
    for (const age of [1, 9, 10, 11]) {
      fake.seedSnapshot(region, {
        kind: 'instance',
        id: `restorable-orders-day-${age}`,
        databaseId: 'orders',
        createdAt: daysAgo(age),
        tags: { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id },
      });
    }
  }
}

afterAll(() => {
  rdsMock.restore();
  s3Mock.restore();
});

describe('the prune with the AWS adapters', () => {
  it('writes each intent while the snapshot still exists, deletes, then writes the outcome', async () => {
    const run = (await runner().run('prune', {}, 'prune-aws')) as PruneRunResult;

    expect(run.deleted).toHaveLength(6);
    // One batch: its intent names all six while they all still exist, its outcome follows the deletes.
    const base = 'evidence/deletions/2026-11-20/prune-aws/batch-00000';
    expect(puts).toEqual([
      { key: `${base}.intent.json`, snapshotsExisting: 6 },
      { key: `${base}.outcome.json`, snapshotsExisting: 0 },
    ]);
    const intent = await readBatchIntent(dependencies().reports, `${base}.intent.json`);
    expect(intent?.deletions.map((row) => `${row.region}/${row.snapshot}`).sort()).toEqual(
      run.deleted.map((row) => `${row.region}/${row.snapshot}`).sort(),
    );
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(6);
  });

  it('tries a snapshot RDS says is busy (InvalidDBSnapshotState) again within the run, then leaves it for the next', async () => {
    rdsMock.on(DeleteDBSnapshotCommand).rejects(
      Object.assign(new Error('Cannot delete the snapshot because it is in use by a copy'), {
        name: 'InvalidDBSnapshotStateFault',
        $fault: 'client',
      }),
    );

    const run = (await runner().run('prune', {}, 'prune-aws-busy')) as PruneRunResult;

    // Five tries of each of the six, then none deleted, each said to be left for the next run.
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(30);
    expect(run.deleted).toEqual([]);
    expect(run.failed).toHaveLength(6);
    for (const row of run.failed)
      expect(row.error).toMatch(/still busy after 5 tries \(InvalidStateError: .*left for the next run/);
    expect(existsInRds(SOURCE_REGION, 'restorable-orders-day-10')).toBe(true);
  });

  it('alerts when the next backup would exceed a manual snapshot quota, though nothing violates the policy', async () => {
    // Each region holds 4 of orders' snapshots and the run deletes 3: with a
    // quota of 1, the next backup's snapshot and copy (2 in each) would not fit.
    fake = installFakeRds(rdsMock, { now: () => NOW, manualSnapshotQuota: 1 });
    seedFleet();
    const alerts: { subject: string; message: string }[] = [];

    const run = (await new LocalWorkflowRunner({
      dependencies: dependencies(),
      logLevel: 'SILENT',
      onAlert: (alert) => {
        alerts.push(alert);
      },
    }).run('prune', {}, 'prune-aws-quota')) as PruneRunResult;

    expect(run.status).toBe('OK');
    expect(run.findings.map((finding) => `${finding.severity} ${finding.kind} ${finding.resource}`)).toEqual([
      `warning snapshot-quota-too-low ${SOURCE_REGION}/ManualSnapshots`,
      `warning snapshot-quota-too-low ${COPY_REGION}/ManualSnapshots`,
    ]);
    expect(alerts).toEqual([
      {
        topicArn: expect.any(String),
        subject: 'restorable prune prune-aws-quota: snapshot quota too low',
        message: expect.stringContaining('The next backup would exceed 2 manual snapshot quotas'),
      },
    ]);
  });

  it('sends no quota alert while every quota leaves room for the next backup', async () => {
    const alerts: unknown[] = [];

    await new LocalWorkflowRunner({
      dependencies: dependencies(),
      logLevel: 'SILENT',
      onAlert: (alert) => {
        alerts.push(alert);
      },
    }).run('prune', {}, 'prune-aws-room');

    expect(alerts).toEqual([]);
  });

  it('deletes nothing when S3 refuses the writes, and fails the run with the store’s error', async () => {
    refuseWrites = true;

    const failure = await runner()
      .run('prune', {}, 'prune-aws-refused')
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(failure).toMatchObject({ error: 'EvidenceWriteError' });
    expect(String((failure as Error).message)).toContain('AccessDenied');
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    for (const region of [SOURCE_REGION, COPY_REGION]) {
      expect(fake.snapshots(region, 'instance')).toHaveLength(4);
    }
  });
});

describe('the delete step, checking the policy again against the live state', () => {
  const deletion = (age: number) => ({
    database: 'orders',
    kind: 'instance' as const,
    region: SOURCE_REGION,
    snapshot: `restorable-orders-day-${age}`,
    arn: `arn:aws:rds:${SOURCE_REGION}:123456789012:snapshot:restorable-orders-day-${age}`,
    ageHours: age * 24,
    reason: 'expired' as const,
  });
  const deleteNow = async (age: number) =>
    (
      await deleteInOneBatch(dependencies(), { runId: 'forged', runStartedAt: NOW.toISOString() }, [
        deletion(age),
      ])
    )[0];
  const markBad = (age: number) =>
    awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) })(SOURCE_REGION).tagSnapshot(
      { kind: 'instance', id: `restorable-orders-day-${age}`, arn: deletion(age).arn },
      { [PROVEN_BAD_TAG]: 'drill-x' },
    );

  it('refuses the newest good copy when every newer snapshot is proven bad', async () => {
    await markBad(1);
    expect(await deleteNow(9)).toEqual({
      status: 'refused',
      detail: 'it is the newest good snapshot of orders in eu-west-1',
    });
    expect(existsInRds(SOURCE_REGION, 'restorable-orders-day-9')).toBe(true);
    expect(await deleteNow(10)).toMatchObject({ status: 'deleted' });
  });

  it('deletes an expired proven-bad snapshot once a good copy exists, and refuses while none does', async () => {
    await markBad(9);
    expect(await deleteNow(9)).toMatchObject({ status: 'deleted' });
    for (const age of [1, 10, 11]) await markBad(age);
    expect(await deleteNow(11)).toMatchObject({
      status: 'refused',
      detail: expect.stringMatching(/no good copy of orders/),
    });
    expect(existsInRds(SOURCE_REGION, 'restorable-orders-day-11')).toBe(true);
  });

  it('closes the intent of a delete call that failed, so that it never stands for a deletion', async () => {
    rdsMock
      .on(DeleteDBSnapshotCommand)
      .rejects(Object.assign(new Error('internal failure'), { name: 'InternalFailure' }));

    expect(await deleteNow(10)).toEqual({
      status: 'not-deleted',
      detail: 'the delete call failed: InternalFailure: internal failure',
    });

    const outcome = await readBatchOutcome(
      dependencies().reports,
      'evidence/deletions/2026-11-20/forged/batch-00000.outcome.json',
    );
    expect(outcome?.outcomes).toEqual([
      expect.objectContaining({
        snapshot: 'restorable-orders-day-10',
        status: 'not-deleted',
        detail: 'the delete call failed: InternalFailure: internal failure',
      }),
    ]);
    expect(existsInRds(SOURCE_REGION, 'restorable-orders-day-10')).toBe(true);
  });

  it('keeps the cluster copy of the newest data although a recopy of older data was made after it', async () => {
    // Prepare: billing's snapshots of 12 and 10 days ago in the source
    // region, copied to the copy region as they were taken; the old one is
    // copied again today. Where a cluster copy's create time is its own
    // (RDS documents neither way: DBClusterSnapshot has no
    // OriginalSnapshotCreateTime), today's copy only looks newer: its data
    // is 12 days old, as the planner counts it from its source.
    let copiedAt = daysAgo(12);
    rdsMock.reset();
    fake = installFakeRds(rdsMock, { now: () => copiedAt, clusterCopiesKeepSourceTime: false });
    installFakeS3(s3Mock, { bucket: BUCKET });
    fake.seedCluster(SOURCE_REGION, {
      id: 'billing',
      tags: { backup: 'daily' },
      members: ['billing-writer'],
    });
    const owned = { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id };
    const copyRds = new RDSClient({ region: COPY_REGION });
    const copy = async (source: string, target: string, at: Date) => {
      copiedAt = at;
      await copyRds.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${SOURCE_REGION}:123456789012:cluster-snapshot:${source}`,
          TargetDBClusterSnapshotIdentifier: target,
          KmsKeyId: 'alias/restorable-test',
          Tags: Object.entries(owned).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      fake.setSnapshotStatus(COPY_REGION, 'cluster', target, 'available');
    };
    for (const age of [12, 10]) {
      fake.seedSnapshot(SOURCE_REGION, {
        kind: 'cluster',
        id: `restorable-billing-day-${age}`,
        databaseId: 'billing',
        createdAt: daysAgo(age),
        tags: owned,
      });
      await copy(`restorable-billing-day-${age}`, `restorable-billing-day-${age}`, daysAgo(age));
    }
    await copy('restorable-billing-day-12', 'restorable-billing-day-12-recopy-2', NOW);
    const deleting = {
      database: 'billing',
      kind: 'cluster' as const,
      region: COPY_REGION,
      snapshot: 'restorable-billing-day-10',
      arn: `arn:aws:rds:${COPY_REGION}:123456789012:cluster-snapshot:restorable-billing-day-10`,
      ageHours: 240,
      reason: 'expired' as const,
    };

    // Act
    const [fate] = await deleteInOneBatch(
      dependencies(),
      { runId: 'forged', runStartedAt: NOW.toISOString() },
      [deleting],
    );

    // Assess
    expect(fate).toMatchObject({
      status: 'refused',
      detail: expect.stringMatching(/newest good snapshot of billing/),
    });
    expect(rdsMock.commandCalls(DeleteDBClusterSnapshotCommand)).toHaveLength(0);
  });

  it('deletes a copy stuck in copying past the snapshot timeout, cancelling it', async () => {
    fake.setSnapshotStatus(SOURCE_REGION, 'instance', 'restorable-orders-day-10', 'copying');
    expect(await deleteNow(10)).toMatchObject({ status: 'deleted' });
    expect(existsInRds(SOURCE_REGION, 'restorable-orders-day-10')).toBe(false);
  });
});
