// The evidence of one UTC day summarised in one stored document, the day's
// manifest (schema version 2): every evidence document of the day with its
// key, its digest and only the facts the compliance controls are computed
// from (never the whole document: at 10,000 databases whole documents made
// some 12 MB a day), so a report reads one document per day instead of one
// per database per day. Manifests of schema version 1, which embedded the
// whole backup records, prune logs and sweep records, are still read, as
// the same facts.
// Each manifest holds the digest of the previous day's manifest: the
// manifests form a hash chain, and changing or removing one breaks the link
// the next one holds.
//
// When a day is sealed: once it is closed, that is once the day after it is
// over too (`isClosedDay`). By then the day's backups have recorded their
// runs and the next day's prune has completed the deletions of a run of the
// day that stopped. Evidence may still land later for a sealed day (a run
// that stopped for longer, a drill report written late): a report compares
// each sealed day's manifest with a listing of the day and reads what the
// manifest lacks directly (`compliance-evidence.ts`), so nothing is lost.
//
// A manifest is written once: only if its key holds none (`putIfAbsent`).
// Two seals may run at once (the daily seal and a report's own), and
// evidence may land between their reads of a day, so they may compute
// different manifests for it; the first write stands and the other seal
// never replaces it (the next day's link would then point at bytes that are
// gone). The seal that finds a manifest already there reads it, continues
// the chain from it, and compares it with what it computed itself:
// - documents it read that the stored manifest lacks landed after the other
//   seal listed the day: the seal's result names them as evidence outside
//   the manifest (`outside`), and a report reads them directly, as it reads
//   any evidence that lands after its day was sealed; documents the stored
//   manifest holds and it did not read landed before the other seal's
//   listing: the stored manifest covers more, and nothing is said;
// - anything else (another link to the day before, another digest for a
//   document, a document that read for one seal and not for the other) means
//   that stored evidence changed between the two reads: the seal's result
//   names the day and why (`conflicts`), the task logs it as an error, and
//   the stored manifest stays. A report judges the day by what is stored: a
//   link that does not match shows as an altered manifest, a document gone
//   since it was sealed as lost, and the digests the manifest holds are what
//   later reports compare the documents with.
// A manifest is also a function of the day's evidence alone (`sealedAt` is
// when the day closed, not the clock of the seal), so two seals that read
// the same evidence compute the same bytes.
//
// Key: `manifestKey` (store/layout.ts).
import { createHash } from 'node:crypto';
import { CorruptEvidenceError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { type DeletionLogEntry, deletionOutcomeReader, listDeletionLog } from './deletion-log.ts';
import { listDrillReportKeys, readDrillReports } from './drill-report.ts';
import { decodeStored } from './json-document.ts';
import { readStored, readStoredMany, serializeStored } from './store/index.ts';
import {
  backupRecordsOfDayPrefix,
  DRILL_REPORTS_PREFIX,
  databaseOfBackupRecordKey,
  databaseOfDrillReportKey,
  dayOfDrillReportKey,
  dayOfManifestKey,
  dayOfSealableKey,
  EVIDENCE_PREFIX,
  MANIFESTS_PREFIX,
  manifestKey,
  pruneLogsOfDayPrefix,
  sweepRecordsOfDayPrefix,
} from './store/layout.ts';
import {
  type CorruptDayDocument,
  type DayEvidence,
  type EvidenceManifest,
  factsOfBackup,
  factsOfDrill,
  factsOfPrune,
  factsOfSweep,
  type LoggedDeletionSummary,
  manifestSchema,
  storedManifestOf,
} from './store/schemas.ts';
import { mapWithConcurrency, STORE_READ_CONCURRENCY, withBoundedReads } from './store-reads.ts';

export type { CorruptDayDocument, DayEvidence, EvidenceManifest, LoggedDeletionSummary };
export { manifestSchema };

const DAY_MS = 86_400_000;

const digestOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The day before or after, YYYY-MM-DD (UTC). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A day is closed, and may be sealed, once the day after it is over too. */
export function isClosedDay(day: string, now: Date): boolean {
  return Date.parse(`${addDays(day, 2)}T00:00:00Z`) <= now.getTime();
}

/** The days that have a manifest, oldest first. */
export async function listSealedDays(reports: ReportStore): Promise<string[]> {
  return (await reports.list(MANIFESTS_PREFIX))
    .map(dayOfManifestKey)
    .filter((day): day is string => day !== undefined);
}

/** A manifest with the digest of its bytes; undefined when there is none; CorruptEvidenceError when it does not read. */
export async function readManifest(
  reports: ReportStore,
  day: string,
): Promise<{ key: string; sha256: string; value: EvidenceManifest } | undefined> {
  return readStored(reports, 'manifest', manifestKey(day));
}

/** The store keys of a day's evidence of each kind (drill reports are listed per database). */
export interface DayKeys {
  readonly backupRecords: readonly string[];
  readonly pruneLogs: readonly string[];
  readonly sweepRecords: readonly string[];
}

const jsonKeys = async (reports: ReportStore, prefix: string) =>
  (await reports.list(prefix)).filter((key) => key.endsWith('.json'));

/** Lists the keys of a day's backup records, prune logs and sweep records. */
export async function listDayKeys(reports: ReportStore, day: string): Promise<DayKeys> {
  const [backupRecords, pruneLogs, sweepRecords] = await Promise.all([
    jsonKeys(reports, backupRecordsOfDayPrefix(day)),
    jsonKeys(reports, pruneLogsOfDayPrefix(day)),
    jsonKeys(reports, sweepRecordsOfDayPrefix(day)),
  ]);
  return { backupRecords, pruneLogs, sweepRecords };
}

const corruptOf = (
  kind: string,
  files: readonly { path: string; sha256: string; reason: string }[],
  databaseOf: (key: string) => string | undefined = () => undefined,
): CorruptDayDocument[] =>
  files.map((file) => {
    const database = databaseOf(file.path);
    return database === undefined ? { kind, ...file } : { kind, ...file, database };
  });

/**
 * Reads the given evidence documents (each through its schema, with its
 * digest) and the deletion log entries, at most STORE_READ_CONCURRENCY reads
 * at a time. `deletions` are the deletion log entries to summarise; an
 * intent is read only when its run has no log among `loggedRuns` or the logs
 * read here. With `outcomes: 'unless-logged'`, the outcome of a deletion
 * that its run's log lists as done is not read (it stays null): the log
 * accounts for the snapshot whatever the outcome says, which is all a
 * report asks of it; a manifest holds every outcome.
 */
export async function readEvidenceDocuments(
  reports: ReportStore,
  keys: DayKeys & { readonly drillReports: readonly string[] },
  deletions: readonly DeletionLogEntry[],
  options: { readonly loggedRuns?: ReadonlySet<string>; readonly outcomes?: 'every' | 'unless-logged' } = {},
): Promise<DayEvidence> {
  const [backups, prunes, sweeps, drills] = await Promise.all([
    readStoredMany(reports, 'backup-record', keys.backupRecords),
    readStoredMany(reports, 'prune-log', keys.pruneLogs),
    readStoredMany(reports, 'sweep-record', keys.sweepRecords),
    readDrillReports(reports, keys.drillReports),
  ]);
  const runsWithLog = new Set([
    ...(options.loggedRuns ?? []),
    ...prunes.documents.map(({ value }) => value.runId),
  ]);
  const loggedDeletions = new Set(
    options.outcomes === 'unless-logged'
      ? prunes.documents.flatMap(({ value }) =>
          value.dryRun
            ? []
            : value.deleted
                .filter((row) => row.status !== 'already-gone')
                .map((row) => `${value.runId}/${row.region}/${row.snapshot}`),
        )
      : [],
  );
  // A batch's intent and outcome each hold many deletions: each is read once.
  const outcomeOf = deletionOutcomeReader(reports);
  const intentDigests = new Map<string, Promise<string | null>>();
  const intentDigestOf = (key: string) => {
    let digest = intentDigests.get(key);
    if (digest === undefined) {
      digest = reports.get(key).then((body) => (body === undefined ? null : digestOf(body)));
      intentDigests.set(key, digest);
    }
    return digest;
  };
  const summaries = await mapWithConcurrency(deletions, STORE_READ_CONCURRENCY, async (entry) => {
    let outcome: LoggedDeletionSummary['outcome'] = null;
    if (
      entry.outcomeKey !== undefined &&
      !loggedDeletions.has(`${entry.runId}/${entry.region}/${entry.snapshot}`)
    ) {
      outcome = await outcomeOf(entry).then(
        (status) => status ?? null,
        (error: unknown) => {
          if (error instanceof CorruptEvidenceError) return 'unreadable' as const;
          throw error;
        },
      );
    }
    let intentSha256: string | null = null;
    if (!runsWithLog.has(entry.runId)) intentSha256 = await intentDigestOf(entry.intentKey);
    return {
      runId: entry.runId,
      region: entry.region,
      snapshot: entry.snapshot,
      intentKey: entry.intentKey,
      intentSha256,
      outcome,
    };
  });
  const found = <T>(documents: readonly { key: string; sha256: string; value: T }[]) =>
    documents.map(({ key, sha256: digest, value }) => ({ path: key, sha256: digest, value }));
  return {
    backupRecords: found(backups.documents).map(({ value, ...ref }) => ({
      ...ref,
      record: factsOfBackup(value),
    })),
    pruneLogs: found(prunes.documents).map(({ value, ...ref }) => ({ ...ref, log: factsOfPrune(value) })),
    sweepRecords: found(sweeps.documents).map(({ value, ...ref }) => ({
      ...ref,
      record: factsOfSweep(value),
    })),
    drillReports: found(drills.documents).map(({ value, ...ref }) => ({
      ...ref,
      report: factsOfDrill(value),
    })),
    deletions: summaries,
    corrupt: [
      ...corruptOf('backup-record', backups.corrupt, databaseOfBackupRecordKey),
      ...corruptOf('prune-log', prunes.corrupt),
      ...corruptOf('sweep-record', sweeps.corrupt),
      ...corruptOf('drill-report', drills.corrupt, databaseOfDrillReportKey),
    ],
  };
}

/** Reads every evidence document of one day; `drillReports` are the day's drill report keys. */
export async function readDayEvidence(
  reports: ReportStore,
  day: string,
  drillReports: readonly string[],
  outcomes: 'every' | 'unless-logged' = 'every',
): Promise<DayEvidence> {
  const [keys, deletions] = await Promise.all([
    listDayKeys(reports, day),
    listDeletionLog(reports, day, day),
  ]);
  return readEvidenceDocuments(reports, { ...keys, drillReports }, deletions, { outcomes });
}

/** Drill report keys (as `listDrillReportKeys` gives them) by the day their key names. */
export function drillReportKeysByDay(keys: Iterable<string>): Map<string, string[]> {
  const byDay = new Map<string, string[]>();
  for (const key of keys) {
    const day = dayOfDrillReportKey(key);
    if (day === undefined) continue;
    byDay.set(day, [...(byDay.get(day) ?? []), key]);
  }
  return byDay;
}

/** The earliest day any evidence to seal names in its key; undefined when there is none. */
async function firstEvidenceDay(reports: ReportStore): Promise<string | undefined> {
  const days = (await Promise.all([reports.list(EVIDENCE_PREFIX), reports.list(DRILL_REPORTS_PREFIX)]))
    .flat()
    .map(dayOfSealableKey)
    .filter((day): day is string => day !== undefined)
    .sort();
  return days[0];
}

/** Evidence a seal read that the day's stored manifest (written by another seal) lacks. */
export interface OutsideManifest {
  readonly day: string;
  readonly paths: string[];
}

/** A day whose stored manifest differs from what the seal read beyond late evidence. */
export interface ManifestConflict {
  readonly day: string;
  readonly reasons: string[];
}

/**
 * What one seal did: the days it sealed (wrote, or found written by another
 * seal), whether closed days remain unsealed, the evidence it read that a
 * manifest found written lacks, and the manifests found that differ from
 * what it read otherwise.
 */
export interface SealResult {
  readonly sealed: string[];
  readonly more: boolean;
  readonly outside: OutsideManifest[];
  readonly conflicts: ManifestConflict[];
}

type Sealed = Pick<EvidenceManifest, 'previous'> & DayEvidence;

/**
 * How a day's stored manifest stands to the one a seal computed: what the
 * seal read that it lacks (`outside`), and what differs otherwise
 * (`conflicts`). What the stored manifest holds beyond the computed one is
 * neither: it landed before the other seal listed the day.
 */
export function compareManifests(
  stored: Sealed,
  computed: Sealed,
): { outside: string[]; conflicts: string[] } {
  const outside = new Set<string>();
  const conflicts: string[] = [];
  const same = (a: Sealed['previous'], b: Sealed['previous']) =>
    a === null || b === null ? a === b : a.path === b.path && a.sha256 === b.sha256;
  if (!same(stored.previous, computed.previous)) {
    conflicts.push('it links to another manifest of the day before');
  }
  const documents = (manifest: Sealed) =>
    new Map<string, string>(
      [
        ...manifest.backupRecords,
        ...manifest.pruneLogs,
        ...manifest.sweepRecords,
        ...manifest.drillReports,
      ].map((entry) => [entry.path, entry.sha256]),
    );
  const storedDocuments = documents(stored);
  const storedCorrupt = new Map(stored.corrupt.map((file) => [file.path, file.sha256]));
  for (const [path, sha256] of documents(computed)) {
    const digest = storedDocuments.get(path);
    if (storedCorrupt.has(path)) conflicts.push(`${path} did not read for the stored manifest`);
    else if (digest === undefined) outside.add(path);
    else if (digest !== sha256) conflicts.push(`${path} has another digest in the stored manifest`);
  }
  for (const file of computed.corrupt) {
    const digest = storedCorrupt.get(file.path);
    if (storedDocuments.has(file.path)) conflicts.push(`${file.path} does not read now`);
    else if (digest === undefined) outside.add(file.path);
    else if (digest !== file.sha256) conflicts.push(`${file.path} has another digest in the stored manifest`);
  }
  const deletionOf = (entry: LoggedDeletionSummary) =>
    `${entry.intentKey}\n${entry.region}\n${entry.snapshot}`;
  const storedDeletions = new Map(stored.deletions.map((entry) => [deletionOf(entry), entry]));
  for (const entry of computed.deletions) {
    const known = storedDeletions.get(deletionOf(entry));
    // A new intent, or an outcome written since the other seal read the log.
    if (known === undefined || (known.outcome === null && entry.outcome !== null))
      outside.add(entry.intentKey);
    else if (entry.outcome !== null && known.outcome !== entry.outcome) {
      conflicts.push(`the outcome of ${entry.region}/${entry.snapshot} (${entry.intentKey}) differs`);
    }
  }
  return { outside: [...outside].sort(), conflicts };
}

/**
 * Writes a day's manifest unless the day has one already (compact JSON: a
 * manifest of a large fleet lists thousands of documents, and people read
 * the documents, not it); then reads that
 * one and compares it with this one (`compareManifests`). Returns the
 * stored manifest's reference, which the next day links to.
 */
async function sealDay(
  reports: ReportStore,
  manifest: Omit<EvidenceManifest, 'schemaVersion'>,
): Promise<{ ref: { path: string; sha256: string }; outside: string[]; conflicts: string[] }> {
  const key = manifestKey(manifest.day);
  const body = serializeStored('manifest', storedManifestOf(manifest));
  const result = await reports.putIfAbsent(key, body, 'application/json');
  if (result.written) return { ref: { path: key, sha256: result.object.sha256 }, outside: [], conflicts: [] };
  const ref = { path: key, sha256: digestOf(result.existing) };
  let stored: EvidenceManifest;
  try {
    stored = decodeStored(key, result.existing, manifestSchema, 'evidence manifest').value;
  } catch (error) {
    if (!(error instanceof CorruptEvidenceError)) throw error;
    return { ref, outside: [], conflicts: [`the stored manifest does not read: ${error.reason}`] };
  }
  return { ref, ...compareManifests(stored, manifest) };
}

/**
 * Seals the closed days not sealed yet, oldest first and at most `maxDays`
 * of them, each linked to the manifest before it. Every evidence document is
 * read here once; reports read the manifests. `databases` are those whose
 * drill reports are sealed (drill reports are filed by database): a drill
 * report of another database stays outside the manifests, and a report that
 * looks for it reads it directly.
 */
export async function sealClosedDays(
  store: ReportStore,
  options: { readonly now: Date; readonly databases: readonly string[]; readonly maxDays: number },
): Promise<SealResult> {
  const reports = withBoundedReads(store);
  const lastSealed = (await listSealedDays(reports)).at(-1);
  const first = lastSealed === undefined ? await firstEvidenceDay(reports) : addDays(lastSealed, 1);
  const closed: string[] = [];
  for (let day = first; day !== undefined && isClosedDay(day, options.now); day = addDays(day, 1)) {
    closed.push(day);
  }
  const days = closed.slice(0, options.maxDays);
  if (days.length === 0) return { sealed: [], more: false, outside: [], conflicts: [] };
  const drillKeys = drillReportKeysByDay(
    (
      await mapWithConcurrency(options.databases, STORE_READ_CONCURRENCY, (id) =>
        listDrillReportKeys(reports, id),
      )
    ).flat(),
  );
  let previous: EvidenceManifest['previous'] = null;
  if (lastSealed !== undefined) {
    const body = await reports.get(manifestKey(lastSealed));
    if (body !== undefined) previous = { path: manifestKey(lastSealed), sha256: digestOf(body) };
  }
  const outside: OutsideManifest[] = [];
  const conflicts: ManifestConflict[] = [];
  for (const day of days) {
    const evidence = await readDayEvidence(reports, day, drillKeys.get(day) ?? []);
    const sealedAt = `${addDays(day, 2)}T00:00:00.000Z`;
    const sealed = await sealDay(reports, { day, sealedAt, previous, ...evidence });
    if (sealed.outside.length > 0) outside.push({ day, paths: sealed.outside });
    if (sealed.conflicts.length > 0) conflicts.push({ day, reasons: sealed.conflicts });
    previous = sealed.ref;
  }
  return { sealed: days, more: closed.length > days.length, outside, conflicts };
}
