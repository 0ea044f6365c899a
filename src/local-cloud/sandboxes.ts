// Restore sandboxes of the local cloud: a snapshot's archive, checked against
// its digest and decrypted, loaded into a new in-memory PGlite, and served on
// a loopback port, so the verifier connects over the PostgreSQL wire protocol
// exactly as it does to an RDS sandbox.
//
// Each sandbox has a record, `regions/<region>/sandboxes/<id>.json`, written
// before anything else, so a crash always leaves a trace that the sweeper or
// the next drill removes. A sandbox lives in the process that restored it: a
// record whose process is gone describes as `failed`.
//
// A sandbox is always in the local cloud's own account. It restores a
// snapshot of that account by id, or one of another account (a vault copy)
// by its ARN, as RDS restores a shared snapshot: only one shared with the
// restoring account, in the sandbox's region, and decrypted only where the
// owner lets the restoring account use the snapshot's key.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { amcheck } from '@electric-sql/pglite/contrib/amcheck';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { z } from 'zod';
import {
  InvalidInputError,
  InvalidStateError,
  SandboxProtectionError,
  SnapshotNotFoundError,
} from '../domain/errors.ts';
import { SANDBOX_DRILL_TAG } from '../domain/sandbox.ts';
import type {
  ConnectionSettings,
  RestoreSandboxRequest,
  Sandbox,
  SandboxPort,
  SandboxRef,
} from '../ports/sandbox.ts';
import { restoreSnapshotData, type SnapshotDataAccess } from './archive.ts';
import type { FaultInjector } from './faults.ts';
import { readFileIfExists, writeJsonAtomic } from './files.ts';
import { assertRegion, normalizeIdentifier, parseSnapshotArn, type StateLayout } from './layout.ts';
import type { Mutex } from './mutex.ts';

const sandboxRecordSchema = z.object({
  formatVersion: z.literal(1),
  id: z.string(),
  kind: z.enum(['instance', 'cluster']),
  engine: z.string(),
  status: z.enum(['creating', 'available', 'failed']),
  statusReason: z.string().nullable(),
  createdAt: z.string(),
  tags: z.record(z.string(), z.string()),
  snapshotArn: z.string(),
  pid: z.number().int(),
  port: z.number().int().nullable(),
  /** Status polls left before a restored sandbox reports available. */
  pollsUntilAvailable: z.number().int().min(0),
});

type SandboxRecord = z.infer<typeof sandboxRecordSchema>;

export interface LiveSandbox {
  readonly db: PGlite;
  readonly server: PGLiteSocketServer;
  readonly port: number;
}

export interface LocalSandboxContext {
  readonly layout: StateLayout;
  readonly clock: () => Date;
  readonly faults: FaultInjector;
  readonly mutex: (region: string) => Mutex;
  /** Sandboxes served by this process, by `region/id`. */
  readonly live: Map<string, LiveSandbox>;
  /** Runs an operation, refusing it once the cloud is closing or interrupted, and lets close() wait for it. */
  track<T>(operation: () => Promise<T>): Promise<T>;
}

const liveKey = (region: string, id: string) => `${region}/${id}`;

/** Stops serving a sandbox and frees its database. */
export async function stopLiveSandbox(sandbox: LiveSandbox): Promise<void> {
  await sandbox.server.stop();
  if (!sandbox.db.closed) await sandbox.db.close();
}

export class LocalSandboxes implements SandboxPort {
  readonly region: string;
  readonly #ctx: LocalSandboxContext;

  constructor(context: LocalSandboxContext, region: string) {
    this.#ctx = context;
    this.region = assertRegion(region);
  }

  restoreSandbox(request: RestoreSandboxRequest): Promise<Sandbox> {
    return this.#ctx.track(() => this.#restoreSandbox(request));
  }

  async #restoreSandbox(request: RestoreSandboxRequest): Promise<Sandbox> {
    const id = normalizeIdentifier('database', request.sandboxId);
    const record: SandboxRecord = await this.#ctx.mutex(this.region).run(async () => {
      if ((await this.#read(id)) !== undefined) {
        throw new InvalidInputError(`sandbox ${id} already exists in ${this.region}`);
      }
      const created: SandboxRecord = {
        formatVersion: 1,
        id,
        kind: request.snapshot.kind,
        engine: request.engine,
        status: 'creating',
        statusReason: null,
        createdAt: this.#ctx.clock().toISOString(),
        tags: { ...request.tags },
        snapshotArn: request.snapshot.arn,
        pid: process.pid,
        port: null,
        pollsUntilAvailable: 1,
      };
      await this.#write(created);
      return created;
    });
    // Injected failures mirror RDS: the restore starts, then the sandbox fails.
    const injected = this.#ctx.faults.apply('restoreSandbox', { region: this.region });
    if (injected === 'fail') {
      return toSandbox(
        this.region,
        await this.#update(record, { status: 'failed', statusReason: 'restore failed (injected fault)' }),
      );
    }
    let data: Blob;
    try {
      const source = this.#sourceOf(request.snapshot);
      data = await restoreSnapshotData(this.#ctx.layout.root, this.region, source.id, source.access);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.#update(record, { status: 'failed', statusReason: reason });
      throw error;
    }
    const db = await PGlite.create({ loadDataDir: data, extensions: { amcheck } });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
    await server.start();
    const port = Number(server.getServerConn().split(':').at(-1));
    this.#ctx.live.set(liveKey(this.region, id), { db, server, port });
    return toSandbox(this.region, await this.#update(record, { port }));
  }

  /**
   * Where the snapshot is read: an ARN of another account names that
   * account's snapshot; anything else is the restoring account's own, by id.
   */
  #sourceOf(snapshot: RestoreSandboxRequest['snapshot']): { id: string; access: SnapshotDataAccess } {
    const restoringAccountId = this.#ctx.layout.accountId;
    const parsed = parseSnapshotArn(snapshot.arn);
    if (parsed === undefined || parsed.accountId === restoringAccountId) {
      return { id: snapshot.id, access: { ownerAccountId: restoringAccountId } };
    }
    // RDS restores a shared snapshot in its own region only, and by the API
    // of its kind: anything else is, to the restoring account, not there.
    if (parsed.region !== this.region || parsed.kind !== snapshot.kind) {
      throw new SnapshotNotFoundError(snapshot.arn);
    }
    return { id: parsed.id, access: { ownerAccountId: parsed.accountId, restoringAccountId } };
  }

  async describeSandbox(ref: SandboxRef): Promise<Sandbox | undefined> {
    const id = normalizeIdentifier('database', ref.id);
    const record = await this.#read(id);
    if (record === undefined) return undefined;
    if (record.status === 'failed') return toSandbox(this.region, record);
    if (!this.#ctx.live.has(liveKey(this.region, id))) {
      return toSandbox(this.region, {
        ...record,
        status: 'failed',
        statusReason: `the process that served this sandbox (pid ${record.pid}) is gone`,
      });
    }
    if (record.status === 'creating' && record.pollsUntilAvailable > 0) {
      const remaining = record.pollsUntilAvailable - 1;
      return toSandbox(
        this.region,
        await this.#update(
          record,
          remaining === 0
            ? { pollsUntilAvailable: 0, status: 'available' }
            : { pollsUntilAvailable: remaining },
        ),
      );
    }
    return toSandbox(this.region, record);
  }

  async listSandboxes(): Promise<Sandbox[]> {
    let names: string[];
    try {
      names = await readdir(this.#ctx.layout.sandboxesDir(this.region));
    } catch {
      return [];
    }
    const sandboxes: Sandbox[] = [];
    for (const name of names.filter((file) => file.endsWith('.json')).sort()) {
      const sandbox = await this.describeSandbox({
        region: this.region,
        kind: 'instance',
        id: name.slice(0, -5),
      });
      if (sandbox !== undefined) sandboxes.push(sandbox);
    }
    return sandboxes;
  }

  deleteSandbox(ref: SandboxRef, options: { readonly drillId?: string } = {}): Promise<void> {
    return this.#ctx.track(async () => {
      this.#ctx.faults.apply('deleteSandbox', { region: this.region });
      await this.#delete(ref, options);
    });
  }

  /**
   * Deletes the sandboxes of the region that this process made (their records
   * name its pid), stopping those it serves; returns their ids. For a process
   * that stops before its drills could tear their sandboxes down.
   */
  async deleteOwnSandboxes(): Promise<string[]> {
    const deleted: string[] = [];
    for (const name of (await readdir(this.#ctx.layout.sandboxesDir(this.region)).catch(() => [])).sort()) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      const record = await this.#read(id);
      if (record?.pid !== process.pid) continue;
      await this.#delete({ region: this.region, kind: record.kind, id });
      deleted.push(id);
    }
    return deleted;
  }

  async #delete(ref: SandboxRef, options: { readonly drillId?: string } = {}): Promise<void> {
    const id = normalizeIdentifier('database', ref.id);
    const record = await this.#read(id);
    if (record === undefined) return;
    if (options.drillId !== undefined && record.tags[SANDBOX_DRILL_TAG] !== options.drillId) {
      throw new SandboxProtectionError(
        id,
        `sandbox ${id} belongs to drill ${record.tags[SANDBOX_DRILL_TAG] ?? '(none)'}, not ${options.drillId}`,
      );
    }
    const live = this.#ctx.live.get(liveKey(this.region, id));
    if (live !== undefined) {
      this.#ctx.live.delete(liveKey(this.region, id));
      await stopLiveSandbox(live);
    }
    await rm(this.#ctx.layout.sandboxFile(this.region, id), { force: true });
  }

  connectionFor(ref: SandboxRef): Promise<ConnectionSettings> {
    return this.#ctx.track(() => this.#connectionFor(ref));
  }

  async #connectionFor(ref: SandboxRef): Promise<ConnectionSettings> {
    const id = normalizeIdentifier('database', ref.id);
    await this.#ctx.faults.pauseIfAsked('connectSandbox', { region: this.region });
    const sandbox = await this.describeSandbox(ref);
    const live = this.#ctx.live.get(liveKey(this.region, id));
    if (sandbox?.status !== 'available' || live === undefined) {
      throw new InvalidStateError(
        `sandbox ${id} in ${this.region} is ${sandbox?.status ?? 'gone'}, not available`,
      );
    }
    return {
      engine: 'postgres',
      host: '127.0.0.1',
      port: live.port,
      user: 'postgres',
      database: 'postgres',
      tls: false,
    };
  }

  async #read(id: string): Promise<SandboxRecord | undefined> {
    const bytes = await readFileIfExists(this.#ctx.layout.sandboxFile(this.region, id));
    return bytes === undefined ? undefined : sandboxRecordSchema.parse(JSON.parse(bytes.toString('utf8')));
  }

  async #write(record: SandboxRecord): Promise<void> {
    await mkdir(this.#ctx.layout.sandboxesDir(this.region), { recursive: true });
    await writeJsonAtomic(this.#ctx.layout.sandboxFile(this.region, record.id), record);
  }

  async #update(record: SandboxRecord, changes: Partial<SandboxRecord>): Promise<SandboxRecord> {
    const updated = { ...record, ...changes };
    await this.#write(updated);
    return updated;
  }
}

function toSandbox(region: string, record: SandboxRecord): Sandbox {
  return {
    region,
    kind: record.kind,
    id: record.id,
    status: record.status,
    engine: record.engine,
    createdAt: new Date(record.createdAt),
    tags: record.tags,
    ...(record.statusReason === null ? {} : { statusReason: record.statusReason }),
  };
}
