// The retention rules, checked for every input fast-check can think of:
// random fleets of snapshots across regions, owners (deployments included),
// states, copies, clocks, and snapshots that drills proved bad.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/domain/deployment.ts';
import {
  type PruneInput,
  planPrune,
  recheckRefusal,
  sourceRegionsOf,
  takenAt,
} from '../../../src/domain/prune.ts';
import { DEPLOYMENT_TAG, MANAGED_TAG, PROVEN_BAD_TAG, SOURCE_REGION_TAG } from '../../../src/domain/tags.ts';
import type { Database, Snapshot, SnapshotStatus, Tags } from '../../../src/ports/rds.ts';
import { DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT } from '../../support/deployments.ts';

const HOUR = 3_600_000;
const NOW = new Date('2026-11-22T12:00:00Z');
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1'];
const STATUSES: SnapshotStatus[] = [
  'available',
  'available',
  'available',
  'creating',
  'pending',
  'copying',
  'failed',
];

interface SnapshotSeed {
  region: number;
  database: number;
  cluster: boolean;
  status: SnapshotStatus;
  manual: boolean;
  managed: boolean;
  /** Of a managed snapshot: which deployment made it, or an earlier version, without the deployment tag. */
  madeBy: 'this' | 'another' | 'earlier-version';
  provenBad: boolean;
  ageHours: number;
  hasCreateTime: boolean;
  copyOf: number | null;
  copyLagHours: number;
}

const snapshotSeed = fc.record<SnapshotSeed>({
  region: fc.nat({ max: REGIONS.length - 1 }),
  database: fc.nat({ max: 3 }),
  cluster: fc.boolean(),
  status: fc.constantFrom(...STATUSES),
  manual: fc.constantFrom(true, true, true, true, false),
  managed: fc.boolean(),
  madeBy: fc.constantFrom('this', 'another', 'earlier-version'),
  provenBad: fc.constantFrom(false, false, false, true),
  // Ages anywhere, and often right at a day boundary, where off-by-one errors live.
  ageHours: fc.oneof(
    fc.integer({ min: 0, max: 400 }),
    fc.integer({ min: 1, max: 14 }).chain((days) => fc.constantFrom(24 * days - 1, 24 * days, 24 * days + 1)),
  ),
  hasCreateTime: fc.constantFrom(true, true, true, true, true, true, true, true, false),
  copyOf: fc.option(fc.nat({ max: 40 }), { nil: null }),
  copyLagHours: fc.integer({ min: 0, max: 30 }),
});

/**
 * When the data in each generated snapshot was taken, known from how it was
 * generated: an oracle independent of the planner's own age rule.
 */
const dataTimes = new Map<string, Date | undefined>();

/** The tags of a snapshot the tool made, as the deployment that made it (or an earlier version) sets them. */
function toolTags(seed: SnapshotSeed, deployment: Deployment, source: Snapshot | undefined): Tags {
  const copyOf: Tags = source === undefined ? {} : { [SOURCE_REGION_TAG]: source.region };
  switch (seed.madeBy) {
    case 'this':
      return { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: deployment.id, ...copyOf };
    case 'another':
      return { [MANAGED_TAG]: 'true', [DEPLOYMENT_TAG]: 'other-eu-west-1', ...copyOf };
    case 'earlier-version':
      return { [MANAGED_TAG]: 'true', ...copyOf };
  }
}

/** Builds snapshots; a copy points at an earlier snapshot and is taken `copyLagHours` after it. */
function buildSnapshots(seeds: readonly SnapshotSeed[], deployment: Deployment): Snapshot[] {
  const snapshots: Snapshot[] = [];
  seeds.forEach((seed, index) => {
    const source = seed.copyOf === null ? undefined : snapshots[seed.copyOf % Math.max(1, snapshots.length)];
    const kind = source?.database.kind ?? (seed.cluster ? 'cluster' : 'instance');
    const databaseId = source?.database.id ?? `db${seed.database}`;
    const sourceTime = source === undefined ? undefined : dataTimes.get(source.arn);
    const createdAt =
      sourceTime !== undefined
        ? new Date(sourceTime.getTime() + seed.copyLagHours * HOUR)
        : seed.hasCreateTime
          ? new Date(NOW.getTime() - seed.ageHours * HOUR)
          : undefined;
    const id = `snap-${index}`;
    const region = REGIONS[seed.region] ?? 'eu-west-1';
    const arn = `arn:aws:rds:${region}:123456789012:${kind === 'cluster' ? 'cluster-snapshot' : 'snapshot'}:${id}`;
    dataTimes.set(arn, sourceTime ?? createdAt);
    snapshots.push({
      id,
      arn,
      region,
      database: { kind, id: databaseId },
      engine: 'postgres',
      status: seed.status,
      type: seed.manual ? 'manual' : 'automated',
      createdAt,
      // Cluster copies carry no original time: their age must come from the source.
      originalCreatedAt: kind === 'instance' && sourceTime !== undefined ? sourceTime : createdAt,
      encrypted: true,
      kmsKeyId: 'alias/aws/rds',
      sourceSnapshotArn: source?.arn,
      percentProgress: 100,
      tags: {
        ...(seed.managed ? toolTags(seed, deployment, source) : {}),
        ...(seed.provenBad ? { [PROVEN_BAD_TAG]: `drill-${index}` } : {}),
      },
    });
  });
  return snapshots;
}

const database = (id: string, kind: 'instance' | 'cluster'): Database => ({
  kind,
  id,
  arn: `arn:aws:rds:eu-west-1:123456789012:db:${id}`,
  engine: 'postgres',
  engineVersion: '16',
  status: 'available',
  multiAz: true,
  storageEncrypted: true,
  backupRetentionDays: 1,
  tags: {},
});

const scenario = fc
  .record({
    seeds: fc.array(snapshotSeed, { minLength: 1, maxLength: 60, size: 'max' }),
    retentionDays: fc.integer({ min: 1, max: 14 }),
    cap: fc.integer({ min: 1, max: 30 }),
    regionCount: fc.integer({ min: 1, max: REGIONS.length }),
    inUse: fc.array(fc.nat({ max: 60 }), { maxLength: 5 }),
    clockShiftHours: fc.oneof(fc.constant(0), fc.integer({ min: -48, max: 48 })),
    deployment: fc.constantFrom(DEFAULT_DEPLOYMENT, STAGING_DEPLOYMENT),
    snapshotTimeoutMinutes: fc.constantFrom(30, 240, 1440, 10_000),
  })
  .map(
    ({
      seeds,
      retentionDays,
      cap,
      regionCount,
      inUse,
      clockShiftHours,
      deployment,
      snapshotTimeoutMinutes,
    }) => {
      const snapshots = buildSnapshots(seeds, deployment);
      const input: PruneInput = {
        now: new Date(NOW.getTime() + clockShiftHours * HOUR),
        // No brake here: these properties are about the rules and the cap (the brake has its own).
        policy: {
          retentionDays,
          maxDeletionsPerRun: cap,
          maxDeletionShare: 1,
          backupMaxAgeHours: 26,
          snapshotTimeoutMinutes,
        },
        deployment,
        regions: REGIONS.slice(0, regionCount),
        snapshots,
        protectedDatabases: [database('db0', 'instance'), database('db1', 'cluster')],
        inUseSnapshotArns: new Set(
          inUse.flatMap((index) => (snapshots[index] ? [snapshots[index].arn] : [])),
        ),
      };
      return input;
    },
  );

const byArnOf = (input: PruneInput) => new Map(input.snapshots.map((snapshot) => [snapshot.arn, snapshot]));
const ageMsOf = (input: PruneInput, snapshot: Snapshot) => {
  const time = takenAt(snapshot, byArnOf(input));
  return time === undefined ? undefined : input.now.getTime() - time.getTime();
};
/**
 * A manual snapshot the pruning deployment made: tagged with its id, or made
 * by an earlier version (no deployment tag) of its source region when it is
 * the default deployment (prod in eu-west-1, the fleet's source region).
 */
const isOwnManual = (input: PruneInput, snapshot: Snapshot) => {
  if (snapshot.type !== 'manual' || snapshot.tags[MANAGED_TAG] !== 'true') return false;
  const madeBy = snapshot.tags[DEPLOYMENT_TAG];
  if (madeBy !== undefined) return madeBy === input.deployment.id;
  const sourceRegion = snapshot.tags[SOURCE_REGION_TAG] ?? snapshot.region;
  return input.deployment === DEFAULT_DEPLOYMENT && sourceRegion === 'eu-west-1';
};

const sameDatabaseAndRegion = (a: Snapshot, b: Snapshot) =>
  a.region === b.region && a.database.kind === b.database.kind && a.database.id === b.database.id;
const isGood = (snapshot: Snapshot) =>
  snapshot.status === 'available' && snapshot.tags[PROVEN_BAD_TAG] === undefined;

/**
 * The last good copy: an available snapshot the tool made, not proven bad,
 * with no good one of the same database and region whose data is newer.
 */
function isLastGood(input: PruneInput, snapshot: Snapshot): boolean {
  const age = ageMsOf(input, snapshot);
  if (!isOwnManual(input, snapshot) || !isGood(snapshot) || age === undefined) return false;
  return !input.snapshots.some((other) => {
    const otherAge = ageMsOf(input, other);
    return (
      other !== snapshot &&
      isOwnManual(input, other) &&
      isGood(other) &&
      sameDatabaseAndRegion(other, snapshot) &&
      otherAge !== undefined &&
      otherAge < age
    );
  });
}

/** Whether the tool has a good copy of the snapshot's database in its region. */
const hasGoodCopy = (input: PruneInput, snapshot: Snapshot) =>
  input.snapshots.some(
    (other) =>
      isOwnManual(input, other) &&
      isGood(other) &&
      ageMsOf(input, other) !== undefined &&
      sameDatabaseAndRegion(other, snapshot),
  );

/** A copy still in flight longer than the timeout after it started. */
function isStuck(input: PruneInput, snapshot: Snapshot): boolean {
  if (snapshot.status !== 'pending' && snapshot.status !== 'copying') return false;
  const started = snapshot.createdAt ?? dataTimes.get(snapshot.arn);
  return (
    started !== undefined &&
    input.now.getTime() - started.getTime() > input.policy.snapshotTimeoutMinutes * 60_000
  );
}

/** Everything the policy says must go, this run or a later one. */
function isDue(input: PruneInput, snapshot: Snapshot): boolean {
  const age = ageMsOf(input, snapshot);
  return (
    isOwnManual(input, snapshot) &&
    input.regions.includes(snapshot.region) &&
    (['available', 'failed'].includes(snapshot.status) || isStuck(input, snapshot)) &&
    age !== undefined &&
    age > input.policy.retentionDays * 24 * HOUR &&
    !input.inUseSnapshotArns.has(snapshot.arn) &&
    !isLastGood(input, snapshot) &&
    !(snapshot.status === 'available' && !hasGoodCopy(input, snapshot))
  );
}

const PROPERTY_RUNS = { numRuns: 400 };

describe('the prune planner, for every fleet of snapshots', () => {
  it('deletes only the deployment’s own manual snapshots, in the regions the tool writes to', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const plan = planPrune(input);
        const byArn = byArnOf(input);
        for (const deletion of [...plan.deletions, ...plan.deferred]) {
          const snapshot = byArn.get(deletion.arn);
          expect(snapshot && isOwnManual(input, snapshot)).toBe(true);
          expect(input.regions).toContain(snapshot?.region);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('deletes only snapshots older than the retention period, by create time, copies by their original’s', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const byArn = byArnOf(input);
        for (const deletion of planPrune(input).deletions) {
          const snapshot = byArn.get(deletion.arn) as Snapshot;
          // The data's own age, from how the fleet was generated, not from the planner's rule.
          const dataTime = dataTimes.get(snapshot.arn);
          expect(dataTime).toBeDefined();
          expect(input.now.getTime() - (dataTime?.getTime() ?? input.now.getTime())).toBeGreaterThan(
            input.policy.retentionDays * 24 * HOUR,
          );
          const age = ageMsOf(input, snapshot);
          expect(age).toBeDefined();
          expect(age ?? 0).toBeGreaterThan(input.policy.retentionDays * 24 * HOUR);
          const source =
            snapshot.sourceSnapshotArn === undefined ? undefined : byArn.get(snapshot.sourceSnapshotArn);
          if (source?.createdAt !== undefined && snapshot.createdAt !== undefined) {
            // a copy is never younger than the data it holds
            expect(deletion.ageHours * HOUR).toBeGreaterThanOrEqual(
              input.now.getTime() - source.createdAt.getTime() - 0.01 * HOUR,
            );
          }
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('never deletes a snapshot still being made (a stuck copy aside), one in use by a drill, or the last good copy', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const byArn = byArnOf(input);
        for (const deletion of [...planPrune(input).deletions]) {
          const snapshot = byArn.get(deletion.arn) as Snapshot;
          expect(['available', 'failed'].includes(snapshot.status) || isStuck(input, snapshot)).toBe(true);
          expect(input.inUseSnapshotArns.has(snapshot.arn)).toBe(false);
          expect(isLastGood(input, snapshot)).toBe(false);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('never counts a proven-bad snapshot as a good copy, and deletes no available one before a good copy exists', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const byArn = byArnOf(input);
        for (const deletion of planPrune(input).deletions) {
          const snapshot = byArn.get(deletion.arn) as Snapshot;
          if (snapshot.status === 'available') expect(hasGoodCopy(input, snapshot)).toBe(true);
          expect(deletion.reason === 'expired-proven-bad').toBe(
            snapshot.status === 'available' && snapshot.tags[PROVEN_BAD_TAG] !== undefined,
          );
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('names the kept good copy when only proven-bad snapshots are inside the retention', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const plan = planPrune(input);
        const retentionMs = input.policy.retentionDays * 24 * HOUR;
        const expected = input.snapshots
          .filter(
            (snapshot) =>
              isLastGood(input, snapshot) &&
              input.regions.includes(snapshot.region) &&
              (ageMsOf(input, snapshot) ?? 0) > retentionMs &&
              input.snapshots.some(
                (other) =>
                  isOwnManual(input, other) &&
                  other.status === 'available' &&
                  other.tags[PROVEN_BAD_TAG] !== undefined &&
                  sameDatabaseAndRegion(other, snapshot) &&
                  (ageMsOf(input, other) ?? Number.POSITIVE_INFINITY) <= retentionMs,
              ),
          )
          .map((snapshot) => `${snapshot.region}/${snapshot.id}`);
        const reported = plan.findings
          .filter((finding) => finding.kind === 'only-proven-bad-in-retention')
          .map((finding) => finding.resource);
        // Each names a last good copy that qualifies, and each database and region
        // that qualifies is named once (when good copies tie, one of them).
        for (const resource of reported) expect(expected).toContain(resource);
        const groupOf = (resource: string) => {
          const snapshot = input.snapshots.find(
            (candidate) => `${candidate.region}/${candidate.id}` === resource,
          );
          return `${snapshot?.region}|${snapshot?.database.kind}|${snapshot?.database.id}`;
        };
        expect(reported.map(groupOf).sort()).toEqual([...new Set(expected.map(groupOf))].sort());
      }),
      PROPERTY_RUNS,
    );
  });

  it('keeps at least one available snapshot of every database that had one, in every region', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const deleted = new Set(planPrune(input).deletions.map((deletion) => deletion.arn));
        const groups = new Map<string, Snapshot[]>();
        for (const snapshot of input.snapshots.filter((candidate) => isOwnManual(input, candidate))) {
          if (snapshot.status !== 'available' || ageMsOf(input, snapshot) === undefined) continue;
          const key = `${snapshot.region}|${snapshot.database.kind}|${snapshot.database.id}`;
          groups.set(key, [...(groups.get(key) ?? []), snapshot]);
        }
        for (const snapshots of groups.values()) {
          expect(snapshots.some((snapshot) => !deleted.has(snapshot.arn))).toBe(true);
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('respects the cap, oldest first, and defers exactly the rest of what is due', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const plan = planPrune(input);
        expect(plan.cap).toBe(input.policy.maxDeletionsPerRun);
        expect(plan.deletions.length).toBeLessThanOrEqual(plan.cap);
        const due = input.snapshots.filter((snapshot) => isDue(input, snapshot));
        const planned = [...plan.deletions, ...plan.deferred].map((deletion) => deletion.arn).sort();
        expect(planned).toEqual(due.map((snapshot) => snapshot.arn).sort());
        if (plan.deferred.length > 0) expect(plan.deletions).toHaveLength(plan.cap);
        const oldestDeferred = Math.max(...plan.deferred.map((deletion) => deletion.ageHours));
        for (const deletion of plan.deletions)
          expect(deletion.ageHours).toBeGreaterThanOrEqual(oldestDeferred);
        // One violation per region with a backlog left.
        expect(
          plan.findings.filter((finding) => finding.kind === 'deletion-deferred').map((f) => f.resource),
        ).toEqual([...new Set(plan.deferred.map((deletion) => deletion.region))]);
      }),
      PROPERTY_RUNS,
    );
  });

  it('reports expired snapshots made by others, and never plans to delete them', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const plan = planPrune(input);
        const retentionMs = input.policy.retentionDays * 24 * HOUR;
        const foreign = input.snapshots.filter((snapshot) => {
          const age = ageMsOf(input, snapshot);
          return (
            snapshot.type === 'manual' &&
            snapshot.tags[MANAGED_TAG] !== 'true' &&
            input.regions.includes(snapshot.region) &&
            age !== undefined &&
            age > retentionMs
          );
        });
        const reported = plan.findings
          .filter((finding) => finding.kind === 'unmanaged-snapshot-expired')
          .map((finding) => finding.resource)
          .sort();
        expect(reported).toEqual(foreign.map((snapshot) => `${snapshot.region}/${snapshot.id}`).sort());
        expect(plan.kept).toBe(
          input.snapshots.filter(
            (snapshot) => isOwnManual(input, snapshot) && input.regions.includes(snapshot.region),
          ).length - plan.deletions.length,
        );
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('the check before each delete, for every fleet of snapshots', () => {
  it('allows exactly what the planner plans, reading only the database’s snapshots in the region and its copies’ sources', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        // What the prune lists: the manual snapshots of the regions the tool writes to.
        const listed = input.snapshots.filter(
          (snapshot) => snapshot.type === 'manual' && input.regions.includes(snapshot.region),
        );
        const state: PruneInput = { ...input, snapshots: listed };
        const plan = planPrune(state);
        const planned = new Set([...plan.deletions, ...plan.deferred].map((deletion) => deletion.arn));
        for (const target of listed) {
          // What the delete step reads: one listing of the database in the
          // region, and the same database's listing where its copies came from.
          const listing = listed.filter((snapshot) => sameDatabaseAndRegion(snapshot, target));
          const sourceRegions = sourceRegionsOf(listing);
          const sources = listed.filter(
            (snapshot) =>
              sourceRegions.includes(snapshot.region) &&
              snapshot.database.kind === target.database.kind &&
              snapshot.database.id === target.database.id,
          );
          const refusal = recheckRefusal(target, listing, sources, {
            now: state.now,
            retentionDays: state.policy.retentionDays,
            snapshotTimeoutMinutes: state.policy.snapshotTimeoutMinutes,
            deployment: state.deployment,
            inUseSnapshotArns: state.inUseSnapshotArns,
          });
          // Never what the planner's rules forbid (checked against the oracle too) ...
          if (refusal === undefined) expect(isDue(state, target)).toBe(true);
          // ... and, on an unchanged state, nothing the planner planned is refused.
          expect(refusal === undefined).toBe(planned.has(target.arn));
        }
      }),
      PROPERTY_RUNS,
    );
  });
});
