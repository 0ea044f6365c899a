import { describe, expect, it } from 'vitest';
import { regionStatus } from '../../../src/domain/status.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, MANAGED_TAG_VALUE } from '../../../src/domain/tags.ts';
import type { Snapshot } from '../../../src/ports/rds.ts';
import { DEFAULT_DEPLOYMENT } from '../../support/deployments.ts';

const NOW = new Date('2026-11-23T12:00:00Z');
const HOUR_MS = 3_600_000;

const snapshot = (id: string, ageHours: number, overrides: Partial<Snapshot> = {}): Snapshot => ({
  id,
  arn: `arn:aws:rds:eu-central-1:000000000000:snapshot:${id}`,
  region: 'eu-central-1',
  database: { kind: 'instance', id: 'orders' },
  engine: 'postgres',
  status: 'available',
  type: 'manual',
  createdAt: new Date(NOW.getTime() - ageHours * HOUR_MS),
  originalCreatedAt: new Date(NOW.getTime() - ageHours * HOUR_MS),
  encrypted: true,
  kmsKeyId: 'alias/restorable',
  sourceSnapshotArn: undefined,
  percentProgress: 100,
  tags: { [MANAGED_TAG]: MANAGED_TAG_VALUE, [DEPLOYMENT_TAG]: DEFAULT_DEPLOYMENT.id },
  ...overrides,
});

describe('the status of a region', () => {
  const snapshots = [
    snapshot('day-1', 48),
    snapshot('day-2', 24),
    snapshot('day-3', 1),
    snapshot('not-ours', 2, { tags: {} }),
    snapshot('copying', 0, { status: 'copying' }),
  ];

  it('counts the tool’s available snapshots, with the ages of the newest and oldest', () => {
    expect(regionStatus(snapshots, DEFAULT_DEPLOYMENT, NOW)).toEqual({
      snapshots: 3,
      newestAgeHours: 1,
      oldestAgeHours: 48,
    });
  });

  it('counts the snapshots under a lost key apart, naming the key file, and not in the ages', () => {
    const lostKeys = [
      { keyFile: '/state/regions/eu-central-1/kms/alias%2Fnew.key', snapshotIds: ['day-3', 'not-ours'] },
      { keyFile: '/state/regions/eu-central-1/kms/alias%2Fold.key', snapshotIds: ['day-1'] },
    ];

    expect(regionStatus(snapshots, DEFAULT_DEPLOYMENT, NOW, lostKeys)).toEqual({
      snapshots: 1,
      newestAgeHours: 24,
      oldestAgeHours: 24,
      unrestorable: {
        snapshots: 2,
        missingKeyFiles: [
          '/state/regions/eu-central-1/kms/alias%2Fnew.key',
          '/state/regions/eu-central-1/kms/alias%2Fold.key',
        ],
      },
    });
  });

  it('says nothing of a lost key that none of the tool’s available snapshots is under', () => {
    const lostKeys = [{ keyFile: '/state/kms/alias%2Fother.key', snapshotIds: ['not-ours', 'copying'] }];

    expect(regionStatus(snapshots, DEFAULT_DEPLOYMENT, NOW, lostKeys)).toEqual(
      regionStatus(snapshots, DEFAULT_DEPLOYMENT, NOW),
    );
  });
});
