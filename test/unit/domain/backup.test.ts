import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import {
  copySnapshotId,
  countStatuses,
  type DatabaseBackupResult,
  dailySnapshotId,
  databaseStatus,
  firstPoll,
  isDailySnapshotOf,
  listedDatabases,
  MAX_LISTED_DATABASES,
  nextPoll,
  selectProtectedDatabases,
  statusOfCounts,
} from '../../../src/domain/backup.ts';
import type { Database, DatabaseKind } from '../../../src/ports/rds.ts';
import { DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT } from '../../support/deployments.ts';

const database = (overrides: Partial<Database>): Database => ({
  kind: 'instance',
  id: 'orders',
  arn: 'arn:aws:rds:eu-west-1:123456789012:db:orders',
  engine: 'postgres',
  engineVersion: '16.4',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 1,
  tags: {},
  ...overrides,
});

const selection = (value: unknown) =>
  configSchema.parse({
    sourceRegion: 'eu-west-1',
    copyRegions: [{ region: 'eu-central-1', kmsKeyId: 'alias/k' }],
    selection: value,
  }).selection;

describe('selecting the protected databases', () => {
  const fleet = [
    database({ id: 'orders', tags: { backup: 'daily', team: 'shop' } }),
    database({ id: 'billing', kind: 'cluster', tags: { backup: 'daily' } }),
    database({ id: 'scratch', tags: { backup: 'weekly' } }),
    database({ id: 'legacy', tags: {} }),
  ];

  it('protects databases carrying every selection tag, instances and clusters alike', () => {
    const ids = selectProtectedDatabases(fleet, selection({ tags: { backup: 'daily' } })).map((db) => db.id);
    expect(ids).toEqual(['billing', 'orders']);
  });

  it('requires all the tags, not any of them', () => {
    const ids = selectProtectedDatabases(fleet, selection({ tags: { backup: 'daily', team: 'shop' } })).map(
      (db) => db.id,
    );
    expect(ids).toEqual(['orders']);
  });

  it('adds databases named by id even without the tags', () => {
    const ids = selectProtectedDatabases(
      fleet,
      selection({ tags: { backup: 'daily' }, ids: ['legacy'] }),
    ).map((db) => db.id);
    expect(ids).toEqual(['billing', 'legacy', 'orders']);
  });

  it('leaves out the kinds that are not selected', () => {
    const ids = selectProtectedDatabases(
      fleet,
      selection({ tags: { backup: 'daily' }, kinds: ['instance'] }),
    ).map((db) => db.id);
    expect(ids).toEqual(['orders']);
  });
});

describe('naming the snapshot of the day', () => {
  it.each([
    ['2026-11-22T00:00:00Z', 1, 'restorable-orders-2026-11-22'],
    ['2026-11-22T23:59:59.999Z', 1, 'restorable-orders-2026-11-22'],
    ['2026-11-23T00:00:00Z', 1, 'restorable-orders-2026-11-23'],
    ['2026-11-22T02:00:00Z', 2, 'restorable-orders-2026-11-22-retake-2'],
  ])(
    'at %s, attempt %i, is %s for the default deployment, as in earlier versions',
    (time, attempt, expected) => {
      expect(
        dailySnapshotId({ kind: 'instance', id: 'orders' }, new Date(time), DEFAULT_DEPLOYMENT, attempt),
      ).toBe(expected);
    },
  );

  it.each([
    [1, `restorable-orders-2026-11-22-${STAGING_DEPLOYMENT.discriminator}`],
    [2, `restorable-orders-2026-11-22-${STAGING_DEPLOYMENT.discriminator}-retake-2`],
  ])('carries the discriminator of another deployment (attempt %i): %s', (attempt, expected) => {
    expect(
      dailySnapshotId(
        { kind: 'instance', id: 'orders' },
        new Date('2026-11-22T02:00:00Z'),
        STAGING_DEPLOYMENT,
        attempt,
      ),
    ).toBe(expected);
  });

  it('uses the UTC day whatever the time zone offset of the start time', () => {
    expect(
      dailySnapshotId(
        { kind: 'cluster', id: 'billing' },
        new Date('2026-11-22T23:30:00-02:00'),
        DEFAULT_DEPLOYMENT,
      ),
    ).toBe('restorable-billing-2026-11-23');
  });
});

describe('naming the snapshot of the day of a database with a long id', () => {
  // The longest id RDS allows a database (63 characters), and one sharing all but its last character.
  const LONGEST = 'customer-orders-analytics-reporting-aurora-postgresql-cluster-a';
  const SIBLING = 'customer-orders-analytics-reporting-aurora-postgresql-cluster-b';
  const day = new Date('2026-11-22T02:00:00Z');
  const DEPLOYMENTS = { default: DEFAULT_DEPLOYMENT, staging: STAGING_DEPLOYMENT };
  const staging = STAGING_DEPLOYMENT.discriminator;

  it('is about an id of the longest length a database may have', () => {
    expect(LONGEST).toHaveLength(63);
  });

  it.each<[DatabaseKind, string, keyof typeof DEPLOYMENTS, number, string]>([
    // A cluster snapshot id has at most 63 characters: the database part is cut and a hash of the whole name follows.
    ['cluster', LONGEST, 'default', 1, 'restorable-customer-orders-analytics-report-fe07d1ef-2026-11-22'],
    ['cluster', SIBLING, 'default', 1, 'restorable-customer-orders-analytics-report-9667c944-2026-11-22'],
    ['cluster', LONGEST, 'staging', 3, `restorable-customer-orders-91794e2e-2026-11-22-${staging}-retake-3`],
    // 63 characters exactly: kept as earlier versions named it; one more and it is cut.
    [
      'cluster',
      'customer-orders-analytics-reporting-db-01',
      'default',
      1,
      'restorable-customer-orders-analytics-reporting-db-01-2026-11-22',
    ],
    [
      'cluster',
      'customer-orders-analytics-reporting-db-012',
      'default',
      1,
      'restorable-customer-orders-analytics-report-1bad9553-2026-11-22',
    ],
    // A DB snapshot id may have 255 characters: any database id fits whole.
    ['instance', LONGEST, 'default', 1, `restorable-${LONGEST}-2026-11-22`],
    ['instance', LONGEST, 'staging', 3, `restorable-${LONGEST}-2026-11-22-${staging}-retake-3`],
  ])('of the %s %s for the %s deployment, attempt %i, is %s', (kind, id, deployment, attempt, expected) => {
    const name = dailySnapshotId({ kind, id }, day, DEPLOYMENTS[deployment], attempt);
    expect(name).toBe(expected);
    expect(name.length).toBeLessThanOrEqual(kind === 'cluster' ? 63 : 255);
  });
});

describe('naming the copy of a snapshot', () => {
  const LONGEST_CLUSTER_SNAPSHOT = 'restorable-customer-orders-analytics-report-fe07d1ef-2026-11-22';
  const staging = STAGING_DEPLOYMENT.discriminator;

  it.each<[DatabaseKind, string, number, string]>([
    ['cluster', 'restorable-orders-2026-11-22', 1, 'restorable-orders-2026-11-22'],
    ['cluster', 'restorable-orders-2026-11-22-retake-2', 3, 'restorable-orders-2026-11-22-retake-2-recopy-3'],
    ['instance', 'restorable-orders-2026-11-22', 2, 'restorable-orders-2026-11-22-recopy-2'],
    ['cluster', LONGEST_CLUSTER_SNAPSHOT, 1, LONGEST_CLUSTER_SNAPSHOT],
    // No room left for the suffix: the database part is cut again, the day and attempts stay whole.
    [
      'cluster',
      LONGEST_CLUSTER_SNAPSHOT,
      3,
      'restorable-customer-orders-analyti-2a52acc0-2026-11-22-recopy-3',
    ],
    [
      'cluster',
      `restorable-customer-orders-91794e2e-2026-11-22-${staging}-retake-3`,
      2,
      `restorable-custome-7281ac00-2026-11-22-${staging}-retake-3-recopy-2`,
    ],
  ])('of the %s snapshot %s, attempt %i, is %s', (kind, source, attempt, expected) => {
    expect(copySnapshotId({ kind, id: source }, attempt)).toBe(expected);
  });
});

describe('telling the daily snapshots of a database by their ids', () => {
  const LONGEST = 'customer-orders-analytics-reporting-aurora-postgresql-cluster-a';
  const staging = STAGING_DEPLOYMENT.discriminator;

  it.each<[DatabaseKind, string, string]>([
    ['instance', 'orders', 'restorable-orders-2026-11-22'],
    ['instance', 'orders', 'restorable-orders-2026-11-22-retake-2'],
    ['instance', 'orders', 'restorable-orders-2026-11-22-recopy-2'],
    ['instance', 'orders', `restorable-orders-2026-11-22-${staging}-retake-3`],
    // A long cluster id, cut and hashed (see the naming above): still its own.
    ['cluster', LONGEST, 'restorable-customer-orders-analytics-report-fe07d1ef-2026-11-22'],
    ['cluster', LONGEST, 'restorable-customer-orders-analyti-2a52acc0-2026-11-22-recopy-3'],
    ['cluster', LONGEST, `restorable-custome-7281ac00-2026-11-22-${staging}-retake-3-recopy-2`],
  ])('a %s %s owns %s', (kind, id, snapshotId) => {
    expect(isDailySnapshotOf(snapshotId, { kind, id })).toBe(true);
  });

  it.each<[DatabaseKind, string, string]>([
    // Another database whose id starts with this one's.
    ['instance', 'orders', 'restorable-orders-eu-2026-11-22'],
    // The sibling sharing all but the last character of the long id: another hash.
    ['cluster', LONGEST, 'restorable-customer-orders-analytics-report-9667c944-2026-11-22'],
    ['instance', 'orders', 'restorable-orders-latest'],
    ['instance', 'orders', 'rds:orders-2026-11-22-02-00'],
  ])('a %s %s does not own %s', (kind, id, snapshotId) => {
    expect(isDailySnapshotOf(snapshotId, { kind, id })).toBe(false);
  });
});

describe('polling with backoff', () => {
  it('starts at 30 s and doubles up to 5 minutes, keeping the deadline', () => {
    let poll = firstPoll(new Date('2026-11-22T02:00:00Z'), 240);
    const delays = [poll.delaySeconds];
    for (let i = 0; i < 6; i++) {
      poll = nextPoll(poll);
      delays.push(poll.delaySeconds);
    }
    expect(delays).toEqual([30, 60, 120, 240, 300, 300, 300]);
    expect(poll.attempt).toBe(6);
    expect(poll.deadline).toBe('2026-11-22T06:00:00.000Z');
  });
});

describe('summarising a run', () => {
  const result = (status: DatabaseBackupResult['status']): DatabaseBackupResult => ({
    id: 'x',
    kind: 'instance',
    status,
    snapshots: [],
  });

  it.each([
    [['OK', 'OK'], 'OK'],
    [['OK', 'FAILED'], 'PARTIAL'],
    [['OK', 'PARTIAL'], 'PARTIAL'],
    [['FAILED', 'FAILED'], 'FAILED'],
    [['PARTIAL', 'FAILED'], 'PARTIAL'],
    [[], 'FAILED'],
  ] as const)('databases %j make the run %s', (statuses, expected) => {
    expect(statusOfCounts(countStatuses(statuses.map(result)))).toBe(expected);
  });

  it(`lists every database of a run of at most ${MAX_LISTED_DATABASES}, and of a larger one only those not OK, at most that many`, () => {
    const run = (size: number, notOk: number) =>
      Array.from({ length: size }, (_, index) => ({
        ...result(index < notOk ? 'FAILED' : 'OK'),
        id: `db-${index}`,
      }));

    expect(listedDatabases(run(MAX_LISTED_DATABASES, 0))).toHaveLength(MAX_LISTED_DATABASES);
    expect(listedDatabases(run(1_000, 3)).map((listed) => listed.id)).toEqual(['db-0', 'db-1', 'db-2']);
    expect(listedDatabases(run(1_000, 400))).toHaveLength(MAX_LISTED_DATABASES);
  });

  it('marks a database PARTIAL when its snapshot is good but a copy failed', () => {
    expect(databaseStatus(true, [{ status: 'available' }, { status: 'failed' }])).toBe('PARTIAL');
    expect(databaseStatus(true, [{ status: 'available' }])).toBe('OK');
    expect(databaseStatus(false, [])).toBe('FAILED');
  });
});
