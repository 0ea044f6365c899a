// What `restorable status` reports for each protected database: per region,
// how many of the deployment's snapshots are kept and how old the newest and
// oldest are. Ages count from when the original snapshot was taken, so a copy
// made later does not look fresher than the data it holds.
import type { Database, DatabaseKind, Snapshot } from '../ports/rds.ts';
import { type Deployment, ownsSnapshot } from './deployment.ts';

export interface RegionStatus {
  readonly snapshots: number;
  readonly newestAgeHours: number | null;
  readonly oldestAgeHours: number | null;
}

export interface LastDrill {
  readonly drillId: string;
  readonly verdict: 'pass' | 'fail';
  readonly finishedAt: string;
  readonly rtoSeconds: number | null;
  readonly rpoSeconds: number | null;
  readonly snapshot: string;
  readonly region: string;
}

export interface DatabaseStatus {
  readonly id: string;
  readonly kind: DatabaseKind;
  readonly engine: string;
  readonly regions: Record<string, RegionStatus>;
  readonly lastDrill: LastDrill | null;
}

const HOUR_MS = 3_600_000;

export function ageHours(snapshot: Snapshot, now: Date): number | null {
  const taken = snapshot.originalCreatedAt ?? snapshot.createdAt;
  if (taken === undefined) return null;
  return Math.round(((now.getTime() - taken.getTime()) / HOUR_MS) * 10) / 10;
}

export function regionStatus(
  snapshots: readonly Snapshot[],
  deployment: Deployment,
  now: Date,
): RegionStatus {
  const ages = snapshots
    .filter((snapshot) => ownsSnapshot(deployment, snapshot) && snapshot.status === 'available')
    .map((snapshot) => ageHours(snapshot, now))
    .filter((age): age is number => age !== null);
  return {
    snapshots: ages.length,
    newestAgeHours: ages.length === 0 ? null : Math.min(...ages),
    oldestAgeHours: ages.length === 0 ? null : Math.max(...ages),
  };
}

export function databaseStatus(
  database: Database,
  snapshotsByRegion: ReadonlyMap<string, readonly Snapshot[]>,
  deployment: Deployment,
  now: Date,
  lastDrill: LastDrill | null = null,
): DatabaseStatus {
  const regions: Record<string, RegionStatus> = {};
  for (const [region, snapshots] of snapshotsByRegion) {
    regions[region] = regionStatus(snapshots, deployment, now);
  }
  return { id: database.id, kind: database.kind, engine: database.engine, regions, lastDrill };
}
