import { ThrottlingError } from '../domain/errors.ts';
import type { RegionSnapshotQuotas } from '../domain/snapshot-quota.ts';
import type { RdsPortProvider } from '../ports/rds.ts';

/**
 * The manual snapshot quotas of each region, or why a region's could not be
 * read. The quotas are advice: a backup or a prune never stops because they
 * could not be read (a role without rds:DescribeAccountAttributes, a cloud
 * that does not report them); the headroom of that region says why it is
 * unknown instead. Throttling is rethrown, for the workflow's retry of the
 * step, like every other call of it.
 */
export async function readSnapshotQuotas(
  rds: RdsPortProvider,
  regions: readonly string[],
): Promise<RegionSnapshotQuotas[]> {
  return Promise.all(
    [...new Set(regions)].map(async (region): Promise<RegionSnapshotQuotas> => {
      try {
        return { region, quotas: await rds(region).describeSnapshotQuotas() };
      } catch (error) {
        if (error instanceof ThrottlingError || !(error instanceof Error)) throw error;
        return { region, unreadable: `${error.name}: ${error.message}` };
      }
    }),
  );
}
