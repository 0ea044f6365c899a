// A drill holds a lease on the snapshot it restores from, so the prune never
// deletes it mid-drill. Leases expire with the sandbox's time to live, so a
// drill that crashed does not protect its snapshot for ever. A lease's key
// starts with its expiry day (store/layout.ts): readers skip the past days
// without reading them.
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

export function activeLeaseArns(leases: readonly DrillLease[], now: Date): Set<string> {
  return new Set(
    leases.filter((lease) => Date.parse(lease.expiresAt) > now.getTime()).map((lease) => lease.snapshotArn),
  );
}
