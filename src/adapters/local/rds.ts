// The RdsPort over the embedded local cloud: a thin client of the local RDS
// service (local-cloud/rds-api.ts), which already raises the typed errors of
// domain/errors.ts. Like the AWS adapter, it follows every page of a listing.

import { databaseArn } from '../../local-cloud/layout.ts';
import type { DescribedSnapshot, LocalRdsApi } from '../../local-cloud/rds-api.ts';
import type { DatabaseRecord, SnapshotRecord } from '../../local-cloud/records.ts';
import type {
  CopySnapshotRequest,
  CreateSnapshotRequest,
  Database,
  RdsPort,
  Snapshot,
  SnapshotFilter,
  SnapshotQuota,
  SnapshotRef,
  Tags,
} from '../../ports/rds.ts';
import { collectPages } from '../pages.ts';

export class LocalRdsAdapter implements RdsPort {
  readonly region: string;
  readonly #api: LocalRdsApi;

  constructor(api: LocalRdsApi) {
    this.region = api.region;
    this.#api = api;
  }

  async listDatabases(): Promise<Database[]> {
    const records = await collectPages((marker) => this.#api.describeDatabases({ marker }));
    return records.map((record) => toDatabase(this.region, record, this.#api.accountId));
  }

  async createSnapshot(request: CreateSnapshotRequest): Promise<Snapshot> {
    const record = await this.#api.createSnapshot({
      kind: request.database.kind,
      databaseId: request.database.id,
      snapshotId: request.snapshotId,
      tags: request.tags,
    });
    return toSnapshot(record);
  }

  async describeSnapshot(ref: SnapshotRef): Promise<Snapshot | undefined> {
    const record = await this.#api.describeSnapshot(ref.kind, ref.id);
    return record === undefined ? undefined : toSnapshot(record);
  }

  async listSnapshots(filter: SnapshotFilter = {}): Promise<Snapshot[]> {
    if (filter.kind !== undefined && filter.database !== undefined && filter.kind !== filter.database.kind) {
      return [];
    }
    const kind = filter.kind ?? filter.database?.kind;
    const records = await collectPages((marker) =>
      this.#api.describeSnapshots({
        marker,
        ...(kind === undefined ? {} : { kind }),
        ...(filter.database === undefined ? {} : { databaseId: filter.database.id }),
        ...(filter.type === undefined ? {} : { type: filter.type }),
      }),
    );
    return records.map(toSnapshot);
  }

  async copySnapshot(request: CopySnapshotRequest): Promise<Snapshot> {
    return toSnapshot(await this.#api.copySnapshot(request));
  }

  async deleteSnapshot(ref: SnapshotRef): Promise<void> {
    await this.#api.deleteSnapshot(ref.kind, ref.id);
  }

  async tagSnapshot(snapshot: SnapshotRef, tags: Tags): Promise<void> {
    await this.#api.addTagsToSnapshot(snapshot.kind, snapshot.id, tags);
  }

  describeSnapshotQuotas(): Promise<SnapshotQuota[]> {
    return this.#api.describeSnapshotQuotas();
  }

  shareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    return this.#api.shareSnapshot(ref.kind, ref.id, accountId);
  }

  unshareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    return this.#api.unshareSnapshot(ref.kind, ref.id, accountId);
  }

  snapshotSharedWith(ref: SnapshotRef): Promise<string[]> {
    return this.#api.snapshotSharedWith(ref.kind, ref.id);
  }
}

const PROGRESS: Record<SnapshotRecord['status'], number> = {
  creating: 0,
  pending: 0,
  copying: 50,
  available: 100,
  failed: 0,
};

export function toSnapshot(record: DescribedSnapshot): Snapshot {
  return {
    id: record.id,
    arn: record.arn,
    region: record.region,
    database: { kind: record.kind, id: record.databaseId },
    engine: record.engine,
    ...(record.engineVersion === undefined ? {} : { engineVersion: record.engineVersion }),
    status: record.status,
    type: record.type,
    createdAt: new Date(record.createdAt),
    originalCreatedAt: new Date(record.originalCreatedAt),
    encrypted: record.encrypted,
    kmsKeyId: record.kmsKeyId,
    sourceSnapshotArn: record.sourceSnapshotArn ?? undefined,
    percentProgress: PROGRESS[record.status],
    tags: { ...record.tags },
    ...(record.sha256 === null ? {} : { sha256: record.sha256 }),
  };
}

export function toDatabase(region: string, record: DatabaseRecord, accountId?: string): Database {
  return {
    kind: record.kind,
    id: record.id,
    arn: databaseArn(region, record.kind, record.id, accountId),
    engine: record.engine,
    engineVersion: record.engineVersion,
    status: 'available',
    multiAz: record.multiAz,
    storageEncrypted: record.storageEncrypted,
    backupRetentionDays: record.backupRetentionDays,
    tags: { ...record.tags },
  };
}
