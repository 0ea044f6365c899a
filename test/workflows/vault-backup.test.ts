// The backup workflow of a deployment with a vault account, run by the local
// ASL interpreter against the embedded local cloud: every day's snapshot also
// lands in the vault account, under the vault's key, and nothing stays shared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { BackupRunSummary } from '../../src/domain/backup.ts';
import { AccessDeniedError } from '../../src/domain/errors.ts';
import {
  DATABASE_TAG,
  DEPLOYMENT_TAG,
  MANAGED_TAG,
  SOURCE_ACCOUNT_TAG,
  SOURCE_REGION_TAG,
  VAULT_RETENTION_TAG,
} from '../../src/domain/tags.ts';
import { LOCAL_ACCOUNT_ID } from '../../src/local-cloud/layout.ts';
import { readStored } from '../../src/reports/store/index.ts';
import { backupRecordKey } from '../../src/reports/store/layout.ts';
import { createTestCloud, SOURCE_REGION, TEST_CONFIG_YAML, type TestCloud } from '../support/local-cloud.ts';

const VAULT_ACCOUNT = '111122223333';
const VAULT_REGIONS = ['eu-central-1', 'eu-north-1'];
const vaultKey = (region: string) =>
  `arn:aws:kms:${region}:${VAULT_ACCOUNT}:key/0f0e0d0c-0b0a-4900-8800-7700660055${region === 'eu-north-1' ? '01' : '00'}`;
const config = parseConfig(`${TEST_CONFIG_YAML}
vault:
  accountId: "${VAULT_ACCOUNT}"
  retentionDays: 14
  regions:
${VAULT_REGIONS.map((region) => `    - region: ${region}\n      kmsKeyArn: ${vaultKey(region)}\n`).join('')}`);

let test: TestCloud;
let summary: BackupRunSummary;

const databases = [
  { id: 'orders', kind: 'instance' as const },
  { id: 'billing', kind: 'cluster' as const },
];

beforeAll(async () => {
  test = await createTestCloud(databases, {
    ...config,
    drills: { ...config.drills, databases: {} },
  });
  test.setNow('2026-11-02T02:00:00Z');
  summary = (await test.runner().run('backup', {}, 'backup-2026-11-02')) as BackupRunSummary;
});

afterAll(async () => {
  await test?.cleanup();
});

const vaultPort = (region: string) => test.cloud.rds(region, { account: VAULT_ACCOUNT });

describe('a backup with a vault account', () => {
  it('ends OK, each database with its copy in every vault region in its record', async () => {
    expect(summary.status).toBe('OK');
    for (const { id } of databases) {
      const key = backupRecordKey({ startedAt: summary.startedAt, id, runId: 'backup-2026-11-02' });
      const record = (await readStored(test.dependencies.reports, 'backup-record', key))?.value;
      expect(record?.status, id).toBe('OK');
      expect(record?.vaultCopies, id).toEqual(
        VAULT_REGIONS.map((region) => ({ region, id: `restorable-${id}-2026-11-02`, status: 'available' })),
      );
    }
  });

  it.each(databases)(
    'copies $id into the vault account under the vault key of each region, tagged for the vault',
    async ({ id, kind }) => {
      for (const region of VAULT_REGIONS) {
        const copy = await vaultPort(region).describeSnapshot({ kind, id: `restorable-${id}-2026-11-02` });
        expect(copy?.status, region).toBe('available');
        expect(copy?.arn, region).toContain(`:${VAULT_ACCOUNT}:`);
        expect(copy?.encrypted, region).toBe(true);
        expect(copy?.kmsKeyId, region).toBe(vaultKey(region));
        expect(copy?.tags).toMatchObject({
          [MANAGED_TAG]: 'true',
          [DEPLOYMENT_TAG]: 'prod-eu-west-1',
          [DATABASE_TAG]: id,
          [SOURCE_REGION_TAG]: SOURCE_REGION,
          [SOURCE_ACCOUNT_TAG]: LOCAL_ACCOUNT_ID,
          [VAULT_RETENTION_TAG]: '14',
        });
      }
    },
  );

  it('leaves nothing shared and no staging copy in the source account', async () => {
    const source = test.cloud.rds(SOURCE_REGION);
    for (const { id, kind } of databases) {
      const snapshots = await source.listSnapshots({ database: { kind, id } });
      expect(snapshots.map((snapshot) => snapshot.id)).toEqual([`restorable-${id}-2026-11-02`]);
      for (const snapshot of snapshots)
        expect(await source.snapshotSharedWith({ kind, id: snapshot.id })).toEqual([]);
    }
    for (const region of VAULT_REGIONS) {
      expect(await vaultPort(region).listSnapshots({ type: 'shared' }), region).toEqual([]);
    }
  });

  it('reaches the vault through a role that cannot delete there: the copies outlive its attempt', async () => {
    const { vault } = test.dependencies;
    if (vault === undefined) throw new Error('the test cloud has no vault access');
    const ref = { kind: 'instance' as const, id: 'restorable-orders-2026-11-02' };

    await expect(vault.rds('eu-central-1').deleteSnapshot(ref)).rejects.toBeInstanceOf(AccessDeniedError);
    expect((await vaultPort('eu-central-1').describeSnapshot(ref))?.status).toBe('available');
  });

  it('drills from the vault: restores the vault copy, shared with this account, in this account, and passes', async () => {
    test.setNow('2026-11-02T06:00:00Z');
    const run = (await test.runner().run('drill', { databaseId: 'orders', vault: true }, 'drill-vault')) as {
      status: string;
      drills: { verdict: string; account: string | null; region: string; drillId: string }[];
    };

    expect(run.status).toBe('OK');
    expect(run.drills).toEqual([
      expect.objectContaining({ verdict: 'pass', account: VAULT_ACCOUNT, region: 'eu-central-1' }),
    ]);
    expect(run.drills[0]?.drillId).toMatch(/^drill-orders-vault-20261102T060000Z$/);
    const ref = { kind: 'instance' as const, id: 'restorable-orders-2026-11-02' };
    expect(await vaultPort('eu-central-1').snapshotSharedWith(ref)).toEqual([LOCAL_ACCOUNT_ID]);
    // The sandbox was this account's, and is gone; the vault copy stays.
    expect(await test.cloud.sandboxes('eu-central-1').listSandboxes()).toEqual([]);
    expect((await vaultPort('eu-central-1').describeSnapshot(ref))?.status).toBe('available');
  });

  it('adopts what the vault already holds when the day is backed up again', async () => {
    const again = (await test.runner().run('backup', {}, 'backup-2026-11-02-again')) as BackupRunSummary;

    expect(again.status).toBe('OK');
    for (const region of VAULT_REGIONS) {
      const copies = await vaultPort(region).listSnapshots({ database: { kind: 'instance', id: 'orders' } });
      expect(copies.map((copy) => copy.id)).toEqual(['restorable-orders-2026-11-02']);
    }
  });
});
