// A backup killed at any step of its transfer into the vault account (the
// power cut, the OOM kill) leaves a state the next run completes, with
// nothing left shared with the vault and no staging copy left behind. Each
// killed run is the command in a process of its own, killed by a `crash`
// fault rule (SIGKILL at the call, or just after it); the runs go on from
// one another, each one getting a step further before it dies.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONFIG_PATH, parseConfig } from '../../src/config/load.ts';
import { LocalCloud } from '../../src/local-cloud/cloud.ts';
import type { FaultRule } from '../../src/local-cloud/faults.ts';
import { LOCAL_ACCOUNT_ID } from '../../src/local-cloud/layout.ts';
import { runCli } from '../support/cli.ts';
import { copyOfSeededCloud } from '../support/seeded-clouds.ts';

const SOURCE_REGION = 'eu-west-1';
const DAY = '2026-11-21';
const NOW = `${DAY}T02:00:00Z`;
const demo = parseConfig(readFileSync(DEMO_CONFIG_PATH, 'utf8'));
const vault = demo.vault;
if (vault === undefined) throw new Error('the demo configuration names no vault account');
const VAULT_REGION = vault.regions[0]?.region ?? '';
const DATABASES = [
  { kind: 'cluster', id: 'billing' },
  { kind: 'instance', id: 'orders' },
] as const;

let workDir: string;
let stateDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-vault-crash-'));
  // Seeded on 2026-11-19 and backed up (into the vault too) at 2026-11-20T02:00Z.
  stateDir = await copyOfSeededCloud('backedUp', join(workDir, 'state'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** `restorable backup` in a process of its own with `fault`, which must kill it. */
function backupKilledBy(fault: FaultRule): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['bin/restorable.js', 'backup', '--state-dir', stateDir, '--now', NOW],
    {
      env: { ...process.env, RESTORABLE_FAULTS: JSON.stringify([fault]) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (_code, signal) => resolve({ signal, stderr })));
}

/** What the state directory holds of the day's transfer, read with the cloud's own ports. */
async function transferState() {
  const cloud = await LocalCloud.open({ stateDir, clock: () => new Date(NOW) });
  try {
    const source = cloud.rds(SOURCE_REGION);
    const vaultPort = cloud.rds(VAULT_REGION, { account: vault?.accountId ?? '' });
    const staging: string[] = [];
    const shared: string[] = [];
    const inVault: string[] = [];
    for (const database of DATABASES) {
      for (const snapshot of await source.listSnapshots({ database })) {
        if (!snapshot.id.includes(DAY)) continue;
        if (snapshot.id.endsWith('-vault')) staging.push(snapshot.id);
        const accounts = await source.snapshotSharedWith({ kind: database.kind, id: snapshot.id });
        if (accounts.length > 0) shared.push(`${snapshot.id} with ${accounts.join(', ')}`);
      }
      for (const copy of await vaultPort.listSnapshots({ database })) {
        if (copy.id.includes(DAY) && copy.status === 'available') inVault.push(copy.id);
      }
    }
    return { staging: staging.sort(), shared: shared.sort(), inVault: inVault.sort() };
  } finally {
    await cloud.close();
  }
}

const vaultAccount = vault.accountId;

describe('a backup killed during its transfer into the vault account', () => {
  // Each step, the rule that kills the run there, and what is left at that moment.
  const steps: {
    step: string;
    fault: FaultRule;
    left: (state: Awaited<ReturnType<typeof transferState>>) => void;
  }[] = [
    {
      step: 'as it makes the staging copy (in the source region)',
      fault: { operation: 'copySnapshot', effect: 'crash', account: LOCAL_ACCOUNT_ID, region: SOURCE_REGION },
      left: (state) => expect(state.shared).toEqual([]),
    },
    {
      step: 'just after it shares the staging copy',
      fault: { operation: 'shareSnapshot', effect: 'crash-after' },
      left: (state) => expect(state.shared.join('; ')).toContain(`-vault with ${vaultAccount}`),
    },
    {
      step: 'as the vault account copies it',
      fault: { operation: 'copySnapshot', effect: 'crash', account: vaultAccount },
      left: (state) => expect(state.staging.length).toBeGreaterThan(0),
    },
    {
      step: 'just after it takes the share back',
      fault: { operation: 'unshareSnapshot', effect: 'crash-after' },
      left: (state) => expect(state.inVault.length).toBeGreaterThan(0),
    },
    {
      step: 'just after it removes the staging copy',
      fault: { operation: 'deleteSnapshot', effect: 'crash-after' },
      left: (state) => expect(state.inVault.length).toBeGreaterThan(0),
    },
  ];

  it('leaves at each step a state the next run completes: every copy in the vault, nothing shared, no staging copy left', async () => {
    // Given runs of the day killed at each step in turn, each going on from
    // the one before and dying one step further;
    for (const { step, fault, left } of steps) {
      const killed = await backupKilledBy(fault);
      expect(killed.signal, `killed ${step}: ${killed.stderr}`).toBe('SIGKILL');
      left(await transferState());
    }

    // when the day is backed up again,
    const next = await runCli('backup', '--json', '--state-dir', stateDir, '--now', NOW);

    // then it completes the transfer and leaves nothing behind.
    expect(next.code, next.stderr).toBe(0);
    expect(await transferState()).toEqual({
      staging: [],
      shared: [],
      inVault: DATABASES.map(({ id }) => `restorable-${id}-${DAY}`).sort(),
    });
    const result = next.json<{ databases: { id: string; vaultCopies?: { status: string }[] }[] }>();
    for (const database of result.databases) {
      expect(
        database.vaultCopies?.map((copy) => copy.status),
        database.id,
      ).toEqual(['available']);
    }
  });
});
