// The local cloud's RDS service for one region: RDS-shaped operations on the
// metadata records of the state directory, with RDS's behaviour where the
// workflows depend on it: snapshot states that advance as they are polled,
// manual snapshot and in-flight copy quotas, paged listings with markers,
// cross-region copies that re-encrypt under the destination's key, and the
// typed errors of domain/errors.ts. `adapters/local/rds.ts` turns it into the
// RdsPort.
//
// State machine (each describeSnapshot of a snapshot that is not done yet is
// one poll; a state lasts `describesPerState` polls, 1 by default; listings
// never advance anything):
//   created:  creating -> available | failed
//   copied:   pending  -> copying   -> available | failed
// The data work happens in the create/copy call itself: by the time the call
// returns the archive is written (or, for a snapshot that will fail, not).
//
// Accounts: one service per account and region. An account shares a manual
// snapshot with another (RDS's `restore` attribute), which then lists it
// (`type: 'shared'`) and can copy it by its ARN: only while it is shared,
// only if the owner's KMS key lets the other account use it, and only under
// a key of the copying account (re-encrypted, as every copy is).
//
// Deviation from RDS: snapshot identifiers form one namespace per region for
// instance and cluster snapshots alike (they share a directory), and so do
// database identifiers. A listing of the snapshots shared with an account is
// one page.
import { rm, unlink } from 'node:fs/promises';
import {
  CopyLimitExceededError,
  DatabaseNotFoundError,
  EncryptionKeyError,
  InvalidInputError,
  InvalidRequestError,
  InvalidStateError,
  SnapshotAlreadyExistsError,
  SnapshotNotFoundError,
  SnapshotQuotaExceededError,
} from '../domain/errors.ts';
import type { DatabaseKind, SnapshotType, Tags } from '../ports/rds.ts';
import { decryptArchive, encryptArchive, sha256Hex } from './archive.ts';
import { crashNow, type FaultInjector } from './faults.ts';
import { readFileIfExists, writeFileAtomic } from './files.ts';
import { DEFAULT_RDS_KEY_ID, isDefaultRdsKey, type LocalKms } from './kms.ts';
import {
  assertAccountId,
  assertRegion,
  isValidIdentifier,
  normalizeIdentifier,
  parseSnapshotArn,
  type StateLayout,
  snapshotArn,
} from './layout.ts';
import type { Mutex } from './mutex.ts';
import {
  type DatabaseRecord,
  isUnreadable,
  listDatabaseIds,
  listSnapshotIds,
  readDatabaseRecord,
  readSnapshotRecord,
  type SnapshotRecord,
  STATE_FORMAT_VERSION,
  tryReadSnapshotRecord,
  writeSnapshotRecord,
} from './records.ts';

export interface LocalCloudLimits {
  /**
   * Manual snapshots per region, counted separately for instance snapshots
   * and cluster snapshots as RDS does (copies count in their destination).
   */
  readonly manualSnapshotQuota: number;
  /** Snapshot copies in flight (pending or copying) into one region. */
  readonly copiesInFlightQuota: number;
  /** Records per page of the internal listings. */
  readonly listPageSize: number;
  /** How many describes each transitional snapshot state lasts. */
  readonly describesPerState: number;
  /** Accounts one manual snapshot may be shared with (RDS: 20). */
  readonly sharedAccountsQuota: number;
}

/** RDS's defaults: 100 manual snapshots, 20 copies in flight per destination region. */
export const DEFAULT_LIMITS: LocalCloudLimits = {
  manualSnapshotQuota: 100,
  copiesInFlightQuota: 20,
  listPageSize: 20,
  describesPerState: 1,
  sharedAccountsQuota: 20,
};

/** Where an account keeps its regions, and its KMS. */
export interface AccountStorage {
  readonly accountId: string;
  readonly layout: StateLayout;
  readonly kms: LocalKms;
}

/** What the RDS service of one account needs of the cloud that hosts it. */
export interface LocalCloudContext extends AccountStorage {
  readonly clock: () => Date;
  readonly limits: LocalCloudLimits;
  readonly faults: FaultInjector;
  /** The lock of a region's records, one for every account (a copy reads a source before it locks its own region). */
  regionMutex(region: string): Mutex;
  /** Creates this account's region directories and default key if missing. */
  ensureRegion(region: string): Promise<void>;
  /** The storage of any account (this one included), whether or not it has a directory yet. */
  storageOf(accountId: string): AccountStorage;
  /** Every account with a directory, the local cloud's own included. */
  listAccounts(): Promise<string[]>;
  /** The gzip tarball of the database's data directory. */
  dumpDatabase(region: string, id: string): Promise<Uint8Array>;
  /** Runs an operation, refusing it once the cloud is closing or interrupted, and lets close() wait for it. */
  track<T>(operation: () => Promise<T>): Promise<T>;
}

export interface Page<T> {
  readonly items: T[];
  /** Present when there are more records: pass it back to get the next page. */
  readonly marker: string | undefined;
}

export interface PageRequest {
  readonly marker?: string;
  readonly maxRecords?: number;
}

/**
 * A snapshot as the service describes it: its own (`manual`), or, in a
 * listing of `type: 'shared'`, another account's that is shared with this one.
 */
export type DescribedSnapshot = Omit<SnapshotRecord, 'type'> & { readonly type: 'manual' | 'shared' };

export interface SnapshotQuery extends PageRequest {
  readonly kind?: DatabaseKind;
  readonly databaseId?: string;
  readonly type?: SnapshotType;
}

export interface CreateSnapshotInput {
  readonly kind: DatabaseKind;
  readonly databaseId: string;
  readonly snapshotId: string;
  readonly tags: Tags;
}

export interface CopySnapshotInput {
  readonly kind: DatabaseKind;
  /**
   * The source's ARN (another account's for a snapshot shared with this
   * one); a bare id is accepted for a copy within the region and account.
   */
  readonly sourceSnapshotArn: string;
  readonly sourceRegion: string;
  readonly targetSnapshotId: string;
  readonly kmsKeyId: string;
  readonly tags: Tags;
}

const IN_FLIGHT_COPY: ReadonlySet<string> = new Set(['pending', 'copying']);
const TRANSITIONAL: ReadonlySet<string> = new Set(['creating', 'pending', 'copying']);

interface Reservation {
  readonly kind: DatabaseKind;
  readonly copy: boolean;
}

export class LocalRdsApi {
  readonly region: string;
  readonly accountId: string;
  readonly #ctx: LocalCloudContext;
  /** Snapshot ids being created or copied right now, not yet on disk. */
  readonly #reserved = new Map<string, Reservation>();

  constructor(ctx: LocalCloudContext, region: string) {
    this.region = assertRegion(region);
    this.accountId = ctx.accountId;
    this.#ctx = ctx;
  }

  /** The fault target of a call of this service. */
  #target(database?: string): { region: string; account: string; database?: string } {
    return { region: this.region, account: this.accountId, ...(database === undefined ? {} : { database }) };
  }

  get #mutex(): Mutex {
    return this.#ctx.regionMutex(this.region);
  }

  describeDatabases(request: PageRequest = {}): Promise<Page<DatabaseRecord>> {
    return this.#ctx.track(async () => {
      this.#ctx.faults.apply('listDatabases', this.#target());
      const ids = await listDatabaseIds(this.#ctx.layout, this.region);
      return this.#page(ids, request, (id) => readDatabaseRecord(this.#ctx.layout, this.region, id));
    });
  }

  createSnapshot(input: CreateSnapshotInput): Promise<SnapshotRecord> {
    return this.#ctx.track(async () => {
      const snapshotId = normalizeIdentifier('snapshot', input.snapshotId);
      const databaseId = normalizeIdentifier('database', input.databaseId);
      await this.#ctx.ensureRegion(this.region);
      const fault = this.#ctx.faults.apply('createSnapshot', this.#target(databaseId));
      const database = await readDatabaseRecord(this.#ctx.layout, this.region, databaseId);
      if (database === undefined || database.kind !== input.kind) throw new DatabaseNotFoundError(databaseId);
      const createdAt = this.#ctx.clock().toISOString();
      await this.#reserve(input.kind, snapshotId, false);
      try {
        let archive: Uint8Array | undefined;
        if (fault !== 'fail') {
          const tarball = await this.#ctx.dumpDatabase(this.region, databaseId);
          const key = await this.#ctx.kms.getKey(this.region, DEFAULT_RDS_KEY_ID);
          archive = encryptArchive(tarball, key, snapshotId);
        }
        const record: SnapshotRecord = {
          formatVersion: STATE_FORMAT_VERSION,
          id: snapshotId,
          arn: snapshotArn(this.region, input.kind, snapshotId, this.accountId),
          region: this.region,
          kind: input.kind,
          databaseId,
          engine: database.engine,
          engineVersion: database.engineVersion,
          status: 'creating',
          outcome: archive === undefined ? 'failed' : 'available',
          ...(archive === undefined ? { statusReason: 'injected fault: createSnapshot fails' } : {}),
          pollsUntilNext: this.#ctx.limits.describesPerState,
          type: 'manual',
          createdAt,
          originalCreatedAt: createdAt,
          encrypted: true,
          kmsKeyId: DEFAULT_RDS_KEY_ID,
          sourceSnapshotArn: null,
          sha256: archive === undefined ? null : sha256Hex(archive),
          sizeBytes: archive === undefined ? null : archive.byteLength,
          tags: { ...input.tags },
        };
        await this.#commit(record, archive);
        return record;
      } finally {
        this.#reserved.delete(snapshotId);
      }
    });
  }

  /** The snapshot, advanced by one poll; undefined when there is none of that kind. */
  describeSnapshot(kind: DatabaseKind, id: string): Promise<SnapshotRecord | undefined> {
    return this.#ctx.track(async () => {
      const snapshotId = normalizeIdentifier('snapshot', id);
      return this.#mutex.run(async () => {
        const record = await readSnapshotRecord(this.#ctx.layout, this.region, snapshotId);
        this.#ctx.faults.apply('describeSnapshot', this.#target(record?.databaseId));
        if (record === undefined || record.kind !== kind) return undefined;
        const next = advance(record, this.#ctx.limits.describesPerState);
        if (next !== record) await writeSnapshotRecord(this.#ctx.layout, next);
        return next;
      });
    });
  }

  /**
   * One page of the region's snapshots matching the query, in identifier
   * order. Advances nothing. A record that does not read is left out (its
   * database is unknown), so one damaged file never hides the others; it is
   * named when that snapshot is described by id, and by `status`. With
   * `type: 'shared'`, the snapshots of other accounts in this region that are
   * shared with this one, as DescribeDBSnapshots with SnapshotType `shared`
   * lists them (in one page).
   */
  describeSnapshots(query: SnapshotQuery = {}): Promise<Page<DescribedSnapshot>> {
    return this.#ctx.track(async () => {
      this.#ctx.faults.apply('listSnapshots', this.#target());
      const databaseId = query.databaseId === undefined ? undefined : query.databaseId.toLowerCase();
      const matches = (record: SnapshotRecord) =>
        (query.kind === undefined || record.kind === query.kind) &&
        (databaseId === undefined || record.databaseId === databaseId);
      if (query.type === 'shared')
        return { items: await this.#sharedWithThisAccount(matches), marker: undefined };
      const ids = await listSnapshotIds(this.#ctx.layout, this.region);
      return this.#page(ids, query, async (id) => {
        const record = await tryReadSnapshotRecord(this.#ctx.layout, this.region, id);
        if (record === undefined || isUnreadable(record) || !matches(record)) return undefined;
        if (query.type !== undefined && record.type !== query.type) return undefined;
        return record;
      });
    });
  }

  async #sharedWithThisAccount(matches: (record: SnapshotRecord) => boolean): Promise<DescribedSnapshot[]> {
    const shared: DescribedSnapshot[] = [];
    for (const owner of await this.#ctx.listAccounts()) {
      if (owner === this.accountId) continue;
      const { layout } = this.#ctx.storageOf(owner);
      for (const id of await listSnapshotIds(layout, this.region)) {
        const record = await tryReadSnapshotRecord(layout, this.region, id);
        if (record === undefined || isUnreadable(record) || !matches(record)) continue;
        if ((record.sharedWith ?? []).includes(this.accountId)) shared.push({ ...record, type: 'shared' });
      }
    }
    return shared;
  }

  /** Starts a copy into this region from `sourceRegion` (possibly this region). */
  copySnapshot(input: CopySnapshotInput): Promise<SnapshotRecord> {
    return this.#ctx.track(async () => {
      const targetId = normalizeIdentifier('snapshot', input.targetSnapshotId);
      const sourceRegion = assertRegion(input.sourceRegion);
      const { id: sourceId, accountId: sourceAccount } = this.#sourceOf(input, sourceRegion);
      const owner = this.#ctx.storageOf(sourceAccount);
      const crossAccount = sourceAccount !== this.accountId;
      if (crossAccount && input.kmsKeyId === '') {
        // CopyDBSnapshot, KmsKeyId: "If you copy an encrypted snapshot that
        // is shared from another Amazon Web Services account, then you must
        // specify a value for KmsKeyId." (Every local snapshot is encrypted.)
        throw new InvalidRequestError(
          `copying ${input.sourceSnapshotArn}, an encrypted snapshot shared by account ${sourceAccount}, needs a KMS key of account ${this.accountId}`,
        );
      }
      await this.#ctx.ensureRegion(this.region);

      // Read the source under its own region's lock, released before this
      // region's is taken: two regions copying to each other cannot deadlock.
      const source = await this.#ctx.regionMutex(sourceRegion).run(async () => {
        const record = await readSnapshotRecord(owner.layout, sourceRegion, sourceId);
        // Another account's snapshot that is not shared with this one is, to
        // this account, not there: RDS answers DBSnapshotNotFound alike.
        const visible =
          record !== undefined &&
          record.kind === input.kind &&
          (!crossAccount || (record.sharedWith ?? []).includes(this.accountId));
        if (!visible) throw new SnapshotNotFoundError(crossAccount ? input.sourceSnapshotArn : sourceId);
        if (record.status !== 'available') {
          throw new InvalidStateError(`source snapshot ${sourceId} is ${record.status}, not available`);
        }
        if (!(await owner.kms.allowsUse(sourceRegion, record.kmsKeyId, this.accountId))) {
          // What RDS answers when the key's policy does not let the copying
          // account decrypt the source: KMSKeyNotAccessibleFault (CopyDBSnapshot, Errors).
          throw new EncryptionKeyError(
            `account ${this.accountId} may not use KMS key ${record.kmsKeyId} of account ${sourceAccount} ` +
              `(region ${sourceRegion}), which encrypts ${record.arn}: its owner has not allowed it`,
          );
        }
        const archive = await readFileIfExists(owner.layout.snapshotArchive(sourceRegion, sourceId));
        return { record, archive };
      });
      const fault = this.#ctx.faults.apply('copySnapshot', this.#target(source.record.databaseId));
      await this.#ctx.faults.pauseIfAsked('copySnapshot', this.#target(source.record.databaseId));
      const targetKey = await this.#ctx.kms.getKey(this.region, input.kmsKeyId);
      const createdAt = this.#ctx.clock().toISOString();
      await this.#reserve(input.kind, targetId, true);
      try {
        let archive: Uint8Array | undefined;
        let statusReason: string | undefined;
        if (fault === 'fail') {
          statusReason = 'injected fault: copySnapshot fails';
        } else if (
          source.archive === undefined ||
          source.record.sha256 === null ||
          sha256Hex(source.archive) !== source.record.sha256
        ) {
          statusReason = `the archive of the source snapshot ${source.record.arn} does not match its recorded SHA-256`;
        } else {
          const sourceKey = await owner.kms.getKey(sourceRegion, source.record.kmsKeyId);
          const tarball = decryptArchive(source.archive, sourceKey, sourceId);
          archive = encryptArchive(tarball, targetKey, targetId);
        }
        const record: SnapshotRecord = {
          formatVersion: STATE_FORMAT_VERSION,
          id: targetId,
          arn: snapshotArn(this.region, input.kind, targetId, this.accountId),
          region: this.region,
          kind: input.kind,
          databaseId: source.record.databaseId,
          engine: source.record.engine,
          ...(source.record.engineVersion === undefined
            ? {}
            : { engineVersion: source.record.engineVersion }),
          status: 'pending',
          outcome: archive === undefined ? 'failed' : 'available',
          ...(statusReason === undefined ? {} : { statusReason }),
          pollsUntilNext: this.#ctx.limits.describesPerState,
          type: 'manual',
          createdAt,
          originalCreatedAt: source.record.originalCreatedAt,
          encrypted: true,
          kmsKeyId: input.kmsKeyId,
          sourceSnapshotArn: source.record.arn,
          sha256: archive === undefined ? null : sha256Hex(archive),
          sizeBytes: archive === undefined ? null : archive.byteLength,
          // Only the request's tags, as the AWS adapter asks of RDS (no CopyTags).
          tags: { ...input.tags },
        };
        await this.#commit(record, archive);
        return record;
      } finally {
        this.#reserved.delete(targetId);
      }
    });
  }

  /**
   * Deletes a snapshot: its metadata, then its archive. As on RDS, deleting a
   * copy still `pending` or `copying` cancels it; a snapshot still `creating`
   * cannot be deleted.
   */
  deleteSnapshot(kind: DatabaseKind, id: string): Promise<void> {
    return this.#ctx.track(async () => {
      const snapshotId = normalizeIdentifier('snapshot', id);
      await this.#mutex.run(async () => {
        const record = await readSnapshotRecord(this.#ctx.layout, this.region, snapshotId);
        const fault = this.#ctx.faults.apply('deleteSnapshot', this.#target(record?.databaseId));
        if (record === undefined || record.kind !== kind) throw new SnapshotNotFoundError(snapshotId);
        if (record.status === 'creating') {
          throw new InvalidStateError(`snapshot ${snapshotId} is ${record.status} and cannot be deleted yet`);
        }
        if (fault === 'busy') {
          throw new InvalidStateError(
            `snapshot ${snapshotId} is in use by another operation and cannot be deleted yet (injected fault)`,
          );
        }
        // The metadata is the commit point: once it is gone the snapshot is.
        await unlink(this.#ctx.layout.snapshotFile(this.region, snapshotId));
        await rm(this.#ctx.layout.snapshotArchive(this.region, snapshotId), { force: true });
        if (fault === 'crash-after') crashNow();
      });
    });
  }

  /** Adds tags to a snapshot (replacing the values of keys it already has), as AddTagsToResource does. */
  addTagsToSnapshot(kind: DatabaseKind, id: string, tags: Tags): Promise<void> {
    return this.#ctx.track(async () => {
      const snapshotId = normalizeIdentifier('snapshot', id);
      await this.#mutex.run(async () => {
        const record = await readSnapshotRecord(this.#ctx.layout, this.region, snapshotId);
        this.#ctx.faults.apply('tagSnapshot', this.#target(record?.databaseId));
        if (record === undefined || record.kind !== kind) throw new SnapshotNotFoundError(snapshotId);
        await writeSnapshotRecord(this.#ctx.layout, { ...record, tags: { ...record.tags, ...tags } });
      });
    });
  }

  /** The source snapshot's id and account: an ARN's, or this account's for a bare id. */
  #sourceOf(input: CopySnapshotInput, sourceRegion: string): { id: string; accountId: string } {
    const parsed = parseSnapshotArn(input.sourceSnapshotArn);
    if (parsed === undefined) {
      if (sourceRegion === this.region && isValidIdentifier(input.sourceSnapshotArn.toLowerCase())) {
        return { id: normalizeIdentifier('snapshot', input.sourceSnapshotArn), accountId: this.accountId };
      }
      throw new InvalidInputError(`invalid source snapshot ARN ${JSON.stringify(input.sourceSnapshotArn)}`);
    }
    if (parsed.region !== sourceRegion) {
      throw new InvalidInputError(
        `the source snapshot ${input.sourceSnapshotArn} is in ${parsed.region}, not in the given source region ${sourceRegion}`,
      );
    }
    const id = normalizeIdentifier('snapshot', parsed.id);
    if (parsed.kind !== input.kind) throw new SnapshotNotFoundError(id);
    return { id, accountId: parsed.accountId };
  }

  /**
   * Shares a manual snapshot with another account (ModifyDBSnapshotAttribute,
   * `restore`, ValuesToAdd). Sharing it again is no error. RDS refuses to
   * share a snapshot encrypted under the account's default key ("You can't
   * share a snapshot that has been encrypted using the default KMS key of the
   * AWS account that shared the snapshot", Sharing encrypted snapshots,
   * Amazon RDS User Guide), and to share one with more accounts than its
   * quota (SharedSnapshotQuotaExceeded).
   */
  shareSnapshot(kind: DatabaseKind, id: string, accountId: string): Promise<void> {
    return this.#ctx.track(async () => {
      const snapshotId = normalizeIdentifier('snapshot', id);
      assertAccountId(accountId);
      await this.#mutex.run(async () => {
        const record = await readSnapshotRecord(this.#ctx.layout, this.region, snapshotId);
        const fault = this.#ctx.faults.apply('shareSnapshot', this.#target(record?.databaseId));
        if (record === undefined || record.kind !== kind) throw new SnapshotNotFoundError(snapshotId);
        if (record.status !== 'available') {
          throw new InvalidStateError(`snapshot ${snapshotId} is ${record.status} and cannot be shared yet`);
        }
        if (isDefaultRdsKey(this.region, record.kmsKeyId)) {
          throw new InvalidRequestError(
            `snapshot ${snapshotId} is encrypted under the default KMS key ${DEFAULT_RDS_KEY_ID}, ` +
              'and a snapshot encrypted under the default key of the account cannot be shared: ' +
              'copy it under a customer managed key and share the copy',
          );
        }
        if (accountId === this.accountId) {
          throw new InvalidRequestError(
            `snapshot ${snapshotId} belongs to account ${accountId}: it cannot be shared with it`,
          );
        }
        const sharedWith = record.sharedWith ?? [];
        if (!sharedWith.includes(accountId)) {
          const quota = this.#ctx.limits.sharedAccountsQuota;
          if (sharedWith.length >= quota) {
            throw new SnapshotQuotaExceededError(
              `snapshot ${snapshotId} is already shared with ${quota} accounts, the most a manual snapshot can be shared with`,
            );
          }
          await writeSnapshotRecord(this.#ctx.layout, {
            ...record,
            sharedWith: [...sharedWith, accountId].sort(),
          });
        }
        if (fault === 'crash-after') crashNow();
      });
    });
  }

  /**
   * Takes a share back (ValuesToRemove). A share that is not there, or a
   * snapshot that is gone, is no error: nothing is shared after the call.
   */
  unshareSnapshot(kind: DatabaseKind, id: string, accountId: string): Promise<void> {
    return this.#ctx.track(async () => {
      const snapshotId = normalizeIdentifier('snapshot', id);
      assertAccountId(accountId);
      await this.#mutex.run(async () => {
        const record = await readSnapshotRecord(this.#ctx.layout, this.region, snapshotId);
        const fault = this.#ctx.faults.apply('unshareSnapshot', this.#target(record?.databaseId));
        if (record !== undefined && record.kind === kind && (record.sharedWith ?? []).includes(accountId)) {
          const { sharedWith = [], ...unshared } = record;
          const remaining = sharedWith.filter((account) => account !== accountId);
          // With no share left the record is as it was before any.
          await writeSnapshotRecord(
            this.#ctx.layout,
            remaining.length === 0 ? unshared : { ...unshared, sharedWith: remaining },
          );
        }
        if (fault === 'crash-after') crashNow();
      });
    });
  }

  /** The accounts the snapshot is shared with, sorted (DescribeDBSnapshotAttributes, `restore`). */
  snapshotSharedWith(kind: DatabaseKind, id: string): Promise<string[]> {
    return this.#ctx.track(async () => {
      const snapshotId = normalizeIdentifier('snapshot', id);
      const record = await readSnapshotRecord(this.#ctx.layout, this.region, snapshotId);
      this.#ctx.faults.apply('snapshotSharedWith', this.#target(record?.databaseId));
      if (record === undefined || record.kind !== kind) throw new SnapshotNotFoundError(snapshotId);
      return [...(record.sharedWith ?? [])];
    });
  }

  /** Claims a snapshot id, checking uniqueness and quotas, under the region's lock. */
  async #reserve(kind: DatabaseKind, id: string, copy: boolean): Promise<void> {
    await this.#mutex.run(async () => {
      const ids = await listSnapshotIds(this.#ctx.layout, this.region);
      if (this.#reserved.has(id) || ids.includes(id)) throw new SnapshotAlreadyExistsError(id);
      const records = await this.#quotaRecords(ids);
      const { manualSnapshotQuota, copiesInFlightQuota } = this.#ctx.limits;
      if (records.filter((record) => record.kind === kind).length >= manualSnapshotQuota) {
        throw new SnapshotQuotaExceededError(
          `the region ${this.region} already holds ${manualSnapshotQuota} manual ${kind} snapshots, the quota`,
        );
      }
      if (copy && records.filter((record) => record.inFlightCopy).length >= copiesInFlightQuota) {
        throw new CopyLimitExceededError(
          `${copiesInFlightQuota} snapshot copies are already in progress to ${this.region}, the limit`,
        );
      }
      this.#reserved.set(id, { kind, copy });
    });
  }

  /**
   * The region's manual snapshot quota of each kind and how much of it is
   * used, counted as the quota is enforced when a snapshot is created or
   * copied (snapshots being made count too), as RDS's DescribeAccountAttributes
   * reports its `ManualSnapshots` and `ManualClusterSnapshots` quotas.
   */
  describeSnapshotQuotas(): Promise<{ kind: DatabaseKind; used: number; max: number }[]> {
    return this.#ctx.track(async () => {
      this.#ctx.faults.apply('describeSnapshotQuotas', this.#target());
      const records = await this.#mutex.run(async () =>
        this.#quotaRecords(await listSnapshotIds(this.#ctx.layout, this.region)),
      );
      const max = this.#ctx.limits.manualSnapshotQuota;
      return (['instance', 'cluster'] as const).map((kind) => ({
        kind,
        used: records.filter((record) => record.kind === kind).length,
        max,
      }));
    });
  }

  /**
   * What counts against the quotas: every snapshot of the region and every
   * one being made. Called under the region's lock.
   */
  async #quotaRecords(ids: readonly string[]): Promise<{ kind: DatabaseKind; inFlightCopy: boolean }[]> {
    const records: { kind: DatabaseKind; inFlightCopy: boolean }[] = [...this.#reserved.values()].map(
      (reservation) => ({ kind: reservation.kind, inFlightCopy: reservation.copy }),
    );
    for (const existing of ids) {
      // A record that does not read still takes its id, but its kind and state are unknown.
      const record = await tryReadSnapshotRecord(this.#ctx.layout, this.region, existing);
      if (record !== undefined && !isUnreadable(record))
        records.push({ kind: record.kind, inFlightCopy: IN_FLIGHT_COPY.has(record.status) });
    }
    return records;
  }

  /** Writes the archive, then the metadata that makes the snapshot exist. */
  async #commit(record: SnapshotRecord, archive: Uint8Array | undefined): Promise<void> {
    await this.#mutex.run(async () => {
      const archivePath = this.#ctx.layout.snapshotArchive(this.region, record.id);
      if (archive === undefined) await rm(archivePath, { force: true });
      else await writeFileAtomic(archivePath, archive);
      await writeSnapshotRecord(this.#ctx.layout, record);
    });
  }

  async #page<T>(
    ids: string[],
    request: PageRequest,
    load: (id: string) => Promise<T | undefined>,
  ): Promise<Page<T>> {
    const pageSize = request.maxRecords ?? this.#ctx.limits.listPageSize;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new InvalidInputError(`maxRecords must be a positive integer, not ${pageSize}`);
    }
    const after = request.marker === undefined ? undefined : decodeMarker(request.marker);
    const start = after === undefined ? 0 : ids.findIndex((id) => id > after);
    const items: T[] = [];
    if (start < 0) return { items, marker: undefined };
    for (let index = start; index < ids.length; index++) {
      const id = ids[index];
      if (id === undefined) continue;
      // Undefined also when it was deleted between the listing and the read.
      const item = await load(id);
      if (item !== undefined) items.push(item);
      if (items.length === pageSize && index < ids.length - 1) return { items, marker: encodeMarker(id) };
    }
    return { items, marker: undefined };
  }
}

/** One poll of a snapshot: the record after it (the same object when nothing changes). */
export function advance(record: SnapshotRecord, describesPerState: number): SnapshotRecord {
  if (!TRANSITIONAL.has(record.status)) return record;
  if (record.pollsUntilNext > 1) return { ...record, pollsUntilNext: record.pollsUntilNext - 1 };
  const status = record.status === 'pending' ? 'copying' : record.outcome;
  return { ...record, status, pollsUntilNext: TRANSITIONAL.has(status) ? describesPerState : 0 };
}

function encodeMarker(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string {
  const id = Buffer.from(marker, 'base64url').toString('utf8');
  if (!isValidIdentifier(id)) throw new InvalidInputError(`invalid marker ${JSON.stringify(marker)}`);
  return id;
}
