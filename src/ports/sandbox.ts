// What a restore drill needs of the cloud: restore a snapshot into an isolated
// sandbox database, watch it become available, learn how to connect to it,
// and delete it. Sandboxes carry the sandbox tags, which is what the sweeper
// and the deployed IAM policies key on. Implemented by `adapters/aws/sandbox.ts`
// (RDS) and the local cloud (PGlite served on a loopback port).
import type { DatabaseKind, MultiAzClusterSettings, Tags } from './rds.ts';

export type SandboxStatus = 'creating' | 'available' | 'deleting' | 'failed';

export interface SandboxRef {
  readonly region: string;
  readonly kind: DatabaseKind;
  /** The sandbox's DB instance or cluster identifier. */
  readonly id: string;
}

export interface RestoreSandboxRequest {
  readonly region: string;
  readonly sandboxId: string;
  readonly snapshot: { readonly kind: DatabaseKind; readonly id: string; readonly arn: string };
  readonly engine: string;
  /**
   * The engine version the snapshot was taken with. A cluster restore sends
   * it, since RestoreDBClusterFromSnapshot otherwise uses the default version
   * of the engine in the region; an instance restore always keeps the
   * snapshot's version.
   */
  readonly engineVersion?: string;
  /** The instance class of a DB instance sandbox or of an Aurora sandbox's one instance. */
  readonly instanceClass: string;
  /**
   * For a Multi-AZ DB cluster snapshot: the instance class and storage of the
   * sandbox cluster (whose instances RDS creates itself).
   */
  readonly multiAzCluster?: MultiAzClusterSettings;
  readonly tags: Tags;
}

export interface Sandbox extends SandboxRef {
  readonly status: SandboxStatus;
  readonly engine: string;
  readonly createdAt: Date | undefined;
  readonly tags: Tags;
  /** Why it failed, when the cloud says. */
  readonly statusReason?: string;
}

/** How the verifier reaches a sandbox. Never logged, never stored in workflow state or reports. */
export interface ConnectionSettings {
  readonly engine: 'postgres' | 'mysql';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly database: string;
  /** TLS is required on AWS; the local loopback sandbox speaks plain text. */
  readonly tls:
    | false
    | { readonly rejectUnauthorized: boolean; readonly ca?: string; readonly servername?: string };
}

export interface SandboxPort {
  readonly region: string;
  /**
   * Starts the restore into the network configured for the port's region
   * (on AWS; the local cloud has no networks). Throws `SnapshotCorruptedError`
   * when the snapshot cannot be read back; on AWS, `ConfigError` when the
   * region has no sandbox network.
   */
  restoreSandbox(request: RestoreSandboxRequest): Promise<Sandbox>;
  /** Undefined when it does not exist (any more). */
  describeSandbox(ref: SandboxRef): Promise<Sandbox | undefined>;
  /** Every sandbox of the region, by the sandbox tag. */
  listSandboxes(): Promise<Sandbox[]>;
  /**
   * Deletes the sandbox; deleting one that is already gone is not an error.
   * With `drillId`, refuses (SandboxProtectionError) a sandbox another drill
   * made: a drill tears down only its own sandbox, even if the ids collide.
   */
  deleteSandbox(ref: SandboxRef, options?: { readonly drillId?: string }): Promise<void>;
  /** Connection settings with credentials, for the verifier only. */
  connectionFor(ref: SandboxRef): Promise<ConnectionSettings>;
}

export type SandboxPortProvider = (region: string) => SandboxPort;
