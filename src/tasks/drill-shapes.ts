// Values that travel between the states of the drill workflows.
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors.ts';
import type { RdsPort, RdsPortProvider } from '../ports/rds.ts';
import type { VaultAccess } from '../ports/vault.ts';
import { isoTime, pollState, protectedDatabase } from './shapes.ts';

/** Compute and storage of a Multi-AZ DB cluster, which its restore names again (ports/rds.ts). */
export const multiAzClusterSettings = z.object({
  instanceClass: z.string().min(1),
  storageType: z.string().min(1).optional(),
  iops: z.number().int().positive().optional(),
});

export const drillSnapshot = z.object({
  kind: z.enum(['instance', 'cluster']),
  id: z.string().min(1),
  arn: z.string().min(1),
  region: z.string().min(1),
  /**
   * Set when the snapshot is another account's: the vault account's copy,
   * shared with this account for the drill (README, "Vault account"). It is
   * read and tagged through the vault access, and restored by its ARN.
   */
  account: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
});
export type DrillSnapshot = z.output<typeof drillSnapshot>;

/**
 * The RDS port the drill's snapshot is read through: this account's in the
 * snapshot's region, or, for a vault copy, the vault account's as the role
 * this account assumes there.
 */
export function drillSnapshotPort(
  snapshot: DrillSnapshot,
  dependencies: { readonly rds: RdsPortProvider; readonly vault?: VaultAccess | undefined },
): RdsPort {
  if (snapshot.account === undefined) return dependencies.rds(snapshot.region);
  const { vault } = dependencies;
  if (vault === undefined || vault.accountId !== snapshot.account) {
    throw new InvalidInputError(
      `the drill's snapshot ${snapshot.id} is in account ${snapshot.account}, which is not the configured vault account${vault === undefined ? ' (none is configured)' : ` ${vault.accountId}`}`,
    );
  }
  return vault.rds(snapshot.region);
}

/**
 * A drill as planned. The sandbox's identifier is fixed here, before anything
 * exists, so every path of the workflow, failures included, can tear it down.
 */
export const plannedDrill = z.object({
  drillId: z.string().min(1),
  /** The name of the drill's child execution (domain/execution-name.ts); absent from drills planned before. */
  executionName: z.string().min(1).max(80).optional(),
  trigger: z.enum(['schedule', 'on-demand']),
  plannedAt: isoTime,
  database: protectedDatabase.extend({
    /** Present for a Multi-AZ DB cluster, as discovered when the drill was planned. */
    multiAzCluster: multiAzClusterSettings.optional(),
  }),
  snapshot: drillSnapshot,
  sandboxId: z.string().min(1),
  /**
   * Which verifier reaches the sandbox: the stack's own, or the regional
   * verifier of the drill's region (src/domain/sandbox-network.ts). Absent
   * from drills planned before there were regional verifiers: the stack's.
   */
  verifiedIn: z.enum(['stack-region', 'drill-region']).default('stack-region'),
});

/** What the restore step learnt, carried by every later step: no credentials, ever. */
export const restoreOutcome = z.object({
  restoreRequestedAt: isoTime,
  snapshotProvenance: z.object({
    takenAt: isoTime.nullable(),
    encrypted: z.boolean(),
    kmsKeyId: z.string().nullable(),
    sourceSnapshotArn: z.string().nullable(),
    sha256: z.string().nullable(),
  }),
  instanceClass: z.string().min(1),
  expiresAt: isoTime,
  poll: pollState,
});

/**
 * What a run left out (plan-drills): the databases the per-run maximum held
 * back, counted, of them the overdue and the never drilled, the most overdue
 * by name; and those never drilled that the spreading leaves to later runs.
 */
export const drillBacklog = z.object({
  heldBack: z.number().int().min(0),
  overdue: z.number().int().min(0),
  neverDrilled: z.number().int().min(0),
  mostOverdue: z.array(z.object({ database: z.string(), dueBy: isoTime.nullable() })),
  spread: z.number().int().min(0),
});

/** The longest error message a drill outcome carries in the run's state. */
export const MAX_ERROR_LENGTH = 300;

/** A message cut to MAX_ERROR_LENGTH characters, so that a run's outcomes stay bounded. */
export function cutMessage(message: string): string {
  return message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

export type PlannedDrill = z.infer<typeof plannedDrill>;
export type DrillBacklog = z.infer<typeof drillBacklog>;
export type RestoreOutcome = z.infer<typeof restoreOutcome>;

export const sandboxRefOf = (drill: PlannedDrill) => ({
  region: drill.snapshot.region,
  kind: drill.snapshot.kind,
  id: drill.sandboxId,
});
