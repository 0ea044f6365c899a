// What the workflows need of Amazon RDS, for DB instances, Aurora clusters
// and Multi-AZ DB clusters alike. One port per region: cross-region copies
// are requested from the destination region, as RDS requires. Implemented by `adapters/aws/rds.ts`
// (the AWS SDK) and `adapters/local/rds.ts` (the embedded local cloud).
//
// Every method translates the cloud's failures into the typed errors of
// `domain/errors.ts`; anything it does not recognise is rethrown unchanged.

/**
 * Which RDS API family a database and its snapshots belong to: a DB instance
 * (DB snapshots) or a DB cluster (DB cluster snapshots). Aurora clusters and
 * Multi-AZ DB clusters are both `cluster`: they are backed up, copied and
 * pruned alike, and only a drill's restore tells them apart (see
 * `domain/database-type.ts`).
 */
export type DatabaseKind = 'instance' | 'cluster';

/**
 * The compute and storage of a Multi-AZ DB cluster (RDS for PostgreSQL or
 * MySQL in a DB cluster of one writer and two readable standbys, not Aurora).
 * A restore of its snapshot must name them again: RestoreDBClusterFromSnapshot
 * takes `DBClusterInstanceClass`, `StorageType` and `Iops` for such a cluster
 * ("Valid for: Multi-AZ DB clusters only", and "When specified for a Multi-AZ
 * DB cluster, a value for the Iops parameter is required"; Amazon RDS API
 * Reference), and a DB cluster snapshot records neither the instance class
 * nor the IOPS.
 */
export interface MultiAzClusterSettings {
  /** `DBClusterInstanceClass` of the cluster, e.g. `db.m6gd.large`. */
  readonly instanceClass: string;
  /** `StorageType` of the cluster (`io1`, `io2`, `gp3`); undefined when RDS does not say. */
  readonly storageType: string | undefined;
  /** Provisioned IOPS of the cluster; undefined when RDS does not say. */
  readonly iops: number | undefined;
}

export type Tags = Record<string, string>;

export interface DatabaseRef {
  readonly kind: DatabaseKind;
  readonly id: string;
}

export interface Database extends DatabaseRef {
  readonly arn: string;
  readonly engine: string;
  readonly engineVersion: string;
  /** RDS status string, e.g. `available`, `backing-up`, `stopped`. */
  readonly status: string;
  readonly multiAz: boolean;
  readonly storageEncrypted: boolean;
  /** Days RDS keeps automated backups; 0 when they are off. */
  readonly backupRetentionDays: number;
  readonly tags: Tags;
  /** Present for a Multi-AZ DB cluster only, when the cloud reports them (RDS does). */
  readonly multiAzCluster?: MultiAzClusterSettings;
}

/**
 * RDS reports `creating` while a snapshot is taken, `pending` then `copying`
 * for a cross-region copy, `available` when usable, and `failed` when it broke.
 */
export type SnapshotStatus = 'creating' | 'pending' | 'copying' | 'available' | 'failed' | 'deleting';

export type SnapshotType = 'manual' | 'automated' | 'awsbackup' | 'shared' | 'public';

export interface Snapshot {
  readonly id: string;
  readonly arn: string;
  readonly region: string;
  readonly database: DatabaseRef;
  readonly engine: string;
  /**
   * The engine version the snapshot was taken with (RDS `EngineVersion`);
   * a cluster sandbox is restored with it. Absent where the cloud does not say.
   */
  readonly engineVersion?: string;
  readonly status: SnapshotStatus;
  readonly type: SnapshotType;
  /** When the snapshot was taken; absent while RDS has not set it yet. */
  readonly createdAt: Date | undefined;
  /**
   * For a copy, when the original snapshot was taken (RDS
   * `OriginalSnapshotCreateTime`); for an original, its own create time.
   */
  readonly originalCreatedAt: Date | undefined;
  readonly encrypted: boolean;
  readonly kmsKeyId: string | undefined;
  /** For a copy, the ARN of the snapshot it was copied from. */
  readonly sourceSnapshotArn: string | undefined;
  readonly percentProgress: number;
  readonly tags: Tags;
  /** SHA-256 of the snapshot's stored bytes, where the cloud exposes one (the local cloud does; RDS does not). */
  readonly sha256?: string;
}

export interface SnapshotRef {
  readonly kind: DatabaseKind;
  readonly id: string;
}

export interface CreateSnapshotRequest {
  readonly database: DatabaseRef;
  readonly snapshotId: string;
  readonly tags: Tags;
}

export interface CopySnapshotRequest {
  readonly kind: DatabaseKind;
  readonly sourceSnapshotArn: string;
  readonly sourceRegion: string;
  readonly targetSnapshotId: string;
  /**
   * Whether the source snapshot is encrypted at rest. An unencrypted cluster
   * snapshot cannot be encrypted by a copy: its copy is unencrypted too and
   * `kmsKeyId` is not used. An unencrypted instance snapshot's copy is
   * encrypted with `kmsKeyId`.
   */
  readonly sourceEncrypted: boolean;
  /** KMS key of the destination region that encrypts the copy (see `sourceEncrypted`). */
  readonly kmsKeyId: string;
  /**
   * Every tag the copy carries, and only these: the source's tags are not
   * copied. Whoever needs a tag on the copy names it here.
   */
  readonly tags: Tags;
}

export interface SnapshotFilter {
  readonly kind?: DatabaseKind;
  readonly database?: DatabaseRef;
  readonly type?: SnapshotType;
}

/**
 * One of the region's manual snapshot quotas, with its usage: RDS counts
 * manual DB instance snapshots (account quota `ManualSnapshots`) and manual
 * DB cluster snapshots (`ManualClusterSnapshots`) separately, each per region,
 * copies in the region they land in. Automated snapshots do not count.
 */
export interface SnapshotQuota {
  readonly kind: DatabaseKind;
  /** Manual snapshots of that kind the region holds now. */
  readonly used: number;
  /** How many it may hold: creating or copying one more than that fails with `SnapshotQuotaExceededError`. */
  readonly max: number;
}

export interface RdsPort {
  readonly region: string;
  /** All DB instances and DB clusters (Aurora and Multi-AZ) of the region (every page). */
  listDatabases(): Promise<Database[]>;
  /** Starts a manual snapshot. Throws `SnapshotAlreadyExistsError` when the id is taken. */
  createSnapshot(request: CreateSnapshotRequest): Promise<Snapshot>;
  /** Undefined when no such snapshot exists. */
  describeSnapshot(ref: SnapshotRef): Promise<Snapshot | undefined>;
  /** Snapshots matching the filter, every page, tags included. */
  listSnapshots(filter?: SnapshotFilter): Promise<Snapshot[]>;
  /**
   * Starts a copy into this port's region; the returned snapshot's `encrypted`
   * says whether the copy is. Throws `SnapshotAlreadyExistsError` when the id
   * is taken.
   */
  copySnapshot(request: CopySnapshotRequest): Promise<Snapshot>;
  /**
   * Deletes a manual snapshot. Deleting a copy still `pending` or `copying`
   * cancels the copy, as RDS documents for DeleteDBSnapshot and
   * DeleteDBClusterSnapshot; a snapshot still `creating` cannot be deleted.
   */
  deleteSnapshot(ref: SnapshotRef): Promise<void>;
  /** Adds tags to a snapshot (a key it already has takes the new value). Throws `SnapshotNotFoundError`. */
  tagSnapshot(snapshot: SnapshotRef & { readonly arn: string }, tags: Tags): Promise<void>;
  /**
   * The region's manual snapshot quotas with their usage, one per kind the
   * cloud reports; a kind it does not report is left out (its quota is unknown).
   */
  describeSnapshotQuotas(): Promise<SnapshotQuota[]>;
  /**
   * Lets another account copy and restore a manual snapshot of this account
   * (ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute, attribute
   * `restore`, ValuesToAdd). Sharing it again is no error. Throws
   * `SnapshotNotFoundError`; an encrypted snapshot can be shared only if its
   * KMS key is not the account's default `aws/rds` key (`InvalidRequestError`
   * otherwise), and the other account can use it only where the key's policy
   * lets it.
   */
  shareSnapshot(ref: SnapshotRef, accountId: string): Promise<void>;
  /**
   * Takes a share back (ValuesToRemove). Taking back a share that is not
   * there, or one of a snapshot that no longer exists, is no error: either
   * way nothing is shared after the call.
   */
  unshareSnapshot(ref: SnapshotRef, accountId: string): Promise<void>;
  /** The accounts a manual snapshot is shared with (DescribeDBSnapshotAttributes, `restore`). Throws `SnapshotNotFoundError`. */
  snapshotSharedWith(ref: SnapshotRef): Promise<string[]>;
}

/** Gives the port of a region; adapters keep one client per region. */
export type RdsPortProvider = (region: string) => RdsPort;
