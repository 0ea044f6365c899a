// The embedded local cloud: RDS-like databases, snapshots, cross-region copies
// and a KMS, kept in a state directory on disk, with every database a real
// PostgreSQL (PGlite) data directory. It lets the whole backup lifecycle run
// on a laptop, through the same RdsPort the AWS adapter implements.
//
// State directory layout:
//
//   <stateDir>/
//     cloud.json                      format version and creation time
//     lock                            pid of the process using the directory
//     alerts.jsonl                    alerts the workflows published (written by the CLI's runner)
//     reports/<key>                   the local report store (adapters/local/report-store.ts)
//     regions/<region>/               the regions of the local cloud's own account (000000000000)
//       kms/<key-file>.key            32 random bytes (AES-256), mode 0600; the file name is the
//                                     URI-encoded key name, e.g. alias%2Faws%2Frds.key
//       kms/<key-file>.users.json     the other accounts the key's owner lets use it (kms.ts)
//       databases/<id>/
//         database.json               kind, engine, engineVersion, tags, multiAz,
//                                     storageEncrypted, backupRetentionDays, createdAt
//         pgdata/                     the PGlite (PostgreSQL) data directory
//       sandboxes/<id>.json           a restore sandbox: status, snapshot, loopback port, pid
//       snapshots/
//         <snapshot-id>.snapshot      the archive: gzip tarball of the data directory,
//                                     AES-256-GCM encrypted (format in archive.ts)
//         <snapshot-id>.json          metadata: id, arn, kind, database, engine, status, type,
//                                     createdAt, originalCreatedAt, kmsKeyId, sourceSnapshotArn,
//                                     sha256 and sizeBytes of the archive, tags, pollsUntilNext,
//                                     outcome and statusReason (why it failed), sharedWith (the
//                                     other accounts it is shared with, when any)
//     accounts/<12 digits>/regions/<region>/
//                                     another account's regions (a vault account), laid out as
//                                     `regions/` is, created on first use; its ARNs carry its id
//
// Accounts: `rds(region)` is the local cloud's own account, with every right;
// `rds(region, { account })` another account's own port, with every right
// too; `rds(region, { account, as: 'assumed-role' })` the role the own
// account assumes in that account, which may describe, list, copy and tag,
// and share only the snapshots restorable manages (assumed-role.ts).
// Snapshots are shared between accounts and their keys' use allowed as
// rds-api.ts and kms.ts describe; a sandbox restores another account's
// snapshot shared with its own (sandboxes.ts).
//
// Temporary files end in `.restorable-tmp`. Identifiers are stored lower-cased
// as RDS does; instance and cluster snapshots share one namespace per region.
// Every JSON file and archive is written to a temporary file and renamed into
// place, so a crash never leaves half of one; a snapshot exists once its JSON
// file does, and the next open removes the temporary files a crash left.
// Times in metadata come from the cloud's (possibly virtual) clock. Only one
// LocalCloud may use a state directory at a time (the lock file). The root
// entries above (STATE_DIR_ENTRIES in layout.ts) are the cloud's; anything
// else in the directory is left alone, and a cloud is never created in a
// directory that holds anything else (state-dir.ts).
//
// A KMS key is created only while no snapshot is encrypted under it: a lost
// key file is reported (EncryptionKeyError naming the file), never replaced
// by a new key that could not open the snapshots.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { LocalRdsAdapter } from '../adapters/local/rds.ts';
import { DatabaseNotFoundError, InvalidInputError } from '../domain/errors.ts';
import type { DatabaseKind, RdsPort, RdsPortProvider, Tags } from '../ports/rds.ts';
import type { SandboxPort, SandboxPortProvider } from '../ports/sandbox.ts';
import { gzipTarball } from './archive.ts';
import { AssumedRoleRdsPort } from './assumed-role.ts';
import { suppliedDataDirTemplate } from './data-dir-template.ts';
import { FAULTS_ENV_VAR, FaultInjector, type FaultRule, parseFaultRules } from './faults.ts';
import { canonicalKeyName, DEFAULT_RDS_KEY_ID, LocalKms, type MissingKey, missingKeysError } from './kms.ts';
import {
  assertAccountId,
  assertRegion,
  LOCAL_ACCOUNT_ID,
  normalizeIdentifier,
  StateLayout,
} from './layout.ts';
import { type LockWaitOptions, StateDirLock } from './lock.ts';
import { Mutex } from './mutex.ts';
import {
  type AccountStorage,
  DEFAULT_LIMITS,
  type LocalCloudContext,
  type LocalCloudLimits,
  LocalRdsApi,
} from './rds-api.ts';
import {
  isUnreadable,
  listAccountIds,
  listRegionNames,
  listSnapshotIds,
  readCloudRecord,
  readDatabaseRecord,
  STATE_FORMAT_VERSION,
  tryReadSnapshotRecord,
  type UnreadableSnapshotRecord,
  writeCloudRecord,
  writeDatabaseRecord,
} from './records.ts';
import { type LiveSandbox, LocalSandboxes, stopLiveSandbox } from './sandboxes.ts';
import { ForeignStateDirError, inspectStateDir, removeTemporaryFiles, resetStateDir } from './state-dir.ts';

export interface LocalCloudOptions {
  readonly stateDir: string;
  /** The cloud's clock: snapshot times and metadata come from it. */
  readonly clock: () => Date;
  /** Fault rules, applied before those of RESTORABLE_FAULTS. */
  readonly faults?: readonly FaultRule[];
  /** Overrides of the RDS quotas and paging (tests lower them). */
  readonly limits?: Partial<LocalCloudLimits>;
  /** Where RESTORABLE_FAULTS is read from; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Start from an empty cloud: delete what an existing one holds (the demo).
   * Done with the lock held, so a directory another process uses is never reset.
   */
  readonly reset?: boolean;
  /** Whether and how long to wait for the state directory when another process holds it. */
  readonly lockWait?: LockWaitOptions;
  /**
   * Aborted when the process is asked to stop (SIGINT, SIGTERM): the cloud then
   * refuses new operations, its paused faults end, and
   * tearDownForInterruption deletes the sandboxes this process made.
   */
  readonly interruption?: AbortSignal;
}

export type LocalEngine = 'postgres' | 'aurora-postgresql';

export interface DatabaseSpec {
  readonly region: string;
  readonly id: string;
  readonly kind: DatabaseKind;
  readonly engine: LocalEngine;
  readonly tags: Tags;
  readonly multiAz: boolean;
  /** Default true. */
  readonly storageEncrypted?: boolean;
  /** Default 1 (RDS's default); 0 means automated backups are off. */
  readonly backupRetentionDays?: number;
}

/** Which account a call is about: the local cloud's own (LOCAL_ACCOUNT_ID) when absent. */
export interface AccountOption {
  readonly account?: string;
}

/**
 * Who calls RDS: an account itself (`as: 'account'`, the default), with
 * every right, or, in another account, the role the local cloud's own
 * account assumes there (`as: 'assumed-role'`), which may only describe,
 * list, copy and tag, and share the snapshots restorable manages.
 */
export interface RdsPrincipal extends AccountOption {
  readonly as?: 'account' | 'assumed-role';
}

export class LocalCloud {
  readonly stateDir: string;
  readonly clock: () => Date;
  readonly limits: LocalCloudLimits;
  readonly faults: FaultInjector;
  readonly #layout: StateLayout;
  readonly #lock: StateDirLock;
  readonly #kms: LocalKms;
  readonly #storages = new Map<string, AccountStorage>();
  readonly #contexts = new Map<string, LocalCloudContext>();
  readonly #knownRegions: Set<string>;
  readonly #ensuredRegions = new Set<string>();
  readonly #mutexes = new Map<string, Mutex>();
  readonly #databases = new Map<string, Promise<PGlite>>();
  readonly #ports = new Map<string, RdsPort>();
  readonly #apis = new Map<string, LocalRdsApi>();
  readonly #sandboxPorts = new Map<string, LocalSandboxes>();
  readonly #liveSandboxes = new Map<string, LiveSandbox>();
  readonly #inflight = new Set<Promise<unknown>>();
  /** A freshly initialised data directory, so only the first database pays for initdb. */
  #template: Blob | undefined;
  #closing: Promise<void> | undefined;
  readonly #interruption: AbortSignal | undefined;

  private constructor(init: {
    layout: StateLayout;
    lock: StateDirLock;
    clock: () => Date;
    limits: LocalCloudLimits;
    faults: FaultInjector;
    regions: string[];
    interruption?: AbortSignal;
  }) {
    this.#interruption = init.interruption;
    this.#layout = init.layout;
    this.stateDir = init.layout.root;
    this.#lock = init.lock;
    this.clock = init.clock;
    this.limits = init.limits;
    this.faults = init.faults;
    this.#kms = new LocalKms(init.layout);
    this.#storages.set(LOCAL_ACCOUNT_ID, {
      accountId: LOCAL_ACCOUNT_ID,
      layout: this.#layout,
      kms: this.#kms,
    });
    this.#knownRegions = new Set(init.regions);
  }

  /** Where an account keeps its regions and keys (its directory is created on first use). */
  #storageOf(accountId: string): AccountStorage {
    let storage = this.#storages.get(accountId);
    if (storage === undefined) {
      const layout = this.#layout.forAccount(assertAccountId(accountId));
      storage = { accountId, layout, kms: new LocalKms(layout) };
      this.#storages.set(accountId, storage);
    }
    return storage;
  }

  #contextOf(accountId: string): LocalCloudContext {
    let context = this.#contexts.get(accountId);
    if (context === undefined) {
      context = {
        ...this.#storageOf(accountId),
        clock: this.clock,
        limits: this.limits,
        faults: this.faults,
        regionMutex: (region) => this.#mutex(region),
        ensureRegion: (region) => this.#ensureRegion(region, accountId),
        storageOf: (other) => this.#storageOf(other),
        listAccounts: async () => [LOCAL_ACCOUNT_ID, ...(await listAccountIds(this.#layout))],
        // Databases exist in the local cloud's own account only: another
        // account has none to snapshot (createDatabase makes them there).
        dumpDatabase: async (region, id) => {
          const tar = await this.#withDatabase(region, id, (db) => db.dumpDataDir('none'));
          return gzipTarball(new Uint8Array(await tar.arrayBuffer()));
        },
        track: (operation) => this.#track(operation),
      };
      this.#contexts.set(accountId, context);
    }
    return context;
  }

  /**
   * Opens (creating it if needed) the local cloud of a state directory and
   * takes its lock, then removes the temporary files a crash left. Throws
   * ForeignStateDirError, having written nothing, for a directory that is not
   * empty and not a local cloud. Fault rules come from `options.faults`, then
   * from the RESTORABLE_FAULTS environment variable (a JSON array of rules).
   */
  static async open(options: LocalCloudOptions): Promise<LocalCloud> {
    const layout = new StateLayout(options.stateDir);
    const limits = resolveLimits(options.limits);
    const faults = new FaultInjector(options.interruption);
    for (const rule of options.faults ?? []) faults.add(rule);
    const fromEnv = (options.env ?? process.env)[FAULTS_ENV_VAR];
    if (fromEnv !== undefined && fromEnv.trim() !== '') {
      for (const rule of parseFaultRules(fromEnv)) faults.add(rule);
    }

    if ((await inspectStateDir(layout)) === 'foreign') throw new ForeignStateDirError(layout.root);
    await mkdir(layout.root, { recursive: true });
    const lock = await StateDirLock.acquire(layout.lockFile, layout.root, options.lockWait);
    try {
      let existing = await readCloudRecord(layout);
      if (existing !== undefined && options.reset === true) {
        await resetStateDir(layout);
        existing = undefined;
      }
      if (existing === undefined) {
        await writeCloudRecord(layout, {
          formatVersion: STATE_FORMAT_VERSION,
          createdAt: options.clock().toISOString(),
        });
      } else if (existing.formatVersion !== STATE_FORMAT_VERSION) {
        throw new Error(
          `the state directory ${layout.root} has format version ${existing.formatVersion}; ` +
            `this version of restorable reads version ${STATE_FORMAT_VERSION}`,
        );
      }
      // With the lock held no live writer owns a temporary file: any there is a crash's.
      await removeTemporaryFiles(layout);
      await mkdir(layout.regionsDir, { recursive: true });
      const regions = await listRegionNames(layout);
      return new LocalCloud({
        layout,
        lock,
        clock: options.clock,
        limits,
        faults,
        regions,
        ...(options.interruption === undefined ? {} : { interruption: options.interruption }),
      });
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Waits for the operations in progress, closes every database it opened and
   * releases the state directory. Idempotent; the cloud refuses work after.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inflight]);
      // Sandboxes stop being served but keep their records: to a later process
      // they are failed sandboxes, which the sweeper removes.
      const sandboxes = [...this.#liveSandboxes.values()];
      this.#liveSandboxes.clear();
      await Promise.allSettled(sandboxes.map(stopLiveSandbox));
      const databases = [...this.#databases.values()];
      this.#databases.clear();
      const results = await Promise.allSettled(
        databases.map(async (opening) => {
          const db = await opening.catch(() => undefined);
          if (db !== undefined && !db.closed) await db.close();
        }),
      );
      this.#template = undefined;
      await this.#lock.release();
      const failure = results.find((result) => result.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
    })();
    return this.#closing;
  }

  /**
   * After an interruption: waits for the operations in flight to end (new
   * ones are refused), then deletes every sandbox this process made, as the
   * drill's own teardown would have. Returns them as `region/id`.
   */
  async tearDownForInterruption(): Promise<string[]> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    const deleted: string[] = [];
    for (const region of this.regions()) {
      for (const id of await this.#sandboxes(region).deleteOwnSandboxes()) deleted.push(`${region}/${id}`);
    }
    return deleted;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * The RDS port of a region (one per region and principal, created on first
   * use): of the local cloud's own account by default, else of
   * `principal.account`, as that account itself or as the role assumed there.
   */
  rds(region: string, principal: RdsPrincipal = {}): RdsPort {
    assertRegion(region);
    const account = assertAccountId(principal.account ?? LOCAL_ACCOUNT_ID);
    const as = principal.as ?? 'account';
    if (as === 'assumed-role' && account === LOCAL_ACCOUNT_ID) {
      throw new InvalidInputError(
        `the local cloud's own account ${LOCAL_ACCOUNT_ID} assumes a role in another account only: name the account`,
      );
    }
    const key = `${account}/${as}/${region}`;
    let port = this.#ports.get(key);
    if (port === undefined) {
      const own = new LocalRdsAdapter(this.rdsApi(region, { account }));
      port = as === 'assumed-role' ? new AssumedRoleRdsPort(own, account) : own;
      this.#ports.set(key, port);
    }
    return port;
  }

  /** The RDS service behind `rds(region)`, with RDS's paged calls (for tests and tools). */
  rdsApi(region: string, options: AccountOption = {}): LocalRdsApi {
    assertRegion(region);
    const account = assertAccountId(options.account ?? LOCAL_ACCOUNT_ID);
    const key = `${account}/${region}`;
    let api = this.#apis.get(key);
    if (api === undefined) {
      api = new LocalRdsApi(this.#contextOf(account), region);
      this.#apis.set(key, api);
    }
    return api;
  }

  /** The ports of every region for one principal (the local cloud's own account by default). */
  rdsProvider(principal: RdsPrincipal = {}): RdsPortProvider {
    return (region) => this.rds(region, principal);
  }

  /** The restore sandboxes of a region (PGlite served on loopback ports). */
  sandboxes(region: string): SandboxPort {
    return this.#sandboxes(region);
  }

  #sandboxes(region: string): LocalSandboxes {
    assertRegion(region);
    let port = this.#sandboxPorts.get(region);
    if (port === undefined) {
      port = new LocalSandboxes(
        {
          layout: this.#layout,
          clock: this.clock,
          faults: this.faults,
          mutex: (name) => this.#mutex(name),
          live: this.#liveSandboxes,
          track: (operation) => this.#track(operation),
        },
        region,
      );
      this.#sandboxPorts.set(region, port);
    }
    return port;
  }

  sandboxProvider(): SandboxPortProvider {
    return (region) => this.sandboxes(region);
  }

  /** Regions of the local cloud's own account that exist in the state directory, sorted. */
  regions(): string[] {
    return [...this.#knownRegions].sort();
  }

  /**
   * Creates the region's directories and its default KMS key (alias/aws/rds)
   * if missing, in the local cloud's own account or `options.account`.
   * Throws EncryptionKeyError when that key's file is missing and snapshots
   * of the region are encrypted under it.
   */
  ensureRegion(region: string, options: AccountOption = {}): Promise<void> {
    return this.#track(() => this.#ensureRegion(region, options.account));
  }

  /**
   * Creates a KMS key (32 random bytes) in the region, of the local cloud's
   * own account or `options.account`, unless it exists. Throws
   * EncryptionKeyError, naming the key file, when it is missing and snapshots
   * of the region are encrypted under it.
   */
  ensureKmsKey(region: string, keyId: string, options: AccountOption = {}): Promise<void> {
    return this.#track(async () => {
      await this.#ensureRegion(region, options.account);
      await this.#ensureKey(region, keyId, options.account);
    });
  }

  /**
   * Lets `userAccountId` use a KMS key of the local cloud's own account (or
   * of `options.account`), as a key policy naming that account does: it can
   * then copy the snapshots encrypted under the key that are shared with it.
   * Persisted; allowing it again is no error. Throws EncryptionKeyError when
   * the key does not exist, InvalidRequestError for alias/aws/rds (an AWS
   * managed key, whose policy cannot be changed).
   */
  allowKeyUse(
    region: string,
    keyId: string,
    userAccountId: string,
    options: AccountOption = {},
  ): Promise<void> {
    return this.#track(async () => {
      const { kms } = this.#storageOf(assertAccountId(options.account ?? LOCAL_ACCOUNT_ID));
      await kms.allowUse(assertRegion(region), keyId, userAccountId);
    });
  }

  /** The keys that snapshots of these regions are encrypted under and whose key files are missing. */
  /** The snapshot records of the regions that do not read, which listings leave out. */
  findUnreadableSnapshotRecords(regions: readonly string[]): Promise<UnreadableSnapshotRecord[]> {
    return this.#track(async () => {
      const unreadable: UnreadableSnapshotRecord[] = [];
      for (const region of regions) {
        for (const id of await listSnapshotIds(this.#layout, assertRegion(region))) {
          const record = await tryReadSnapshotRecord(this.#layout, region, id);
          if (isUnreadable(record)) unreadable.push(record);
        }
      }
      return unreadable;
    });
  }

  findMissingKeys(regions: readonly string[]): Promise<MissingKey[]> {
    return this.#track(async () => {
      const missing: MissingKey[] = [];
      for (const region of regions) missing.push(...(await this.#findMissingKeys(assertRegion(region))));
      return missing;
    });
  }

  /**
   * Creates a database: a new PGlite data directory and its metadata. Throws
   * InvalidInputError when the region already has a database with that id.
   * The database stays open (see withDatabase) until the cloud is closed.
   */
  createDatabase(spec: DatabaseSpec): Promise<void> {
    return this.#track(async () => {
      const region = assertRegion(spec.region);
      const id = normalizeIdentifier('database', spec.id);
      const backupRetentionDays = spec.backupRetentionDays ?? 1;
      if (!Number.isInteger(backupRetentionDays) || backupRetentionDays < 0 || backupRetentionDays > 35) {
        throw new InvalidInputError(
          `backupRetentionDays must be an integer from 0 to 35, not ${backupRetentionDays}`,
        );
      }
      await this.#ensureRegion(region);
      await this.#mutex(region).run(async () => {
        if ((await readDatabaseRecord(this.#layout, region, id)) !== undefined) {
          throw new InvalidInputError(`database ${id} already exists in region ${region}`);
        }
        // Whatever an interrupted creation left behind.
        const dir = this.#layout.databaseDir(region, id);
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        const db = await this.#initialiseDataDir(this.#layout.pgdataDir(region, id));
        try {
          const version = await db.query<{ server_version: string }>('SHOW server_version');
          await writeDatabaseRecord(this.#layout, region, {
            formatVersion: STATE_FORMAT_VERSION,
            id,
            kind: spec.kind,
            engine: spec.engine,
            engineVersion: version.rows[0]?.server_version.split(/[.\s]/)[0] ?? 'unknown',
            tags: { ...spec.tags },
            multiAz: spec.multiAz,
            storageEncrypted: spec.storageEncrypted ?? true,
            backupRetentionDays,
            createdAt: this.clock().toISOString(),
          });
        } catch (error) {
          await db.close();
          throw error;
        }
        this.#databases.set(databaseKey(region, id), Promise.resolve(db));
      });
    });
  }

  /** Whether the region has a database with this id (whose creation finished). */
  hasDatabase(region: string, id: string): boolean {
    return existsSync(this.#layout.databaseFile(assertRegion(region), normalizeIdentifier('database', id)));
  }

  /**
   * Runs `fn` with the database's PGlite, opening it on first use and keeping
   * it open until the cloud is closed. Throws DatabaseNotFoundError.
   */
  withDatabase<T>(region: string, id: string, fn: (db: PGlite) => Promise<T>): Promise<T> {
    return this.#track(() => this.#withDatabase(region, id, fn));
  }

  async #withDatabase<T>(region: string, id: string, fn: (db: PGlite) => Promise<T>): Promise<T> {
    const db = await this.#openDatabase(assertRegion(region), normalizeIdentifier('database', id));
    return fn(db);
  }

  #openDatabase(region: string, id: string): Promise<PGlite> {
    const key = databaseKey(region, id);
    let opening = this.#databases.get(key);
    if (opening === undefined) {
      // Cached before the first await, so concurrent callers share one instance.
      opening = (async () => {
        if ((await readDatabaseRecord(this.#layout, region, id)) === undefined)
          throw new DatabaseNotFoundError(id);
        return PGlite.create({ dataDir: this.#layout.pgdataDir(region, id) });
      })();
      this.#databases.set(key, opening);
      opening.catch(() => {
        if (this.#databases.get(key) === opening) this.#databases.delete(key);
      });
    }
    return opening;
  }

  async #initialiseDataDir(dataDir: string): Promise<PGlite> {
    this.#template ??= await suppliedDataDirTemplate();
    if (this.#template !== undefined) return PGlite.create({ dataDir, loadDataDir: this.#template });
    const db = await PGlite.create({ dataDir });
    // Kept uncompressed: it lives in memory only, and loads faster so.
    this.#template ??= await db.dumpDataDir('none');
    return db;
  }

  async #ensureRegion(region: string, account: string = LOCAL_ACCOUNT_ID): Promise<void> {
    assertRegion(region);
    const ensured = `${account}/${region}`;
    if (this.#ensuredRegions.has(ensured)) return;
    const { layout } = this.#storageOf(account);
    for (const dir of [
      layout.databasesDir(region),
      layout.snapshotsDir(region),
      layout.sandboxesDir(region),
    ]) {
      await mkdir(dir, { recursive: true });
    }
    await this.#ensureKey(region, DEFAULT_RDS_KEY_ID, account);
    this.#ensuredRegions.add(ensured);
    if (account === LOCAL_ACCOUNT_ID) this.#knownRegions.add(region);
  }

  async #ensureKey(region: string, keyId: string, account: string = LOCAL_ACCOUNT_ID): Promise<void> {
    const { kms } = this.#storageOf(account);
    if (kms.hasKey(region, keyId)) return;
    // A new key cannot decrypt what the lost one encrypted: creating one would
    // hide the loss until a restore fails, so only a key no snapshot uses is created.
    const name = canonicalKeyName(region, keyId);
    const lost = (await this.#findMissingKeys(region, account)).find((key) => key.keyId === name);
    if (lost !== undefined) throw missingKeysError([lost]);
    await kms.ensureKey(region, keyId);
  }

  async #findMissingKeys(region: string, account: string = LOCAL_ACCOUNT_ID): Promise<MissingKey[]> {
    const { layout, kms } = this.#storageOf(account);
    const encrypted: { id: string; kmsKeyId: string }[] = [];
    for (const id of await listSnapshotIds(layout, region)) {
      const record = await tryReadSnapshotRecord(layout, region, id);
      // A snapshot without an archive (a failed one) holds nothing to decrypt;
      // one whose record does not read names no key (findUnreadableSnapshotRecords names it).
      if (record !== undefined && !isUnreadable(record) && record.sha256 !== null) encrypted.push(record);
    }
    return [...snapshotIdsByKey(region, encrypted)]
      .filter(([keyId]) => !kms.hasKey(region, keyId))
      .map(([keyId, snapshotIds]) => ({
        region,
        keyId,
        keyFile: kms.keyFile(region, keyId),
        snapshotIds,
      }));
  }

  #mutex(region: string): Mutex {
    let mutex = this.#mutexes.get(region);
    if (mutex === undefined) {
      mutex = new Mutex();
      this.#mutexes.set(region, mutex);
    }
    return mutex;
  }

  #track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) {
      return Promise.reject(new Error(`the local cloud of ${this.stateDir} is closed`));
    }
    if (this.#interruption?.aborted === true) return Promise.reject(this.#interruption.reason);
    const running = operation();
    this.#inflight.add(running);
    const forget = () => this.#inflight.delete(running);
    running.then(forget, forget);
    return running;
  }
}

/** The snapshots of a region by the canonical name of the key they are encrypted under. */
function snapshotIdsByKey(
  region: string,
  snapshots: readonly { id: string; kmsKeyId: string }[],
): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const snapshot of snapshots) {
    const keyId = canonicalKeyName(region, snapshot.kmsKeyId);
    byKey.set(keyId, [...(byKey.get(keyId) ?? []), snapshot.id].sort());
  }
  return byKey;
}

function databaseKey(region: string, id: string): string {
  return `${region}/${id}`;
}

function resolveLimits(overrides: Partial<LocalCloudLimits> | undefined): LocalCloudLimits {
  const defined = Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined);
  const limits: LocalCloudLimits = { ...DEFAULT_LIMITS, ...Object.fromEntries(defined) };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidInputError(`local cloud limit ${name} must be a positive integer, not ${value}`);
    }
  }
  return limits;
}
