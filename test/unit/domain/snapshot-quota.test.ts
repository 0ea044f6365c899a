import { describe, expect, it } from 'vitest';
import {
  forecastSnapshotQuotas,
  type RegionSnapshotQuotas,
  type SnapshotQuotaForecastInput,
} from '../../../src/domain/snapshot-quota.ts';
import type { DatabaseKind, DatabaseRef } from '../../../src/ports/rds.ts';

const SOURCE = 'eu-west-1';
const COPY = 'eu-central-1';

/** `count` protected databases of a kind. */
const databases = (kind: DatabaseKind, count: number): DatabaseRef[] =>
  Array.from({ length: count }, (_, index) => ({ kind, id: `${kind}-${index}` }));

const quotas = (region: string, instance: [used: number, max: number], cluster = instance) => ({
  region,
  quotas: [
    { kind: 'instance' as const, used: instance[0], max: instance[1] },
    { kind: 'cluster' as const, used: cluster[0], max: cluster[1] },
  ],
});

const removals = (region: string, kind: DatabaseKind, count: number) =>
  Array.from({ length: count }, () => ({ region, kind }));

const input = (overrides: Partial<SnapshotQuotaForecastInput>): SnapshotQuotaForecastInput => ({
  sourceRegion: SOURCE,
  copyRegions: [COPY],
  kinds: ['instance', 'cluster'],
  databases: [],
  quotas: [quotas(SOURCE, [0, 100]), quotas(COPY, [0, 100])],
  removals: [],
  ...overrides,
});

const headroomOf = (
  forecast: ReturnType<typeof forecastSnapshotQuotas>,
  region: string,
  kind: DatabaseKind,
) => forecast.headroom.find((entry) => entry.region === region && entry.kind === kind);

describe('forecasting the manual snapshot quotas of the next backup', () => {
  it('counts, per region and kind, one snapshot per protected database in the source region and one copy of each in every copy region', () => {
    const forecast = forecastSnapshotQuotas(
      input({
        copyRegions: [COPY, 'us-east-1'],
        databases: [...databases('instance', 3), ...databases('cluster', 2)],
        quotas: [quotas(SOURCE, [10, 100]), quotas(COPY, [20, 100]), quotas('us-east-1', [0, 100])],
      }),
    );

    expect(forecast.headroom.map(({ region, kind, added }) => [region, kind, added])).toEqual([
      [SOURCE, 'instance', 3],
      [SOURCE, 'cluster', 2],
      [COPY, 'instance', 3],
      [COPY, 'cluster', 2],
      ['us-east-1', 'instance', 3],
      ['us-east-1', 'cluster', 2],
    ]);
    expect(headroomOf(forecast, SOURCE, 'instance')).toMatchObject({ status: 'fits', headroom: 87 });
    expect(headroomOf(forecast, COPY, 'cluster')).toMatchObject({ status: 'fits', headroom: 78 });
    expect(forecast.findings).toEqual([]);
  });

  it.each([
    // used, max, added, removed: headroom, status
    { used: 88, max: 100, added: 12, removed: 0, headroom: 0, status: 'fits' },
    { used: 89, max: 100, added: 12, removed: 0, headroom: -1, status: 'exceeded' },
    { used: 100, max: 100, added: 12, removed: 12, headroom: 0, status: 'fits' },
    { used: 100, max: 100, added: 12, removed: 11, headroom: -1, status: 'exceeded' },
    { used: 100, max: 100, added: 0, removed: 0, headroom: 0, status: 'fits' },
    { used: 96, max: 100, added: 12, removed: 12, headroom: 4, status: 'fits' },
    { used: 0, max: 5, added: 12, removed: 0, headroom: -7, status: 'exceeded' },
  ])(
    'given $used of $max used, $added added and $removed removed, then the headroom is $headroom ($status)',
    ({ used, max, added, removed, headroom, status }) => {
      const forecast = forecastSnapshotQuotas(
        input({
          copyRegions: [],
          kinds: ['instance'],
          databases: databases('instance', added),
          quotas: [quotas(SOURCE, [used, max])],
          removals: removals(SOURCE, 'instance', removed),
        }),
      );

      expect(forecast.headroom).toEqual([
        {
          region: SOURCE,
          kind: 'instance',
          quota: 'ManualSnapshots',
          added,
          removed,
          status,
          used,
          max,
          headroom,
        },
      ]);
      expect(forecast.findings.length).toBe(status === 'exceeded' ? 1 : 0);
    },
  );

  it('given a quota exactly reached by the next backup, then it fits: RDS refuses a snapshot only once the region holds the maximum', () => {
    const forecast = forecastSnapshotQuotas(
      input({ copyRegions: [], databases: databases('instance', 4), quotas: [quotas(SOURCE, [96, 100])] }),
    );

    expect(headroomOf(forecast, SOURCE, 'instance')).toMatchObject({ status: 'fits', headroom: 0 });
    expect(forecast.findings).toEqual([]);
  });

  it('given a copy region the next copies would overfill, then a warning names that region and quota, how many would fail and the quota code to raise', () => {
    const forecast = forecastSnapshotQuotas(
      input({
        databases: databases('cluster', 12),
        quotas: [quotas(SOURCE, [0, 100], [40, 100]), quotas(COPY, [0, 100], [95, 100])],
        removals: removals(COPY, 'cluster', 3),
      }),
    );

    expect(forecast.findings).toEqual([
      {
        kind: 'snapshot-quota-too-low',
        severity: 'warning',
        resource: `${COPY}/ManualClusterSnapshots`,
        detail: expect.stringContaining('4 would fail with SnapshotQuotaExceeded'),
      },
    ]);
    expect(forecast.findings[0]?.detail).toContain(
      '95 of its 100 manual DB cluster snapshots, once 3 are deleted,',
    );
    expect(forecast.findings[0]?.detail).toContain('L-9B510759');
    expect(headroomOf(forecast, SOURCE, 'cluster')).toMatchObject({ status: 'fits', headroom: 48 });
  });

  it('counts removals only against their own region and kind', () => {
    const forecast = forecastSnapshotQuotas(
      input({
        copyRegions: [],
        databases: databases('instance', 10),
        quotas: [quotas(SOURCE, [95, 100])],
        removals: [...removals(SOURCE, 'cluster', 10), ...removals(COPY, 'instance', 10)],
      }),
    );

    expect(headroomOf(forecast, SOURCE, 'instance')).toMatchObject({ removed: 0, headroom: -5 });
    expect(headroomOf(forecast, SOURCE, 'cluster')).toMatchObject({ removed: 10, headroom: 15 });
  });

  it.each<{ name: string; reading: RegionSnapshotQuotas | undefined; reason: string }>([
    {
      name: 'could not be read',
      reading: {
        region: COPY,
        unreadable: 'AccessDenied: not authorized to perform rds:DescribeAccountAttributes',
      },
      reason: 'AccessDenied: not authorized to perform rds:DescribeAccountAttributes',
    },
    { name: 'were not read', reading: undefined, reason: 'not read' },
    {
      name: 'lack the kind',
      reading: { region: COPY, quotas: [{ kind: 'instance', used: 99, max: 100 }] },
      reason: 'the cloud reports no such quota',
    },
  ])(
    'given quotas that $name, then that headroom is unknown, with the reason, and no finding is made of it',
    ({ reading, reason }) => {
      const forecast = forecastSnapshotQuotas(
        input({
          databases: databases('cluster', 50),
          quotas: [quotas(SOURCE, [0, 100]), ...(reading === undefined ? [] : [reading])],
        }),
      );

      expect(headroomOf(forecast, COPY, 'cluster')).toEqual({
        region: COPY,
        kind: 'cluster',
        quota: 'ManualClusterSnapshots',
        added: 50,
        removed: 0,
        status: 'unknown',
        reason,
      });
      expect(forecast.findings).toEqual([]);
    },
  );

  it('gives a region that is both the source and a copy region one headroom per kind, counting both its snapshots and its copies', () => {
    const forecast = forecastSnapshotQuotas(
      input({
        copyRegions: [SOURCE],
        kinds: ['instance'],
        databases: databases('instance', 2),
        quotas: [quotas(SOURCE, [0, 100])],
      }),
    );

    expect(forecast.headroom).toHaveLength(1);
    expect(forecast.headroom[0]).toMatchObject({ added: 4, headroom: 96 });
  });

  it('never counts more removals than the region holds', () => {
    const forecast = forecastSnapshotQuotas(
      input({
        copyRegions: [],
        kinds: ['instance'],
        databases: databases('instance', 3),
        quotas: [quotas(SOURCE, [2, 3])],
        removals: removals(SOURCE, 'instance', 5),
      }),
    );

    expect(forecast.headroom[0]).toMatchObject({ status: 'fits', headroom: 0 });
  });
});
