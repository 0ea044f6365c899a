// A drill holds a lease on the snapshot it restores from, so the prune never
// deletes it mid-drill. Leases expire with the sandbox's time to live, so a
// drill that crashed does not protect its snapshot for ever.
export interface DrillLease {
  readonly snapshotArn: string;
  readonly drillId: string;
  readonly expiresAt: string;
}

export const DRILL_LEASE_PREFIX = 'leases/drills/';

export function activeLeaseArns(leases: readonly DrillLease[], now: Date): Set<string> {
  return new Set(
    leases.filter((lease) => Date.parse(lease.expiresAt) > now.getTime()).map((lease) => lease.snapshotArn),
  );
}
