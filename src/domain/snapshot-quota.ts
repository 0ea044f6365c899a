// The manual snapshot quotas, as a pure rule: will the next backup's
// snapshots fit in each region? RDS allows 100 manual DB instance snapshots
// and, separately, 100 manual DB cluster snapshots per account and region by
// default (Quotas in Amazon RDS,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html);
// a create or copy past that fails with SnapshotQuotaExceeded. Daily
// snapshots kept 7 days, plus the day's own, fill a region at about 12
// databases, and a copy region fills with the copies of them all.
//
// Rule, per region the tool writes to and per kind:
//   after    = used - removed + added, where
//     added   = the snapshots the next backup makes there: in the source
//               region one per protected database of that kind, in each copy
//               region one copy of each;
//     removed = the manual snapshots of that kind deleted there before it
//               (what the prune deletes; none between a backup's discovery
//               and its own snapshots);
//   headroom = max - after.
// The next backup fits while headroom >= 0: RDS refuses a snapshot only when
// the region already holds `max`, so the last one to reach `max` is taken.
// When it does not fit, a warning finding says so, before any snapshot fails.
// A quota the cloud did not report is unknown: its headroom says why, and no
// finding is made of it.
import type { DatabaseKind, DatabaseRef, SnapshotQuota } from '../ports/rds.ts';
import type { Finding } from './prune.ts';

/** The names DescribeAccountAttributes gives the quotas (AccountQuotaName). */
export const SNAPSHOT_QUOTA_NAMES: Readonly<Record<DatabaseKind, string>> = {
  instance: 'ManualSnapshots',
  cluster: 'ManualClusterSnapshots',
};

/**
 * The Service Quotas codes of the same quotas, which a quota increase names
 * (`aws service-quotas request-service-quota-increase --service-code rds`):
 * "Manual DB instance snapshots" and "Manual DB cluster snapshots".
 */
export const SNAPSHOT_QUOTA_CODES: Readonly<Record<DatabaseKind, string>> = {
  instance: 'L-272F1212',
  cluster: 'L-9B510759',
};

const SNAPSHOTS_OF_KIND: Readonly<Record<DatabaseKind, string>> = {
  instance: 'DB instance snapshots',
  cluster: 'DB cluster snapshots',
};

/** What reading a region's quotas gave: the quotas, or why they could not be read. */
export type RegionSnapshotQuotas =
  | { readonly region: string; readonly quotas: readonly SnapshotQuota[] }
  | { readonly region: string; readonly unreadable: string };

export interface SnapshotQuotaForecastInput {
  readonly sourceRegion: string;
  readonly copyRegions: readonly string[];
  /** The kinds of database the tool protects: one headroom each, per region. */
  readonly kinds: readonly DatabaseKind[];
  /** The databases the next backup snapshots. */
  readonly databases: readonly DatabaseRef[];
  readonly quotas: readonly RegionSnapshotQuotas[];
  /** Manual snapshots deleted before the next backup, each by its region and kind. */
  readonly removals: readonly { readonly region: string; readonly kind: DatabaseKind }[];
}

interface HeadroomOf {
  readonly region: string;
  readonly kind: DatabaseKind;
  /** The quota's name, as DescribeAccountAttributes gives it. */
  readonly quota: string;
  readonly added: number;
  readonly removed: number;
}

export type SnapshotQuotaHeadroom =
  | (HeadroomOf & {
      /** `fits`: the next backup's snapshots fit; `exceeded`: some would fail with SnapshotQuotaExceeded. */
      readonly status: 'fits' | 'exceeded';
      readonly used: number;
      readonly max: number;
      /** Snapshots the region could still take after the next backup; negative: how many would fail. */
      readonly headroom: number;
    })
  | (HeadroomOf & { readonly status: 'unknown'; readonly reason: string });

export interface SnapshotQuotaForecast {
  /** One per region the tool writes to and kind it protects, source region first. */
  readonly headroom: SnapshotQuotaHeadroom[];
  /** One warning per quota the next backup would exceed. */
  readonly findings: Finding[];
}

export function forecastSnapshotQuotas(input: SnapshotQuotaForecastInput): SnapshotQuotaForecast {
  const regions = [...new Set([input.sourceRegion, ...input.copyRegions])];
  const headroom: SnapshotQuotaHeadroom[] = [];
  const findings: Finding[] = [];
  for (const region of regions) {
    const reading = input.quotas.find((candidate) => candidate.region === region);
    for (const kind of input.kinds) {
      const ofKind = input.databases.filter((database) => database.kind === kind).length;
      const added =
        (region === input.sourceRegion ? ofKind : 0) + (input.copyRegions.includes(region) ? ofKind : 0);
      const removed = input.removals.filter(
        (removal) => removal.region === region && removal.kind === kind,
      ).length;
      const common = { region, kind, quota: SNAPSHOT_QUOTA_NAMES[kind], added, removed };
      if (reading === undefined || 'unreadable' in reading) {
        headroom.push({ ...common, status: 'unknown', reason: reading?.unreadable ?? 'not read' });
        continue;
      }
      const quota = reading.quotas.find((candidate) => candidate.kind === kind);
      if (quota === undefined) {
        headroom.push({ ...common, status: 'unknown', reason: 'the cloud reports no such quota' });
        continue;
      }
      const after = Math.max(0, quota.used - removed) + added;
      const left = quota.max - after;
      headroom.push({
        ...common,
        status: left >= 0 ? 'fits' : 'exceeded',
        used: quota.used,
        max: quota.max,
        headroom: left,
      });
      if (left < 0) findings.push(quotaTooLow(common, quota, -left));
    }
  }
  return { headroom, findings };
}

function quotaTooLow(headroom: HeadroomOf, quota: SnapshotQuota, failing: number): Finding {
  const { region, kind, added, removed } = headroom;
  const afterPrune = removed > 0 ? `, once ${removed} are deleted,` : '';
  return {
    kind: 'snapshot-quota-too-low',
    severity: 'warning',
    resource: `${region}/${headroom.quota}`,
    detail:
      `${region} holds ${quota.used} of its ${quota.max} manual ${SNAPSHOTS_OF_KIND[kind]}${afterPrune} and the next backup adds ${added}: ` +
      `${failing} would fail with SnapshotQuotaExceeded; raise the quota (Service Quotas code ${SNAPSHOT_QUOTA_CODES[kind]}) or protect fewer databases`,
  };
}
