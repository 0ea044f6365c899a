// Reading and writing drill leases in the report store, each through the
// lease's schema (domain/drill-leases.ts, in the catalog of store/index.ts),
// at the keys of store/layout.ts.
import type { DrillLease } from '../domain/drill-leases.ts';
import { CorruptEvidenceError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { readStoredDocument } from './json-document.ts';
import { readStored, serializeStored } from './store/index.ts';
import {
  DRILL_LEASE_PREFIX,
  drillLeaseKey,
  isCurrentLeaseKey,
  isDatedLeaseKey,
  isLeaseKeyOf,
} from './store/layout.ts';
import { salvageableLeaseSchema } from './store/schemas.ts';

/** Compact, one line: the format leases have always had. */
const serializeLease = (lease: DrillLease) => serializeStored('drill-lease', lease);

const FOREVER = '9999-12-31T23:59:59.999Z';

/** Undefined for a document that does not read; any other error (the store's) goes on. */
function ignoreCorrupt(error: unknown): undefined {
  if (error instanceof CorruptEvidenceError) return undefined;
  throw error;
}

/** The lease, undefined when there is none; CorruptEvidenceError naming the key when it does not read. */
function readLease(reports: ReportStore, key: string) {
  return readStored(reports, 'drill-lease', key);
}

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
    try {
      const lease = await readLease(reports, key);
      if (lease !== undefined) leases.push(lease.value);
    } catch (error) {
      if (!(error instanceof CorruptEvidenceError)) throw error;
      const salvaged = await readStoredDocument(reports, key, salvageableLeaseSchema, 'drill lease').catch(
        ignoreCorrupt,
      );
      if (salvaged === undefined) {
        throw new CorruptEvidenceError(
          key,
          `${error.reason}\nfix or remove it (no snapshot is deleted meanwhile)`,
          { cause: error },
        );
      }
      leases.push({ snapshotArn: salvaged.value.snapshotArn, drillId: key, expiresAt: FOREVER });
    }
  }
  return leases;
}

/**
 * Removes the leases whose expiry day has passed, so that listing the leases
 * costs what the current ones do, not the whole history of drills. Only the
 * key is looked at: a lease keyed by a past day expired then, whatever it
 * holds, so a damaged one goes too. Leases of earlier versions, keyed by no
 * day, are left to fail safe as they are. Returns how many went.
 */
export async function removeExpiredLeases(reports: ReportStore, now: Date): Promise<number> {
  const expired = (await reports.list(DRILL_LEASE_PREFIX)).filter(
    (key) => isDatedLeaseKey(key) && !isCurrentLeaseKey(key, now),
  );
  for (const key of expired) await reports.delete(key);
  return expired.length;
}

/** Writes a drill's lease: always with its deployment, which only leases of earlier versions lack. */
export async function writeLease(reports: ReportStore, lease: Required<DrillLease>): Promise<void> {
  await reports.put(drillLeaseKey(lease), serializeLease(lease), 'application/json');
}

/**
 * Ends a drill's lease now, keeping its key (the key's day is the original
 * expiry). A lease that does not read is left as it is: it keeps failing safe.
 */
export async function releaseLease(reports: ReportStore, drillId: string, now: Date): Promise<void> {
  const key = (await reports.list(DRILL_LEASE_PREFIX)).find((candidate) => isLeaseKeyOf(candidate, drillId));
  if (key === undefined) return;
  const lease = await readLease(reports, key).catch(ignoreCorrupt);
  if (lease === undefined) return;
  await reports.put(
    key,
    serializeLease({ ...lease.value, expiresAt: now.toISOString() }),
    'application/json',
  );
}
