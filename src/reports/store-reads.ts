// Reads from the report store run a bounded number at a time: one at a time,
// a report over a fleet's evidence waits on thousands of round trips in a
// row; all at once, it opens thousands of connections and meets S3's request
// rate limit.
import type { ReportStore } from '../ports/report-store.ts';

/** How many store reads a task runs at once. */
export const STORE_READ_CONCURRENCY = 16;

/** `items.map(run)`, with at most `limit` (at least 1) calls in flight; results in the order of `items`. */
export async function mapWithConcurrency<Item, Result>(
  items: readonly Item[],
  limit: number,
  run: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results: Result[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await run(items[index] as Item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/**
 * The store, its reads (gets and lists) limited to `limit` in flight
 * whatever the callers do at once: reads nested in concurrent reads share
 * the one bound. Writes pass through.
 */
export function withBoundedReads(reports: ReportStore, limit: number = STORE_READ_CONCURRENCY): ReportStore {
  let active = 0;
  const waiting: (() => void)[] = [];
  const bounded = async <T>(read: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await read();
    } finally {
      const next = waiting.shift();
      if (next === undefined) active -= 1;
      else next();
    }
  };
  return {
    put: (key, body, contentType) => reports.put(key, body, contentType),
    putIfAbsent: (key, body, contentType) => reports.putIfAbsent(key, body, contentType),
    get: (key) => bounded(() => reports.get(key)),
    list: (prefix) => bounded(() => reports.list(prefix)),
    delete: (key) => reports.delete(key),
  };
}
