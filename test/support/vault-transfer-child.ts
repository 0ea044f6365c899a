// Run in a process of its own by vault-transfer-crash.test.ts: the steps of
// a transfer into a vault account over a local cloud, one after the other,
// with the fault rules of RESTORABLE_FAULTS (a `crash` kills this process at
// a step). Arguments: the state directory, the vault account, the source and
// vault regions, the intermediate copy's id and the vault key.
import { LocalCloud } from '../../src/local-cloud/cloud.ts';

const [stateDir, vaultAccount, sourceRegion, vaultRegion, intermediateId, vaultKeyId] = process.argv.slice(2);
if (
  stateDir === undefined ||
  vaultAccount === undefined ||
  sourceRegion === undefined ||
  vaultRegion === undefined ||
  intermediateId === undefined ||
  vaultKeyId === undefined
) {
  throw new Error(
    'usage: vault-transfer-child.ts STATE_DIR VAULT_ACCOUNT SOURCE_REGION VAULT_REGION ID VAULT_KEY',
  );
}

const cloud = await LocalCloud.open({ stateDir, clock: () => new Date('2026-03-02T02:00:00Z') });
try {
  const source = cloud.rds(sourceRegion);
  const role = cloud.rds(vaultRegion, { account: vaultAccount, as: 'assumed-role' });
  const intermediate = { kind: 'instance', id: intermediateId } as const;
  const snapshot = await source.describeSnapshot(intermediate);
  if (snapshot === undefined) throw new Error(`no snapshot ${intermediateId}`);

  await source.shareSnapshot(intermediate, vaultAccount);
  await role.copySnapshot({
    kind: 'instance',
    sourceSnapshotArn: snapshot.arn,
    sourceRegion,
    targetSnapshotId: `${intermediateId}-vault`,
    sourceEncrypted: true,
    kmsKeyId: vaultKeyId,
    tags: {},
  });
  await source.unshareSnapshot(intermediate, vaultAccount);
  await source.deleteSnapshot(intermediate);
} finally {
  await cloud.close();
}
