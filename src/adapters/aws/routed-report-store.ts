// One report store over two buckets: work documents (keys under work/) go to a
// bucket without Object Lock whose objects expire, everything else to the
// reports bucket with its 400-day COMPLIANCE retention. A queue rewritten at
// each step of a run would otherwise keep every one of its versions, locked,
// for 400 days. Tasks see one store and keep their keys.
import {
  type PutIfAbsentResult,
  type ReportStore,
  type StoredObject,
  WORK_DOCUMENT_PREFIX,
} from '../../ports/report-store.ts';

export class RoutedReportStore implements ReportStore {
  readonly #reports: ReportStore;
  readonly #work: ReportStore;

  constructor(stores: { readonly reports: ReportStore; readonly work: ReportStore }) {
    this.#reports = stores.reports;
    this.#work = stores.work;
  }

  put(key: string, body: string | Uint8Array, contentType: string): Promise<StoredObject> {
    return this.#storeOf(key).put(key, body, contentType);
  }

  putIfAbsent(key: string, body: string | Uint8Array, contentType: string): Promise<PutIfAbsentResult> {
    return this.#storeOf(key).putIfAbsent(key, body, contentType);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#storeOf(key).get(key);
  }

  delete(key: string): Promise<void> {
    return this.#storeOf(key).delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix.startsWith(WORK_DOCUMENT_PREFIX)) return this.#work.list(prefix);
    // A prefix such as '' or 'wo' names keys of both stores.
    if (!WORK_DOCUMENT_PREFIX.startsWith(prefix)) return this.#reports.list(prefix);
    const [reports, work] = await Promise.all([this.#reports.list(prefix), this.#work.list(prefix)]);
    // The reports bucket may still hold work documents written before the work
    // bucket existed: they are left out, so a listing shows each key once and
    // only where get and put find it.
    const documents = reports.filter((key) => !key.startsWith(WORK_DOCUMENT_PREFIX));
    // Sorted as both stores sort their own listings.
    return [...documents, ...work].sort();
  }

  #storeOf(key: string): ReportStore {
    return key.startsWith(WORK_DOCUMENT_PREFIX) ? this.#work : this.#reports;
  }
}
