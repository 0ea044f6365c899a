// The compliance report: every backup promise as a control, evaluated for a
// period from the evidence the workflows wrote (backup records, prune logs,
// drill reports, sweep records) and the current inventory, each control
// linked to the evidence it was computed from, with that evidence's SHA-256.
import type { DatabaseKind } from '../ports/rds.ts';

export type ControlStatus = 'pass' | 'fail' | 'not-applicable';

/** The promises a SaaS company publishes in its security measures, which the controls evidence. */
export const PROMISES = {
  retention: 'Database backups are taken periodically and kept for 7 days',
  replication: 'Databases and backups are replicated to other availability zones and regions',
  restoreTests: 'Backups are tested regularly by restoring them',
  encryption: 'Data is encrypted at rest with AES-256',
} as const;

export type PromiseId = keyof typeof PROMISES;

export interface EvidenceRef {
  /** backup-record, prune-log, drill-report, sweep-record, inventory, compliance-report */
  readonly kind: string;
  /** Where it is: a report-store location (file path or s3:// URI). */
  readonly path: string;
  readonly sha256: string;
}

export interface DatabaseControlResult {
  readonly id: string;
  readonly status: ControlStatus;
  readonly detail: string;
}

export interface ControlResult {
  readonly id: string;
  readonly title: string;
  readonly promise: PromiseId;
  readonly status: ControlStatus;
  /** One line a reviewer reads first. */
  readonly summary: string;
  readonly databases: DatabaseControlResult[];
  readonly evidence: EvidenceRef[];
}

/** One cell of the coverage grid: a database on a day. */
export interface CoverageCell {
  readonly day: string;
  /**
   * False on the days before the database was first protected (see
   * `protectedSince`): out of scope for it, counted by no control.
   */
  readonly inScope: boolean;
  readonly backup: boolean;
  /** Copy regions that hold that day's snapshot. */
  readonly copies: string[];
}

export interface DrillPoint {
  readonly drillId: string;
  readonly finishedAt: string;
  readonly verdict: 'pass' | 'fail';
  readonly rtoSeconds: number | null;
  readonly rpoSeconds: number | null;
}

export interface EvidenceIntegrity {
  /**
   * The earlier compliance reports themselves, with their SHA-256, so the next
   * report can check that they were not altered either: a chain of evidence.
   */
  readonly earlierReports: EvidenceRef[];
  /**
   * The daily evidence manifests the report read, with their SHA-256: the
   * next report checks them, and the manifests' own chain (each holds the
   * digest of the one before). Reports written before manifests have none.
   */
  readonly manifests?: EvidenceRef[];
  /** Evidence files listed by earlier compliance reports that were hashed again (altered ones included). */
  readonly verified: number;
  /** Those whose bytes changed or that disappeared since: tampering or loss. */
  readonly altered: { readonly path: string; readonly expected: string; readonly actual: string | null }[];
}

export interface ComplianceReport {
  readonly schemaVersion: 1;
  readonly reportId: string;
  readonly generatedAt: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  readonly period: { readonly from: string; readonly to: string };
  /** Compliant when no control failed and no evidence an earlier report relied on was altered or lost. */
  readonly status: 'compliant' | 'non-compliant';
  readonly policy: {
    readonly retentionDays: number;
    readonly copyRegions: string[];
    readonly sourceRegion: string;
    readonly drillIntervalDays: number;
    readonly rtoTargetSeconds: number;
    readonly rpoTargetSeconds: number;
  };
  readonly databases: { readonly id: string; readonly kind: DatabaseKind; readonly engine: string }[];
  readonly controls: ControlResult[];
  /** Database id → one cell per day of the period. */
  readonly coverage: Record<string, CoverageCell[]>;
  /** Database id → the drills of the period, oldest first. */
  readonly drills: Record<string, DrillPoint[]>;
  readonly integrity: EvidenceIntegrity;
}
