// A drill holds a lease on the snapshot it restores from, so the prune never
// deletes it mid-drill. Leases expire with the sandbox's time to live, so a
// drill that crashed does not protect its snapshot for ever. A lease's key
// starts with its expiry day: readers skip the past days without reading them.
//
// A lease names the deployment whose drill holds it. Every deployment honours
// every lease it reads: a deployment only ever deletes its own snapshots, so
// another's lease can only keep it from deleting what it would not delete.
import { z } from 'zod';

export const drillLeaseSchema = z.object({
  snapshotArn: z.string().min(1),
  drillId: z.string().min(1),
  expiresAt: z.iso.datetime({ offset: true }),
  /** `Deployment.id`; absent from the leases of earlier versions, which are still honoured. */
  deployment: z.string().min(1).optional(),
});

export type DrillLease = z.infer<typeof drillLeaseSchema>;

export const DRILL_LEASE_PREFIX = 'leases/drills/';

export function drillLeaseKey(lease: Pick<DrillLease, 'drillId' | 'expiresAt'>): string {
  return `${DRILL_LEASE_PREFIX}${lease.expiresAt.slice(0, 10)}/${lease.drillId}.json`;
}

const expiryDayOf = (key: string) => key.slice(DRILL_LEASE_PREFIX.length).split('/')[0] ?? '';

/** Whether a lease key starts with its expiry day (every lease but those of earlier versions). */
export const isDatedLeaseKey = (key: string) => /^\d{4}-\d{2}-\d{2}$/.test(expiryDayOf(key));

/** Whether a lease key's expiry day is today or later (UTC): only those can still be active. */
export function isCurrentLeaseKey(key: string, now: Date): boolean {
  return !isDatedLeaseKey(key) || expiryDayOf(key) >= now.toISOString().slice(0, 10);
}

export function activeLeaseArns(leases: readonly DrillLease[], now: Date): Set<string> {
  return new Set(
    leases.filter((lease) => Date.parse(lease.expiresAt) > now.getTime()).map((lease) => lease.snapshotArn),
  );
}
