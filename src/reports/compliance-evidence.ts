// What a compliance report reads, in a number of reads that follows the days
// of its period and the number of databases, never the whole history:
//
// - each day of the period (and of the retention before it) from its sealed
//   manifest, compared with a listing of the day: a document the manifest
//   lacks (it landed after the seal) is read directly, one it lists that is
//   gone is loss; a day not sealed yet is read document by document;
// - per database, the keys of its drill reports, and from them only the
//   drill reports of the period and the latest one before it (what the
//   drill interval and the latest verdict are judged by), from the manifest
//   of their day when it holds them;
// - the manifests' hash chain over those days, and the latest earlier
//   compliance report: its own predecessor and the manifests it used must be
//   unchanged, and the evidence it cited must still match, by the manifests'
//   digests and by hashing again a bounded sample of the files.
import { createHash } from 'node:crypto';
import type { ComplianceInput, CorruptEvidence, DrillReportEvidence } from '../domain/compliance.ts';
import { daysOf } from '../domain/compliance.ts';
import type { EvidenceIntegrity, EvidenceRef } from '../domain/compliance-report.ts';
import { CorruptEvidenceError } from '../domain/errors.ts';
import type { ReportStore } from '../ports/report-store.ts';
import { complianceReportSchema } from './compliance-report.ts';
import { listDeletionLog } from './deletion-log.ts';
import { listDrillReportKeys } from './drill-report.ts';
import {
  type DayEvidence,
  type EvidenceManifest,
  listDayKeys,
  listSealedDays,
  readDayEvidence,
  readEvidenceDocuments,
} from './evidence-manifest.ts';
import { decodeStored } from './json-document.ts';
import { readStored } from './store/index.ts';
import {
  COMPLIANCE_REPORTS_PREFIX,
  dayOfDrillReportKey,
  generatedAtOfComplianceReportKey,
  manifestKey,
} from './store/layout.ts';
import { mapWithConcurrency, STORE_READ_CONCURRENCY } from './store-reads.ts';

const digestOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * How many files cited by the previous report are hashed again: all of a
 * small deployment's, and a sample of a large one's, a different sample each
 * report, so the reads of a report stay bounded.
 */
export const AUDIT_SAMPLE = 1_000;

type Altered = EvidenceIntegrity['altered'][number];

interface ManifestRead {
  readonly ref: EvidenceRef;
  readonly manifest: EvidenceManifest | undefined;
}

/** A day's manifest as stored: its digest, and its content when it reads. */
async function readManifestOf(reports: ReportStore, day: string): Promise<ManifestRead | undefined> {
  const key = manifestKey(day);
  try {
    const read = await readStored(reports, 'manifest', key);
    return read === undefined
      ? undefined
      : { ref: { kind: 'evidence-manifest', path: key, sha256: read.sha256 }, manifest: read.value };
  } catch (error) {
    if (!(error instanceof CorruptEvidenceError)) throw error;
    const body = await reports.get(key);
    return body === undefined
      ? undefined
      : { ref: { kind: 'evidence-manifest', path: key, sha256: digestOf(body) }, manifest: undefined };
  }
}

/** A sealed day as the report uses it: the manifest, completed by what landed after the seal. */
async function completeSealedDay(
  reports: ReportStore,
  day: string,
  manifest: EvidenceManifest,
): Promise<{ evidence: DayEvidence; lost: Altered[] }> {
  const [keys, deletions] = await Promise.all([
    listDayKeys(reports, day),
    listDeletionLog(reports, day, day),
  ]);
  const sealed = new Map<string, string | undefined>([
    ...manifest.backupRecords.map((entry) => [entry.path, entry.sha256] as const),
    ...manifest.pruneLogs.map((entry) => [entry.path, entry.sha256] as const),
    ...manifest.sweepRecords.map((entry) => [entry.path, entry.sha256] as const),
    ...manifest.corrupt
      .filter((file) => file.kind !== 'drill-report')
      .map((file) => [file.path, undefined] as const),
  ]);
  const listed = new Set([...keys.backupRecords, ...keys.pruneLogs, ...keys.sweepRecords]);
  const late = (list: readonly string[]) => list.filter((key) => !sealed.has(key));
  const sealedDeletions = new Map(manifest.deletions.map((entry) => [entry.intentKey, entry]));
  // New intents, and outcomes written after the seal (a later run completing a stopped one).
  const changed = deletions.filter((entry) => {
    const known = sealedDeletions.get(entry.intentKey);
    return known === undefined || (known.outcome === null && entry.outcomeKey !== undefined);
  });
  const extra = await readEvidenceDocuments(
    reports,
    {
      backupRecords: late(keys.backupRecords),
      pruneLogs: late(keys.pruneLogs),
      sweepRecords: late(keys.sweepRecords),
      drillReports: [],
    },
    changed,
    { loggedRuns: new Set(manifest.pruneLogs.map(({ log }) => log.runId)) },
  );
  const replaced = new Set(changed.map((entry) => entry.intentKey));
  const lost = [...sealed]
    .filter(([path, digest]) => digest !== undefined && !listed.has(path))
    .map(([path, digest]) => ({ path, expected: digest ?? '', actual: null }));
  return {
    evidence: {
      backupRecords: [...manifest.backupRecords, ...extra.backupRecords],
      pruneLogs: [...manifest.pruneLogs, ...extra.pruneLogs],
      sweepRecords: [...manifest.sweepRecords, ...extra.sweepRecords],
      drillReports: manifest.drillReports,
      deletions: [
        ...manifest.deletions.filter((entry) => !replaced.has(entry.intentKey)),
        ...extra.deletions,
      ],
      corrupt: [...manifest.corrupt, ...extra.corrupt],
    },
    lost,
  };
}

export interface GatheredEvidence {
  /** The evidence of each day from `lookbackFrom` to `to`. */
  readonly days: ReadonlyMap<string, DayEvidence>;
  readonly drillReports: DrillReportEvidence[];
  readonly corruptDrillReports: CorruptEvidence[];
  /** The manifests read, by day, with their digests. */
  readonly manifests: ReadonlyMap<string, ManifestRead>;
  /** Documents sealed in a manifest and gone from the store since. */
  readonly lost: Altered[];
}

/**
 * Reads the evidence of the days from `lookbackFrom` to `to` and the drill
 * reports of the databases that the controls need (those of the period,
 * and the latest one before it), at most STORE_READ_CONCURRENCY reads at a time.
 */
export async function gatherComplianceEvidence(
  reports: ReportStore,
  request: {
    readonly from: string;
    readonly to: string;
    readonly lookbackFrom: string;
    readonly databases: readonly string[];
  },
): Promise<GatheredEvidence> {
  const sealedDays = new Set(await listSealedDays(reports));
  // Each manifest is read once, however many databases ask for its day at once.
  const reading = new Map<string, Promise<ManifestRead | undefined>>();
  const manifestOf = (day: string): Promise<ManifestRead | undefined> => {
    if (!sealedDays.has(day)) return Promise.resolve(undefined);
    const known = reading.get(day) ?? readManifestOf(reports, day);
    reading.set(day, known);
    return known;
  };

  const window = daysOf({ from: request.lookbackFrom, to: request.to });
  const lost: Altered[] = [];
  const perDay = await mapWithConcurrency(window, STORE_READ_CONCURRENCY, async (day) => {
    const manifest = (await manifestOf(day))?.manifest;
    if (manifest === undefined) return readDayEvidence(reports, day, [], 'unless-logged');
    const completed = await completeSealedDay(reports, day, manifest);
    lost.push(...completed.lost);
    return completed.evidence;
  });
  const days = new Map(window.map((day, index) => [day, perDay[index] as DayEvidence]));

  /** One drill report: from its day's manifest when it holds it, else from the store. */
  const drillReportAt = async (
    database: string,
    key: string,
  ): Promise<{ found: DrillReportEvidence } | { corrupt: CorruptEvidence } | undefined> => {
    const day = dayOfDrillReportKey(key) ?? '';
    const manifest = (await manifestOf(day))?.manifest;
    const sealed = manifest?.drillReports.find((entry) => entry.path === key);
    if (sealed !== undefined) {
      return {
        found: { ref: { kind: 'drill-report', path: key, sha256: sealed.sha256 }, report: sealed.report },
      };
    }
    const sealedCorrupt = manifest?.corrupt.find((file) => file.path === key);
    if (sealedCorrupt !== undefined) return { corrupt: { ...sealedCorrupt, database } };
    const read = await readEvidenceDocuments(
      reports,
      { backupRecords: [], pruneLogs: [], sweepRecords: [], drillReports: [key] },
      [],
    );
    const [document] = read.drillReports;
    if (document !== undefined) {
      return {
        found: {
          ref: { kind: 'drill-report', path: key, sha256: document.sha256 },
          report: document.report,
        },
      };
    }
    const [corrupt] = read.corrupt;
    return corrupt === undefined ? undefined : { corrupt: { ...corrupt, database } };
  };
  const perDatabase = await mapWithConcurrency(
    request.databases,
    STORE_READ_CONCURRENCY,
    async (database) => {
      const keys = (await listDrillReportKeys(reports, database)).filter(
        (key) => (dayOfDrillReportKey(key) ?? '') <= request.to,
      );
      const found: DrillReportEvidence[] = [];
      const corrupt: CorruptEvidence[] = [];
      const take = (read: Awaited<ReturnType<typeof drillReportAt>>): boolean => {
        if (read === undefined) return false;
        if ('found' in read) found.push(read.found);
        else corrupt.push(read.corrupt);
        return 'found' in read;
      };
      const before = keys.filter((key) => (dayOfDrillReportKey(key) ?? '') < request.from);
      const during = keys.filter((key) => (dayOfDrillReportKey(key) ?? '') >= request.from);
      for (const key of during) take(await drillReportAt(database, key));
      // The latest readable one before the period; the unreadable ones met on the way are named.
      for (const key of before.reverse()) {
        if (take(await drillReportAt(database, key))) break;
      }
      return { found, corrupt };
    },
  );
  const manifests = new Map<string, ManifestRead>();
  for (const [day, read] of [...reading].sort(([a], [b]) => a.localeCompare(b))) {
    const manifest = await read;
    if (manifest !== undefined) manifests.set(day, manifest);
  }
  return {
    days,
    drillReports: perDatabase.flatMap(({ found }) => found),
    corruptDrillReports: perDatabase.flatMap(({ corrupt }) => corrupt),
    manifests,
    lost: lost.sort((a, b) => a.path.localeCompare(b.path)),
  };
}

/**
 * The evidence the controls are computed from, as `evaluateCompliance` takes
 * it: backup records and prune logs of every day read, sweep records of the
 * period, the deletion log, the drill reports, and the documents that did
 * not read. `present` holds the snapshots of the inventory (`region/id`).
 */
export async function evidenceForControls(
  reports: ReportStore,
  gathered: GatheredEvidence,
  request: { readonly from: string; readonly present: ReadonlySet<string> },
): Promise<
  Pick<ComplianceInput, 'backupRecords' | 'pruneLogs' | 'sweepRecords' | 'deletionLog' | 'drillReports'> & {
    corruptEvidence: CorruptEvidence[];
  }
> {
  const days = [...gathered.days];
  const periodDays = days.filter(([day]) => day >= request.from);
  const pruneLogs = days.flatMap(([, evidence]) =>
    evidence.pruneLogs.map(({ path, sha256, log }) => ({ ref: { kind: 'prune-log', path, sha256 }, log })),
  );
  // An intent accounts for a snapshot that is gone unless its own outcome
  // says it was not deleted (the delete failed, or a later run deleted it).
  const deletions = days
    .flatMap(([, evidence]) => evidence.deletions)
    .filter(
      (entry) => request.present.has(`${entry.region}/${entry.snapshot}`) || entry.outcome !== 'not-deleted',
    );
  // The intents of runs that stopped before writing their own log are the
  // only record of what they deleted: they are evidence in their own right.
  const loggedRuns = new Set(pruneLogs.map(({ log }) => log.runId));
  // A batch's intent holds many deletions: it is one piece of evidence.
  const intentEntries = [
    ...new Map(
      deletions.filter((entry) => !loggedRuns.has(entry.runId)).map((entry) => [entry.intentKey, entry]),
    ).values(),
  ];
  const intents = await mapWithConcurrency(
    intentEntries,
    STORE_READ_CONCURRENCY,
    async (entry): Promise<EvidenceRef | undefined> => {
      if (entry.intentSha256 !== null) {
        return { kind: 'deletion-intent', path: entry.intentKey, sha256: entry.intentSha256 };
      }
      const body = await reports.get(entry.intentKey);
      return body === undefined
        ? undefined
        : { kind: 'deletion-intent', path: entry.intentKey, sha256: digestOf(body) };
    },
  );
  const corruptManifests = [...gathered.manifests.values()]
    .filter(({ manifest }) => manifest === undefined)
    .map(({ ref }) => ({
      ...ref,
      reason: 'evidence manifest does not read: its day was read document by document',
    }));
  return {
    backupRecords: days.flatMap(([, evidence]) =>
      evidence.backupRecords.map(({ path, sha256, record }) => ({
        ref: { kind: 'backup-record', path, sha256 },
        record,
      })),
    ),
    pruneLogs,
    sweepRecords: periodDays.flatMap(([, evidence]) =>
      evidence.sweepRecords.map(({ path, sha256, record }) => ({
        ref: { kind: 'sweep-record', path, sha256 },
        record,
      })),
    ),
    deletionLog: {
      entries: deletions.map(({ runId, region, snapshot }) => ({ runId, region, snapshot })),
      evidence: intents.filter((ref): ref is EvidenceRef => ref !== undefined),
    },
    drillReports: gathered.drillReports,
    corruptEvidence: [
      ...days.flatMap(([, evidence]) =>
        evidence.corrupt.filter((file) => file.kind === 'backup-record' || file.kind === 'prune-log'),
      ),
      ...periodDays.flatMap(([, evidence]) =>
        evidence.corrupt.filter((file) => file.kind === 'sweep-record'),
      ),
      ...corruptManifests,
      ...gathered.corruptDrillReports,
    ],
  };
}

/** Which of the candidates to hash again: those no manifest vouches for first, then a sample that differs per report. */
function auditSample(
  candidates: readonly EvidenceRef[],
  vouched: ReadonlySet<string>,
  seed: string,
): EvidenceRef[] {
  const order = (ref: EvidenceRef) => createHash('sha256').update(`${seed}\n${ref.path}`).digest('hex');
  return [...candidates]
    .map((ref) => ({ ref, unvouched: !vouched.has(ref.path), order: order(ref) }))
    .sort((a, b) => Number(b.unvouched) - Number(a.unvouched) || a.order.localeCompare(b.order))
    .slice(0, AUDIT_SAMPLE)
    .map(({ ref }) => ref);
}

/**
 * Checks what earlier reports and manifests relied on, in a bounded number
 * of reads:
 * - the chain: each manifest read holds the digest of the manifest of the
 *   day before, as that one is now (a changed, removed or replaced manifest
 *   breaks the link);
 * - the latest earlier report: the reports it chained to and the manifests
 *   it used must be unchanged; the files it cited must match the digests of
 *   the manifests that list them now, and a sample of them is hashed again.
 * Changed or missing bytes are listed as altered; an earlier report that
 * does not read is returned as corrupt.
 */
export async function verifyEarlierEvidence(
  reports: ReportStore,
  gathered: Pick<GatheredEvidence, 'manifests' | 'lost'>,
  reportId: string,
): Promise<{ integrity: EvidenceIntegrity; corrupt: CorruptEvidence[] }> {
  const altered = new Map<string, Altered>();
  const flag = (entry: Altered) => {
    if (!altered.has(entry.path)) altered.set(entry.path, entry);
  };
  let verified = 0;
  const currentDigest = new Map<string, string | null>();
  for (const { ref } of gathered.manifests.values()) currentDigest.set(ref.path, ref.sha256);
  const digestNow = async (path: string): Promise<string | null> => {
    const known = currentDigest.get(path);
    if (known !== undefined) return known;
    const body = await reports.get(path);
    const digest = body === undefined ? null : digestOf(body);
    currentDigest.set(path, digest);
    return digest;
  };
  const check = async (path: string, expected: string) => {
    verified += 1;
    const actual = await digestNow(path);
    if (actual !== expected) flag({ path, expected, actual });
  };

  // The chain over the days read: each link to the day before.
  for (const [day, { manifest }] of gathered.manifests) {
    if (manifest?.previous == null) continue;
    const before = manifestKey(
      new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10),
    );
    verified += 1;
    const actual = await digestNow(before);
    if (manifest.previous.path !== before || actual !== manifest.previous.sha256) {
      flag({ path: before, expected: manifest.previous.sha256, actual });
    }
  }
  for (const entry of gathered.lost) {
    verified += 1;
    flag(entry);
  }

  const keys = (await reports.list(COMPLIANCE_REPORTS_PREFIX)).filter((key) => key.endsWith('.json'));
  const latest = [...keys]
    .sort(
      (a, b) =>
        (generatedAtOfComplianceReportKey(a) ?? '').localeCompare(
          generatedAtOfComplianceReportKey(b) ?? '',
        ) || a.localeCompare(b),
    )
    .at(-1);
  const corrupt: CorruptEvidence[] = [];
  const earlierReports: EvidenceRef[] = [];
  if (latest !== undefined) {
    const body = await reports.get(latest);
    if (body !== undefined) {
      const digest = digestOf(body);
      earlierReports.push({ kind: 'compliance-report', path: latest, sha256: digest });
      try {
        const read = decodeStored(latest, body, complianceReportSchema, 'compliance report');
        const previous = read.value;
        const chained = [...previous.integrity.earlierReports, ...(previous.integrity.manifests ?? [])];
        await mapWithConcurrency(chained, STORE_READ_CONCURRENCY, (ref) => check(ref.path, ref.sha256));
        const vouched = new Map<string, string>();
        for (const { manifest } of gathered.manifests.values()) {
          for (const entry of [
            ...(manifest?.backupRecords ?? []),
            ...(manifest?.pruneLogs ?? []),
            ...(manifest?.sweepRecords ?? []),
            ...(manifest?.drillReports ?? []),
          ]) {
            vouched.set(entry.path, entry.sha256);
          }
        }
        const cited = [
          ...new Map(
            previous.controls
              .flatMap((control) => control.evidence)
              .filter(
                (ref) => ref.kind !== 'compliance-report' && !chained.some((link) => link.path === ref.path),
              )
              .map((ref) => [ref.path, ref]),
          ).values(),
        ];
        for (const ref of cited) {
          const sealed = vouched.get(ref.path);
          if (sealed === undefined) continue;
          verified += 1;
          if (sealed !== ref.sha256) flag({ path: ref.path, expected: ref.sha256, actual: sealed });
        }
        await mapWithConcurrency(
          auditSample(cited, new Set(vouched.keys()), reportId),
          STORE_READ_CONCURRENCY,
          (ref) => check(ref.path, ref.sha256),
        );
      } catch (error) {
        if (!(error instanceof CorruptEvidenceError)) throw error;
        corrupt.push({ kind: 'compliance-report', path: latest, sha256: digest, reason: error.reason });
      }
    }
  }
  return {
    integrity: {
      earlierReports,
      manifests: [...gathered.manifests.values()]
        .map(({ ref }) => ref)
        .sort((a, b) => a.path.localeCompare(b.path)),
      verified,
      altered: [...altered.values()],
    },
    corrupt,
  };
}
