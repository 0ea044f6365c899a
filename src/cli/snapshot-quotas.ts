// How the backup and prune commands show the manual snapshot quotas to people:
// one row per region and kind (their --json results carry the same rows).
import type { SnapshotQuotaHeadroom } from '../domain/snapshot-quota.ts';
import { formatTable } from './table.ts';

/** The table of each quota's headroom for the next backup. */
export function formatSnapshotQuotas(quotas: readonly SnapshotQuotaHeadroom[]): string {
  return formatTable(
    ['region', 'quota', 'used', 'next backup', 'headroom'],
    quotas.map((quota) => {
      const change = `+${quota.added}${quota.removed > 0 ? ` -${quota.removed} pruned` : ''}`;
      if (quota.status === 'unknown')
        return [quota.region, quota.quota, '?', change, `unknown: ${quota.reason}`];
      const headroom = quota.status === 'exceeded' ? `${quota.headroom} (exceeded)` : String(quota.headroom);
      return [quota.region, quota.quota, `${quota.used} of ${quota.max}`, change, headroom];
    }),
  );
}
