// Options a command does not take, and a --now far from the real clock, are
// refused with exit 2 before anything changes: an ignored --dry-run would mean
// real snapshots and real deletions. Each case runs on a local cloud that has
// something to lose: expired snapshots the prune would delete, and a failed
// sandbox the sweeper would remove.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxTags } from '../../src/domain/sandbox.ts';
import { LocalCloud } from '../../src/local-cloud/cloud.ts';
import { runCli } from '../support/cli.ts';
import { DEFAULT_DEPLOYMENT } from '../support/deployments.ts';

const DAY_MS = 86_400_000;

let workDir: string;
let stateDir: string;
const at = (time: string) => ['--state-dir', stateDir, '--now', time];

/** Every file of the state directory, with its size and modification time. */
async function stateFiles(): Promise<Map<string, string>> {
  const entries = await readdir(stateDir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return new Map(
    await Promise.all(
      files.map(async (file) => {
        const { size, mtimeMs } = await stat(file);
        return [relative(stateDir, file), `${size} bytes, modified ${mtimeMs}`] as const;
      }),
    ),
  );
}

/** What changed in the state directory since `before`: files added, removed or modified. */
async function changesSince(before: Map<string, string>): Promise<string[]> {
  const after = await stateFiles();
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((path) => {
    if (!after.has(path)) return [`removed ${path}`];
    if (!before.has(path)) return [`added ${path}`];
    return before.get(path) === after.get(path) ? [] : [`modified ${path}`];
  });
}

/** A sandbox left behind by a failed restore: the sweeper deletes it on its next run. */
async function leaveFailedSandbox(): Promise<void> {
  const cloud = await LocalCloud.open({
    stateDir,
    clock: () => new Date('2026-11-10T06:00:00Z'),
    faults: [{ operation: 'restoreSandbox', effect: 'fail' }],
  });
  try {
    await cloud.sandboxes('eu-central-1').restoreSandbox({
      region: 'eu-central-1',
      sandboxId: 'rsbx-orders-20261110060000',
      snapshot: {
        kind: 'instance',
        id: 'restorable-orders-2026-11-10',
        arn: 'arn:aws:rds:eu-central-1:000000000000:snapshot:restorable-orders-2026-11-10',
      },
      engine: 'postgres',
      instanceClass: 'db.t4g.medium',
      tags: sandboxTags({
        drillId: 'drill-2026-11-10',
        databaseId: 'orders',
        expiresAt: new Date('2026-11-10T09:00:00Z'),
        // The demo configuration's deployment: stage prod in its source region.
        deployment: DEFAULT_DEPLOYMENT,
      }),
    });
  } finally {
    await cloud.close();
  }
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'restorable-refused-'));
  stateDir = join(workDir, 'state');
  expect((await runCli('local', 'init', ...at('2026-11-01T00:00:00Z'))).code).toBe(0);
  expect((await runCli('local', 'seed', ...at('2026-11-01T00:00:00Z'))).code).toBe(0);
  // Two backups nine days apart: by the 20th the older ones are past the
  // retention and not the newest, so a prune that ran would delete them.
  expect((await runCli('backup', ...at('2026-11-01T02:00:00Z'))).code).toBe(0);
  expect((await runCli('backup', ...at('2026-11-10T02:00:00Z'))).code).toBe(0);
  await leaveFailedSandbox();
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('an option the command does not take', () => {
  it.each([
    [['backup', '--dry-run'], 'backup does not take --dry-run'],
    [['prune', '--db', 'orders', '--dry-run'], 'prune does not take --db (the prune is planned fleet-wide'],
    [['prune', '--db', 'orders'], 'prune does not take --db (the prune is planned fleet-wide'],
    [['sweep', '--dry-run', '--days', '3'], 'sweep does not take --dry-run, --days'],
    [['status', '--no-wait'], 'status does not take --no-wait'],
  ])('restorable %j exits 2, naming it, and changes nothing', async (argv, message) => {
    const before = await stateFiles();

    const run = await runCli(...argv, '--json', ...at('2026-11-20T03:00:00Z'));

    expect(await changesSince(before)).toEqual([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`restorable: ${message}`);
    expect(run.json()).toEqual({ error: { name: 'UsageError', message: expect.stringContaining(message) } });
  });

  it('is refused before the local cloud is created', async () => {
    const fresh = join(workDir, 'fresh');

    const run = await runCli('local', 'init', '--dry-run', '--state-dir', fresh);

    expect(existsSync(fresh)).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('restorable: local init does not take --dry-run');
  });
});

describe('--now', () => {
  const aYearAndAMonthFromNow = new Date(Date.now() + 400 * DAY_MS).toISOString();

  it.each([['1999-12-31T00:00:00Z'], [aYearAndAMonthFromNow]])(
    '%s is refused with exit 2, naming the allowed range, and nothing changes',
    async (now) => {
      const before = await stateFiles();

      const run = await runCli('backup', '--json', '--state-dir', stateDir, '--now', now);

      expect(await changesSince(before)).toEqual([]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--now');
      expect(run.stderr).toContain('from 2000-01-01T00:00:00Z to one year after the real clock');
    },
  );

  it('within the range runs the command', async () => {
    const run = await runCli('status', '--json', ...at('2026-11-20T03:00:00Z'));

    expect(run.code).toBe(0);
    expect(run.json<{ databases: { id: string }[] }>().databases.map((database) => database.id)).toEqual([
      'billing',
      'orders',
    ]);
  });
});
