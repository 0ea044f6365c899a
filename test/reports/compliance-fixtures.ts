// Compliance reports for tests: June 2025 for three databases, once when every
// promise was kept, once when it was not, and once with a database first
// protected mid-month and restores of seconds against an hour's target. The non-compliant month has two
// days without a backup (billing), days whose snapshot was not copied to every
// copy region (catalog), a drill over its RTO target that failed (orders), no
// drill at all for catalog, and earlier evidence that was altered or lost.
// Digests are SHA-256 of the evidence path, so they are stable and distinct.
import { createHash } from 'node:crypto';
import type {
  ComplianceReport,
  ControlResult,
  CoverageCell,
  DatabaseControlResult,
  DrillPoint,
  EvidenceRef,
} from '../../src/domain/compliance-report.ts';

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

const evidence = (kind: string, path: string): EvidenceRef => ({ kind, path, sha256: digest(path) });

const FROM = '2025-06-01';
const TO = '2025-06-30';
const DAYS = Array.from({ length: 30 }, (_, index) => `2025-06-${String(index + 1).padStart(2, '0')}`);
const COPY_REGIONS = ['eu-west-1', 'eu-north-1'];

const policy: ComplianceReport['policy'] = {
  retentionDays: 7,
  copyRegions: COPY_REGIONS,
  sourceRegion: 'eu-central-1',
  drillIntervalDays: 7,
  rtoTargetSeconds: 3600,
  rpoTargetSeconds: 900,
};

const databases: ComplianceReport['databases'] = [
  { id: 'orders', kind: 'cluster', engine: 'aurora-postgresql' },
  { id: 'billing', kind: 'instance', engine: 'postgres' },
  { id: 'catalog', kind: 'instance', engine: 'mysql' },
];
const ids = databases.map((database) => database.id);

const DRILL_DAYS = ['2025-06-02', '2025-06-09', '2025-06-16', '2025-06-23', '2025-06-30'];

const fullCoverage = (): CoverageCell[] =>
  DAYS.map((day) => ({ day, inScope: true, backup: true, copies: [...COPY_REGIONS] }));

const drill = (
  database: string,
  day: string,
  minute: number,
  rtoSeconds: number | null,
  rpoSeconds: number | null,
  verdict: DrillPoint['verdict'] = 'pass',
): DrillPoint => ({
  drillId: `drill-${database}-${day.replaceAll('-', '')}T0600${String(minute).padStart(2, '0')}Z`,
  finishedAt: `${day}T06:${String(minute + 20).padStart(2, '0')}:41.000Z`,
  verdict,
  rtoSeconds,
  rpoSeconds,
});

const all = (
  status: DatabaseControlResult['status'],
  detail: (id: string) => string,
): DatabaseControlResult[] => ids.map((id) => ({ id, status, detail: detail(id) }));

const backupRecords = (databaseIds: readonly string[], days: readonly string[]): EvidenceRef[] =>
  days.flatMap((day) =>
    databaseIds.map((id) =>
      evidence(
        'backup-record',
        `evidence/backups/${day}/${id}/backup-${day.replaceAll('-', '')}T020000Z.json`,
      ),
    ),
  );

const WEEKLY = ['2025-06-01', '2025-06-08', '2025-06-15', '2025-06-22', '2025-06-29'];
const pruneLogs = WEEKLY.map((day) =>
  evidence('prune-log', `evidence/prune/${day}/prune-${day}T040000Z.json`),
);
const inventory = evidence('inventory', 'evidence/inventory/2025-07-01/inventory-20250701T065900Z.json');
const sweeps = ['2025-06-10', '2025-06-20', '2025-06-30'].map((day) =>
  evidence('sweep-record', `evidence/sweeps/${day}/sweep-${day}T120000Z.json`),
);
const drillReports = (drills: Record<string, DrillPoint[]>): EvidenceRef[] =>
  Object.entries(drills).flatMap(([id, points]) =>
    points.map((point) =>
      evidence('drill-report', `drills/${id}/${point.finishedAt.slice(0, 10)}/${point.drillId}.json`),
    ),
  );

/** Controls that read the same in both months. */
const retentionControl: ControlResult = {
  id: 'RET-02',
  title: 'Backups kept 7 days, then deleted',
  promise: 'retention',
  status: 'pass',
  summary: 'Every snapshot was kept at least 7 days; none was kept past the 35-day maximum.',
  databases: all('pass', () => 'oldest snapshot 35 days, newest 0 days; 0 deleted early'),
  evidence: pruneLogs,
};

const multiAzControl: ControlResult = {
  id: 'REP-02',
  title: 'Databases run in several availability zones',
  promise: 'replication',
  status: 'pass',
  summary: 'Every database runs in at least two availability zones.',
  databases: [
    { id: 'orders', status: 'pass', detail: 'Aurora cluster: writer eu-central-1a, reader eu-central-1b' },
    { id: 'billing', status: 'pass', detail: 'Multi-AZ instance, standby in eu-central-1c' },
    { id: 'catalog', status: 'pass', detail: 'Multi-AZ instance, standby in eu-central-1a' },
  ],
  evidence: [inventory],
};

const encryptionControl: ControlResult = {
  id: 'ENC-01',
  title: 'Databases and snapshots encrypted with KMS',
  promise: 'encryption',
  status: 'pass',
  summary: 'Every database, snapshot and copy is encrypted with a KMS key (AES-256).',
  databases: all('pass', () => 'storage and all snapshots encrypted (AES-256, KMS)'),
  evidence: [inventory, ...backupRecords(ids, ['2025-06-30'])],
};

const sandboxControl: ControlResult = {
  id: 'TST-02',
  title: 'Restore sandboxes removed after each drill',
  promise: 'restoreTests',
  status: 'not-applicable',
  summary: 'No sandbox outlived its drill; the sweeper had nothing to remove.',
  databases: [],
  evidence: sweeps,
};

// ---------------------------------------------------------------------------
// A compliant month

const compliantDrills: Record<string, DrillPoint[]> = {
  orders: DRILL_DAYS.map((day, index) =>
    drill('orders', day, 0, [1262, 1340, 1198, 1415, 1302][index] ?? 0, 10),
  ),
  billing: DRILL_DAYS.map((day, index) =>
    drill('billing', day, 5, [842, 910, 877, 1020, 955][index] ?? 0, [312, 95, 440, 128, 276][index] ?? 0),
  ),
  catalog: DRILL_DAYS.map((day, index) =>
    drill('catalog', day, 10, [610, 655, 598, 702, 640][index] ?? 0, [42, 61, 35, 58, 80][index] ?? 0),
  ),
};

export const compliantReport: ComplianceReport = {
  schemaVersion: 1,
  reportId: 'compliance-20250701T070000Z',
  generatedAt: '2025-07-01T07:00:12.000Z',
  period: { from: FROM, to: TO },
  status: 'compliant',
  policy,
  databases,
  controls: [
    {
      id: 'RET-01',
      title: 'Daily backup of every database',
      promise: 'retention',
      status: 'pass',
      summary: 'Every database was backed up on each of the 30 days.',
      databases: all('pass', () => '30 of 30 days backed up'),
      evidence: backupRecords(ids, DAYS),
    },
    retentionControl,
    {
      id: 'REP-01',
      title: 'Backups copied to every copy region',
      promise: 'replication',
      status: 'pass',
      summary: 'Every daily snapshot was copied to eu-west-1 and eu-north-1.',
      databases: all('pass', () => '30 of 30 days copied to eu-west-1 and eu-north-1'),
      evidence: backupRecords(ids, DAYS),
    },
    multiAzControl,
    {
      id: 'TST-01',
      title: 'Restore drill every 7 days within RTO and RPO',
      promise: 'restoreTests',
      status: 'pass',
      summary: 'Every database was restored and verified every 7 days, within the 60 min RTO and 15 min RPO.',
      databases: all('pass', () => '5 drills passed; longest gap 7 days; worst RTO within 60 min'),
      evidence: drillReports(compliantDrills),
    },
    sandboxControl,
    encryptionControl,
  ],
  coverage: { orders: fullCoverage(), billing: fullCoverage(), catalog: fullCoverage() },
  drills: compliantDrills,
  integrity: {
    earlierReports: [
      {
        kind: 'compliance-report',
        path: 'compliance/2026-09-30/compliance-2026-09-01-to-2026-09-30-20261001T070000Z.json',
        sha256: digest('compliance/2026-09-30'),
      },
    ],
    verified: 412,
    altered: [],
  },
};

// ---------------------------------------------------------------------------
// A non-compliant month

const BILLING_MISSING = ['2025-06-12', '2025-06-13'];
const CATALOG_NO_NORTH = ['2025-06-20', '2025-06-21'];
const CATALOG_NO_COPY = ['2025-06-22'];

const gappyCoverage = (id: string): CoverageCell[] =>
  DAYS.map((day) => {
    if (id === 'billing' && BILLING_MISSING.includes(day))
      return { day, inScope: true, backup: false, copies: [] };
    if (id === 'catalog' && CATALOG_NO_NORTH.includes(day))
      return { day, inScope: true, backup: true, copies: ['eu-west-1'] };
    if (id === 'catalog' && CATALOG_NO_COPY.includes(day))
      return { day, inScope: true, backup: true, copies: [] };
    return { day, inScope: true, backup: true, copies: [...COPY_REGIONS] };
  });

const nonCompliantDrills: Record<string, DrillPoint[]> = {
  orders: [
    drill('orders', '2025-06-02', 0, 1262, 10),
    drill('orders', '2025-06-09', 0, 1340, 12),
    drill('orders', '2025-06-16', 0, 4980, 9, 'fail'),
    drill('orders', '2025-06-23', 0, 1415, 11),
    drill('orders', '2025-06-30', 0, 1302, 10),
  ],
  billing: [
    drill('billing', '2025-06-02', 5, 842, 312),
    drill('billing', '2025-06-09', 5, 910, 95),
    drill('billing', '2025-06-16', 5, null, null, 'fail'),
    drill('billing', '2025-06-17', 5, 1003, 1210, 'fail'),
    drill('billing', '2025-06-23', 5, 955, 276),
    drill('billing', '2025-06-30', 5, 901, 140),
  ],
  catalog: [],
};

const ALTERED_PATH = 'evidence/backups/2025-05-14/billing/backup-20250514T020000Z.json';
const LOST_PATH = 'drills/orders/2025-05-26/drill-orders-20250526T060000Z.json';

export const nonCompliantReport: ComplianceReport = {
  schemaVersion: 1,
  reportId: 'compliance-20250701T070000Z',
  generatedAt: '2025-07-01T07:00:12.000Z',
  period: { from: FROM, to: TO },
  status: 'non-compliant',
  policy,
  databases,
  controls: [
    {
      id: 'RET-01',
      title: 'Daily backup of every database',
      promise: 'retention',
      status: 'fail',
      summary: 'billing was not backed up on 2 of 30 days (2025-06-12, 2025-06-13).',
      databases: [
        { id: 'orders', status: 'pass', detail: '30 of 30 days backed up' },
        {
          id: 'billing',
          status: 'fail',
          detail:
            'no backup on 2025-06-12 and 2025-06-13: create-snapshot failed with SnapshotQuotaExceededError ' +
            '(manual snapshot quota of 100 reached in eu-central-1)',
        },
        { id: 'catalog', status: 'pass', detail: '30 of 30 days backed up' },
      ],
      evidence: backupRecords(ids, DAYS).filter(
        (ref) => !BILLING_MISSING.some((day) => ref.path.startsWith(`evidence/backups/${day}/billing/`)),
      ),
    },
    retentionControl,
    {
      id: 'REP-01',
      title: 'Backups copied to every copy region',
      promise: 'replication',
      status: 'fail',
      summary: 'catalog snapshots of 3 days were not copied to every copy region.',
      databases: [
        { id: 'orders', status: 'pass', detail: '30 of 30 days copied to eu-west-1 and eu-north-1' },
        {
          id: 'billing',
          status: 'pass',
          detail:
            '28 of 28 backed-up days copied to eu-west-1 and eu-north-1 (no snapshot to copy on 2 days)',
        },
        {
          id: 'catalog',
          status: 'fail',
          detail:
            'no copy in eu-north-1 on 2025-06-20, 2025-06-21 and 2025-06-22; no copy in eu-west-1 on ' +
            '2025-06-22: copy-snapshot failed with CopyLimitExceededError after 5 retries',
        },
      ],
      evidence: backupRecords(ids, DAYS),
    },
    multiAzControl,
    {
      id: 'TST-01',
      title: 'Restore drill every 7 days within RTO and RPO',
      promise: 'restoreTests',
      status: 'fail',
      summary: 'catalog had no restore drill; orders and billing each had a drill fail (RTO, RPO).',
      databases: [
        {
          id: 'orders',
          status: 'fail',
          detail: 'drill of 2025-06-16 failed: RTO 83 min over the 60 min target; 4 other drills passed',
        },
        {
          id: 'billing',
          status: 'fail',
          detail:
            'drill of 2025-06-16 failed: sandbox never became available; drill of 2025-06-17 failed: ' +
            'RPO 20 min over the 15 min target; 4 other drills passed',
        },
        {
          id: 'catalog',
          status: 'fail',
          detail: 'no restore drill in the period: last drill 2025-05-26, 35 days before the period ended',
        },
      ],
      evidence: drillReports(nonCompliantDrills),
    },
    sandboxControl,
    encryptionControl,
  ],
  coverage: {
    orders: gappyCoverage('orders'),
    billing: gappyCoverage('billing'),
    catalog: gappyCoverage('catalog'),
  },
  drills: nonCompliantDrills,
  integrity: {
    earlierReports: [],
    verified: 406,
    altered: [
      { path: ALTERED_PATH, expected: digest(ALTERED_PATH), actual: digest(`${ALTERED_PATH} (edited)`) },
      { path: LOST_PATH, expected: digest(LOST_PATH), actual: null },
    ],
  },
};

// ---------------------------------------------------------------------------
// A compliant month in which catalog was first protected on June 18, and
// drills restore in seconds (as the local cloud does) against a 60 min target.

export const CATALOG_PROTECTED_FROM = '2025-06-18';

const fastDrills: Record<string, DrillPoint[]> = {
  orders: DRILL_DAYS.map((day, index) => drill('orders', day, 0, [4, 6, 5, 9, 4][index] ?? 0, 610)),
  billing: DRILL_DAYS.map((day, index) => drill('billing', day, 5, [3, 4, 3, 5, 4][index] ?? 0, 615)),
  catalog: ['2025-06-23', '2025-06-30'].map((day, index) =>
    drill('catalog', day, 10, [5, 7][index] ?? 0, 605),
  ),
};

export const newlyProtectedReport: ComplianceReport = {
  ...compliantReport,
  controls: compliantReport.controls.map((control) =>
    control.id === 'RET-01'
      ? {
          ...control,
          summary: 'Every database was backed up on each day it was protected.',
          databases: control.databases.map((result) =>
            result.id === 'catalog'
              ? {
                  ...result,
                  detail: 'a snapshot on each of the 13 days; 2025-06-01 to 2025-06-17 not yet protected',
                }
              : result,
          ),
        }
      : control,
  ),
  coverage: {
    orders: fullCoverage(),
    billing: fullCoverage(),
    catalog: fullCoverage().map((cell) =>
      cell.day < CATALOG_PROTECTED_FROM ? { day: cell.day, inScope: false, backup: false, copies: [] } : cell,
    ),
  },
  drills: fastDrills,
};
