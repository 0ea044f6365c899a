// The RDS port over the AWS SDK v3, for DB instances, Aurora clusters and
// Multi-AZ DB clusters.
//
// One `RDSClient` per region (see `awsRdsPortProvider`). Cross-region copies
// are requested from the destination region's client: the SDK's RDS
// middleware presigns the source-region request from the source ARN.
//
// Tags always come from the `TagList` of the describe output: one
// `ListTagsForResource` call per resource would multiply the API calls (and
// the throttling) by the number of databases and snapshots.

import {
  type AccountQuota,
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  type DBCluster,
  type DBClusterSnapshot,
  type DBClusterSnapshotAttribute,
  type DBInstance,
  type DBSnapshot,
  type DBSnapshotAttribute,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  type Tag,
} from '@aws-sdk/client-rds';
import { databaseTypeOf } from '../../domain/database-type.ts';
import {
  AccessDeniedError,
  CopyLimitExceededError,
  DatabaseNotFoundError,
  EncryptionKeyError,
  InvalidRequestError,
  InvalidStateError,
  SnapshotAlreadyExistsError,
  SnapshotNotFoundError,
  SnapshotQuotaExceededError,
  ThrottlingError,
} from '../../domain/errors.ts';
import { SNAPSHOT_QUOTA_NAMES } from '../../domain/snapshot-quota.ts';
import type {
  CopySnapshotRequest,
  CreateSnapshotRequest,
  Database,
  DatabaseKind,
  RdsPort,
  RdsPortProvider,
  Snapshot,
  SnapshotFilter,
  SnapshotQuota,
  SnapshotRef,
  SnapshotStatus,
  SnapshotType,
  Tags,
} from '../../ports/rds.ts';
import { collectPages } from '../pages.ts';
import { clientForRegion } from './clients.ts';

/** Largest page RDS accepts for the describe calls. */
const PAGE_SIZE = 100;

export class AwsRdsAdapter implements RdsPort {
  readonly region: string;
  readonly #client: RDSClient;

  constructor(client: RDSClient, region: string) {
    this.#client = client;
    this.region = region;
  }

  async listDatabases(): Promise<Database[]> {
    const resource = `region ${this.region}`;
    const [instances, clusters] = await Promise.all([
      collectPages(async (Marker) => {
        const page = await call({ operation: 'DescribeDBInstances', resource }, () =>
          this.#client.send(new DescribeDBInstancesCommand({ MaxRecords: PAGE_SIZE, Marker })),
        );
        return { items: page.DBInstances ?? [], marker: page.Marker };
      }),
      collectPages(async (Marker) => {
        const page = await call({ operation: 'DescribeDBClusters', resource }, () =>
          this.#client.send(new DescribeDBClustersCommand({ MaxRecords: PAGE_SIZE, Marker })),
        );
        return { items: page.DBClusters ?? [], marker: page.Marker };
      }),
    ]);
    return [
      // A member of a cluster (Aurora or Multi-AZ) is not protected on its
      // own: the cluster is (its snapshots are cluster snapshots).
      ...instances.filter((instance) => instance.DBClusterIdentifier === undefined).map(toInstanceDatabase),
      ...clusters.map(toClusterDatabase),
    ].filter((database) => isRdsEngine(database.engine));
  }

  async createSnapshot(request: CreateSnapshotRequest): Promise<Snapshot> {
    const { database, snapshotId } = request;
    const Tags = toTagList(request.tags);
    if (database.kind === 'instance') {
      const context = {
        operation: 'CreateDBSnapshot',
        resource: `${snapshotId} of DB instance ${database.id}`,
        snapshotId,
        databaseId: database.id,
      };
      const output = await call(context, () =>
        this.#client.send(
          new CreateDBSnapshotCommand({
            DBInstanceIdentifier: database.id,
            DBSnapshotIdentifier: snapshotId,
            Tags,
          }),
        ),
      );
      return this.#fromDbSnapshot(required(output.DBSnapshot, context));
    }
    const context = {
      operation: 'CreateDBClusterSnapshot',
      resource: `${snapshotId} of DB cluster ${database.id}`,
      snapshotId,
      databaseId: database.id,
    };
    const output = await call(context, () =>
      this.#client.send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: database.id,
          DBClusterSnapshotIdentifier: snapshotId,
          Tags,
        }),
      ),
    );
    return this.#fromClusterSnapshot(required(output.DBClusterSnapshot, context));
  }

  async describeSnapshot(ref: SnapshotRef): Promise<Snapshot | undefined> {
    try {
      if (ref.kind === 'instance') {
        const context = { operation: 'DescribeDBSnapshots', resource: ref.id, snapshotId: ref.id };
        const output = await call(context, () =>
          this.#client.send(
            new DescribeDBSnapshotsCommand({
              DBSnapshotIdentifier: ref.id,
              // RDS documents that describing an automated snapshot by
              // identifier needs SnapshotType too; their ids start with `rds:`.
              SnapshotType: ref.id.startsWith('rds:') ? 'automated' : undefined,
            }),
          ),
        );
        const snapshot = output.DBSnapshots?.[0];
        return snapshot === undefined ? undefined : this.#fromDbSnapshot(snapshot);
      }
      const context = { operation: 'DescribeDBClusterSnapshots', resource: ref.id, snapshotId: ref.id };
      const output = await call(context, () =>
        this.#client.send(
          new DescribeDBClusterSnapshotsCommand({
            DBClusterSnapshotIdentifier: ref.id,
            SnapshotType: ref.id.startsWith('rds:') ? 'automated' : undefined,
          }),
        ),
      );
      const snapshot = output.DBClusterSnapshots?.[0];
      return snapshot === undefined ? undefined : this.#fromClusterSnapshot(snapshot);
    } catch (error) {
      if (error instanceof SnapshotNotFoundError) return undefined;
      throw error;
    }
  }

  async listSnapshots(filter: SnapshotFilter = {}): Promise<Snapshot[]> {
    const kinds = kindsToList(filter);
    const lists = await Promise.all(
      kinds.map((kind) =>
        kind === 'instance' ? this.#listDbSnapshots(filter) : this.#listClusterSnapshots(filter),
      ),
    );
    return lists.flat().filter((snapshot) => isRdsEngine(snapshot.engine));
  }

  async copySnapshot(request: CopySnapshotRequest): Promise<Snapshot> {
    const { sourceSnapshotArn, targetSnapshotId } = request;
    const common = {
      // Not sent to RDS: the SDK presigns the source-region request (it takes
      // the region from the source ARN and skips it for a same-region copy).
      SourceRegion: request.sourceRegion,
      // The copy's tags are the request's, sent in full; CopyTags is left at
      // its default (false). The API reference documents CopyTags ("copy all
      // tags from the source DB snapshot to the target DB snapshot. By
      // default, tags aren't copied") and Tags each alone, not what RDS does
      // given both (CopyDBSnapshot and CopyDBClusterSnapshot,
      // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html,
      // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html);
      // a measurement on AWS reported with moto (getmoto/moto#8320) found
      // that given Tags replace the copied ones. Without CopyTags the copy
      // carries exactly `Tags` under either reading.
      Tags: toTagList(request.tags),
    };
    if (request.kind === 'instance') {
      const context = {
        operation: 'CopyDBSnapshot',
        resource: `${sourceSnapshotArn} to ${targetSnapshotId} in ${this.region}`,
        snapshotId: targetSnapshotId,
        sourceSnapshotId: sourceSnapshotArn,
        copy: true,
      };
      const output = await call(context, () =>
        this.#client.send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: sourceSnapshotArn,
            TargetDBSnapshotIdentifier: targetSnapshotId,
            // Sent for an unencrypted source too: "If you specify this parameter
            // when you copy an unencrypted snapshot, the copy is encrypted"
            // (CopyDBSnapshot, KmsKeyId, Amazon RDS API Reference).
            KmsKeyId: request.kmsKeyId,
            ...common,
          }),
        ),
      );
      return this.#fromDbSnapshot(required(output.DBSnapshot, context));
    }
    const context = {
      operation: 'CopyDBClusterSnapshot',
      resource: `${sourceSnapshotArn} to ${targetSnapshotId} in ${this.region}`,
      snapshotId: targetSnapshotId,
      sourceSnapshotId: sourceSnapshotArn,
      copy: true,
    };
    const output = await call(context, () =>
      this.#client.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: sourceSnapshotArn,
          TargetDBClusterSnapshotIdentifier: targetSnapshotId,
          // Not sent for an unencrypted source: "If you copy an unencrypted DB
          // cluster snapshot and specify a value for the KmsKeyId parameter,
          // an error is returned" (CopyDBClusterSnapshot, KmsKeyId, Amazon RDS
          // API Reference). Such a copy stays unencrypted, as its source is.
          KmsKeyId: request.sourceEncrypted ? request.kmsKeyId : undefined,
          ...common,
        }),
      ),
    );
    return this.#fromClusterSnapshot(required(output.DBClusterSnapshot, context));
  }

  async deleteSnapshot(ref: SnapshotRef): Promise<void> {
    if (ref.kind === 'instance') {
      const context = { operation: 'DeleteDBSnapshot', resource: ref.id, snapshotId: ref.id };
      await call(context, () =>
        this.#client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: ref.id })),
      );
      return;
    }
    const context = { operation: 'DeleteDBClusterSnapshot', resource: ref.id, snapshotId: ref.id };
    await call(context, () =>
      this.#client.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: ref.id })),
    );
  }

  async tagSnapshot(snapshot: SnapshotRef & { readonly arn: string }, tags: Tags): Promise<void> {
    const context = { operation: 'AddTagsToResource', resource: snapshot.arn, snapshotId: snapshot.id };
    await call(context, () =>
      this.#client.send(new AddTagsToResourceCommand({ ResourceName: snapshot.arn, Tags: toTagList(tags) })),
    );
  }

  async describeSnapshotQuotas(): Promise<SnapshotQuota[]> {
    const context = { operation: 'DescribeAccountAttributes', resource: `region ${this.region}` };
    const output = await call(context, () => this.#client.send(new DescribeAccountAttributesCommand({})));
    return (output.AccountQuotas ?? []).flatMap(toSnapshotQuota);
  }

  async shareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    await this.#modifyRestoreAttribute(ref, { ValuesToAdd: [accountId] }, `with account ${accountId}`);
  }

  async unshareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    try {
      await this.#modifyRestoreAttribute(ref, { ValuesToRemove: [accountId] }, `from account ${accountId}`);
    } catch (error) {
      // A snapshot that is gone is shared with no one: what the call is for.
      if (error instanceof SnapshotNotFoundError) return;
      throw error;
    }
  }

  async snapshotSharedWith(ref: SnapshotRef): Promise<string[]> {
    if (ref.kind === 'instance') {
      const context = { operation: 'DescribeDBSnapshotAttributes', resource: ref.id, snapshotId: ref.id };
      const output = await call(context, () =>
        this.#client.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: ref.id })),
      );
      return restoreValues(output.DBSnapshotAttributesResult?.DBSnapshotAttributes);
    }
    const context = {
      operation: 'DescribeDBClusterSnapshotAttributes',
      resource: ref.id,
      snapshotId: ref.id,
    };
    const output = await call(context, () =>
      this.#client.send(
        new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: ref.id }),
      ),
    );
    return restoreValues(output.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes);
  }

  /**
   * Changes who may copy and restore the snapshot: RDS's `restore` attribute
   * lists the accounts it is shared with (ModifyDBSnapshotAttribute,
   * ModifyDBClusterSnapshotAttribute, Amazon RDS API Reference).
   */
  async #modifyRestoreAttribute(
    ref: SnapshotRef,
    change: { ValuesToAdd?: string[]; ValuesToRemove?: string[] },
    whom: string,
  ): Promise<void> {
    if (ref.kind === 'instance') {
      const context = {
        operation: 'ModifyDBSnapshotAttribute',
        resource: `${ref.id} ${whom}`,
        snapshotId: ref.id,
      };
      await call(context, () =>
        this.#client.send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: ref.id,
            AttributeName: RESTORE_ATTRIBUTE,
            ...change,
          }),
        ),
      );
      return;
    }
    const context = {
      operation: 'ModifyDBClusterSnapshotAttribute',
      resource: `${ref.id} ${whom}`,
      snapshotId: ref.id,
    };
    await call(context, () =>
      this.#client.send(
        new ModifyDBClusterSnapshotAttributeCommand({
          DBClusterSnapshotIdentifier: ref.id,
          AttributeName: RESTORE_ATTRIBUTE,
          ...change,
        }),
      ),
    );
  }

  async #listDbSnapshots(filter: SnapshotFilter): Promise<Snapshot[]> {
    const DBInstanceIdentifier = filter.database?.id;
    const context = {
      operation: 'DescribeDBSnapshots',
      resource:
        DBInstanceIdentifier === undefined ? `region ${this.region}` : `DB instance ${DBInstanceIdentifier}`,
      databaseId: DBInstanceIdentifier,
    };
    const snapshots = await collectPages(async (Marker) => {
      const page = await call(context, () =>
        this.#client.send(
          new DescribeDBSnapshotsCommand({
            DBInstanceIdentifier,
            SnapshotType: filter.type,
            MaxRecords: PAGE_SIZE,
            Marker,
          }),
        ),
      );
      return { items: page.DBSnapshots ?? [], marker: page.Marker };
    });
    return snapshots.map((snapshot) => sharedIfListedAsShared(this.#fromDbSnapshot(snapshot), filter));
  }

  async #listClusterSnapshots(filter: SnapshotFilter): Promise<Snapshot[]> {
    const DBClusterIdentifier = filter.database?.id;
    const context = {
      operation: 'DescribeDBClusterSnapshots',
      resource:
        DBClusterIdentifier === undefined ? `region ${this.region}` : `DB cluster ${DBClusterIdentifier}`,
      databaseId: DBClusterIdentifier,
    };
    const snapshots = await collectPages(async (Marker) => {
      const page = await call(context, () =>
        this.#client.send(
          new DescribeDBClusterSnapshotsCommand({
            DBClusterIdentifier,
            SnapshotType: filter.type,
            MaxRecords: PAGE_SIZE,
            Marker,
          }),
        ),
      );
      return { items: page.DBClusterSnapshots ?? [], marker: page.Marker };
    });
    return snapshots.map((snapshot) => sharedIfListedAsShared(this.#fromClusterSnapshot(snapshot), filter));
  }

  #fromDbSnapshot(snapshot: DBSnapshot): Snapshot {
    const source = snapshot.SourceDBSnapshotIdentifier;
    return {
      id: snapshot.DBSnapshotIdentifier ?? '',
      arn: snapshot.DBSnapshotArn ?? '',
      region: this.region,
      database: { kind: 'instance', id: snapshot.DBInstanceIdentifier ?? '' },
      engine: snapshot.Engine ?? '',
      ...optionalEngineVersion(snapshot.EngineVersion),
      status: toSnapshotStatus(snapshot.Status),
      type: toSnapshotType(snapshot.SnapshotType),
      createdAt: snapshot.SnapshotCreateTime,
      originalCreatedAt: snapshot.OriginalSnapshotCreateTime ?? snapshot.SnapshotCreateTime,
      encrypted: snapshot.Encrypted ?? false,
      kmsKeyId: snapshot.KmsKeyId,
      sourceSnapshotArn: source?.startsWith('arn:') ? source : undefined,
      percentProgress: snapshot.PercentProgress ?? 0,
      tags: fromTagList(snapshot.TagList),
    };
  }

  #fromClusterSnapshot(snapshot: DBClusterSnapshot): Snapshot {
    return {
      id: snapshot.DBClusterSnapshotIdentifier ?? '',
      arn: snapshot.DBClusterSnapshotArn ?? '',
      region: this.region,
      database: { kind: 'cluster', id: snapshot.DBClusterIdentifier ?? '' },
      engine: snapshot.Engine ?? '',
      ...optionalEngineVersion(snapshot.EngineVersion),
      status: toSnapshotStatus(snapshot.Status),
      type: toSnapshotType(snapshot.SnapshotType),
      createdAt: snapshot.SnapshotCreateTime,
      // DBClusterSnapshot has no OriginalSnapshotCreateTime field (only
      // DBSnapshot has one), so SnapshotCreateTime is the best RDS offers.
      // Unlike DBSnapshot's, it is not documented to change for a copy; if it
      // does, a copy's age counts from the copy, not from the original.
      originalCreatedAt: snapshot.SnapshotCreateTime,
      encrypted: snapshot.StorageEncrypted ?? false,
      kmsKeyId: snapshot.KmsKeyId,
      sourceSnapshotArn: snapshot.SourceDBClusterSnapshotArn,
      percentProgress: snapshot.PercentProgress ?? 0,
      tags: fromTagList(snapshot.TagList),
    };
  }
}

/**
 * A listing of `SnapshotType` `shared` holds only "manual DB snapshots that
 * have been shared to my AWS account" (DescribeDBSnapshots,
 * DescribeDBClusterSnapshots, SnapshotType, Amazon RDS API Reference): each
 * is reported as shared, whatever type the response gives it (the owner's
 * own `manual`, as some emulators answer).
 */
function sharedIfListedAsShared(snapshot: Snapshot, filter: SnapshotFilter): Snapshot {
  return filter.type === 'shared' ? { ...snapshot, type: 'shared' } : snapshot;
}

/** The snapshot attribute that lists the accounts allowed to copy and restore a manual snapshot. */
const RESTORE_ATTRIBUTE = 'restore';

function restoreValues(
  attributes: Array<DBSnapshotAttribute | DBClusterSnapshotAttribute> | undefined,
): string[] {
  const restore = (attributes ?? []).find((attribute) => attribute.AttributeName === RESTORE_ATTRIBUTE);
  return [...(restore?.AttributeValues ?? [])].sort();
}

/**
 * The port of each region, over one `RDSClient` per region kept for the life
 * of the module (a Lambda container reuses it across invocations).
 */
export function awsRdsPortProvider(
  options: { clientFactory?: (region: string) => RDSClient } = {},
): RdsPortProvider {
  const clientFactory = options.clientFactory ?? defaultClientFactory;
  return (region) => new AwsRdsAdapter(clientForRegion(clientFactory, region), region);
}

function defaultClientFactory(region: string): RDSClient {
  return new RDSClient({ region, maxAttempts: 3 });
}

// ---------------------------------------------------------------------------
// Errors

/** What an adapter call was doing, for the translated error. */
interface CallContext {
  readonly operation: string;
  /** Names the resource in the error message. */
  readonly resource: string;
  /** The snapshot created, copied to, described or deleted. */
  readonly snapshotId?: string | undefined;
  /** For a copy, the snapshot copied from (whose absence is the not-found case). */
  readonly sourceSnapshotId?: string | undefined;
  readonly databaseId?: string | undefined;
  /** A snapshot copy, whose cross-region concurrency limit RDS reports as a snapshot quota. */
  readonly copy?: boolean;
}

// RDS exception names. The SDK names a modelled exception after its shape
// (`DBSnapshotAlreadyExistsFault`), not after the wire error code
// (`DBSnapshotAlreadyExists`); an unmodelled code (`Throttling`) becomes the
// name of a plain `RDSServiceException`. Both spellings are matched so that
// an error built from the wire code (another client, an emulator) translates
// the same.
const SNAPSHOT_ALREADY_EXISTS = new Set([
  'DBSnapshotAlreadyExistsFault',
  'DBSnapshotAlreadyExists',
  'DBClusterSnapshotAlreadyExistsFault',
]);
const SNAPSHOT_QUOTA_EXCEEDED = new Set(['SnapshotQuotaExceededFault', 'SnapshotQuotaExceeded']);
const INVALID_STATE = new Set([
  'InvalidDBInstanceStateFault',
  'InvalidDBInstanceState',
  'InvalidDBClusterStateFault',
  'InvalidDBSnapshotStateFault',
  'InvalidDBSnapshotState',
  'InvalidDBClusterSnapshotStateFault',
]);
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const DATABASE_NOT_FOUND = new Set([
  'DBInstanceNotFoundFault',
  'DBInstanceNotFound',
  'DBClusterNotFoundFault',
]);
const SNAPSHOT_NOT_FOUND = new Set([
  'DBSnapshotNotFoundFault',
  'DBSnapshotNotFound',
  'DBClusterSnapshotNotFoundFault',
]);
// (The wire code of this one is the exception name itself.)
const KMS_KEY_NOT_ACCESSIBLE = new Set(['KMSKeyNotAccessibleFault']);
// A common RDS error, not modelled: the SDK names it after the wire code;
// the `Exception` spelling is matched for clients and emulators that use it.
const INVALID_PARAMETER_COMBINATION = new Set([
  'InvalidParameterCombination',
  'InvalidParameterCombinationException',
]);
// Also a common error, for a value RDS never accepts. RDS does not document
// which code refuses to share a snapshot encrypted under the default key
// ("You can't share a snapshot that has been encrypted using the default KMS
// key of the AWS account that shared the snapshot", Sharing encrypted
// snapshots, Amazon RDS User Guide); it is a parameter error either way.
const INVALID_PARAMETER_VALUE = new Set(['InvalidParameterValue', 'InvalidParameterValueException']);
// The identity may not make the call: IAM's `AccessDenied` (RDS's common
// errors spell it `AccessDeniedException`), e.g. a vault account's role that
// may not delete. KMS's refusal of a key comes as KMSKeyNotAccessibleFault.
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'AccessDeniedFault']);
// ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute: "You have
// exceeded the maximum number of accounts that you can share a manual DB
// snapshot with" (20).
const SHARED_SNAPSHOT_QUOTA_EXCEEDED = new Set([
  'SharedSnapshotQuotaExceededFault',
  'SharedSnapshotQuotaExceeded',
]);

// RDS has no error code of its own for the limit of concurrent cross-region
// copies into a region (20 per destination region today, formerly 5): it
// answers CopyDBSnapshot / CopyDBClusterSnapshot with `SnapshotQuotaExceeded`
// and a message such as "Cannot copy more than 5 snapshots across regions",
// while the manual snapshot quota says "Cannot create more than 100 manual
// snapshots". Only the message tells them apart, so this match is best effort:
// a copy-limit message it misses falls back to SnapshotQuotaExceededError.
const COPY_LIMIT_MESSAGE = /across regions|copies in progress|concurrent/i;

/**
 * Translates an RDS SDK error into the typed errors of `domain/errors.ts`,
 * keeping the SDK error as `cause`; returns anything else unchanged.
 */
export function translateRdsError(error: unknown, context: CallContext): unknown {
  if (!(error instanceof Error)) return error;
  const name = error.name;
  const options = { cause: error };
  const what = `${context.operation} ${context.resource}`;
  if (SNAPSHOT_ALREADY_EXISTS.has(name)) {
    return named(new SnapshotAlreadyExistsError(context.snapshotId ?? context.resource, options), what);
  }
  if (SNAPSHOT_QUOTA_EXCEEDED.has(name)) {
    if (context.copy === true && COPY_LIMIT_MESSAGE.test(error.message)) {
      return new CopyLimitExceededError(
        `${what}: too many snapshot copies in progress: ${error.message}`,
        options,
      );
    }
    return new SnapshotQuotaExceededError(`${what}: snapshot quota exceeded: ${error.message}`, options);
  }
  if (INVALID_STATE.has(name)) {
    return new InvalidStateError(`${what}: invalid state: ${error.message}`, options);
  }
  if (THROTTLING.has(name)) {
    return new ThrottlingError(`${what}: throttled: ${error.message}`, options);
  }
  if (DATABASE_NOT_FOUND.has(name)) {
    return named(new DatabaseNotFoundError(context.databaseId ?? context.resource, options), what);
  }
  if (SNAPSHOT_NOT_FOUND.has(name)) {
    return named(
      new SnapshotNotFoundError(context.sourceSnapshotId ?? context.snapshotId ?? context.resource, options),
      what,
    );
  }
  if (KMS_KEY_NOT_ACCESSIBLE.has(name)) {
    return new EncryptionKeyError(`${what}: KMS key not accessible: ${error.message}`, options);
  }
  if (INVALID_PARAMETER_COMBINATION.has(name)) {
    return new InvalidRequestError(`${what}: invalid parameter combination: ${error.message}`, options);
  }
  if (INVALID_PARAMETER_VALUE.has(name)) {
    return new InvalidRequestError(`${what}: invalid parameter value: ${error.message}`, options);
  }
  if (ACCESS_DENIED.has(name)) {
    return new AccessDeniedError(`${what}: access denied: ${error.message}`, options);
  }
  if (SHARED_SNAPSHOT_QUOTA_EXCEEDED.has(name)) {
    return new SnapshotQuotaExceededError(
      `${what}: the snapshot is shared with as many accounts as RDS allows: ${error.message}`,
      options,
    );
  }
  return error;
}

/**
 * Prefixes the fixed message of an error class (`snapshot X not found`) with
 * the operation and resource, as every translated error's message has them.
 */
function named<E extends Error>(error: E, what: string): E {
  error.message = `${what}: ${error.message}`;
  return error;
}

async function call<T>(context: CallContext, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw translateRdsError(error, context);
  }
}

/** A response field RDS always sets on success. */
function required<T>(value: T | undefined, context: CallContext): T {
  if (value === undefined) {
    throw new Error(`${context.operation} ${context.resource}: RDS returned no result`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// Mapping

function kindsToList(filter: SnapshotFilter): DatabaseKind[] {
  if (filter.kind !== undefined && filter.database !== undefined && filter.kind !== filter.database.kind) {
    return [];
  }
  const kind = filter.kind ?? filter.database?.kind;
  return kind === undefined ? ['instance', 'cluster'] : [kind];
}

// The RDS API also describes Amazon Neptune and DocumentDB clusters, instances
// and snapshots; they are not RDS or Aurora databases and are left out.
function isRdsEngine(engine: string): boolean {
  return !engine.startsWith('neptune') && !engine.startsWith('docdb');
}

function toInstanceDatabase(instance: DBInstance): Database {
  return {
    kind: 'instance',
    id: instance.DBInstanceIdentifier ?? '',
    arn: instance.DBInstanceArn ?? '',
    engine: instance.Engine ?? '',
    engineVersion: instance.EngineVersion ?? '',
    status: instance.DBInstanceStatus ?? '',
    multiAz: instance.MultiAZ ?? false,
    storageEncrypted: instance.StorageEncrypted ?? false,
    backupRetentionDays: instance.BackupRetentionPeriod ?? 0,
    tags: fromTagList(instance.TagList),
  };
}

function toClusterDatabase(cluster: DBCluster): Database {
  const database: Database = {
    kind: 'cluster',
    id: cluster.DBClusterIdentifier ?? '',
    arn: cluster.DBClusterArn ?? '',
    engine: cluster.Engine ?? '',
    engineVersion: cluster.EngineVersion ?? '',
    status: cluster.Status ?? '',
    // RDS sets MultiAZ on a cluster when its instances span several AZs.
    multiAz: cluster.MultiAZ ?? false,
    storageEncrypted: cluster.StorageEncrypted ?? false,
    backupRetentionDays: cluster.BackupRetentionPeriod ?? 0,
    tags: fromTagList(cluster.TagList),
  };
  // DBClusterInstanceClass: "This setting is only for non-Aurora Multi-AZ DB
  // clusters" (DBCluster, Amazon RDS API Reference). Without it a drill
  // cannot restore the cluster; the sandbox adapter says so.
  const instanceClass = cluster.DBClusterInstanceClass;
  if (databaseTypeOf(database) !== 'multi-az-cluster' || instanceClass === undefined) return database;
  return {
    ...database,
    multiAzCluster: { instanceClass, storageType: cluster.StorageType, iops: cluster.Iops },
  };
}

function optionalEngineVersion(engineVersion: string | undefined): { engineVersion?: string } {
  return engineVersion === undefined || engineVersion === '' ? {} : { engineVersion };
}

// The account quotas of manual snapshots, by name, as DescribeAccountAttributes
// lists them: "ManualSnapshots - The number of manual DB instance snapshots
// per account. The used value is the count of the manual DB instance
// snapshots in the account", and ManualClusterSnapshots likewise for DB
// cluster snapshots (AccountQuota, Amazon RDS API Reference,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_AccountQuota.html).
// Like every RDS quota they apply per account and per Region (Quotas in Amazon
// RDS, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html).
const SNAPSHOT_QUOTA_KINDS: ReadonlyMap<string, DatabaseKind> = new Map(
  (['instance', 'cluster'] as const).map((kind) => [SNAPSHOT_QUOTA_NAMES[kind], kind]),
);

/** The snapshot quota an account quota is, if it is one that RDS filled in. */
function toSnapshotQuota(quota: AccountQuota): SnapshotQuota[] {
  const kind = SNAPSHOT_QUOTA_KINDS.get(quota.AccountQuotaName ?? '');
  if (kind === undefined || quota.Used === undefined || quota.Max === undefined) return [];
  return [{ kind, used: quota.Used, max: quota.Max }];
}

const SNAPSHOT_STATUSES: ReadonlySet<string> = new Set<SnapshotStatus>([
  'creating',
  'pending',
  'copying',
  'available',
  'failed',
  'deleting',
]);

function isSnapshotStatus(status: string): status is SnapshotStatus {
  return SNAPSHOT_STATUSES.has(status);
}

/**
 * RDS reports statuses in lower case but does not promise it. A status the
 * port does not know (e.g. `upgrading`, `modifying`) is reported as `pending`:
 * not usable yet, and not a failure the workflow should act on.
 */
function toSnapshotStatus(status: string | undefined): SnapshotStatus {
  const lowered = (status ?? '').toLowerCase();
  return isSnapshotStatus(lowered) ? lowered : 'pending';
}

const SNAPSHOT_TYPES: ReadonlySet<string> = new Set<SnapshotType>([
  'manual',
  'automated',
  'awsbackup',
  'shared',
  'public',
]);

function isSnapshotType(type: string): type is SnapshotType {
  return SNAPSHOT_TYPES.has(type);
}

function toSnapshotType(type: string | undefined): SnapshotType {
  const lowered = (type ?? '').toLowerCase();
  return isSnapshotType(lowered) ? lowered : 'manual';
}

function fromTagList(tagList: Tag[] | undefined): Tags {
  const tags: Record<string, string> = {};
  for (const tag of tagList ?? []) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

function toTagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
