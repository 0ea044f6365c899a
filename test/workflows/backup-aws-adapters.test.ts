// The real workflows/backup*.asl.json, run by the local ASL interpreter with
// the AWS adapters: the RDS port over a stateful fake of the RDS SDK (which,
// like RDS, refuses a KMS key for the copy of an unencrypted cluster snapshot)
// and the S3 report store over an in-memory bucket. The local cloud encrypts
// every snapshot, so an unencrypted database can only be backed up here.
import { CopyDBClusterSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awsRdsPortProvider } from '../../src/adapters/aws/rds.ts';
import { S3ReportStore } from '../../src/adapters/aws/report-store.ts';
import {
  type BackupRunSummary,
  UNENCRYPTED_COPY_NOTE,
  UNENCRYPTED_SOURCE_NOTE,
} from '../../src/domain/backup.ts';
import { LocalWorkflowRunner } from '../../src/workflow-runner/local-runner.ts';
import { type FakeRds, installFakeRds } from '../support/fake-rds-sdk.ts';
import { type FakeObject, installFakeS3 } from '../support/fake-s3-sdk.ts';
import { COPY_REGION, SOURCE_REGION, testConfig } from '../support/local-cloud.ts';

const BUCKET = 'restorable-reports-test';
const NOW = new Date('2026-11-20T02:00:00Z');
const rdsMock = mockClient(RDSClient);
const s3Mock = mockClient(S3Client);

let fake: FakeRds;
let bucket: Map<string, FakeObject>;

const runner = () =>
  new LocalWorkflowRunner({
    dependencies: {
      config: testConfig,
      rds: awsRdsPortProvider({ clientFactory: (region) => new RDSClient({ region }) }),
      reports: new S3ReportStore(new S3Client({ region: SOURCE_REGION }), BUCKET),
      sandboxes: () => {
        throw new Error('the backup uses no sandbox');
      },
      regionalVerifiers: () => {
        throw new Error('the backup verifies no sandbox');
      },
      clock: () => new Date(NOW.getTime()),
    },
    logLevel: 'SILENT',
  });

const backUp = async () =>
  (await runner().run('backup', { databaseIds: [] }, 'backup-aws')) as BackupRunSummary;

const byId = (summary: BackupRunSummary, id: string) =>
  summary.databases.find((database) => database.id === id);

function storedRecord(id: string): unknown {
  const object = bucket.get(`evidence/backups/2026-11-20/${id}/backup-aws.json`);
  if (object === undefined) throw new Error(`no backup record of ${id}`);
  return JSON.parse(Buffer.from(object.body).toString('utf8'));
}

beforeEach(() => {
  rdsMock.reset();
  fake = installFakeRds(rdsMock, { now: () => NOW });
  bucket = installFakeS3(s3Mock, { bucket: BUCKET });
});

afterAll(() => {
  rdsMock.restore();
  s3Mock.restore();
});

describe('the backup with the AWS adapters', () => {
  it('copies an unencrypted Aurora cluster without a KMS key, and the record says the snapshot and its copy are not encrypted', async () => {
    fake.seedCluster(SOURCE_REGION, {
      id: 'billing',
      tags: { backup: 'daily' },
      members: ['billing-writer'],
      storageEncrypted: false,
    });

    const summary = await backUp();

    const expected = [
      {
        region: SOURCE_REGION,
        id: 'restorable-billing-2026-11-20',
        status: 'available',
        note: UNENCRYPTED_SOURCE_NOTE,
      },
      {
        region: COPY_REGION,
        id: 'restorable-billing-2026-11-20',
        status: 'available',
        note: UNENCRYPTED_COPY_NOTE,
      },
    ];
    expect(byId(summary, 'billing')).toMatchObject({ status: 'OK', snapshots: expected });
    expect(byId(summary, 'billing')?.error).toBeUndefined();
    expect(storedRecord('billing')).toMatchObject({ status: 'OK', snapshots: expected });
    expect(rdsMock.commandCalls(CopyDBClusterSnapshotCommand).map((call) => call.args[0].input)).toEqual([
      expect.not.objectContaining({ KmsKeyId: expect.anything() }),
    ]);
  });

  it('copies an encrypted cluster and an unencrypted instance with the KMS key; only the unencrypted source is noted', async () => {
    fake.seedCluster(SOURCE_REGION, {
      id: 'billing',
      tags: { backup: 'daily' },
      members: ['billing-writer'],
    });
    fake.seedInstance(SOURCE_REGION, { id: 'orders', tags: { backup: 'daily' }, storageEncrypted: false });

    const summary = await backUp();

    expect(summary.status).toBe('OK');
    expect(byId(summary, 'billing')?.snapshots).toEqual([
      { region: SOURCE_REGION, id: 'restorable-billing-2026-11-20', status: 'available' },
      { region: COPY_REGION, id: 'restorable-billing-2026-11-20', status: 'available' },
    ]);
    // CopyDBSnapshot encrypts the copy of an unencrypted instance snapshot.
    expect(byId(summary, 'orders')?.snapshots).toEqual([
      {
        region: SOURCE_REGION,
        id: 'restorable-orders-2026-11-20',
        status: 'available',
        note: UNENCRYPTED_SOURCE_NOTE,
      },
      { region: COPY_REGION, id: 'restorable-orders-2026-11-20', status: 'available' },
    ]);
  });
});
