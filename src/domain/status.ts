// What `restorable status` reports for each protected database: per region,
// how many of the deployment's snapshots are kept and how old the newest and
// oldest are. Ages count from when the original snapshot was taken, so a copy
// made later does not look fresher than the data it holds. A snapshot whose
// key is gone cannot be restored: it is counted apart, not as kept, and does
// not make the region look fresher than what can actually be restored. A
// stored file of the database that does not read (a drill report, a snapshot
// record) is named in its row, never a reason to fail the others.
import type { Database, DatabaseKind, Snapshot } from '../ports/rds.ts';
import { type Deployment, ownsSnapshot } from './deployment.ts';

/** A key that snapshots of a region are encrypted under and that is gone. */
export interface LostKey {
  /** Where the key should be: the file that is missing. */
  readonly keyFile: string;
  readonly snapshotIds: readonly string[];
}

export interface RegionStatus {
  /** The tool's available snapshots that can be restored. */
  readonly snapshots: number;
  readonly newestAgeHours: number | null;
  readonly oldestAgeHours: number | null;
  /** Present when some of the tool's available snapshots cannot be restored: how many, and why. */
  readonly unrestorable?: {
    readonly snapshots: number;
    readonly missingKeyFiles: readonly string[];
  };
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

/** A stored file that could not be read: where it is and why. */
export interface UnreadableFile {
  readonly path: string;
  readonly reason: string;
}

export interface DatabaseStatus {
  readonly id: string;
  readonly kind: DatabaseKind;
  readonly engine: string;
  readonly regions: Record<string, RegionStatus>;
  /** In a deployment with a vault account: its copies in each vault region, by region. */
  readonly vault?: Record<string, RegionStatus>;
  /** The newest drill report that reads; null when there is none. */
  readonly lastDrill: LastDrill | null;
  /** Present when files of the database do not read: left out of the counts and of the last drill. */
  readonly unreadable?: readonly UnreadableFile[];
}

const HOUR_MS = 3_600_000;

export function ageHours(snapshot: Snapshot, now: Date): number | null {
  const taken = snapshot.originalCreatedAt ?? snapshot.createdAt;
  if (taken === undefined) return null;
  return Math.round(((now.getTime() - taken.getTime()) / HOUR_MS) * 10) / 10;
}

/** The status of one region's snapshots of the deployment, given the keys of that region that are lost. */
export function regionStatus(
  snapshots: readonly Snapshot[],
  deployment: Deployment,
  now: Date,
  lostKeys: readonly LostKey[] = [],
): RegionStatus {
  const kept = snapshots.filter(
    (snapshot) => ownsSnapshot(deployment, snapshot) && snapshot.status === 'available',
  );
  const lostKeyOf = (snapshot: Snapshot) => lostKeys.find((key) => key.snapshotIds.includes(snapshot.id));
  const ages = kept
    .filter((snapshot) => lostKeyOf(snapshot) === undefined)
    .map((snapshot) => ageHours(snapshot, now))
    .filter((age): age is number => age !== null);
  const status: RegionStatus = {
    snapshots: ages.length,
    newestAgeHours: ages.length === 0 ? null : Math.min(...ages),
    oldestAgeHours: ages.length === 0 ? null : Math.max(...ages),
  };
  const missingKeyFiles = kept.flatMap((snapshot) => lostKeyOf(snapshot)?.keyFile ?? []);
  if (missingKeyFiles.length === 0) return status;
  return {
    ...status,
    unrestorable: {
      snapshots: missingKeyFiles.length,
      missingKeyFiles: [...new Set(missingKeyFiles)].sort(),
    },
  };
}

export function databaseStatus(
  database: Database,
  snapshotsByRegion: ReadonlyMap<string, readonly Snapshot[]>,
  deployment: Deployment,
  now: Date,
  lastDrill: LastDrill | null = null,
  lostKeysByRegion: ReadonlyMap<string, readonly LostKey[]> = new Map(),
  unreadable: readonly UnreadableFile[] = [],
): DatabaseStatus {
  const regions: Record<string, RegionStatus> = {};
  for (const [region, snapshots] of snapshotsByRegion) {
    regions[region] = regionStatus(snapshots, deployment, now, lostKeysByRegion.get(region));
  }
  return {
    id: database.id,
    kind: database.kind,
    engine: database.engine,
    regions,
    lastDrill,
    ...(unreadable.length === 0 ? {} : { unreadable }),
  };
}
