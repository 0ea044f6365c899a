// The compliance report over sealed daily manifests: what it reads does not
// grow with history, the manifests' hash chain and the previous report give
// away tampering, evidence that lands after its day was sealed still counts,
// and reads run a bounded number at a time.
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { ReportStore } from '../../src/ports/report-store.ts';
import { writeBatchOutcome, writeDeletionOutcome } from '../../src/reports/deletion-log.ts';
import { writeBackupRecord } from '../../src/reports/evidence.ts';
import { isClosedDay, sealClosedDays } from '../../src/reports/evidence-manifest.ts';
import { batchOutcomeKey, manifestKey } from '../../src/reports/store/layout.ts';
import { STORE_READ_CONCURRENCY } from '../../src/reports/store-reads.ts';
import { invokeTask } from '../../src/runtime/task.ts';
import { sealEvidenceTask } from '../../src/tasks/seal-evidence.ts';
import { writeComplianceReportTask } from '../../src/tasks/write-compliance-report.ts';
import {
  addDays,
  COPY_REGION,
  CountingReportStore,
  type DeletionLogLayout,
  databaseIds,
  reportDependencies,
  SOURCE_REGION,
  writeFleetEvidence,
} from '../support/compliance-evidence.ts';

const config = parseConfig(`
sourceRegion: ${SOURCE_REGION}
copyRegions:
  - { region: ${COPY_REGION}, kmsKeyId: alias/restorable }
selection: { tags: { backup: daily } }
`);
const DATABASES = databaseIds(3);

/** Seals what is closed at `now`, then runs the report task for `from`..`to`; returns its output and its reads. */
async function reportOn(reports: CountingReportStore, from: string, to: string, now: Date) {
  const dependencies = reportDependencies(config, reports, DATABASES, to, now);
  await sealClosedDays(reports, { now, databases: DATABASES, maxDays: 10_000 });
  reports.resetCounts();
  const result = await invokeTask(
    writeComplianceReportTask,
    { request: { from, to }, executionName: 'test' },
    dependencies,
  );
  return { result, reads: reports.reads, maxInFlight: reports.maxInFlight };
}

/** The day after `to`, at 02:00 UTC: when a period's report runs. */
const dayAfter = (to: string) => new Date(`${addDays(to, 1)}T02:00:00Z`);

const control = (result: { controls: { id: string; status: string }[] }, id: string) =>
  result.controls.find((entry) => entry.id === id)?.status;

const days = (from: string, to: string) => {
  const list: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) list.push(day);
  return list;
};

async function fleetWithHistory(
  firstDay: string,
  lastDay: string,
  deletionLog: DeletionLogLayout = 'batches',
): Promise<CountingReportStore> {
  const reports = new CountingReportStore();
  await writeFleetEvidence(reports, DATABASES, firstDay, lastDay, deletionLog);
  return reports;
}

describe('when a day is sealed', () => {
  it.each([
    ['2026-11-20T23:59:59Z', false],
    ['2026-11-21T12:00:00Z', false],
    ['2026-11-21T23:59:59Z', false],
    ['2026-11-22T00:00:00Z', true],
  ])('2026-11-20 at %s: closed %s (once the day after it is over too)', (now, closed) => {
    expect(isClosedDay('2026-11-20', new Date(now))).toBe(closed);
  });

  it('seals each closed day once, oldest first, linked to the day before, and says when days remain', async () => {
    const reports = await fleetWithHistory('2026-11-01', '2026-11-10');
    const now = new Date('2026-11-12T02:00:00Z');

    const first = await sealClosedDays(reports, { now, databases: DATABASES, maxDays: 6 });
    const second = await sealClosedDays(reports, { now, databases: DATABASES, maxDays: 6 });
    const third = await sealClosedDays(reports, { now, databases: DATABASES, maxDays: 6 });

    const quiet = { outside: [], conflicts: [] };
    expect(first).toEqual({ sealed: days('2026-11-01', '2026-11-06'), more: true, ...quiet });
    expect(second).toEqual({ sealed: days('2026-11-07', '2026-11-10'), more: false, ...quiet });
    expect(third).toEqual({ sealed: [], more: false, ...quiet });
    const manifest = (day: string) =>
      JSON.parse(Buffer.from(reports.objects.get(manifestKey(day)) ?? new Uint8Array()).toString('utf8'));
    expect(manifest('2026-11-01').previous).toBeNull();
    expect(manifest('2026-11-07').previous).toEqual({
      path: manifestKey('2026-11-06'),
      sha256: createHash('sha256')
        .update(reports.objects.get(manifestKey('2026-11-06')) ?? new Uint8Array())
        .digest('hex'),
    });
    expect(manifest('2026-11-07').backupRecords).toHaveLength(DATABASES.length);
  });
});

describe('the compliance report over sealed manifests', () => {
  const to = '2026-11-30';
  const from = '2026-11-21';

  it('reads as much with a year of history and five earlier reports as with a few weeks and two', async () => {
    const short = await fleetWithHistory('2026-10-25', to);
    // Two before: from the second on, a report checks the one its predecessor chained to.
    await reportOn(short, from, to, dayAfter(to));
    await reportOn(short, from, to, new Date(`${addDays(to, 1)}T02:10:00Z`));
    const shortRun = await reportOn(short, from, to, new Date(`${addDays(to, 1)}T02:20:00Z`));

    const long = await fleetWithHistory('2025-12-01', to);
    for (let minute = 0; minute < 50; minute += 10) {
      await reportOn(long, from, to, new Date(`${addDays(to, 1)}T02:${String(minute).padStart(2, '0')}:00Z`));
    }
    const longRun = await reportOn(long, from, to, new Date(`${addDays(to, 1)}T02:50:00Z`));

    expect(longRun.result.status).toBe('compliant');
    expect(longRun.reads).toBe(shortRun.reads);
  });

  it('runs at most the bounded number of reads at once, and more than one', async () => {
    const reports = await fleetWithHistory('2026-10-25', to);

    const run = await reportOn(reports, from, to, dayAfter(to));

    expect(run.maxInFlight).toBeLessThanOrEqual(STORE_READ_CONCURRENCY);
    expect(run.maxInFlight).toBeGreaterThan(1);
  });

  it('counts a backup record that lands after its day was sealed', async () => {
    const reports = await fleetWithHistory('2026-10-25', to);
    const late = from;
    const key = [...reports.objects.keys()].find((candidate) =>
      candidate.startsWith(`evidence/backups/${late}/${DATABASES[0]}/`),
    );
    const body = reports.objects.get(key ?? '');
    reports.objects.delete(key ?? '');
    await sealClosedDays(reports, { now: dayAfter(to), databases: DATABASES, maxDays: 10_000 });
    expect((await reportOn(reports, from, to, dayAfter(to))).result.status).toBe('non-compliant');

    await writeBackupRecord(reports, JSON.parse(Buffer.from(body ?? new Uint8Array()).toString('utf8')));
    const run = await reportOn(reports, from, to, new Date(`${addDays(to, 1)}T02:20:00Z`));

    expect(control(run.result, 'daily-backup')).toBe('pass');
    expect(run.result.controls[0]?.evidence.map((ref) => ref.path)).toContain(key);
  });
});

describe('a deletion of a stopped run whose outcome lands after its day was sealed', () => {
  const to = '2026-11-30';
  const from = '2026-11-21';
  const stopped = '2026-11-25';
  const gone = `${SOURCE_REGION}/restorable-${DATABASES[0]}-${addDays(stopped, -8)}`;

  const retentionOf = async (reports: CountingReportStore, now: Date) => {
    const run = await reportOn(reports, from, to, now);
    const stored = JSON.parse(
      Buffer.from(reports.objects.get(run.result.report.key) ?? new Uint8Array()).toString('utf8'),
    );
    return stored.controls
      .find((entry: { id: string }) => entry.id === 'retention')
      .databases.find((entry: { id: string }) => entry.id === DATABASES[0]).detail as string;
  };

  it('is read: an outcome saying the snapshot was not deleted leaves its disappearance unaccounted', async () => {
    const reports = await fleetWithHistory('2026-10-25', to, 'per-deletion');
    // The run stopped before its log and before this deletion's outcome.
    for (const key of [...reports.objects.keys()]) {
      if (key.startsWith(`evidence/prunes/${stopped}/`)) reports.objects.delete(key);
    }
    const outcomeKey = `evidence/deletions/${stopped}/prune-${stopped}/${gone}.outcome.json`;
    expect(reports.objects.delete(outcomeKey)).toBe(true);
    expect(await retentionOf(reports, dayAfter(to))).not.toContain('disappeared');

    await writeDeletionOutcome(
      reports,
      {
        runId: `prune-${stopped}`,
        runStartedAt: `${stopped}T03:00:00.000Z`,
        region: SOURCE_REGION,
        snapshot: gone.split('/')[1] ?? '',
      },
      {
        schemaVersion: 1,
        runId: `prune-${stopped}`,
        region: SOURCE_REGION,
        snapshot: gone.split('/')[1] ?? '',
        status: 'not-deleted',
        at: `${addDays(to, 1)}T01:00:00.000Z`,
        completedBy: 'prune-later',
        detail: 'the run stopped before it',
      },
    );

    expect(await retentionOf(reports, new Date(`${addDays(to, 1)}T02:20:00Z`))).toContain(
      `${gone} disappeared with no entry in any deletion log`,
    );
  });
});

describe('a batch of deletions in the log', () => {
  const to = '2026-11-30';
  const from = '2026-11-21';
  const stopped = '2026-11-25';
  const runId = `prune-${stopped}`;
  const runStartedAt = `${stopped}T03:00:00.000Z`;
  const gone = `restorable-${DATABASES[0]}-${addDays(stopped, -8)}`;

  it('is read once per batch document, however many deletions it holds, and each deletion keeps its own outcome', async () => {
    const reports = await fleetWithHistory('2026-10-25', to);
    for (const key of [...reports.objects.keys()]) {
      if (key.startsWith(`evidence/prunes/${stopped}/`)) reports.objects.delete(key);
    }
    // The run stopped before its log; a later run recorded that one deletion was not made.
    const outcomeKey = batchOutcomeKey({ runId, runStartedAt, batch: 0 });
    expect(reports.objects.delete(outcomeKey)).toBe(true);
    await writeBatchOutcome(
      reports,
      { runStartedAt },
      {
        schemaVersion: 1,
        runId,
        batch: 0,
        at: `${stopped}T04:00:00.000Z`,
        completedBy: 'prune-later',
        outcomes: DATABASES.flatMap((database) =>
          [SOURCE_REGION, COPY_REGION].map((region) => {
            const snapshot = `restorable-${database}-${addDays(stopped, -8)}`;
            const notDeleted = region === SOURCE_REGION && snapshot === gone;
            return {
              region,
              snapshot,
              status: notDeleted ? ('not-deleted' as const) : ('deleted' as const),
              at: `${stopped}T04:00:00.000Z`,
              detail: notDeleted ? 'the run stopped before it' : null,
            };
          }),
        ),
        skipped: [],
      },
    );
    const gets: string[] = [];
    const get = reports.get.bind(reports);
    reports.get = async (key) => {
      gets.push(key);
      return get(key);
    };

    const run = await reportOn(reports, from, to, dayAfter(to));

    const stored = JSON.parse(
      Buffer.from(reports.objects.get(run.result.report.key) ?? new Uint8Array()).toString('utf8'),
    );
    const retention = stored.controls
      .find((entry: { id: string }) => entry.id === 'retention')
      .databases.find((entry: { id: string }) => entry.id === DATABASES[0]).detail as string;
    expect(retention).toContain(`${SOURCE_REGION}/${gone} disappeared with no entry in any deletion log`);
    const intentKey = outcomeKey.replace(/\.outcome\.json$/, '.intent.json');
    // The seal lists the batch and hashes it, the report may hash again what
    // it cites: a few reads of each document, not one per deletion in it.
    const deletionsInBatch = DATABASES.length * 2;
    expect(gets.filter((key) => key === outcomeKey).length).toBeLessThan(deletionsInBatch);
    expect(gets.filter((key) => key === intentKey).length).toBeLessThan(deletionsInBatch);
    const cited = stored.controls.flatMap((entry: { evidence: { path: string }[] }) =>
      entry.evidence.map((ref) => ref.path),
    );
    expect(cited.filter((path: string) => path === intentKey)).toHaveLength(1);
  });
});

describe('two seals at once', () => {
  const to = '2026-11-30';
  const from = '2026-11-21';

  it('compute the same manifest for a day from the same evidence, whenever they run', async () => {
    const early = await fleetWithHistory('2026-11-01', to);
    const late = await fleetWithHistory('2026-11-01', to);
    await sealClosedDays(early, {
      now: new Date(`${addDays(to, 2)}T00:05:00Z`),
      databases: DATABASES,
      maxDays: 100,
    });
    await sealClosedDays(late, {
      now: new Date(`${addDays(to, 9)}T17:30:00Z`),
      databases: DATABASES,
      maxDays: 100,
    });
    for (const day of days('2026-11-01', to)) {
      expect(Buffer.from(early.objects.get(manifestKey(day)) ?? '').toString()).toBe(
        Buffer.from(late.objects.get(manifestKey(day)) ?? '').toString(),
      );
    }
  });

  it('leave a chain the next report finds intact', async () => {
    const reports = await fleetWithHistory('2026-11-01', to);
    const now = dayAfter(to);
    await Promise.all([
      sealClosedDays(reports, { now, databases: DATABASES, maxDays: 100 }),
      sealClosedDays(reports, { now: new Date(now.getTime() + 60_000), databases: DATABASES, maxDays: 100 }),
    ]);
    const run = await reportOn(reports, from, to, now);
    const stored = JSON.parse(Buffer.from(reports.objects.get(run.result.report.key) ?? '').toString('utf8'));
    expect(stored.integrity.altered).toEqual([]);
    expect(run.result.status).toBe('compliant');
  });
});

/**
 * The store, with the writes of the given days' manifests held until the
 * test lets each go: how two seals at once are made to interleave.
 */
function holdingManifestWrites(reports: CountingReportStore, days: readonly string[]) {
  const gates = new Map(
    days.map((day) => {
      const reached = Promise.withResolvers<void>();
      const released = Promise.withResolvers<void>();
      return [manifestKey(day), { reached, released }] as const;
    }),
  );
  const gateOf = (day: string) => {
    const gate = gates.get(manifestKey(day));
    if (gate === undefined) throw new Error(`no write of ${day} is held`);
    return gate;
  };
  const waitFor = async (key: string) => {
    const gate = gates.get(key);
    if (gate === undefined) return;
    gate.reached.resolve();
    await gate.released.promise;
  };
  const store: ReportStore = {
    get: (key) => reports.get(key),
    list: (prefix) => reports.list(prefix),
    delete: (key) => reports.delete(key),
    put: async (key, body, contentType) => {
      await waitFor(key);
      return reports.put(key, body, contentType);
    },
    putIfAbsent: async (key, body, contentType) => {
      await waitFor(key);
      return reports.putIfAbsent(key, body, contentType);
    },
  };
  return {
    store,
    /** Resolves once the seal has read the day and is about to write its manifest. */
    reached: (day: string) => gateOf(day).reached.promise,
    release: (day: string) => gateOf(day).released.resolve(),
  };
}

describe('two seals interleaved, with evidence landing between them', () => {
  const to = '2026-11-30';
  const from = '2026-11-21';
  const day = '2026-11-24';
  const now = dayAfter(to);

  /** A backup record of `day` that is not in the fleet's evidence yet: it lands during the seals. */
  async function lateRecord(
    reports: CountingReportStore,
  ): Promise<{ land: () => Promise<void>; key: string }> {
    const key = [...reports.objects.keys()].find((candidate) =>
      candidate.startsWith(`evidence/backups/${day}/${DATABASES[2]}/`),
    );
    const body = reports.objects.get(key ?? '');
    if (key === undefined || body === undefined) throw new Error('no record to hold back');
    reports.objects.delete(key);
    return {
      key,
      land: async () => {
        await writeBackupRecord(reports, JSON.parse(Buffer.from(body).toString('utf8')));
      },
    };
  }

  const manifestOf = (reports: CountingReportStore, of: string) =>
    JSON.parse(Buffer.from(reports.objects.get(manifestKey(of)) ?? '').toString('utf8'));

  it('leave one manifest a day whose chain holds, the late record in it, when the seal that saw it writes first', async () => {
    // Prepare: A reads the day, the record lands, B reads the day and writes it, then A writes.
    const reports = await fleetWithHistory('2026-11-01', to);
    const late = await lateRecord(reports);
    const a = holdingManifestWrites(reports, [day]);
    const b = holdingManifestWrites(reports, [addDays(day, 1)]);

    // Act
    const first = sealClosedDays(a.store, { now, databases: DATABASES, maxDays: 100 });
    await a.reached(day);
    await late.land();
    const second = sealClosedDays(b.store, { now, databases: DATABASES, maxDays: 100 });
    await b.reached(addDays(day, 1));
    a.release(day);
    const sealedByA = await first;
    b.release(addDays(day, 1));
    const sealedByB = await second;

    // Assess
    expect(manifestOf(reports, day).backupRecords.map((entry: { path: string }) => entry.path)).toContain(
      late.key,
    );
    expect(sealedByA.outside).toEqual([]);
    expect(sealedByB.outside).toEqual([]);
    expect(sealedByA.conflicts).toEqual([]);
    expect(sealedByB.conflicts).toEqual([]);
    const run = await reportOn(reports, from, to, now);
    const stored = JSON.parse(Buffer.from(reports.objects.get(run.result.report.key) ?? '').toString('utf8'));
    expect(stored.integrity.altered).toEqual([]);
    expect(run.result.status).toBe('compliant');
  });

  it('report the late record as evidence outside the manifest when the seal that missed it writes first, and the report still counts it', async () => {
    // Prepare: A reads the day, the record lands, B reads the day; A writes, then B.
    const reports = await fleetWithHistory('2026-11-01', to);
    const late = await lateRecord(reports);
    const a = holdingManifestWrites(reports, [day, addDays(day, 1)]);
    const b = holdingManifestWrites(reports, [day]);

    // Act
    const first = sealClosedDays(a.store, { now, databases: DATABASES, maxDays: 100 });
    await a.reached(day);
    await late.land();
    const second = sealClosedDays(b.store, { now, databases: DATABASES, maxDays: 100 });
    await b.reached(day);
    a.release(day);
    await a.reached(addDays(day, 1));
    b.release(day);
    const sealedByB = await second;
    a.release(addDays(day, 1));
    const sealedByA = await first;

    // Assess
    expect(manifestOf(reports, day).backupRecords.map((entry: { path: string }) => entry.path)).not.toContain(
      late.key,
    );
    expect(sealedByB.outside).toEqual([{ day, paths: [late.key] }]);
    expect(sealedByA.outside).toEqual([]);
    expect([...sealedByA.conflicts, ...sealedByB.conflicts]).toEqual([]);
    for (const sealed of days('2026-11-02', addDays(to, -1))) {
      expect(manifestOf(reports, sealed).previous.sha256).toBe(
        createHash('sha256')
          .update(reports.objects.get(manifestKey(addDays(sealed, -1))) ?? new Uint8Array())
          .digest('hex'),
      );
    }
    const run = await reportOn(reports, from, to, now);
    const stored = JSON.parse(Buffer.from(reports.objects.get(run.result.report.key) ?? '').toString('utf8'));
    expect(stored.integrity.altered).toEqual([]);
    expect(run.result.status).toBe('compliant');
    expect(run.result.controls[0]?.evidence.map((ref) => ref.path)).toContain(late.key);
  });

  it('report a manifest that differs from what the seal read, beyond late evidence, and leave it as it is', async () => {
    // Prepare: A reads the day; a record of it is rewritten; B seals the day first.
    const reports = await fleetWithHistory('2026-11-01', to);
    const a = holdingManifestWrites(reports, [day]);
    const rewritten = [...reports.objects.keys()].find((candidate) =>
      candidate.startsWith(`evidence/backups/${day}/${DATABASES[1]}/`),
    );
    const body = reports.objects.get(rewritten ?? '') ?? new Uint8Array();

    // Act
    const first = sealClosedDays(a.store, { now, databases: DATABASES, maxDays: 100 });
    await a.reached(day);
    reports.objects.set(rewritten ?? '', Buffer.from(`${Buffer.from(body).toString('utf8').trimEnd()} \n`));
    await sealClosedDays(reports, { now, databases: DATABASES, maxDays: 100 });
    const stored = reports.objects.get(manifestKey(day));
    a.release(day);
    const sealedByA = await first;

    // Assess
    expect(sealedByA.conflicts).toEqual([
      { day, reasons: [`${rewritten} has another digest in the stored manifest`] },
    ]);
    expect(reports.objects.get(manifestKey(day))).toBe(stored);
  });

  it('are named by the seal task: a manifest that differs is listed in its output and logged as an error', async () => {
    // Prepare: the task reads the day; a record of it is rewritten; another seal writes the day first.
    const reports = await fleetWithHistory('2026-11-01', to);
    const a = holdingManifestWrites(reports, [day]);
    const rewritten = [...reports.objects.keys()].find((candidate) =>
      candidate.startsWith(`evidence/backups/${day}/${DATABASES[1]}/`),
    );
    const body = reports.objects.get(rewritten ?? '') ?? new Uint8Array();
    const dependencies = reportDependencies(config, a.store, DATABASES, to, now);
    const errors = vi.spyOn(dependencies.logger, 'error');

    // Act
    const task = invokeTask(sealEvidenceTask, { maxDays: 31 }, dependencies);
    await a.reached(day);
    reports.objects.set(rewritten ?? '', Buffer.from(`${Buffer.from(body).toString('utf8').trimEnd()} \n`));
    await sealClosedDays(reports, { now, databases: DATABASES, maxDays: 100 });
    a.release(day);
    const output = await task;

    // Assess
    expect(output).toMatchObject({
      more: false,
      outside: 0,
      conflicts: [{ day, reasons: [`${rewritten} has another digest in the stored manifest`] }],
    });
    expect(errors).toHaveBeenCalledWith(
      'a sealed manifest differs from the evidence this seal read',
      expect.objectContaining({ day }),
    );
  });
});

describe('manifests of schema version 1, which embedded whole documents', () => {
  const to = '2026-11-30';
  const from = '2026-11-21';

  /**
   * Rewrites every sealed manifest as the earlier version wrote it: the
   * whole backup records, prune logs and sweep records, one entry per
   * deletion, each linked to the rewritten day before.
   */
  function asVersionOne(reports: CountingReportStore): void {
    const json = (key: string) =>
      JSON.parse(Buffer.from(reports.objects.get(key) ?? new Uint8Array()).toString('utf8'));
    const keys = [...reports.objects.keys()].filter((key) => key.startsWith('evidence/manifests/')).sort();
    let previous: { path: string; sha256: string } | null = null;
    for (const key of keys) {
      const manifest = json(key);
      const whole = (entries: { path: string; sha256: string }[], field: string) =>
        entries.map(({ path, sha256 }) => ({ path, sha256, [field]: json(path) }));
      const v1: Record<string, unknown> = {
        ...manifest,
        schemaVersion: 1,
        previous,
        backupRecords: whole(manifest.backupRecords, 'record'),
        pruneLogs: whole(manifest.pruneLogs, 'log'),
        sweepRecords: whole(manifest.sweepRecords, 'record'),
        deletions: manifest.deletions.flatMap(
          (group: { intentKey: string; runId: string; intentSha256: string | null; deletions: object[] }) =>
            group.deletions.map((entry) => ({
              runId: group.runId,
              ...entry,
              intentKey: group.intentKey,
              intentSha256: group.intentSha256,
            })),
        ),
      };
      const bytes: Buffer = Buffer.from(`${JSON.stringify(v1)}\n`);
      reports.objects.set(key, bytes);
      previous = { path: key, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
  }

  it('are written no more: a manifest holds per document its key, digest and facts, smaller than the documents', async () => {
    const reports = await fleetWithHistory('2026-11-01', '2026-11-03');
    await sealClosedDays(reports, {
      now: new Date('2026-11-04T02:00:00Z'),
      databases: DATABASES,
      maxDays: 10,
    });
    const manifest = JSON.parse(Buffer.from(reports.objects.get(manifestKey('2026-11-01')) ?? '').toString());

    expect(manifest.schemaVersion).toBe(2);
    expect(Object.keys(manifest.backupRecords[0].record).sort()).toEqual(['id', 'snapshots', 'startedAt']);
    expect(manifest.pruneLogs[0].log).not.toHaveProperty('failed');
    expect(manifest.pruneLogs[0].log).not.toHaveProperty('schemaVersion');
    const documents = [...manifest.backupRecords, ...manifest.pruneLogs, ...manifest.sweepRecords].reduce(
      (total: number, { path }: { path: string }) => total + (reports.objects.get(path)?.length ?? 0),
      0,
    );
    expect(JSON.stringify(manifest.backupRecords).length).toBeLessThan(documents);
  });

  it('still read: a report over them is compliant with its chain intact, and the next seal links to them', async () => {
    const reports = await fleetWithHistory('2026-11-01', to);
    await sealClosedDays(reports, {
      now: new Date(`${addDays(to, -5)}T02:00:00Z`),
      databases: DATABASES,
      maxDays: 100,
    });
    asVersionOne(reports);
    const lastOld = addDays(to, -7);
    expect(
      JSON.parse(Buffer.from(reports.objects.get(manifestKey(lastOld)) ?? '').toString()).schemaVersion,
    ).toBe(1);

    const run = await reportOn(reports, from, to, dayAfter(to));

    const stored = JSON.parse(Buffer.from(reports.objects.get(run.result.report.key) ?? '').toString('utf8'));
    expect(stored.integrity.altered).toEqual([]);
    expect(run.result.status).toBe('compliant');
    const next = JSON.parse(
      Buffer.from(reports.objects.get(manifestKey(addDays(lastOld, 1))) ?? '').toString(),
    );
    expect(next.schemaVersion).toBe(2);
    expect(next.previous.sha256).toBe(
      createHash('sha256')
        .update(reports.objects.get(manifestKey(lastOld)) ?? new Uint8Array())
        .digest('hex'),
    );
  });
});

describe('the chain of manifests and reports', () => {
  const to = '2026-11-30';
  const from = '2026-11-21';
  const later = new Date(`${addDays(to, 1)}T02:20:00Z`);

  /** A sealed fleet with one report written; the second report is what the test looks at. */
  async function sealedAndReported(): Promise<CountingReportStore> {
    const reports = await fleetWithHistory('2026-10-25', to);
    expect((await reportOn(reports, from, to, dayAfter(to))).result.status).toBe('compliant');
    return reports;
  }

  const alterBytes = (reports: CountingReportStore, key: string) => {
    const body = reports.objects.get(key);
    if (body === undefined) throw new Error(`${key} is not in the store`);
    reports.objects.set(key, Buffer.from(`${Buffer.from(body).toString('utf8').trimEnd()} \n`));
  };

  async function alteredPaths(reports: CountingReportStore, at = later): Promise<string[]> {
    const run = await reportOn(reports, from, to, at);
    const stored = reports.objects.get(run.result.report.key);
    const report = JSON.parse(Buffer.from(stored ?? new Uint8Array()).toString('utf8'));
    expect(run.result.status).toBe('non-compliant');
    return report.integrity.altered.map((entry: { path: string }) => entry.path);
  }

  it('detects a sealed manifest that was altered: the next day’s link no longer matches', async () => {
    const reports = await sealedAndReported();
    alterBytes(reports, manifestKey('2026-11-24'));

    expect(await alteredPaths(reports)).toContain(manifestKey('2026-11-24'));
  });

  it('names a manifest that does not read, and reads its day document by document', async () => {
    const reports = await sealedAndReported();
    reports.objects.set(manifestKey('2026-11-24'), Buffer.from('{"schemaVersion": 1, "day": '));

    const run = await reportOn(reports, from, to, later);

    const readable = run.result.controls.find((entry) => entry.id === 'evidence-readable');
    expect(readable?.databases).toContainEqual({
      id: '(all)',
      status: 'fail',
      detail: expect.stringContaining(`${manifestKey('2026-11-24')} is unreadable`),
    });
    expect(control(run.result, 'daily-backup')).toBe('pass');
  });

  it('detects a broken link: a manifest that is gone', async () => {
    const reports = await sealedAndReported();
    reports.objects.delete(manifestKey('2026-11-24'));

    expect(await alteredPaths(reports)).toContain(manifestKey('2026-11-24'));
  });

  it('detects a document a sealed manifest lists that was altered since the previous report cited it', async () => {
    const reports = await sealedAndReported();
    const key = [...reports.objects.keys()].find((candidate) =>
      candidate.startsWith(`evidence/backups/2026-11-23/${DATABASES[1]}/`),
    );
    alterBytes(reports, key ?? '');

    expect(await alteredPaths(reports)).toContain(key);
  });

  it('detects an earlier report that was altered after a later one chained to it', async () => {
    const reports = await sealedAndReported();
    const [first] = [...reports.objects.keys()].filter(
      (key) => key.startsWith('compliance/') && key.endsWith('.json'),
    );
    await reportOn(reports, from, to, later);
    alterBytes(reports, first ?? '');

    expect(await alteredPaths(reports, new Date(`${addDays(to, 1)}T02:40:00Z`))).toContain(first);
  });
});
