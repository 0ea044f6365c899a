// The compliance report over a year of a fleet's evidence (`npm run
// bench:compliance -- [--databases N]`, 1,000 by default): backup records of
// every database every day, daily prune logs with their deletion log, sweep
// records, a drill report per database every 7 days. The documents are made
// by the evidence modules' own serialisers, day by day as they are asked for,
// in a fake store that counts reads (a year of 1,000 databases is some two
// million documents: too many to hold). The seal runs first, then the real
// report task for the last 30 days, then for the next 30 days; each prints
// its store reads (gets + lists) and seconds, and the bytes of a day's
// manifest. Nothing here asserts.

import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseConfig } from '../src/config/load.ts';
import type { PutIfAbsentResult, ReportStore, StoredObject } from '../src/ports/report-store.ts';
import { sealClosedDays } from '../src/reports/evidence-manifest.ts';
import { invokeTask } from '../src/runtime/task.ts';
import { writeComplianceReportTask } from '../src/tasks/write-compliance-report.ts';
import {
  addDays,
  COPY_REGION,
  databaseIds,
  evidenceOfDay,
  isDrillDay,
  reportDependencies,
  SOURCE_REGION,
} from '../test/support/compliance-evidence.ts';

const { values } = parseArgs({ options: { databases: { type: 'string', default: '1000' } } });
const DATABASES = databaseIds(Number(values.databases));
const FIRST_DAY = '2025-12-01';
const YEAR_END = '2026-11-30';

const dayInKey = (key: string) => /\/(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];

/**
 * The fleet's evidence from FIRST_DAY to `lastDay`, made on demand (the
 * latest days asked for are kept), and what the tasks write, kept gzipped.
 */
class FleetEvidenceStore implements ReportStore {
  lastDay = YEAR_END;
  gets = 0;
  lists = 0;
  /** The bytes of each manifest written, by day. */
  readonly manifestBytes = new Map<string, number>();
  readonly #written = new Map<string, Buffer>();
  readonly #days = new Map<string, Map<string, Buffer>>();

  async #day(day: string): Promise<Map<string, Buffer>> {
    const known = this.#days.get(day);
    if (known !== undefined) return known;
    const documents = new Map(
      (await evidenceOfDay(day, DATABASES)).map(({ key, body }) => [key, Buffer.from(body, 'utf8')] as const),
    );
    this.#days.set(day, documents);
    if (this.#days.size > 48) this.#days.delete(this.#days.keys().next().value ?? '');
    return documents;
  }

  #inRange = (day: string) => day >= FIRST_DAY && day <= this.lastDay;

  async put(key: string, body: string | Uint8Array): Promise<StoredObject> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    if (key.startsWith('evidence/manifests/')) this.manifestBytes.set(key, bytes.length);
    this.#written.set(key, gzipSync(bytes));
    return { key, sha256: createHash('sha256').update(bytes).digest('hex'), location: `memory://${key}` };
  }

  async putIfAbsent(key: string, body: string | Uint8Array): Promise<PutIfAbsentResult> {
    const written = this.#written.get(key);
    if (written !== undefined) return { written: false, existing: gunzipSync(written) };
    return { written: true, object: await this.put(key, body) };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets += 1;
    const written = this.#written.get(key);
    if (written !== undefined) return gunzipSync(written);
    const day = dayInKey(key);
    if (day === undefined || !this.#inRange(day)) return undefined;
    return (await this.#day(day)).get(key);
  }

  async delete(): Promise<void> {
    throw new Error('the sealing and the report delete nothing');
  }

  async list(prefix: string): Promise<string[]> {
    this.lists += 1;
    const keys = [...this.#written.keys()].filter((key) => key.startsWith(prefix));
    const day = dayInKey(prefix.endsWith('/') ? prefix : `${prefix}/`);
    const drills = /^drills\/([^/]+)\/$/.exec(prefix)?.[1];
    if (day !== undefined && prefix.startsWith('evidence/')) {
      if (this.#inRange(day))
        keys.push(...[...(await this.#day(day)).keys()].filter((key) => key.startsWith(prefix)));
    } else if (drills !== undefined) {
      const index = DATABASES.indexOf(drills);
      for (let candidate = FIRST_DAY; candidate <= this.lastDay; candidate = addDays(candidate, 1)) {
        if (isDrillDay(index, candidate)) {
          keys.push(
            `drills/${drills}/${candidate}/drill-${drills}-${candidate.replaceAll('-', '')}T060000Z.json`,
          );
        }
      }
    } else if (prefix === 'evidence/' || prefix === 'drills/' || prefix.startsWith('evidence/backups')) {
      // A listing across days (the first seal looks for the oldest day): the first day tells.
      keys.push(...[...(await this.#day(FIRST_DAY)).keys()].filter((key) => key.startsWith(prefix)));
    }
    return [...new Set(keys)].sort();
  }
}

const config = parseConfig(`
sourceRegion: ${SOURCE_REGION}
copyRegions:
  - { region: ${COPY_REGION}, kmsKeyId: alias/restorable }
selection: { tags: { backup: daily } }
`);

const store = new FleetEvidenceStore();
const seconds = (started: number) => ((performance.now() - started) / 1000).toFixed(1);
const counted = async (label: string, work: () => Promise<string>) => {
  store.gets = 0;
  store.lists = 0;
  const started = performance.now();
  const detail = await work();
  const reads = store.gets + store.lists;
  console.log(
    `${label.padEnd(46)} ${String(reads).padStart(9)} reads (${store.gets} gets, ${store.lists} lists) ${seconds(started).padStart(7)} s  ${detail}`,
  );
  return reads;
};

async function sealThrough(now: Date, label: string) {
  await counted(label, async () => {
    let days = 0;
    for (;;) {
      const { sealed, more } = await sealClosedDays(store, { now, databases: DATABASES, maxDays: 31 });
      days += sealed.length;
      if (!more) return `${days} days sealed`;
    }
  });
}

async function report(from: string, to: string, label: string) {
  const now = new Date(`${addDays(to, 1)}T02:00:00Z`);
  await counted(label, async () => {
    const result = await invokeTask(
      writeComplianceReportTask,
      { request: { from, to }, executionName: 'bench' },
      reportDependencies(config, store, DATABASES, to, now),
    );
    const failed = result.controls
      .filter((control) => control.status === 'fail')
      .map((control) => control.id);
    return `${result.status}${failed.length === 0 ? '' : ` (${failed.join(', ')})`}`;
  });
}

console.log(`compliance report over a year of evidence of ${DATABASES.length} databases`);
await sealThrough(
  new Date(`${addDays(YEAR_END, 1)}T02:00:00Z`),
  `seal ${FIRST_DAY} to ${addDays(YEAR_END, -1)}`,
);
await report(addDays(YEAR_END, -29), YEAR_END, `report ${addDays(YEAR_END, -29)} to ${YEAR_END}`);
store.lastDay = addDays(YEAR_END, 30);
await sealThrough(
  new Date(`${addDays(store.lastDay, 1)}T02:00:00Z`),
  `seal ${YEAR_END} to ${addDays(store.lastDay, -1)}`,
);
await report(
  addDays(YEAR_END, 1),
  store.lastDay,
  `report ${addDays(YEAR_END, 1)} to ${store.lastDay} (next)`,
);
const manifestSizes = [...store.manifestBytes.values()];
console.log(
  `manifest bytes per day: ${Math.round(manifestSizes.reduce((a, b) => a + b, 0) / manifestSizes.length)} on average, ${Math.max(...manifestSizes)} at most`,
);
console.log(`resident memory at the end ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
