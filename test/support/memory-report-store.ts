// A report store in memory, for tests that need a store but not its adapter.
import { createHash } from 'node:crypto';
import type { PutIfAbsentResult, ReportStore, StoredObject } from '../../src/ports/report-store.ts';

/** A report store in memory that counts reads (gets and lists) and how many are in flight at once. */
export class CountingReportStore implements ReportStore {
  readonly objects = new Map<string, Uint8Array>();
  gets = 0;
  lists = 0;
  inFlight = 0;
  maxInFlight = 0;

  get reads(): number {
    return this.gets + this.lists;
  }

  resetCounts(): void {
    this.gets = 0;
    this.lists = 0;
    this.maxInFlight = 0;
  }

  async put(key: string, body: string | Uint8Array, _contentType?: string): Promise<StoredObject> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.objects.set(key, bytes);
    return { key, sha256: createHash('sha256').update(bytes).digest('hex'), location: `memory://${key}` };
  }

  async putIfAbsent(
    key: string,
    body: string | Uint8Array,
    contentType?: string,
  ): Promise<PutIfAbsentResult> {
    const existing = this.objects.get(key);
    if (existing !== undefined) return { written: false, existing };
    return { written: true, object: await this.put(key, body, contentType) };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets += 1;
    return this.#inFlight(() => this.objects.get(key));
  }

  async list(prefix: string): Promise<string[]> {
    this.lists += 1;
    return this.#inFlight(() => [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort());
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  /** A read takes a turn of the event loop, as a network read does, so concurrent reads overlap. */
  async #inFlight<T>(read: () => T): Promise<T> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    return read();
  }
}
