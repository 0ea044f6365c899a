import { describe, expect, it } from 'vitest';
import { type Deployment, deploymentOf } from '../../../src/domain/deployment.ts';
import {
  deletionCapOf,
  deletionShareOf,
  type PruneInput,
  type PrunePolicy,
  planPrune,
  VAULT_STAGING_MAX_AGE_HOURS,
} from '../../../src/domain/prune.ts';
import {
  DEPLOYMENT_TAG,
  MANAGED_TAG,
  PROVEN_BAD_TAG,
  SOURCE_REGION_TAG,
  VAULT_STAGING_TAG,
} from '../../../src/domain/tags.ts';
import type { Database, Snapshot } from '../../../src/ports/rds.ts';
import { DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT } from '../../support/deployments.ts';

const NOW = new Date('2026-11-22T04:00:00Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);

function snapshot(id: string, ageHours: number, overrides: Partial<Snapshot> = {}): Snapshot {
  const region = overrides.region ?? 'eu-west-1';
  return {
    id,
    arn: `arn:aws:rds:${region}:123456789012:snapshot:${id}`,
    region,
    database: { kind: 'instance', id: 'orders' },
    engine: 'postgres',
    status: 'available',
    type: 'manual',
    createdAt: hoursAgo(ageHours),
    originalCreatedAt: hoursAgo(ageHours),
    encrypted: true,
    kmsKeyId: 'alias/aws/rds',
    sourceSnapshotArn: undefined,
    percentProgress: 100,
    tags: { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id },
    ...overrides,
  };
}

function database(overrides: Partial<Database> = {}): Database {
  return {
    kind: 'instance',
    id: 'orders',
    arn: 'arn:aws:rds:eu-west-1:123456789012:db:orders',
    engine: 'postgres',
    engineVersion: '16',
    status: 'available',
    multiAz: true,
    storageEncrypted: true,
    backupRetentionDays: 1,
    tags: {},
    ...overrides,
  };
}

const policy: PrunePolicy = {
  retentionDays: 7,
  maxDeletionsPerRun: 50,
  // No brake: most cases here delete most of a database's few snapshots.
  maxDeletionShare: 1,
  backupMaxAgeHours: 26,
  snapshotTimeoutMinutes: 240,
};

function plan(snapshots: Snapshot[], overrides: Partial<PruneInput> = {}) {
  return planPrune({
    now: NOW,
    policy,
    deployment: DEFAULT_DEPLOYMENT,
    regions: ['eu-west-1'],
    snapshots,
    protectedDatabases: [database()],
    inUseSnapshotArns: new Set(),
    ...overrides,
  });
}

const kinds = (result: ReturnType<typeof plan>) => result.findings.map((finding) => finding.kind);

describe('planning the prune', () => {
  it.each([
    [167, false],
    [168, false],
    [168.01, true],
    [200, true],
  ])('a snapshot %f hours old is deleted: %s (retention 7 days)', (age, deleted) => {
    const result = plan([snapshot('fresh', 2), snapshot('candidate', age)]);
    expect(result.deletions.map((deletion) => deletion.snapshot)).toEqual(deleted ? ['candidate'] : []);
  });

  it('keeps the newest available snapshot however old, and says backups are failing', () => {
    const result = plan([
      snapshot('old', 300),
      snapshot('older', 400),
      snapshot('newer-but-failed', 10, { status: 'failed' }),
    ]);
    expect(result.deletions.map((deletion) => deletion.snapshot)).toEqual(['older']);
    expect(kinds(result)).toContain('newest-snapshot-expired');
    expect(kinds(result)).toContain('backup-overdue');
  });

  it('ignores the age in a snapshot’s name and tags: only the create time counts', () => {
    const misleading = snapshot('restorable-orders-2020-01-01', 5, {
      tags: { [MANAGED_TAG]: 'true', created: '2020-01-01' },
    });
    expect(plan([snapshot('fresh', 2), misleading]).deletions).toEqual([]);
  });

  it('counts a copy’s age from its original, not from when it was copied', () => {
    const source = snapshot('orders-day-1', 200);
    const copy = snapshot('orders-day-1', 150, {
      region: 'eu-central-1',
      database: { kind: 'cluster', id: 'orders' },
      originalCreatedAt: hoursAgo(150),
      sourceSnapshotArn: source.arn,
    });
    const fresh = snapshot('orders-day-9', 2, {
      region: 'eu-central-1',
      database: { kind: 'cluster', id: 'orders' },
    });
    const result = plan([source, copy, fresh], { regions: ['eu-west-1', 'eu-central-1'] });
    expect(result.deletions.find((deletion) => deletion.region === 'eu-central-1')).toMatchObject({
      snapshot: 'orders-day-1',
      ageHours: 200,
    });
  });

  it('checks every region the tool writes to', () => {
    const result = plan(
      [
        snapshot('a', 2),
        snapshot('b', 200),
        snapshot('a', 2, { region: 'us-east-1' }),
        snapshot('b', 200, { region: 'us-east-1' }),
      ],
      { regions: ['eu-west-1', 'us-east-1'] },
    );
    expect(result.deletions.map((deletion) => deletion.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('never deletes a snapshot a drill is using, and says so', () => {
    const inUse = snapshot('in-drill', 200);
    const result = plan([snapshot('fresh', 2), inUse], { inUseSnapshotArns: new Set([inUse.arn]) });
    expect(result.deletions).toEqual([]);
    expect(kinds(result)).toEqual(['expired-snapshot-in-use']);
  });

  it.each(['creating', 'pending', 'copying', 'deleting'] as const)(
    'never deletes a snapshot that is %s (a copy that started an hour ago is not stuck)',
    (status) => {
      const busy = snapshot('busy', 300, { status, createdAt: hoursAgo(1) });
      expect(plan([snapshot('fresh', 2), busy]).deletions).toEqual([]);
    },
  );

  it.each(['pending', 'copying'] as const)(
    'reports a copy %s past the snapshot timeout, and deletes it once older than the retention',
    (status) => {
      const stuckOld = snapshot('stuck-old', 300, { status, createdAt: hoursAgo(5) });
      const stuckRecent = snapshot('stuck-recent', 30, { status, createdAt: hoursAgo(30) });
      const result = plan([snapshot('fresh', 2), stuckOld, stuckRecent]);
      expect(result.deletions).toMatchObject([{ snapshot: 'stuck-old', reason: 'expired-stuck-copy' }]);
      expect(result.findings.filter((finding) => finding.kind === 'copy-stuck')).toEqual([
        expect.objectContaining({ severity: 'violation', resource: 'eu-west-1/stuck-old' }),
        expect.objectContaining({ severity: 'violation', resource: 'eu-west-1/stuck-recent' }),
      ]);
    },
  );

  it('deletes expired snapshots that failed', () => {
    const result = plan([snapshot('fresh', 2), snapshot('broken', 300, { status: 'failed' })]);
    expect(result.deletions).toMatchObject([{ snapshot: 'broken', reason: 'expired-failed' }]);
  });

  it('deletes at most the cap per run, oldest first, and reports the rest as deferred', () => {
    const result = plan([snapshot('fresh', 2), snapshot('a', 200), snapshot('b', 300), snapshot('c', 250)], {
      policy: {
        retentionDays: 7,
        maxDeletionsPerRun: 2,
        maxDeletionShare: 1,
        backupMaxAgeHours: 26,
        snapshotTimeoutMinutes: 240,
      },
    });
    expect(result.deletions.map((deletion) => deletion.snapshot)).toEqual(['b', 'c']);
    expect(result.deferred.map((deletion) => deletion.snapshot)).toEqual(['a']);
    expect(result.kept).toBe(2);
    expect(kinds(result)).toEqual(['deletion-deferred']);
  });

  it('alerts on the backlog it leaves: one violation per region', () => {
    const result = plan([snapshot('fresh', 2), snapshot('a', 200), snapshot('b', 300), snapshot('c', 250)], {
      policy: { ...policy, maxDeletionsPerRun: 1 },
    });
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'deletion-deferred', severity: 'violation', resource: 'eu-west-1' }),
    ]);
    expect(result.findings[0]?.detail).toMatch(/^2 expired snapshots .* cap of 1 deletions/);
  });

  it.each([
    // databases × regions × 2, at least 50
    [1, 1, 50],
    [100, 3, 600],
    [10_000, 3, 60_000],
  ])(
    'caps an auto run at twice the steady state: %i databases in %i regions, %i',
    (databases, regions, cap) => {
      expect(deletionCapOf('auto', databases, regions)).toBe(cap);
      expect(deletionCapOf(7, databases, regions)).toBe(7);
    },
  );

  describe('the mass-deletion brake', () => {
    // Eight snapshots, four of them expired: half of the deployment's own.
    const fleet = () => [
      ...[2, 26, 50, 74].map((age) => snapshot(`fresh-${age}`, age)),
      ...[200, 220, 240, 260].map((age) => snapshot(`old-${age}`, age)),
    ];

    it('refuses every deletion of a run that would delete more than the share, as a violation', () => {
      const result = plan(fleet(), { policy: { ...policy, maxDeletionShare: 0.25 } });
      expect(result.braked).toBe(true);
      expect(result.deletions).toEqual([]);
      expect(result.deferred).toHaveLength(4);
      expect(result.findings).toEqual([
        expect.objectContaining({ kind: 'mass-deletion-refused', severity: 'violation' }),
      ]);
      expect(result.findings[0]?.detail).toContain("would delete 4 of the deployment's 8 snapshots");
    });

    it('lets a run at or below the share delete', () => {
      const result = plan(fleet(), { policy: { ...policy, maxDeletionShare: 0.5 } });
      expect(result.braked).toBe(false);
      expect(result.deletions).toHaveLength(4);
      expect(result.findings).toEqual([]);
    });

    it.each([
      [7, 0.25],
      [3, 0.5],
      [2, 2 / 3],
      [1, 1],
      [35, 0.25],
    ])('brakes an auto run of a %i-day retention past twice a normal day: %d', (retentionDays, share) => {
      expect(deletionShareOf('auto', retentionDays)).toBeCloseTo(share, 10);
      expect(deletionShareOf(0.4, retentionDays)).toBe(0.4);
    });

    it('lets a normal day of a short retention through on auto: one of two daily snapshots goes', () => {
      // A day's retention keeps one snapshot a database, and the prune finds two.
      const daily = [snapshot('today', 2), snapshot('yesterday', 26)];
      const result = plan(daily, { policy: { ...policy, retentionDays: 1, maxDeletionShare: 'auto' } });
      expect(result.braked).toBe(false);
      expect(result.deletions.map((deletion) => deletion.snapshot)).toEqual(['yesterday']);
    });

    it('counts what the cap lets through, not what is due', () => {
      const result = plan(fleet(), { policy: { ...policy, maxDeletionsPerRun: 2, maxDeletionShare: 0.25 } });
      expect(result.deletions).toHaveLength(2);
      expect(kinds(result)).toEqual(['deletion-deferred']);
    });
  });

  it('never plans to delete snapshots made by others, and reports the expired ones as violations', () => {
    const foreign = snapshot('manual-by-dba', 400, { tags: {} });
    const automated = snapshot('rds:orders-2026-11-01', 400, { type: 'automated', tags: {} });
    const result = plan([snapshot('fresh', 2), foreign, automated]);
    expect(result.deletions).toEqual([]);
    expect(result.findings).toEqual([
      expect.objectContaining({
        kind: 'unmanaged-snapshot-expired',
        severity: 'violation',
        resource: 'eu-west-1/manual-by-dba',
      }),
    ]);
  });
});

describe('planning the prune when drills proved snapshots bad', () => {
  const provenBad = (id: string, ageHours: number, overrides: Partial<Snapshot> = {}) =>
    snapshot(id, ageHours, {
      tags: { [MANAGED_TAG]: 'true', [PROVEN_BAD_TAG]: `drill-of-${id}` },
      ...overrides,
    });

  it('never keeps a proven-bad copy as the last good one: the newest good copy stays and both are named', () => {
    // The newest copy is corrupted; backups then stopped, so every intact copy is past the retention.
    const result = plan([
      provenBad('day-9', 2),
      snapshot('day-8', 200),
      snapshot('day-7', 224),
      snapshot('day-6', 248),
    ]);
    expect(result.deletions.map((deletion) => deletion.snapshot).sort()).toEqual(['day-6', 'day-7']);
    const violation = result.findings.find((finding) => finding.kind === 'only-proven-bad-in-retention');
    expect(violation).toMatchObject({ severity: 'violation', resource: 'eu-west-1/day-8' });
    expect(violation?.detail).toContain('day-9');
    expect(violation?.detail).toContain('day-8');
    expect(kinds(result)).toContain('snapshot-proven-bad');
    expect(kinds(result)).toContain('newest-snapshot-expired');
  });

  it('names the database and region once when two last good copies tie, and keeps both', () => {
    const result = plan([provenBad('day-9', 2), snapshot('day-8-a', 200), snapshot('day-8-b', 200)]);
    expect(result.deletions).toEqual([]);
    expect(result.findings.filter((finding) => finding.kind === 'only-proven-bad-in-retention')).toHaveLength(
      1,
    );
  });

  it('deletes a proven-bad snapshot past the retention like any other, once a good copy exists', () => {
    const result = plan([snapshot('fresh', 2), provenBad('bad-and-old', 300)]);
    expect(result.deletions).toMatchObject([{ snapshot: 'bad-and-old', reason: 'expired-proven-bad' }]);
  });

  it('deletes no available snapshot of a database until a good copy of it exists', () => {
    const result = plan([
      provenBad('bad-1', 200),
      provenBad('bad-2', 300),
      snapshot('broken', 400, { status: 'failed' }),
    ]);
    expect(result.deletions.map((deletion) => deletion.snapshot)).toEqual(['broken']);
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        kind: 'backup-overdue',
        detail: expect.stringContaining('not proven bad'),
      }),
    );
  });

  it('keeps the good copy of one region when another region’s newest is proven bad', () => {
    const result = plan(
      [
        provenBad('day-9', 2, { region: 'eu-central-1' }),
        snapshot('day-8', 200, { region: 'eu-central-1' }),
        snapshot('day-9', 2),
        snapshot('day-8', 200),
      ],
      { regions: ['eu-west-1', 'eu-central-1'] },
    );
    expect(result.deletions.map((deletion) => `${deletion.region}/${deletion.snapshot}`)).toEqual([
      'eu-west-1/day-8',
    ]);
  });
});

describe('auditing the policy', () => {
  it('is silent when everything is as the policy says', () => {
    expect(plan([snapshot('fresh', 2)]).findings).toEqual([]);
  });

  it.each([
    ['database-not-multi-az', { multiAz: false }],
    ['database-not-encrypted', { storageEncrypted: false }],
    ['automated-backup-retention-too-long', { backupRetentionDays: 14 }],
  ] as const)('reports %s as a violation', (kind, overrides) => {
    const result = plan([snapshot('fresh', 2)], { protectedDatabases: [database(overrides)] });
    expect(result.findings).toEqual([
      expect.objectContaining({ kind, severity: 'violation', resource: 'orders' }),
    ]);
  });

  it('reports an unencrypted snapshot', () => {
    expect(kinds(plan([snapshot('fresh', 2, { encrypted: false })]))).toEqual(['snapshot-not-encrypted']);
  });

  it('reports a protected database with no recent snapshot in a copy region', () => {
    const result = plan([snapshot('fresh', 2), snapshot('stale-copy', 30, { region: 'eu-central-1' })], {
      regions: ['eu-west-1', 'eu-central-1'],
    });
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'backup-overdue', resource: 'eu-central-1/orders' }),
    ]);
  });
});

describe('planning the prune of one deployment among several in the account', () => {
  const madeBy = (deployment: Deployment) => ({ [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: deployment.id });
  const earlierVersion = { [MANAGED_TAG]: 'true' };
  const fresh = [
    snapshot('fresh-prod', 2, { tags: madeBy(DEFAULT_DEPLOYMENT) }),
    snapshot('fresh-staging', 2, { tags: madeBy(STAGING_DEPLOYMENT) }),
  ];

  it('leaves the snapshots an earlier version made, without the deployment tag, to the default deployment', () => {
    const legacy = snapshot('restorable-orders-2026-11-01', 400, { tags: earlierVersion });

    const byDefault = plan([...fresh, legacy], { deployment: DEFAULT_DEPLOYMENT });
    const byStaging = plan([...fresh, legacy], { deployment: STAGING_DEPLOYMENT });

    expect(byDefault.deletions.map((deletion) => deletion.snapshot)).toEqual([
      'restorable-orders-2026-11-01',
    ]);
    expect(byStaging.deletions).toEqual([]);
    expect(byStaging.kept).toBe(1);
    expect(byStaging.findings).toEqual([]);
  });

  it("leaves an earlier version's copy to the default deployment of the region it was copied from", () => {
    const copy = snapshot('restorable-orders-2026-11-01', 400, {
      region: 'eu-central-1',
      tags: { ...earlierVersion, [SOURCE_REGION_TAG]: 'eu-west-1' },
    });
    const newer = snapshot('restorable-orders-2026-11-21', 2, {
      region: 'eu-central-1',
      tags: { ...earlierVersion, [SOURCE_REGION_TAG]: 'eu-west-1' },
    });
    const otherSource = deploymentOf({ sourceRegion: 'us-east-1', aws: { stage: 'prod' } });

    const fromItsRegion = plan([copy, newer], { regions: ['eu-west-1', 'eu-central-1'] });
    const fromAnother = plan([copy, newer], {
      deployment: otherSource,
      regions: ['us-east-1', 'eu-central-1'],
    });

    expect(otherSource.isDefault).toBe(true);
    expect(fromItsRegion.deletions.map((deletion) => deletion.region)).toEqual(['eu-central-1']);
    expect(fromAnother.deletions).toEqual([]);
  });

  it("neither deletes nor audits another deployment's snapshots, which are never its last good copy", () => {
    const theirs = snapshot('restorable-orders-2026-11-01-a1b2c3', 400, {
      tags: madeBy(STAGING_DEPLOYMENT),
      encrypted: false,
    });

    const result = plan([theirs], { deployment: DEFAULT_DEPLOYMENT });

    expect(result.deletions).toEqual([]);
    expect(result.kept).toBe(0);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: 'backup-overdue', resource: 'eu-west-1/orders' }),
    ]);
  });
});

describe('vault staging copies (the copies made for a vault account)', () => {
  const staging = (id: string, ageHours: number, overrides: Partial<Snapshot> = {}) =>
    snapshot(id, ageHours, {
      ...overrides,
      tags: {
        [MANAGED_TAG]: 'true',
        [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id,
        [VAULT_STAGING_TAG]: 'backup-run',
      },
    });

  it('deletes one left by a run that ended without, two days after its snapshot, well inside the retention', () => {
    const result = plan([
      snapshot('daily', 2),
      staging('recent-staging', VAULT_STAGING_MAX_AGE_HOURS - 1),
      staging('left-staging', VAULT_STAGING_MAX_AGE_HOURS + 1),
    ]);

    expect(result.deletions.map((deletion) => [deletion.snapshot, deletion.reason])).toEqual([
      ['left-staging', 'expired-vault-staging'],
    ]);
  });

  it('never keeps one as the last good copy: the database’s own expired snapshot is that', () => {
    const result = plan([snapshot('old-daily', 300), staging('left-staging', 100)]);

    expect(result.deletions.map((deletion) => deletion.snapshot)).toEqual(['left-staging']);
    expect(kinds(result)).toContain('newest-snapshot-expired');
  });

  it('does not count one as a good copy that would let the newest daily snapshot go', () => {
    const result = plan([snapshot('old-daily', 200), staging('newer-staging', 20)]);

    expect(result.deletions).toEqual([]);
  });

  it('leaves one a drill restores from, and one still being copied', () => {
    const inUse = staging('drilled', 100);
    const result = plan(
      [
        snapshot('daily', 2),
        inUse,
        staging('copying', 100, { status: 'copying', createdAt: hoursAgo(1) }),
        staging('creating', 100, { status: 'creating', createdAt: hoursAgo(1) }),
      ],
      {
        inUseSnapshotArns: new Set([inUse.arn]),
      },
    );

    expect(result.deletions).toEqual([]);
  });
});
