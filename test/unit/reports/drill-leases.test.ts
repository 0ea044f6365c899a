import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalReportStore } from '../../../src/adapters/local/report-store.ts';
import { activeLeaseArns } from '../../../src/domain/drill-leases.ts';
import { CorruptEvidenceError } from '../../../src/domain/errors.ts';
import {
  readCurrentLeases,
  releaseLease,
  removeExpiredLeases,
  writeLease,
} from '../../../src/reports/drill-leases.ts';

const NOW = new Date('2026-11-22T05:00:00Z');
let dir: string;
let reports: LocalReportStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'restorable-leases-'));
  reports = new LocalReportStore(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('drill leases', () => {
  it('protect their snapshot until they expire or are released', async () => {
    await writeLease(reports, {
      snapshotArn: 'arn:a',
      drillId: 'drill-a',
      expiresAt: '2026-11-22T07:00:00.000Z',
      deployment: 'prod-eu-west-1',
    });
    expect(activeLeaseArns(await readCurrentLeases(reports, NOW), NOW)).toEqual(new Set(['arn:a']));

    await releaseLease(reports, 'drill-a', NOW);

    expect(activeLeaseArns(await readCurrentLeases(reports, NOW), NOW)).toEqual(new Set());
  });

  it('are not read once their expiry day is past', async () => {
    await writeLease(reports, {
      snapshotArn: 'arn:old',
      drillId: 'drill-old',
      expiresAt: '2026-11-20T07:00:00.000Z',
      deployment: 'prod-eu-west-1',
    });
    expect(await readCurrentLeases(reports, NOW)).toEqual([]);
    expect(await reports.list('leases/drills/2026-11-20/')).toHaveLength(1);
  });

  it('are removed once their expiry day is past, so the listing holds only current ones', async () => {
    for (const [drillId, expiresAt] of [
      ['drill-old', '2026-11-20T07:00:00.000Z'],
      ['drill-yesterday', '2026-11-21T23:59:00.000Z'],
      ['drill-today', '2026-11-22T04:00:00.000Z'],
      ['drill-running', '2026-11-22T07:00:00.000Z'],
    ] as const) {
      await writeLease(reports, {
        snapshotArn: `arn:${drillId}`,
        drillId,
        expiresAt,
        deployment: 'prod-eu-west-1',
      });
    }
    await reports.put('leases/drills/2026-11-19/drill-damaged.json', '{not json', 'application/json');
    await reports.put('leases/drills/drill-undated.json', '{not json', 'application/json');

    expect(await removeExpiredLeases(reports, NOW)).toBe(3);

    // Today's expired lease stays until tomorrow: only the key is looked at.
    expect(await reports.list('leases/drills/')).toEqual([
      'leases/drills/2026-11-22/drill-running.json',
      'leases/drills/2026-11-22/drill-today.json',
      'leases/drills/drill-undated.json',
    ]);
  });

  it("protect their snapshot whichever deployment's drill holds them, and also when written before leases named one", async () => {
    await writeLease(reports, {
      snapshotArn: 'arn:staging',
      drillId: 'drill-staging',
      expiresAt: '2026-11-22T07:00:00.000Z',
      deployment: 'staging-eu-west-1',
    });
    const earlierVersion = {
      snapshotArn: 'arn:earlier',
      drillId: 'drill-earlier',
      expiresAt: '2026-11-22T07:00:00.000Z',
    };
    await reports.put(
      'leases/drills/2026-11-22/drill-earlier.json',
      JSON.stringify(earlierVersion),
      'application/json',
    );

    const leases = await readCurrentLeases(reports, NOW);

    expect(activeLeaseArns(leases, NOW)).toEqual(new Set(['arn:staging', 'arn:earlier']));
    expect(leases.find((lease) => lease.drillId === 'drill-staging')?.deployment).toBe('staging-eu-west-1');
  });

  it('fail safe when malformed: a lease whose snapshot is readable keeps protecting it', async () => {
    await reports.put(
      'leases/drills/2026-11-22/drill-b.json',
      JSON.stringify({ snapshotArn: 'arn:b', expiresAt: 5 }),
      'application/json',
    );
    expect(activeLeaseArns(await readCurrentLeases(reports, NOW), new Date('2030-01-01T00:00:00Z'))).toEqual(
      new Set(['arn:b']),
    );
  });

  it('stop the planning with the lease named when nothing can be read from it', async () => {
    await reports.put('leases/drills/2026-11-22/drill-c.json', 'not json', 'application/json');
    await expect(readCurrentLeases(reports, NOW)).rejects.toThrow(CorruptEvidenceError);
    await expect(readCurrentLeases(reports, NOW)).rejects.toThrow(
      /leases\/drills\/2026-11-22\/drill-c\.json is corrupt: drill lease is not valid JSON/,
    );
  });

  it('are left as they are when released unreadable: they keep failing safe', async () => {
    await reports.put('leases/drills/2026-11-22/drill-d.json', 'not json', 'application/json');

    await releaseLease(reports, 'drill-d', NOW);

    expect(Buffer.from((await reports.get('leases/drills/2026-11-22/drill-d.json')) ?? []).toString()).toBe(
      'not json',
    );
  });
});
