// Which store each key goes to: work documents (work/...) to the work store,
// everything else to the reports store; listings that span both merge them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RoutedReportStore } from '../../../src/adapters/aws/routed-report-store.ts';
import { LocalReportStore } from '../../../src/adapters/local/report-store.ts';

describe('RoutedReportStore', () => {
  let directories: string[];
  let reports: LocalReportStore;
  let work: LocalReportStore;
  let store: RoutedReportStore;

  beforeEach(async () => {
    directories = [
      await mkdtemp(join(tmpdir(), 'restorable-routed-reports-')),
      await mkdtemp(join(tmpdir(), 'restorable-routed-work-')),
    ];
    const [reportsDir = '', workDir = ''] = directories;
    reports = new LocalReportStore(reportsDir);
    work = new LocalReportStore(workDir);
    store = new RoutedReportStore({ reports, work });
  });

  afterEach(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it.each([
    'work/backups/run-1/queue.json',
    'work/backups/run-1/pages/0.json',
    'work/backups/timings.json',
    'work/prunes/2026-03-01/run-1/plan.json',
    'work/drills/drill-1/verification.json',
  ])('writes the work document %s to the work store only', async (key) => {
    // Act
    await store.put(key, '{}', 'application/json');

    // Assess
    expect(await work.get(key)).toBeDefined();
    expect(await reports.list('')).toEqual([]);
    expect(await store.get(key)).toBeDefined();
  });

  it.each([
    ['evidence/manifests/2026-03-01.json', 'reports'],
    ['work/backups/run-1/queue.json', 'work'],
  ] as const)('writes %s only if absent in the %s store alone', async (key, where) => {
    // Prepare
    const [target, other] = where === 'work' ? [work, reports] : [reports, work];
    await other.put(key, '{"elsewhere":true}', 'application/json');

    // Act
    const first = await store.putIfAbsent(key, '{"first":true}', 'application/json');
    const second = await store.putIfAbsent(key, '{"second":true}', 'application/json');

    // Assess
    expect(first.written).toBe(true);
    expect(second).toEqual({ written: false, existing: new Uint8Array(Buffer.from('{"first":true}')) });
    expect(Buffer.from((await target.get(key)) ?? '').toString()).toBe('{"first":true}');
  });

  it.each([
    'evidence/backups/orders/2026-03-01.json',
    'drills/orders/2026-03-01T02-00-00Z.json',
    'leases/drills/orders.json',
    'workspace/notes.json',
  ])('writes %s to the reports store only', async (key) => {
    // Act
    await store.put(key, '{}', 'application/json');

    // Assess
    expect(await reports.get(key)).toBeDefined();
    expect(await work.list('')).toEqual([]);
  });

  it('deletes a work document from the work store', async () => {
    // Prepare
    await store.put('work/backups/run-1/queue.json', '{}', 'application/json');

    // Act
    await store.delete('work/backups/run-1/queue.json');

    // Assess
    expect(await work.list('')).toEqual([]);
  });

  describe('list', () => {
    beforeEach(async () => {
      await reports.put('evidence/backups/orders/2026-03-01.json', '{}', 'application/json');
      await reports.put('workspace/notes.json', '{}', 'application/json');
      await reports.put('drills/orders/2026-03-01T02-00-00Z.json', '{}', 'application/json');
      await work.put('work/prunes/2026-03-01/run-1/plan.json', '{}', 'application/json');
      await work.put('work/backups/timings.json', '{}', 'application/json');
    });

    it('lists a prefix under work/ from the work store', async () => {
      expect(await store.list('work/prunes/')).toEqual(['work/prunes/2026-03-01/run-1/plan.json']);
    });

    it('lists a prefix outside work/ from the reports store', async () => {
      expect(await store.list('evidence/')).toEqual(['evidence/backups/orders/2026-03-01.json']);
    });

    it('merges both stores, sorted, for a prefix that spans them', async () => {
      expect(await store.list('')).toEqual([
        'drills/orders/2026-03-01T02-00-00Z.json',
        'evidence/backups/orders/2026-03-01.json',
        'work/backups/timings.json',
        'work/prunes/2026-03-01/run-1/plan.json',
        'workspace/notes.json',
      ]);
      expect(await store.list('work')).toEqual([
        'work/backups/timings.json',
        'work/prunes/2026-03-01/run-1/plan.json',
        'workspace/notes.json',
      ]);
    });

    it('leaves out work documents written to the reports store before the work store existed', async () => {
      // Prepare: what a run before the upgrade left in the reports bucket.
      await reports.put('work/backups/old-run/queue.json', '{}', 'application/json');

      // Act
      const everything = await store.list('');
      const queues = await store.list('work/backups/');

      // Assess: get would not find it, so no listing names it.
      expect(everything).not.toContain('work/backups/old-run/queue.json');
      expect(queues).toEqual(['work/backups/timings.json']);
      expect(await store.get('work/backups/old-run/queue.json')).toBeUndefined();
    });
  });
});
