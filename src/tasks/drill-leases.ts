// Reading and writing drill leases in the report store.

import {
  DRILL_LEASE_PREFIX,
  type DrillLease,
  drillLeaseKey,
  drillLeaseSchema,
  isCurrentLeaseKey,
} from '../domain/drill-leases.ts';
import { InvalidInputError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';

const FOREVER = '9999-12-31T23:59:59.999Z';

/**
 * The leases that may still be active. A lease that does not parse fails
 * safe: if its snapshot can be read from it, that snapshot stays protected
 * until the lease is fixed; if not, the read fails with the lease's key,
 * rather than let the prune delete what a drill may be using.
 */
export async function readCurrentLeases(reports: ReportStore, now: Date): Promise<DrillLease[]> {
  const leases: DrillLease[] = [];
  for (const key of await reports.list(DRILL_LEASE_PREFIX)) {
    if (!key.endsWith('.json') || !isCurrentLeaseKey(key, now)) continue;
    const body = await reports.get(key);
    if (body === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(body).toString('utf8'));
    } catch {
      value = undefined;
    }
    const parsed = drillLeaseSchema.safeParse(value);
    if (parsed.success) {
      leases.push(parsed.data);
      continue;
    }
    const snapshotArn =
      typeof value === 'object' && value !== null && 'snapshotArn' in value ? value.snapshotArn : undefined;
    if (typeof snapshotArn !== 'string' || snapshotArn === '') {
      throw new InvalidInputError(
        `drill lease ${key} is unreadable: fix or remove it (no snapshot is deleted meanwhile)`,
      );
    }
    leases.push({ snapshotArn, drillId: key, expiresAt: FOREVER });
  }
  return leases;
}

/** Writes a drill's lease: always with its deployment, which only leases of earlier versions lack. */
export async function writeLease(reports: ReportStore, lease: Required<DrillLease>): Promise<void> {
  await reports.put(drillLeaseKey(lease), `${JSON.stringify(lease)}\n`, 'application/json');
}

/** Ends a drill's lease now, keeping its key (the key's day is the original expiry). */
export async function releaseLease(reports: ReportStore, drillId: string, now: Date): Promise<void> {
  const key = (await reports.list(DRILL_LEASE_PREFIX)).find((candidate) =>
    candidate.endsWith(`/${drillId}.json`),
  );
  if (key === undefined) return;
  const body = await reports.get(key);
  const parsed = drillLeaseSchema.safeParse(
    body === undefined ? undefined : JSON.parse(Buffer.from(body).toString('utf8')),
  );
  if (!parsed.success) return;
  await reports.put(
    key,
    `${JSON.stringify({ ...parsed.data, expiresAt: now.toISOString() })}\n`,
    'application/json',
  );
}
