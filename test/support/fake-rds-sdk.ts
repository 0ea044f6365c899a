// A stateful, in-memory Amazon RDS at the SDK boundary: `installFakeRds`
// answers the commands the RDS port sends (through `aws-sdk-client-mock`
// handlers on an `RDSClient` mock) from one store per region, so that the
// shared port contract suite can run against `AwsRdsAdapter`.
//
// It mimics what the adapter relies on:
// - the region of a call is the calling client's region (a copy lands in the
//   destination region's store, read from the source region's store);
// - identifiers are stored in lower case, as RDS does;
// - a new snapshot is `creating` (a copy `pending`) and becomes `available`
//   on the next describe that returns it (`describesUntilAvailable`), or,
//   given durations, once that long has passed on its clock (`now`);
// - pages of at most MaxRecords (and the fake's `pageSize`) with a Marker;
// - faults are the SDK's own exception classes (their `name` is the RDS
//   exception name, e.g. `DBSnapshotAlreadyExistsFault`);
// - a manual snapshot's `restore` attribute lists the accounts it is shared
//   with (at most 20); one under the region's default key cannot be shared.
//
// Every call costs time in proportion to what it returns, never to what is
// stored: snapshots are indexed by id and by database, and copies in flight
// are kept apart, so that a fleet of thousands runs in linear time.

import {
  AddTagsToResourceCommand,
  type AddTagsToResourceCommandInput,
  CopyDBClusterSnapshotCommand,
  type CopyDBClusterSnapshotCommandInput,
  CopyDBSnapshotCommand,
  type CopyDBSnapshotCommandInput,
  CreateDBClusterSnapshotCommand,
  type CreateDBClusterSnapshotCommandInput,
  CreateDBSnapshotCommand,
  type CreateDBSnapshotCommandInput,
  type DBCluster,
  DBClusterNotFoundFault,
  type DBClusterSnapshot,
  DBClusterSnapshotAlreadyExistsFault,
  DBClusterSnapshotNotFoundFault,
  type DBInstance,
  DBInstanceNotFoundFault,
  type DBSnapshot,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteDBClusterSnapshotCommand,
  type DeleteDBClusterSnapshotCommandInput,
  DeleteDBSnapshotCommand,
  type DeleteDBSnapshotCommandInput,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  type DescribeDBClusterSnapshotAttributesCommandInput,
  DescribeDBClusterSnapshotsCommand,
  type DescribeDBClusterSnapshotsCommandInput,
  DescribeDBClustersCommand,
  type DescribeDBClustersCommandInput,
  DescribeDBInstancesCommand,
  type DescribeDBInstancesCommandInput,
  DescribeDBSnapshotAttributesCommand,
  type DescribeDBSnapshotAttributesCommandInput,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsCommandInput,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBClusterStateFault,
  InvalidDBInstanceStateFault,
  InvalidDBSnapshotStateFault,
  KMSKeyNotAccessibleFault,
  ModifyDBClusterSnapshotAttributeCommand,
  type ModifyDBClusterSnapshotAttributeCommandInput,
  ModifyDBSnapshotAttributeCommand,
  type ModifyDBSnapshotAttributeCommandInput,
  type RDSClient,
  RDSServiceException,
  SharedSnapshotQuotaExceededFault,
  SnapshotQuotaExceededFault,
  type Tag,
} from '@aws-sdk/client-rds';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Kind = 'instance' | 'cluster';
type Tags = Record<string, string>;

export interface FakeRdsOptions {
  readonly accountId?: string;
  /** Largest page the fake returns, whatever MaxRecords asks (RDS: 100). */
  readonly pageSize?: number;
  /** Describes of a new snapshot or copy that see it before it is `available`, minus one. */
  readonly describesUntilAvailable?: number;
  /**
   * Manual snapshots of each kind allowed per region (RDS's quotas
   * `ManualSnapshots` and `ManualClusterSnapshots`, 100 each by default),
   * enforced on create and copy and reported by DescribeAccountAttributes.
   */
  readonly manualSnapshotQuota?: number;
  /** Copies that may be in flight into one region at a time (RDS: 20). */
  readonly concurrentCopyLimit?: number;
  /**
   * Whether a cluster snapshot's copy reports the source's create time
   * (default) or its own: RDS documents neither (DBClusterSnapshot has no
   * OriginalSnapshotCreateTime), so the product must be right under both.
   */
  readonly clusterCopiesKeepSourceTime?: boolean;
  /**
   * How long a snapshot and a cross-region copy take on the `now` clock;
   * given, they replace `describesUntilAvailable`.
   */
  readonly durations?: { readonly snapshotSeconds: number; readonly copySeconds: number };
  readonly now?: () => Date;
}

export interface SeedInstance {
  readonly id: string;
  readonly engine?: string;
  readonly engineVersion?: string;
  readonly status?: string;
  readonly multiAz?: boolean;
  readonly storageEncrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly backupRetentionDays?: number;
  readonly tags?: Tags;
  /** Makes the instance a member of this Aurora cluster (seed the cluster first). */
  readonly clusterId?: string;
}

export interface SeedCluster {
  readonly id: string;
  readonly engine?: string;
  readonly engineVersion?: string;
  readonly status?: string;
  readonly multiAz?: boolean;
  readonly storageEncrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly backupRetentionDays?: number;
  readonly tags?: Tags;
  /** Member instance ids, created as instances of the cluster. */
  readonly members?: readonly string[];
  /**
   * A Multi-AZ DB cluster (engine `postgres` or `mysql`) reports its compute
   * and storage as DescribeDBClusters does; an Aurora cluster has none.
   */
  readonly multiAzCluster?: {
    readonly instanceClass: string;
    readonly storageType: string;
    readonly iops: number;
    readonly allocatedStorage: number;
  };
}

export interface SeedSnapshot {
  readonly kind: Kind;
  readonly id: string;
  readonly databaseId: string;
  readonly type?: 'manual' | 'automated' | 'awsbackup';
  readonly status?: string;
  readonly engine?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly createdAt?: Date;
  readonly tags?: Tags;
}

export interface FakeRds {
  readonly accountId: string;
  seedInstance(region: string, instance: SeedInstance): void;
  seedCluster(region: string, cluster: SeedCluster): void;
  /** An existing snapshot (e.g. an automated one), `available` unless told. */
  seedSnapshot(region: string, snapshot: SeedSnapshot): void;
  /** Sets a database's status (e.g. `stopped`, `backing-up`). */
  setDatabaseStatus(region: string, kind: Kind, id: string, status: string): void;
  /** Sets a snapshot's RDS status, which then stays until set again. */
  setSnapshotStatus(region: string, kind: Kind, id: string, status: string): void;
  /** Makes a KMS key unusable: using it fails with KMSKeyNotAccessibleFault. */
  disableKmsKey(keyId: string): void;
  /** The most cross-region copies that were in flight into the region at once, since the fake was installed. */
  peakCopiesInFlight(region: string): number;
  /**
   * How many stored snapshots the snapshot describes have looked at, since
   * the fake was installed: what their cost grows with. A describe by id or
   * by database looks at that database's only; a listing looks at each
   * snapshot once, however many pages it takes.
   */
  snapshotsVisited(): number;
  /** The stored snapshots of a region, as RDS would describe them, without advancing them. */
  snapshots(region: string, kind: Kind): Array<DBSnapshot | DBClusterSnapshot>;
  reset(): void;
}

interface StoredSnapshot {
  readonly kind: Kind;
  readonly id: string;
  readonly arn: string;
  readonly databaseId: string;
  readonly engine: string;
  readonly engineVersion: string;
  type: string;
  status: string;
  /** Set explicitly by the test: no longer advanced by describes. */
  pinned: boolean;
  describes: number;
  readonly takenAt: Date;
  /** With durations: when it becomes available, in epoch milliseconds. */
  readonly availableAt: number | undefined;
  readonly originalTakenAt: Date | undefined;
  readonly encrypted: boolean;
  readonly kmsKeyId: string | undefined;
  readonly sourceArn: string | undefined;
  readonly sourceRegion: string | undefined;
  readonly tags: Tags;
  /** The accounts of its `restore` attribute. */
  readonly sharedWith: Set<string>;
}

type SnapshotsById = Map<string, StoredSnapshot>;

interface RegionStore {
  readonly instances: Map<string, DBInstance>;
  readonly clusters: Map<string, DBCluster>;
  readonly snapshots: { readonly instance: SnapshotsById; readonly cluster: SnapshotsById };
  /** The same snapshots by database id, each in the order of `snapshots`. */
  readonly snapshotsByDatabase: {
    readonly instance: Map<string, SnapshotsById>;
    readonly cluster: Map<string, SnapshotsById>;
  };
  /** Cross-region copies into this region that may still be in flight. */
  readonly copiesInFlight: Set<StoredSnapshot>;
  /** How many manual snapshots of each kind the region holds (what the quota counts), kept as they come and go. */
  readonly manualSnapshots: { instance: number; cluster: number };
}

const IN_PROGRESS = new Set(['creating', 'pending', 'copying']);

/**
 * Installs the fake RDS on `mock` (from `mockClient(RDSClient)`), replacing
 * the handlers of the commands it implements. Call again after `mock.reset()`.
 */
export function installFakeRds(mock: AwsClientStub<RDSClient>, options: FakeRdsOptions = {}): FakeRds {
  const accountId = options.accountId ?? '123456789012';
  const pageSize = options.pageSize ?? 100;
  const describesUntilAvailable = options.describesUntilAvailable ?? 1;
  const manualSnapshotQuota = options.manualSnapshotQuota ?? 100;
  const concurrentCopyLimit = options.concurrentCopyLimit ?? 20;
  const clusterCopiesKeepSourceTime = options.clusterCopiesKeepSourceTime ?? true;
  const now = options.now ?? (() => new Date());
  const durations = options.durations;
  const regions = new Map<string, RegionStore>();
  const disabledKeys = new Set<string>();
  const peakCopies = new Map<string, number>();

  function store(region: string): RegionStore {
    let regionStore = regions.get(region);
    if (regionStore === undefined) {
      regionStore = {
        instances: new Map(),
        clusters: new Map(),
        snapshots: { instance: new Map(), cluster: new Map() },
        snapshotsByDatabase: { instance: new Map(), cluster: new Map() },
        copiesInFlight: new Set(),
        manualSnapshots: { instance: 0, cluster: 0 },
      };
      regions.set(region, regionStore);
    }
    return regionStore;
  }

  function arnOf(region: string, resource: string, id: string): string {
    return `arn:aws:rds:${region}:${accountId}:${resource}:${id}`;
  }

  function snapshotArn(region: string, kind: Kind, id: string): string {
    return arnOf(region, kind === 'instance' ? 'snapshot' : 'cluster-snapshot', id);
  }

  // -------------------------------------------------------------------------
  // Snapshots

  function putSnapshot(region: string, snapshot: StoredSnapshot): void {
    const regionStore = store(region);
    const previous = regionStore.snapshots[snapshot.kind].get(snapshot.id);
    const byDatabase = regionStore.snapshotsByDatabase[snapshot.kind];
    if (previous !== undefined && previous.databaseId !== snapshot.databaseId) {
      byDatabase.get(previous.databaseId)?.delete(snapshot.id);
    }
    if (previous?.type === 'manual') regionStore.manualSnapshots[previous.kind]--;
    if (snapshot.type === 'manual') regionStore.manualSnapshots[snapshot.kind]++;
    regionStore.snapshots[snapshot.kind].set(snapshot.id, snapshot);
    let ofDatabase = byDatabase.get(snapshot.databaseId);
    if (ofDatabase === undefined) {
      ofDatabase = new Map();
      byDatabase.set(snapshot.databaseId, ofDatabase);
    }
    ofDatabase.set(snapshot.id, snapshot);
    if (snapshot.sourceRegion !== undefined) regionStore.copiesInFlight.add(snapshot);
  }

  function removeSnapshot(region: string, snapshot: StoredSnapshot): void {
    const regionStore = store(region);
    if (regionStore.snapshots[snapshot.kind].delete(snapshot.id) && snapshot.type === 'manual') {
      regionStore.manualSnapshots[snapshot.kind]--;
    }
    regionStore.snapshotsByDatabase[snapshot.kind].get(snapshot.databaseId)?.delete(snapshot.id);
    regionStore.copiesInFlight.delete(snapshot);
  }

  /** With durations, a snapshot is available once its time has come, described or not. */
  function settle(snapshot: StoredSnapshot): void {
    if (snapshot.pinned || !IN_PROGRESS.has(snapshot.status) || snapshot.availableAt === undefined) return;
    if (now().getTime() >= snapshot.availableAt) snapshot.status = 'available';
  }

  function copiesInFlight(region: string): number {
    const copies = store(region).copiesInFlight;
    let inFlight = 0;
    for (const copy of copies) {
      settle(copy);
      if (IN_PROGRESS.has(copy.status)) inFlight += 1;
      // Only a test (setSnapshotStatus) moves a finished copy back in flight.
      else if (!copy.pinned) copies.delete(copy);
    }
    return inFlight;
  }

  function availableAtFor(kind: 'snapshot' | 'copy'): number | undefined {
    if (durations === undefined) return undefined;
    const seconds = kind === 'snapshot' ? durations.snapshotSeconds : durations.copySeconds;
    return now().getTime() + seconds * 1000;
  }

  /** A describe sees the snapshot: it advances towards `available`. */
  function advance(snapshot: StoredSnapshot): void {
    if (snapshot.pinned || !IN_PROGRESS.has(snapshot.status)) return;
    snapshot.describes += 1;
    if (snapshot.availableAt !== undefined) {
      settle(snapshot);
      if (snapshot.status === 'pending') snapshot.status = 'copying';
    } else if (snapshot.describes >= describesUntilAvailable) {
      snapshot.status = 'available';
    } else if (snapshot.status === 'pending') {
      snapshot.status = 'copying';
    }
  }

  function percentProgress(snapshot: StoredSnapshot): number {
    if (snapshot.status === 'available') return 100;
    if (!IN_PROGRESS.has(snapshot.status)) return 0;
    if (snapshot.availableAt !== undefined) {
      const total = snapshot.availableAt - snapshot.takenAt.getTime();
      const elapsed = now().getTime() - snapshot.takenAt.getTime();
      return Math.min(99, Math.floor((elapsed * 100) / Math.max(1, total)));
    }
    return Math.min(99, Math.floor((snapshot.describes * 100) / Math.max(1, describesUntilAvailable)));
  }

  function toDbSnapshot(region: string, snapshot: StoredSnapshot): DBSnapshot {
    // RDS sets the create time once the snapshot has been taken.
    const taken = snapshot.status !== 'creating';
    return {
      DBSnapshotIdentifier: snapshot.id,
      DBSnapshotArn: snapshot.arn,
      DBInstanceIdentifier: snapshot.databaseId,
      Engine: snapshot.engine,
      EngineVersion: snapshot.engineVersion,
      Status: snapshot.status,
      SnapshotType: snapshot.type,
      SnapshotCreateTime: taken ? new Date(snapshot.takenAt) : undefined,
      OriginalSnapshotCreateTime: optionalDate(
        snapshot.originalTakenAt ?? (taken ? snapshot.takenAt : undefined),
      ),
      Encrypted: snapshot.encrypted,
      KmsKeyId: snapshot.kmsKeyId,
      SourceDBSnapshotIdentifier: snapshot.sourceArn,
      SourceRegion: snapshot.sourceRegion,
      PercentProgress: percentProgress(snapshot),
      AvailabilityZone: `${region}a`,
      TagList: toTagList(snapshot.tags),
    };
  }

  function toClusterSnapshot(snapshot: StoredSnapshot): DBClusterSnapshot {
    const taken = snapshot.status !== 'creating';
    return {
      DBClusterSnapshotIdentifier: snapshot.id,
      DBClusterSnapshotArn: snapshot.arn,
      DBClusterIdentifier: snapshot.databaseId,
      Engine: snapshot.engine,
      EngineVersion: snapshot.engineVersion,
      Status: snapshot.status,
      SnapshotType: snapshot.type,
      // See clusterCopiesKeepSourceTime.
      SnapshotCreateTime: taken
        ? new Date((clusterCopiesKeepSourceTime ? snapshot.originalTakenAt : undefined) ?? snapshot.takenAt)
        : undefined,
      StorageEncrypted: snapshot.encrypted,
      KmsKeyId: snapshot.kmsKeyId,
      SourceDBClusterSnapshotArn: snapshot.sourceArn,
      PercentProgress: percentProgress(snapshot),
      TagList: toTagList(snapshot.tags),
    };
  }

  function describe(region: string, snapshot: StoredSnapshot): DBSnapshot | DBClusterSnapshot {
    return snapshot.kind === 'instance' ? toDbSnapshot(region, snapshot) : toClusterSnapshot(snapshot);
  }

  function notFound(kind: Kind, id: string): Error {
    const message = `${kind === 'instance' ? 'DBSnapshot' : 'DBClusterSnapshot'} ${id} not found.`;
    return kind === 'instance'
      ? new DBSnapshotNotFoundFault({ message, $metadata: { httpStatusCode: 404 } })
      : new DBClusterSnapshotNotFoundFault({ message, $metadata: { httpStatusCode: 404 } });
  }

  function alreadyExists(kind: Kind, id: string): Error {
    return kind === 'instance'
      ? new DBSnapshotAlreadyExistsFault({
          message: `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
          $metadata: { httpStatusCode: 400 },
        })
      : new DBClusterSnapshotAlreadyExistsFault({
          message: `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
          $metadata: { httpStatusCode: 400 },
        });
  }

  function invalidSnapshotState(kind: Kind, message: string): Error {
    return kind === 'instance'
      ? new InvalidDBSnapshotStateFault({ message, $metadata: { httpStatusCode: 400 } })
      : new InvalidDBClusterSnapshotStateFault({ message, $metadata: { httpStatusCode: 400 } });
  }

  function instanceOf(region: string, id: string): DBInstance {
    const instance = store(region).instances.get(id.toLowerCase());
    if (instance === undefined) {
      throw new DBInstanceNotFoundFault({
        message: `DBInstance ${id} not found.`,
        $metadata: { httpStatusCode: 404 },
      });
    }
    return instance;
  }

  function clusterOf(region: string, id: string): DBCluster {
    const cluster = store(region).clusters.get(id.toLowerCase());
    if (cluster === undefined) {
      throw new DBClusterNotFoundFault({
        message: `DBCluster ${id} not found.`,
        $metadata: { httpStatusCode: 404 },
      });
    }
    return cluster;
  }

  function manualSnapshotCount(region: string, kind: Kind): number {
    return store(region).manualSnapshots[kind];
  }

  function checkManualQuota(region: string, kind: Kind): void {
    if (manualSnapshotCount(region, kind) >= manualSnapshotQuota) {
      throw new SnapshotQuotaExceededFault({
        message: `Cannot create more than ${manualSnapshotQuota} manual snapshots`,
        $metadata: { httpStatusCode: 400 },
      });
    }
  }

  function checkKmsKey(region: string, keyId: string | undefined): void {
    if (keyId === undefined) return;
    const keyRegion = keyId.startsWith('arn:') ? keyId.split(':')[3] : undefined;
    if (disabledKeys.has(keyId) || (keyRegion !== undefined && keyRegion !== region)) {
      throw new KMSKeyNotAccessibleFault({
        message: `The target KMS key [${keyId}] does not exist, is not enabled or you do not have permissions to access it.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
  }

  function createSnapshot(
    region: string,
    kind: Kind,
    databaseId: string | undefined,
    snapshotId: string | undefined,
    tags: Tag[] | undefined,
  ): StoredSnapshot {
    const regionStore = store(region);
    const dbId = required(databaseId, kind === 'instance' ? 'DBInstanceIdentifier' : 'DBClusterIdentifier');
    const id = required(snapshotId, 'snapshot identifier').toLowerCase();
    const database = kind === 'instance' ? instanceOf(region, dbId) : clusterOf(region, dbId);
    const status =
      kind === 'instance' ? instanceOf(region, dbId).DBInstanceStatus : clusterOf(region, dbId).Status;
    if (kind === 'instance' && instanceOf(region, dbId).DBClusterIdentifier !== undefined) {
      throw new InvalidDBInstanceStateFault({
        message: `The specified instance ${dbId} is a member of a cluster; snapshot the cluster instead.`,
        $metadata: {},
      });
    }
    if (status !== 'available') {
      const message = `Cannot create a snapshot because the database ${dbId} is in ${status} state.`;
      throw kind === 'instance'
        ? new InvalidDBInstanceStateFault({ message, $metadata: {} })
        : new InvalidDBClusterStateFault({ message, $metadata: {} });
    }
    if (regionStore.snapshots[kind].has(id)) throw alreadyExists(kind, id);
    checkManualQuota(region, kind);
    const snapshot: StoredSnapshot = {
      kind,
      id,
      arn: snapshotArn(region, kind, id),
      databaseId: dbId.toLowerCase(),
      engine: database.Engine ?? '',
      engineVersion: database.EngineVersion ?? '',
      type: 'manual',
      status: 'creating',
      pinned: false,
      describes: 0,
      takenAt: now(),
      availableAt: availableAtFor('snapshot'),
      originalTakenAt: undefined,
      encrypted: database.StorageEncrypted ?? false,
      kmsKeyId: database.KmsKeyId,
      sourceArn: undefined,
      sourceRegion: undefined,
      tags: fromTagList(tags),
      sharedWith: new Set(),
    };
    putSnapshot(region, snapshot);
    return snapshot;
  }

  function copySnapshot(
    region: string,
    kind: Kind,
    source: string | undefined,
    target: string | undefined,
    input: { KmsKeyId?: string | undefined; CopyTags?: boolean | undefined; Tags?: Tag[] | undefined },
  ): StoredSnapshot {
    const sourceIdOrArn = required(source, 'source snapshot identifier');
    const targetId = required(target, 'target snapshot identifier').toLowerCase();
    const sourceRegion = sourceIdOrArn.startsWith('arn:') ? (sourceIdOrArn.split(':')[3] ?? region) : region;
    const sourceId = (
      sourceIdOrArn.startsWith('arn:') ? lastSegment(sourceIdOrArn) : sourceIdOrArn
    ).toLowerCase();
    const original = store(sourceRegion).snapshots[kind].get(sourceId);
    if (original === undefined) throw notFound(kind, sourceIdOrArn);
    if (original.status !== 'available') {
      throw invalidSnapshotState(kind, `Snapshot ${sourceIdOrArn} is not in available state.`);
    }
    const destination = store(region);
    if (destination.snapshots[kind].has(targetId)) throw alreadyExists(kind, targetId);
    if (sourceRegion !== region) {
      if (copiesInFlight(region) >= concurrentCopyLimit) {
        // What RDS answers (see the adapter): a snapshot quota fault whose
        // message alone tells the copy limit from the manual snapshot quota.
        throw new SnapshotQuotaExceededFault({
          message: `Cannot copy more than ${concurrentCopyLimit} snapshots across regions`,
          $metadata: { httpStatusCode: 400 },
        });
      }
      if (original.encrypted && input.KmsKeyId === undefined) {
        throw new KMSKeyNotAccessibleFault({
          message:
            'A KMS key of the destination region is required to copy an encrypted snapshot across regions.',
          $metadata: { httpStatusCode: 400 },
        });
      }
    }
    if (kind === 'cluster' && !original.encrypted && input.KmsKeyId !== undefined) {
      // Documented for CopyDBClusterSnapshot (KmsKeyId, Amazon RDS API
      // Reference): "If you copy an unencrypted DB cluster snapshot and
      // specify a value for the KmsKeyId parameter, an error is returned."
      // CopyDBSnapshot encrypts the copy instead: "If you specify this
      // parameter when you copy an unencrypted snapshot, the copy is
      // encrypted." Which code RDS answers is not documented for this case;
      // the fake uses the common error InvalidParameterCombination.
      throw new RDSServiceException({
        name: 'InvalidParameterCombination',
        $fault: 'client',
        message: 'KmsKeyId cannot be specified when copying an unencrypted DB cluster snapshot.',
        $metadata: { httpStatusCode: 400 },
      });
    }
    checkKmsKey(region, input.KmsKeyId);
    checkManualQuota(region, kind);
    const copy: StoredSnapshot = {
      kind,
      id: targetId,
      arn: snapshotArn(region, kind, targetId),
      databaseId: original.databaseId,
      engine: original.engine,
      engineVersion: original.engineVersion,
      type: 'manual',
      status: 'pending',
      pinned: false,
      describes: 0,
      takenAt: now(),
      availableAt: availableAtFor(sourceRegion === region ? 'snapshot' : 'copy'),
      originalTakenAt: original.originalTakenAt ?? original.takenAt,
      encrypted: original.encrypted || input.KmsKeyId !== undefined,
      kmsKeyId: input.KmsKeyId ?? original.kmsKeyId,
      sourceArn: original.arn,
      sourceRegion: sourceRegion === region ? undefined : sourceRegion,
      tags: copiedTags(original.tags, input),
      sharedWith: new Set(),
    };
    putSnapshot(region, copy);
    if (copy.sourceRegion !== undefined) {
      peakCopies.set(region, Math.max(peakCopies.get(region) ?? 0, copiesInFlight(region)));
    }
    return copy;
  }

  /** RDS's limit of accounts one manual snapshot is shared with. */
  const SHARED_ACCOUNTS_QUOTA = 20;

  function modifyRestoreAttribute(
    region: string,
    kind: Kind,
    snapshotId: string | undefined,
    input: { AttributeName?: string | undefined; ValuesToAdd?: string[]; ValuesToRemove?: string[] },
  ): StoredSnapshot {
    const id = required(snapshotId, 'snapshot identifier').toLowerCase();
    const snapshot = store(region).snapshots[kind].get(id);
    if (snapshot === undefined) throw notFound(kind, id);
    if (input.AttributeName !== 'restore')
      throw invalidParameterValue(`Invalid snapshot attribute ${input.AttributeName}`);
    if (snapshot.type !== 'manual')
      throw invalidSnapshotState(kind, `Only manual snapshots can be shared, not ${id}.`);
    const adding = (input.ValuesToAdd ?? []).filter((account) => !snapshot.sharedWith.has(account));
    if (adding.length > 0 && snapshot.encrypted && snapshot.kmsKeyId === defaultKey(region)) {
      // RDS documents the refusal, not its code (see the adapter): a parameter error here.
      throw invalidParameterValue(
        `The snapshot ${id} is encrypted with the default KMS key and cannot be shared.`,
      );
    }
    if (snapshot.sharedWith.size + adding.length > SHARED_ACCOUNTS_QUOTA) {
      throw new SharedSnapshotQuotaExceededFault({
        message: `The snapshot ${id} cannot be shared with more than ${SHARED_ACCOUNTS_QUOTA} accounts.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    for (const account of adding) snapshot.sharedWith.add(account);
    for (const account of input.ValuesToRemove ?? []) snapshot.sharedWith.delete(account);
    return snapshot;
  }

  function restoreAttribute(snapshot: StoredSnapshot) {
    return [{ AttributeName: 'restore', AttributeValues: [...snapshot.sharedWith] }];
  }

  function deleteSnapshot(region: string, kind: Kind, snapshotId: string | undefined): StoredSnapshot {
    const id = required(snapshotId, 'snapshot identifier').toLowerCase();
    const snapshots = store(region).snapshots[kind];
    const snapshot = snapshots.get(id);
    if (snapshot === undefined) throw notFound(kind, id);
    if (snapshot.type === 'automated') {
      throw invalidSnapshotState(kind, `Cannot delete the automated snapshot ${id}.`);
    }
    // DeleteDBSnapshot / DeleteDBClusterSnapshot (RDS API Reference): "If the
    // snapshot is being copied, the copy operation is terminated."
    if (snapshot.status === 'creating') {
      throw invalidSnapshotState(kind, `Cannot delete the snapshot ${id} while it is ${snapshot.status}.`);
    }
    removeSnapshot(region, snapshot);
    snapshot.status = 'deleted';
    return snapshot;
  }

  function describeSnapshots(
    region: string,
    kind: Kind,
    input: {
      snapshotId: string | undefined;
      databaseId: string | undefined;
      SnapshotType?: string | undefined;
      MaxRecords?: number | undefined;
      Marker?: string | undefined;
    },
  ): { items: StoredSnapshot[]; Marker: string | undefined } {
    const regionStore = store(region);
    const matching = (): StoredSnapshot[] => {
      let snapshots: StoredSnapshot[];
      if (input.snapshotId !== undefined) {
        const wanted = input.snapshotId.toLowerCase();
        const byId = regionStore.snapshots[kind].get(
          wanted.startsWith('arn:') ? lastSegment(wanted) : wanted,
        );
        const found = byId !== undefined && (byId.id === wanted || byId.arn.toLowerCase() === wanted);
        if (!found) throw notFound(kind, input.snapshotId);
        snapshots = [byId];
      } else if (input.databaseId !== undefined) {
        snapshots = [
          ...(regionStore.snapshotsByDatabase[kind].get(input.databaseId.toLowerCase())?.values() ?? []),
        ];
      } else {
        snapshots = [...regionStore.snapshots[kind].values()];
      }
      visit(snapshots);
      if (input.snapshotId !== undefined && input.databaseId !== undefined) {
        const wanted = input.databaseId.toLowerCase();
        snapshots = snapshots.filter((snapshot) => snapshot.databaseId === wanted);
      }
      if (input.SnapshotType !== undefined) {
        snapshots = snapshots.filter((snapshot) => snapshot.type === input.SnapshotType);
      }
      return snapshots;
    };
    const page = paginate(matching, input);
    // A later page comes from the listing its first page took: what was
    // deleted since is left out, as a fresh listing would.
    const items = page.items.filter((snapshot) => snapshot.status !== 'deleted');
    for (const snapshot of items) advance(snapshot);
    return { items, Marker: page.Marker };
  }

  /**
   * Listings being walked, by id. A page after the first is cut from the
   * list the first page took, so walking a listing of n items costs O(n)
   * rather than a fresh copy of the region's items for every page (which
   * made fleet tests quadratic). A listing is dropped after its last page;
   * the oldest go when callers abandon too many half-way.
   */
  let visited = 0;
  const visit = <T>(items: T[]): T[] => {
    visited += items.length;
    return items;
  };
  const listings = new Map<number, readonly unknown[]>();
  let lastListing = 0;
  const MAX_OPEN_LISTINGS = 1_000;

  function paginate<T>(
    itemsNow: () => T[],
    input: { MaxRecords?: number | undefined; Marker?: string | undefined },
  ): { items: T[]; Marker: string | undefined } {
    const size = Math.min(input.MaxRecords ?? 100, pageSize);
    let listing = 0;
    let items: readonly T[];
    let start = 0;
    if (input.Marker === undefined) {
      items = itemsNow();
    } else {
      const marker = decodeMarker(input.Marker);
      const open = listings.get(marker.listing);
      if (open === undefined) throw invalidMarker(input.Marker);
      listing = marker.listing;
      items = open as readonly T[];
      start = marker.offset;
    }
    const end = start + size;
    if (end >= items.length) {
      listings.delete(listing);
      return { items: items.slice(start), Marker: undefined };
    }
    if (listing === 0) {
      listing = ++lastListing;
      listings.set(listing, items);
      if (listings.size > MAX_OPEN_LISTINGS) listings.delete(listings.keys().next().value ?? 0);
    }
    return { items: items.slice(start, end), Marker: encodeMarker(listing, end) };
  }

  // -------------------------------------------------------------------------
  // Handlers

  async function regionOf(getClient: () => RDSClient): Promise<string> {
    return await getClient().config.region();
  }

  function install(): void {
    mock
      .on(DescribeDBInstancesCommand)
      .callsFake(async (input: DescribeDBInstancesCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const page = paginate(
          () =>
            input.DBInstanceIdentifier === undefined
              ? [...store(region).instances.values()]
              : [instanceOf(region, input.DBInstanceIdentifier)],
          input,
        );
        return { DBInstances: structuredClone(page.items), Marker: page.Marker };
      });

    mock.on(DescribeDBClustersCommand).callsFake(async (input: DescribeDBClustersCommandInput, getClient) => {
      const region = await regionOf(getClient);
      const page = paginate(
        () =>
          input.DBClusterIdentifier === undefined
            ? [...store(region).clusters.values()]
            : [clusterOf(region, input.DBClusterIdentifier)],
        input,
      );
      return { DBClusters: structuredClone(page.items), Marker: page.Marker };
    });

    mock.on(CreateDBSnapshotCommand).callsFake(async (input: CreateDBSnapshotCommandInput, getClient) => {
      const region = await regionOf(getClient);
      const snapshot = createSnapshot(
        region,
        'instance',
        input.DBInstanceIdentifier,
        input.DBSnapshotIdentifier,
        input.Tags,
      );
      return { DBSnapshot: toDbSnapshot(region, snapshot) };
    });

    mock
      .on(CreateDBClusterSnapshotCommand)
      .callsFake(async (input: CreateDBClusterSnapshotCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const snapshot = createSnapshot(
          region,
          'cluster',
          input.DBClusterIdentifier,
          input.DBClusterSnapshotIdentifier,
          input.Tags,
        );
        return { DBClusterSnapshot: toClusterSnapshot(snapshot) };
      });

    mock
      .on(DescribeDBSnapshotsCommand)
      .callsFake(async (input: DescribeDBSnapshotsCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const page = describeSnapshots(region, 'instance', {
          ...input,
          snapshotId: input.DBSnapshotIdentifier,
          databaseId: input.DBInstanceIdentifier,
        });
        return {
          DBSnapshots: page.items.map((snapshot) => toDbSnapshot(region, snapshot)),
          Marker: page.Marker,
        };
      });

    mock
      .on(DescribeDBClusterSnapshotsCommand)
      .callsFake(async (input: DescribeDBClusterSnapshotsCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const page = describeSnapshots(region, 'cluster', {
          ...input,
          snapshotId: input.DBClusterSnapshotIdentifier,
          databaseId: input.DBClusterIdentifier,
        });
        return { DBClusterSnapshots: page.items.map(toClusterSnapshot), Marker: page.Marker };
      });

    mock.on(CopyDBSnapshotCommand).callsFake(async (input: CopyDBSnapshotCommandInput, getClient) => {
      const region = await regionOf(getClient);
      const copy = copySnapshot(
        region,
        'instance',
        input.SourceDBSnapshotIdentifier,
        input.TargetDBSnapshotIdentifier,
        input,
      );
      return { DBSnapshot: toDbSnapshot(region, copy) };
    });

    mock
      .on(CopyDBClusterSnapshotCommand)
      .callsFake(async (input: CopyDBClusterSnapshotCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const copy = copySnapshot(
          region,
          'cluster',
          input.SourceDBClusterSnapshotIdentifier,
          input.TargetDBClusterSnapshotIdentifier,
          input,
        );
        return { DBClusterSnapshot: toClusterSnapshot(copy) };
      });

    mock.on(DeleteDBSnapshotCommand).callsFake(async (input: DeleteDBSnapshotCommandInput, getClient) => {
      const region = await regionOf(getClient);
      const snapshot = deleteSnapshot(region, 'instance', input.DBSnapshotIdentifier);
      return { DBSnapshot: toDbSnapshot(region, snapshot) };
    });

    mock.on(AddTagsToResourceCommand).callsFake(async (input: AddTagsToResourceCommandInput, getClient) => {
      tagSnapshotByArn(await regionOf(getClient), input.ResourceName, input.Tags);
      return {};
    });

    mock
      .on(DeleteDBClusterSnapshotCommand)
      .callsFake(async (input: DeleteDBClusterSnapshotCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const snapshot = deleteSnapshot(region, 'cluster', input.DBClusterSnapshotIdentifier);
        return { DBClusterSnapshot: toClusterSnapshot(snapshot) };
      });

    mock
      .on(ModifyDBSnapshotAttributeCommand)
      .callsFake(async (input: ModifyDBSnapshotAttributeCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const snapshot = modifyRestoreAttribute(region, 'instance', input.DBSnapshotIdentifier, input);
        return {
          DBSnapshotAttributesResult: {
            DBSnapshotIdentifier: snapshot.id,
            DBSnapshotAttributes: restoreAttribute(snapshot),
          },
        };
      });

    mock
      .on(ModifyDBClusterSnapshotAttributeCommand)
      .callsFake(async (input: ModifyDBClusterSnapshotAttributeCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const snapshot = modifyRestoreAttribute(region, 'cluster', input.DBClusterSnapshotIdentifier, input);
        return {
          DBClusterSnapshotAttributesResult: {
            DBClusterSnapshotIdentifier: snapshot.id,
            DBClusterSnapshotAttributes: restoreAttribute(snapshot),
          },
        };
      });

    mock
      .on(DescribeDBSnapshotAttributesCommand)
      .callsFake(async (input: DescribeDBSnapshotAttributesCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const id = required(input.DBSnapshotIdentifier, 'DBSnapshotIdentifier').toLowerCase();
        const snapshot = store(region).snapshots.instance.get(id);
        if (snapshot === undefined) throw notFound('instance', id);
        return {
          DBSnapshotAttributesResult: {
            DBSnapshotIdentifier: snapshot.id,
            DBSnapshotAttributes: restoreAttribute(snapshot),
          },
        };
      });

    mock
      .on(DescribeDBClusterSnapshotAttributesCommand)
      .callsFake(async (input: DescribeDBClusterSnapshotAttributesCommandInput, getClient) => {
        const region = await regionOf(getClient);
        const id = required(input.DBClusterSnapshotIdentifier, 'DBClusterSnapshotIdentifier').toLowerCase();
        const snapshot = store(region).snapshots.cluster.get(id);
        if (snapshot === undefined) throw notFound('cluster', id);
        return {
          DBClusterSnapshotAttributesResult: {
            DBClusterSnapshotIdentifier: snapshot.id,
            DBClusterSnapshotAttributes: restoreAttribute(snapshot),
          },
        };
      });

    // RDS lists every account quota of the region; the snapshot quotas are two of them.
    mock.on(DescribeAccountAttributesCommand).callsFake(async (_input: unknown, getClient) => {
      const region = await regionOf(getClient);
      const instances = store(region).instances.size;
      return {
        AccountQuotas: [
          { AccountQuotaName: 'DBInstances', Used: instances, Max: 40 },
          {
            AccountQuotaName: 'ManualSnapshots',
            Used: manualSnapshotCount(region, 'instance'),
            Max: manualSnapshotQuota,
          },
          {
            AccountQuotaName: 'ManualClusterSnapshots',
            Used: manualSnapshotCount(region, 'cluster'),
            Max: manualSnapshotQuota,
          },
        ],
      };
    });
  }

  install();

  function tagSnapshotByArn(region: string, arn: string | undefined, tags: Tag[] | undefined): void {
    const resource = required(arn, 'resource name');
    for (const kind of ['instance', 'cluster'] as const) {
      const snapshot = store(region).snapshots[kind].get(lastSegment(resource));
      if (snapshot?.arn !== resource) continue;
      Object.assign(snapshot.tags, fromTagList(tags));
      return;
    }
    throw new RDSServiceException({
      name: resource.includes(':cluster-snapshot:') ? 'DBClusterSnapshotNotFoundFault' : 'DBSnapshotNotFound',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
      message: `fake RDS: no snapshot ${resource} in ${region}`,
    });
  }

  function findSnapshot(region: string, kind: Kind, id: string): StoredSnapshot {
    const snapshot = store(region).snapshots[kind].get(id.toLowerCase());
    if (snapshot === undefined) throw new Error(`fake RDS: no ${kind} snapshot ${id} in ${region}`);
    return snapshot;
  }

  function seedInstance(region: string, instance: SeedInstance): void {
    const id = instance.id.toLowerCase();
    const clusterId = instance.clusterId?.toLowerCase();
    const regionStore = store(region);
    regionStore.instances.set(id, {
      DBInstanceIdentifier: id,
      DBInstanceArn: arnOf(region, 'db', id),
      DBInstanceClass: 'db.t4g.micro',
      Engine: instance.engine ?? 'postgres',
      EngineVersion: instance.engineVersion ?? '16.4',
      DBInstanceStatus: instance.status ?? 'available',
      MultiAZ: instance.multiAz ?? false,
      StorageEncrypted: instance.storageEncrypted ?? true,
      KmsKeyId: instance.kmsKeyId ?? (instance.storageEncrypted === false ? undefined : defaultKey(region)),
      BackupRetentionPeriod: instance.backupRetentionDays ?? 7,
      DBClusterIdentifier: clusterId,
      TagList: toTagList(instance.tags ?? {}),
    });
    if (clusterId !== undefined) {
      const cluster = regionStore.clusters.get(clusterId);
      if (cluster === undefined)
        throw new Error(`fake RDS: seed cluster ${clusterId} before its member ${id}`);
      cluster.DBClusterMembers = [
        ...(cluster.DBClusterMembers ?? []),
        { DBInstanceIdentifier: id, IsClusterWriter: (cluster.DBClusterMembers ?? []).length === 0 },
      ];
    }
  }

  return {
    accountId,

    seedInstance,

    seedCluster(region, cluster) {
      const id = cluster.id.toLowerCase();
      const engine = cluster.engine ?? 'aurora-postgresql';
      store(region).clusters.set(id, {
        DBClusterIdentifier: id,
        DBClusterArn: arnOf(region, 'cluster', id),
        Engine: engine,
        EngineVersion: cluster.engineVersion ?? '16.4',
        Status: cluster.status ?? 'available',
        MultiAZ: cluster.multiAz ?? (cluster.members ?? []).length > 1,
        StorageEncrypted: cluster.storageEncrypted ?? true,
        KmsKeyId: cluster.kmsKeyId ?? (cluster.storageEncrypted === false ? undefined : defaultKey(region)),
        BackupRetentionPeriod: cluster.backupRetentionDays ?? 7,
        DBClusterMembers: [],
        TagList: toTagList(cluster.tags ?? {}),
        ...(cluster.multiAzCluster === undefined
          ? {}
          : {
              DBClusterInstanceClass: cluster.multiAzCluster.instanceClass,
              StorageType: cluster.multiAzCluster.storageType,
              Iops: cluster.multiAzCluster.iops,
              AllocatedStorage: cluster.multiAzCluster.allocatedStorage,
            }),
      });
      for (const member of cluster.members ?? []) {
        seedInstance(region, {
          id: member,
          engine,
          engineVersion: cluster.engineVersion,
          storageEncrypted: cluster.storageEncrypted,
          clusterId: id,
        });
      }
    },

    seedSnapshot(region, seed) {
      const id = seed.id.toLowerCase();
      const regionStore = store(region);
      const database =
        seed.kind === 'instance'
          ? regionStore.instances.get(seed.databaseId.toLowerCase())
          : regionStore.clusters.get(seed.databaseId.toLowerCase());
      const encrypted = seed.encrypted ?? database?.StorageEncrypted ?? true;
      putSnapshot(region, {
        kind: seed.kind,
        id,
        arn: snapshotArn(region, seed.kind, id),
        databaseId: seed.databaseId.toLowerCase(),
        engine:
          seed.engine ?? database?.Engine ?? (seed.kind === 'instance' ? 'postgres' : 'aurora-postgresql'),
        engineVersion: database?.EngineVersion ?? '16.4',
        type: seed.type ?? 'manual',
        status: seed.status ?? 'available',
        pinned: seed.status !== undefined,
        describes: 0,
        takenAt: seed.createdAt ?? now(),
        availableAt: undefined,
        originalTakenAt: undefined,
        encrypted,
        kmsKeyId: seed.kmsKeyId ?? database?.KmsKeyId ?? (encrypted ? defaultKey(region) : undefined),
        sourceArn: undefined,
        sourceRegion: undefined,
        tags: { ...(seed.tags ?? {}) },
        sharedWith: new Set(),
      });
    },

    setDatabaseStatus(region, kind, id, status) {
      const regionStore = store(region);
      const key = id.toLowerCase();
      if (kind === 'instance') {
        const instance = regionStore.instances.get(key);
        if (instance === undefined) throw new Error(`fake RDS: no instance ${id} in ${region}`);
        instance.DBInstanceStatus = status;
      } else {
        const cluster = regionStore.clusters.get(key);
        if (cluster === undefined) throw new Error(`fake RDS: no cluster ${id} in ${region}`);
        cluster.Status = status;
      }
    },

    setSnapshotStatus(region, kind, id, status) {
      const snapshot = findSnapshot(region, kind, id);
      snapshot.status = status;
      snapshot.pinned = true;
      if (snapshot.sourceRegion !== undefined) store(region).copiesInFlight.add(snapshot);
    },

    disableKmsKey(keyId) {
      disabledKeys.add(keyId);
    },

    peakCopiesInFlight(region) {
      return peakCopies.get(region) ?? 0;
    },

    snapshotsVisited() {
      return visited;
    },

    snapshots(region, kind) {
      return [...store(region).snapshots[kind].values()].map((snapshot) => describe(region, snapshot));
    },

    reset() {
      regions.clear();
      disabledKeys.clear();
      peakCopies.clear();
      visited = 0;
    },
  };

  function defaultKey(region: string): string {
    return `arn:aws:kms:${region}:${accountId}:key/00000000-0000-4000-8000-000000000000`;
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') {
    throw new RDSServiceException({
      name: 'MissingParameter',
      $fault: 'client',
      message: `The request must contain the parameter ${what}`,
      $metadata: { httpStatusCode: 400 },
    });
  }
  return value;
}

function optionalDate(date: Date | undefined): Date | undefined {
  return date === undefined ? undefined : new Date(date);
}

function lastSegment(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

function encodeMarker(listing: number, offset: number): string {
  return Buffer.from(`listing:${listing}:offset:${offset}`).toString('base64');
}

function invalidMarker(marker: string): RDSServiceException {
  return new RDSServiceException({
    name: 'InvalidParameterValue',
    $fault: 'client',
    message: `Invalid Marker: ${marker}`,
    $metadata: { httpStatusCode: 400 },
  });
}

function decodeMarker(marker: string): { listing: number; offset: number } {
  const match = /^listing:(\d+):offset:(\d+)$/.exec(Buffer.from(marker, 'base64').toString());
  if (match?.[1] === undefined || match[2] === undefined) throw invalidMarker(marker);
  return { listing: Number(match[1]), offset: Number(match[2]) };
}

/**
 * The tags of a copy. CopyTags copies the source's tags ("By default, tags
 * aren't copied", CopyDBSnapshot and CopyDBClusterSnapshot in the Amazon RDS
 * API Reference); what RDS does given Tags as well is not documented, and a
 * measurement on AWS reported with moto (getmoto/moto#8320) found that the
 * given Tags replace the copied ones, as here.
 */
function copiedTags(source: Tags, input: { CopyTags?: boolean | undefined; Tags?: Tag[] | undefined }): Tags {
  const given = input.Tags ?? [];
  if (input.CopyTags === true && given.length === 0) return { ...source };
  return fromTagList(given);
}

function toTagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function fromTagList(tagList: Tag[] | undefined): Tags {
  const tags: Tags = {};
  for (const tag of tagList ?? []) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

function invalidParameterValue(message: string): RDSServiceException {
  return new RDSServiceException({
    name: 'InvalidParameterValue',
    $fault: 'client',
    message,
    $metadata: { httpStatusCode: 400 },
  });
}
