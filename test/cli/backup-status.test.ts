// The command line as users and other tools run it, on a local cloud in a
// temporary state directory.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

let workDir: string;
let stateDir: string;
const at = (time: string) => ['--state-dir', stateDir, '--now', time];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-cli-'));
  stateDir = join(workDir, 'state');
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('restorable on a new machine', () => {
  it('asks for a local cloud before backing up', async () => {
    const run = await runCli('backup', ...at('2026-11-20T02:00:00Z'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('restorable local init');
    expect(existsSync(stateDir)).toBe(false);
  });

  it('creates the local cloud and the demo databases', async () => {
    const init = await runCli('local', 'init', '--json', ...at('2026-11-19T00:00:00Z'));
    expect(init.code).toBe(0);
    expect(init.json()).toMatchObject({ regions: ['eu-west-1', 'eu-central-1'], created: true });

    const seed = await runCli('local', 'seed', '--json', ...at('2026-11-19T00:00:00Z'));
    expect(seed.code).toBe(0);
    expect(seed.json()).toEqual({ region: 'eu-west-1', created: ['orders', 'billing', 'analytics-scratch'] });

    const again = await runCli('local', 'seed', '--json', ...at('2026-11-19T00:00:00Z'));
    expect(again.json()).toEqual({ region: 'eu-west-1', created: [] });
  });

  it.each([['init'], ['seed']])(
    'refuses to `local %s` in a directory of other files that is not a local cloud, and writes nothing',
    async (subcommand) => {
      const notes = join(workDir, `notes-${subcommand}`);
      await mkdir(notes);
      await writeFile(join(notes, 'notes.txt'), 'mine');

      const run = await runCli('local', subcommand, '--state-dir', notes);

      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `the state directory ${notes} is not empty and is not a restorable local cloud`,
      );
      expect(await readdir(notes)).toEqual(['notes.txt']);
      expect(await readFile(join(notes, 'notes.txt'), 'utf8')).toBe('mine');
    },
  );
});

describe('restorable backup', () => {
  it('backs up every protected database and prints the JSON contract', async () => {
    const run = await runCli('backup', '--json', ...at('2026-11-20T02:00:00Z'));

    expect(run.code).toBe(0);
    const result = run.json<{
      status: string;
      databases: { id: string; status: string; snapshots: unknown[] }[];
    }>();
    expect(result.status).toBe('OK');
    expect(result.databases.map((database) => database.id)).toEqual(['billing', 'orders']);
    expect(result.databases[1]).toEqual({
      id: 'orders',
      status: 'OK',
      snapshots: [
        { region: 'eu-west-1', id: 'restorable-orders-2026-11-20', status: 'available' },
        { region: 'eu-central-1', id: 'restorable-orders-2026-11-20', status: 'available' },
      ],
      // The demo configuration copies into a vault account too.
      vaultCopies: [{ region: 'eu-central-1', id: 'restorable-orders-2026-11-20', status: 'available' }],
    });
  });

  it('prints a table for people on stdout without --json, and its progress on stderr', async () => {
    const run = await runCli('backup', '--db', 'orders', ...at('2026-11-21T02:00:00Z'));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('  discovering the protected databases\n');
    expect(run.stderr).not.toContain('restorable-orders-2026-11-21');
    expect(run.stdout).toMatch(/orders\s+OK\s+eu-west-1: restorable-orders-2026-11-21 \(available\)/);
  });

  it('exits 2 for a database that is not protected, and takes no snapshot', async () => {
    const run = await runCli('backup', '--db', 'analytics-scratch', '--json', ...at('2026-11-22T02:00:00Z'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--db analytics-scratch: not a protected database (protected: billing, orders)',
    );
    const status = await runCli('status', '--json', ...at('2026-11-22T02:00:00Z'));
    const orders = status.json<{
      databases: { id: string; regions: Record<string, { snapshots: number }> }[];
    }>();
    expect(
      orders.databases.find((database) => database.id === 'orders')?.regions['eu-west-1']?.snapshots,
    ).toBe(2);
  });

  it('exits 1 when a database fails, reporting the others', async () => {
    const previous = process.env.RESTORABLE_FAULTS;
    process.env.RESTORABLE_FAULTS = JSON.stringify([
      { operation: 'createSnapshot', effect: 'error', database: 'billing' },
    ]);
    try {
      const run = await runCli('backup', '--json', ...at('2026-11-23T02:00:00Z'));
      expect(run.code).toBe(1);
      const result = run.json<{
        status: string;
        databases: { id: string; status: string; error?: string }[];
      }>();
      expect(result.status).toBe('PARTIAL');
      expect(result.databases.find((database) => database.id === 'billing')).toMatchObject({
        status: 'FAILED',
        error: expect.stringContaining('CloudServiceError'),
      });
      expect(result.databases.find((database) => database.id === 'orders')?.status).toBe('OK');
    } finally {
      if (previous === undefined) delete process.env.RESTORABLE_FAULTS;
      else process.env.RESTORABLE_FAULTS = previous;
    }
  });
});

describe('restorable status', () => {
  it('reports snapshots kept and ages per region against --now', async () => {
    const run = await runCli('status', '--json', ...at('2026-11-23T14:00:00Z'));

    expect(run.code).toBe(0);
    const { databases } = run.json<{ databases: Record<string, unknown>[] }>();
    expect(databases.map((database) => database.id)).toEqual(['billing', 'orders']);
    expect(databases.find((database) => database.id === 'orders')).toEqual({
      id: 'orders',
      kind: 'instance',
      engine: 'postgres',
      regions: {
        'eu-west-1': { snapshots: 3, newestAgeHours: 12, oldestAgeHours: 84 },
        'eu-central-1': { snapshots: 3, newestAgeHours: 12, oldestAgeHours: 84 },
      },
      vault: { 'eu-central-1': { snapshots: 3, newestAgeHours: 12, oldestAgeHours: 84 } },
      lastDrill: null,
    });
    expect(databases.find((database) => database.id === 'billing')).toMatchObject({
      kind: 'cluster',
      engine: 'aurora-postgresql',
      regions: { 'eu-west-1': { snapshots: 1, newestAgeHours: 84, oldestAgeHours: 84 } },
    });
  });
});

describe('a lost key file', () => {
  const keyFile = () =>
    join(stateDir, 'regions', 'eu-central-1', 'kms', 'alias%2Frestorable-eu-central-1.key');
  let keyBytes: Buffer;
  interface StatusJson {
    databases: { id: string; regions: Record<string, Record<string, unknown>> }[];
  }

  beforeAll(async () => {
    keyBytes = await readFile(keyFile());
    await unlink(keyFile());
  });

  it('status exits 1 and reports the snapshots under it as unrestorable, naming the key file, and makes no new key', async () => {
    const run = await runCli('status', '--json', ...at('2026-11-23T14:00:00Z'));

    expect(run.code).toBe(1);
    const orders = run.json<StatusJson>().databases.find((database) => database.id === 'orders');
    expect(orders?.regions).toEqual({
      'eu-west-1': { snapshots: 3, newestAgeHours: 12, oldestAgeHours: 84 },
      'eu-central-1': {
        snapshots: 0,
        newestAgeHours: null,
        oldestAgeHours: null,
        unrestorable: { snapshots: 3, missingKeyFiles: [keyFile()] },
      },
    });
    expect(run.stderr).toContain(`the key file ${keyFile()} of KMS key alias/restorable-eu-central-1`);
    expect(existsSync(keyFile())).toBe(false);
  });

  it('status for people says so in the region column', async () => {
    const run = await runCli('status', ...at('2026-11-23T14:00:00Z'));

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /orders\s.*0, none; 3 unrestorable: key file \S+alias%2Frestorable-eu-central-1\.key missing/,
    );
  });

  it.each([['backup'], ['prune'], ['drill']])(
    '%s fails before doing anything, naming the key file, and makes no new key',
    async (command) => {
      const run = await runCli(command, '--json', ...at('2026-11-24T02:00:00Z'));

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`EncryptionKeyError: the key file ${keyFile()}`);
      expect(existsSync(keyFile())).toBe(false);
      const status = await runCli('status', '--json', ...at('2026-11-24T02:00:00Z'));
      const orders = status.json<StatusJson>().databases.find((database) => database.id === 'orders');
      expect(orders?.regions['eu-west-1']).toMatchObject({ snapshots: 3 });
    },
  );

  it('given the key file restored, status is back to exit 0 with every snapshot restorable', async () => {
    await writeFile(keyFile(), keyBytes, { mode: 0o600 });

    const run = await runCli('status', '--json', ...at('2026-11-23T14:00:00Z'));

    expect(run.code).toBe(0);
    const orders = run.json<StatusJson>().databases.find((database) => database.id === 'orders');
    expect(orders?.regions['eu-central-1']).toEqual({ snapshots: 3, newestAgeHours: 12, oldestAgeHours: 84 });
  });
});

describe('after a crash', () => {
  it('the next command removes the partial files of interrupted writes, and keeps the snapshots', async () => {
    const snapshots = join(stateDir, 'regions', 'eu-west-1', 'snapshots');
    const partialArchive = join(
      snapshots,
      '.restorable-orders-2026-11-24.snapshot.0123456789ab.restorable-tmp',
    );
    const partialRecord = join(snapshots, '.restorable-orders-2026-11-24.json.0123456789ab.restorable-tmp');
    const partialEvidence = join(
      stateDir,
      'reports',
      'evidence',
      '.backup-x.json.0123456789ab.restorable-tmp',
    );
    // Another process's lock attempt: written before it holds the lock, so never a leftover to remove.
    const lockAttempt = join(stateDir, '.lock.0123456789ab.restorable-tmp');
    for (const path of [partialArchive, partialRecord, partialEvidence, lockAttempt])
      await writeFile(path, 'partial');

    const run = await runCli('status', '--json', ...at('2026-11-23T14:00:00Z'));

    expect(run.code).toBe(0);
    expect([partialArchive, partialRecord, partialEvidence].filter((path) => existsSync(path))).toEqual([]);
    expect(existsSync(lockAttempt)).toBe(true);
    await unlink(lockAttempt);
    expect(existsSync(join(snapshots, 'restorable-orders-2026-11-20.snapshot'))).toBe(true);
    expect(existsSync(join(snapshots, 'restorable-orders-2026-11-20.json'))).toBe(true);
  });
});

describe('bad input', () => {
  it.each([
    [['frobnicate'], 'unknown command: frobnicate'],
    [['status', '--now', 'yesterday'], '--now must be an ISO 8601 time'],
    [['status', '--target', 'gcp'], '--target must be local or aws'],
    [['status', '--bogus'], 'unknown option --bogus'],
    [['demo', '--days', '0'], '--days must be at least 1'],
    [['local', 'destroy'], 'unknown local command: destroy'],
  ])('restorable %j exits 2: %s', async (argv, message) => {
    const run = await runCli(...argv, '--state-dir', join(workDir, 'untouched'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(existsSync(join(workDir, 'untouched'))).toBe(false);
  });

  it('exits 2 on an invalid configuration file, naming the field, and changes nothing', async () => {
    const config = join(workDir, 'bad.yml');
    await writeFile(config, 'sourceRegion: eu-west-1\ncopyRegions: []\nselection: { ids: [orders] }\n');
    const run = await runCli('local', 'init', '--config', config, '--state-dir', join(workDir, 'untouched'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('copyRegions: Too small');
    expect(existsSync(join(workDir, 'untouched'))).toBe(false);
  });
});
