// A crash at any step of a transfer into a vault account, as the fault rules
// can stage it: the process is killed at (or, with crash-after, right after)
// one step, and the state directory then shows the steps before it done and
// the ones after it not, each as a whole. The transfer runs in a process of
// its own (test/support/vault-transfer-child.ts), as a crash kills it.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCloud } from '../../../src/local-cloud/cloud.ts';
import type { FaultRule } from '../../../src/local-cloud/faults.ts';

const SOURCE_REGION = 'eu-west-1';
const VAULT_REGION = 'eu-north-1';
const VAULT = '111122223333';
const SHARE_KEY = 'alias/restorable-share';
const VAULT_KEY = 'alias/restorable-vault';
const INTERMEDIATE = 'orders-intermediate';
const CHILD = join(import.meta.dirname, '..', '..', 'support', 'vault-transfer-child.ts');

let workDir: string;
let fixtureDir: string;

function transferInChildProcess(stateDir: string, faults: FaultRule[]) {
  const child = spawn(
    process.execPath,
    [CHILD, stateDir, VAULT, SOURCE_REGION, VAULT_REGION, INTERMEDIATE, VAULT_KEY],
    { stdio: 'ignore', env: { ...process.env, RESTORABLE_FAULTS: JSON.stringify(faults) } },
  );
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
}

/** What the transfer left: whether the intermediate copy exists, whom it is shared with, whether the vault copy exists. */
async function transferState(stateDir: string) {
  const cloud = await LocalCloud.open({ stateDir, clock: () => new Date('2026-03-02T03:00:00Z') });
  try {
    const source = cloud.rds(SOURCE_REGION);
    const ref = { kind: 'instance', id: INTERMEDIATE } as const;
    const intermediate = await source.describeSnapshot(ref);
    const vaultCopy = await cloud
      .rds(VAULT_REGION, { account: VAULT })
      .describeSnapshot({ kind: 'instance', id: `${INTERMEDIATE}-vault` });
    return {
      intermediate: intermediate !== undefined,
      sharedWith: intermediate === undefined ? [] : await source.snapshotSharedWith(ref),
      vaultCopy: vaultCopy !== undefined,
    };
  } finally {
    await cloud.close();
  }
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-vault-crash-'));
  fixtureDir = join(workDir, 'fixture');
  const cloud = await LocalCloud.open({
    stateDir: fixtureDir,
    clock: () => new Date('2026-03-02T01:00:00Z'),
  });
  try {
    await cloud.createDatabase({
      region: SOURCE_REGION,
      id: 'orders',
      kind: 'instance',
      engine: 'postgres',
      tags: {},
      multiAz: false,
    });
    await cloud.ensureKmsKey(SOURCE_REGION, SHARE_KEY);
    await cloud.allowKeyUse(SOURCE_REGION, SHARE_KEY, VAULT);
    await cloud.ensureKmsKey(VAULT_REGION, VAULT_KEY, { account: VAULT });
    const source = cloud.rds(SOURCE_REGION);
    const daily = await source.createSnapshot({
      database: { kind: 'instance', id: 'orders' },
      snapshotId: 'orders-daily',
      tags: {},
    });
    await source.describeSnapshot({ kind: 'instance', id: daily.id });
    await source.copySnapshot({
      kind: 'instance',
      sourceSnapshotArn: daily.arn,
      sourceRegion: SOURCE_REGION,
      targetSnapshotId: INTERMEDIATE,
      sourceEncrypted: true,
      kmsKeyId: SHARE_KEY,
      tags: {},
    });
    await source.describeSnapshot({ kind: 'instance', id: INTERMEDIATE });
    await source.describeSnapshot({ kind: 'instance', id: INTERMEDIATE });
  } finally {
    await cloud.close();
  }
}, 60_000);

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('a crash during a transfer into a vault account', () => {
  it('given no fault, then the transfer runs to its end: the vault holds its copy, nothing is shared and the intermediate copy is gone', async () => {
    const stateDir = join(workDir, 'no-fault');
    await cp(fixtureDir, stateDir, { recursive: true });

    const exit = await transferInChildProcess(stateDir, []);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(await transferState(stateDir)).toEqual({ intermediate: false, sharedWith: [], vaultCopy: true });
  });

  it.each<[string, FaultRule, { intermediate: boolean; sharedWith: string[]; vaultCopy: boolean }]>([
    [
      'at the share',
      { operation: 'shareSnapshot', effect: 'crash' },
      { intermediate: true, sharedWith: [], vaultCopy: false },
    ],
    [
      'right after the share',
      { operation: 'shareSnapshot', effect: 'crash-after' },
      { intermediate: true, sharedWith: [VAULT], vaultCopy: false },
    ],
    [
      "at the vault's copy",
      { operation: 'copySnapshot', effect: 'crash', account: VAULT },
      { intermediate: true, sharedWith: [VAULT], vaultCopy: false },
    ],
    [
      'at taking the share back',
      { operation: 'unshareSnapshot', effect: 'crash' },
      { intermediate: true, sharedWith: [VAULT], vaultCopy: true },
    ],
    [
      'right after taking the share back',
      { operation: 'unshareSnapshot', effect: 'crash-after' },
      { intermediate: true, sharedWith: [], vaultCopy: true },
    ],
    [
      'right after deleting the intermediate copy',
      { operation: 'deleteSnapshot', effect: 'crash-after' },
      { intermediate: false, sharedWith: [], vaultCopy: true },
    ],
  ])(
    'given a crash %s, then the steps before it are done and those after it are not',
    async (name, rule, expected) => {
      const stateDir = join(workDir, name.replaceAll(/\W+/g, '-'));
      await cp(fixtureDir, stateDir, { recursive: true });

      const exit = await transferInChildProcess(stateDir, [rule]);

      expect(exit.signal).toBe('SIGKILL');
      expect(await transferState(stateDir)).toEqual(expected);
    },
  );
});
