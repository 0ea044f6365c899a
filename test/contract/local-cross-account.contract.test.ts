// The cross-account transfer, run against the embedded local cloud: the
// vault is another account of the same state directory, the share key's
// policy is `allowKeyUse`, and the role is `rds(region, { as: 'assumed-role' })`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalCloud } from '../../src/local-cloud/cloud.ts';
import { LOCAL_ACCOUNT_ID } from '../../src/local-cloud/layout.ts';
import { describeCrossAccountContract } from './cross-account-contract.ts';

const VAULT_ACCOUNT = '111122223333';

describeCrossAccountContract('local cloud', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'restorable-cross-account-'));
  let now = Date.parse('2026-03-01T02:00:00Z');
  const cloud = await LocalCloud.open({
    stateDir,
    clock: () => {
      now += 1000;
      return new Date(now);
    },
  });
  const sourceRegion = 'eu-west-1';
  const vaultRegion = 'eu-north-1';
  const shareKeyId = 'alias/restorable-share';
  const vaultKeyId = 'alias/restorable-vault';
  await cloud.ensureKmsKey(sourceRegion, shareKeyId);
  await cloud.allowKeyUse(sourceRegion, shareKeyId, VAULT_ACCOUNT);
  await cloud.ensureKmsKey(vaultRegion, vaultKeyId, { account: VAULT_ACCOUNT });
  return {
    source: (region) => cloud.rds(region),
    vault: (region) => cloud.rds(region, { account: VAULT_ACCOUNT }),
    vaultRole: (region) => cloud.rds(region, { account: VAULT_ACCOUNT, as: 'assumed-role' }),
    vaultAccountId: VAULT_ACCOUNT,
    sourceAccountId: LOCAL_ACCOUNT_ID,
    seedInstance: async (id) => {
      await cloud.createDatabase({
        region: sourceRegion,
        id,
        kind: 'instance',
        engine: 'postgres',
        tags: {},
        multiAz: false,
      });
    },
    sourceRegion,
    vaultRegion,
    shareKeyId,
    vaultKeyId,
    cleanup: async () => {
      await cloud.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
});
