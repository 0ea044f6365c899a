import { describe, expect, it } from 'vitest';
import type { DrillReport } from '../../src/domain/drill.ts';
import { InvalidInputError } from '../../src/domain/errors.ts';
import { drillReportSchema, parseDrillReport, serializeDrillReport } from '../../src/reports/drill-report.ts';
import { renderDrillReportHtml, shownDetails } from '../../src/reports/drill-report-html.ts';
import { escapeHtml, html, trustedHtml } from '../../src/reports/html.ts';
import { DRILL_REPORTS_PREFIX, drillReportKeys } from '../../src/reports/store/layout.ts';
import {
  failingConsistencyDetail,
  failingDrill,
  fastDrill,
  passingDrill,
  restoreError,
  restoreFailedDrill,
} from './fixtures.ts';

const generatedAt = new Date('2025-06-01T05:00:00Z');
const render = (report: DrillReport): string => renderDrillReportHtml(report, { generatedAt });

/** The report as plain JSON, to break on purpose. */
const mutable = (report: DrillReport): Record<string, unknown> =>
  JSON.parse(JSON.stringify(report)) as Record<string, unknown>;

const parseError = (value: unknown): Error => {
  try {
    parseDrillReport(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseDrillReport to throw');
};

describe('drill report schema', () => {
  it.each([
    ['passing', passingDrill],
    ['failing', failingDrill],
  ])('round-trips a %s drill through JSON unchanged', (_name, report) => {
    const text = serializeDrillReport(report);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schemaVersion": 1,\n');
    expect(parseDrillReport(text)).toEqual(report);
    expect(serializeDrillReport(parseDrillReport(text))).toBe(text);
  });

  it('reads inventories whose tables name their database, and those from before that do not', () => {
    const named = mutable(passingDrill);
    const inventory = named.inventory as { tables: Record<string, unknown>[] };
    inventory.tables = inventory.tables.map((table) => ({ database: 'orders', ...table }));
    expect(parseDrillReport(JSON.stringify(named)).inventory?.tables[0]?.database).toBe('orders');
    expect(parseDrillReport(serializeDrillReport(passingDrill)).inventory?.tables[0]).not.toHaveProperty(
      'database',
    );
  });

  it('writes the fields in the order of the DrillReport type', () => {
    const keys = Object.keys(JSON.parse(serializeDrillReport(passingDrill)) as object);
    expect(keys).toEqual(Object.keys(drillReportSchema.shape));
    expect(keys.slice(0, 3)).toEqual(['schemaVersion', 'drillId', 'verdict']);
  });

  it('names the missing field when the verdict is absent', () => {
    const report = mutable(passingDrill);
    delete report.verdict;
    const error = parseError(report);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(/^drill report is invalid:\n {2}- verdict: is missing \(.*"pass".*"fail"/);
  });

  it('refuses another schema version, naming schemaVersion', () => {
    const error = parseError({ ...mutable(passingDrill), schemaVersion: 2 });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('- schemaVersion: must be 1');
  });

  it('names nested fields with their path', () => {
    const report = mutable(passingDrill);
    const error = parseError({ ...report, snapshot: { ...(report.snapshot as object), sha256: 'ABC' } });
    expect(error.message).toContain('- snapshot.sha256: must be a SHA-256 digest');
    const checks = mutable(failingDrill).checks as Record<string, unknown>[];
    const broken = { ...mutable(failingDrill), checks: [{ ...checks[0], status: 'skipped' }] };
    expect(parseError(broken).message).toContain('- checks.0.status: ');
  });

  it('refuses fields it does not know, such as row contents', () => {
    const inventory = mutable(passingDrill).inventory as Record<string, unknown>;
    const error = parseError({
      ...mutable(passingDrill),
      inventory: { ...inventory, sampleRows: [{ id: 1 }] },
    });
    expect(error.message).toContain('- inventory: ');
    expect(error.message).toContain('sampleRows');
  });

  it('refuses a pass that the checks deny (fail closed)', () => {
    expect(() => serializeDrillReport({ ...failingDrill, verdict: 'pass' })).toThrow(
      /verdict: is "pass" but these checks did not pass: consistency, inventory, freshness, recovery-time, teardown$/,
    );
    expect(() => serializeDrillReport({ ...passingDrill, checks: [] })).toThrow(/verdict: .*no checks/);
  });

  it('says when the text is not JSON', () => {
    expect(parseError('{"schemaVersion": 1,').message).toMatch(/^drill report is not valid JSON: /);
  });

  it('refuses times that are not ISO 8601', () => {
    expect(() => serializeDrillReport({ ...passingDrill, finishedAt: 'yesterday' })).toThrow(
      /- finishedAt: must be an ISO 8601 time/,
    );
  });
});

describe('drill report keys', () => {
  it('files reports by database and UTC day of the end of the drill', () => {
    expect(drillReportKeys(passingDrill)).toEqual({
      json: 'drills/orders/2025-06-01/drill-orders-20250601T020005Z.json',
      html: 'drills/orders/2025-06-01/drill-orders-20250601T020005Z.html',
    });
    expect(drillReportKeys(passingDrill).json.startsWith(`${DRILL_REPORTS_PREFIX}orders/`)).toBe(true);
  });

  it('uses the UTC date, not the local one', () => {
    const report = { ...passingDrill, finishedAt: '2025-06-01T23:30:00-02:00' };
    expect(drillReportKeys(report).json).toBe('drills/orders/2025-06-02/drill-orders-20250601T020005Z.json');
  });

  it('refuses ids that would escape their folder', () => {
    expect(() => drillReportKeys({ ...passingDrill, drillId: '../../etc/passwd' })).toThrow(/drillId/);
    expect(() =>
      drillReportKeys({ ...passingDrill, database: { ...passingDrill.database, id: 'a/b' } }),
    ).toThrow(/database\.id/);
  });
});

describe('drill report HTML', () => {
  const passPage = render(passingDrill);
  const failPage = render(failingDrill);

  it('is one complete, accessible document', () => {
    expect(passPage.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(passPage).toMatch(/<title>PASS: restore drill of orders, 2025-06-01<\/title>/);
    expect(passPage.match(/<h1[ >]/g)).toHaveLength(1);
    for (const heading of [
      'Checks',
      'Timings',
      'Snapshot provenance',
      'Sandbox',
      'Inventory',
      'Previous drill',
    ]) {
      expect(passPage).toContain(`>${heading}</h2>`);
    }
    expect(passPage).toContain('<th scope="col">Check</th>');
    expect(passPage).toContain('<th scope="row">ARN</th>');
    expect(passPage.endsWith('</html>\n')).toBe(true);
  });

  it('shows the verdict first: the banner precedes the checks table', () => {
    const banner = passPage.indexOf('<header class="banner banner-ok">');
    const headline = passPage.indexOf('<span>PASS</span></h1>');
    const checks = passPage.indexOf('<table class="data">');
    expect(banner).toBeGreaterThan(0);
    expect(headline).toBeGreaterThan(banner);
    expect(checks).toBeGreaterThan(headline);
    expect(passPage.indexOf('<main>')).toBeLessThan(banner);
  });

  it('keeps the sections in order', () => {
    const order = [
      'id="checks"',
      'id="timings"',
      'id="provenance"',
      'id="sandbox"',
      'id="inventory"',
      'id="previous"',
    ];
    const positions = order.map((marker) => passPage.indexOf(marker));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(passPage.indexOf('<footer>')).toBeGreaterThan(positions.at(-1) ?? 0);
  });

  it.each([
    ['passing', passingDrill],
    ['failing', failingDrill],
  ])('lists every check of a %s drill with its status', (_name, report) => {
    const page = render(report);
    for (const check of report.checks) {
      const row = new RegExp(
        `<tr[^>]*><td><strong>${escapeRegExp(escapeHtml(check.name))}</strong></td><td><span class="badge[^"]*">` +
          `<svg[^>]*>.*?</svg>${check.status.toUpperCase()}</span></td><td><span class="detail">` +
          `${escapeRegExp(escapeHtml(check.detail))}</span>`,
      );
      expect(page).toMatch(row);
    }
  });

  it('renders a failed drill as FAIL with the failing check detail', () => {
    expect(failPage).toContain('<header class="banner banner-bad">');
    expect(failPage).toContain('<span>FAIL</span></h1>');
    expect(failPage).not.toContain('<span>PASS</span></h1>');
    expect(failPage).toMatch(/<title>FAIL: /);
    expect(failPage).toContain(escapeHtml(failingConsistencyDetail));
    expect(failPage).toContain('&lt;idx_customer_due&gt;');
    expect(failPage).toContain('<tr class="row-bad"><td><strong>consistency</strong>');
    expect(failPage).toContain('<strong>consistency</strong> (fail)');
    expect(failPage).toContain('Sandbox teardown failed');
    expect(failPage).toContain('OVER TARGET');
    expect(failPage).toContain('NOT MEASURED');
    expect(passPage).not.toContain('<span>FAIL</span>');
  });

  it('names the database of each table in the inventory where the report records it', () => {
    const inventory = passingDrill.inventory ?? failingDrill.inventory;
    if (inventory === null) throw new Error('fixture without inventory');
    const page = render({
      ...passingDrill,
      inventory: {
        ...inventory,
        tables: [{ database: 'crm', schema: 'sales', table: 'leads', rows: 1, exact: true }],
      },
    });
    expect(page).toContain('<td>crm.sales</td>');
  });

  it('says whether the drill proved the snapshot bad, or that an older report did not record it', () => {
    expect(render(restoreFailedDrill)).toContain(
      'the cloud could not restore it (SandboxFailedError); the drill then tags the snapshot so that the prune never counts it as a good copy',
    );
    expect(render({ ...passingDrill, snapshot: { ...passingDrill.snapshot, provenBad: null } })).toContain(
      'no: this drill found nothing wrong with the snapshot itself',
    );
    const { provenBad: _recorded, ...older } = passingDrill.snapshot;
    expect(render({ ...passingDrill, snapshot: older })).toContain(
      'not recorded (a report from before drills recorded it)',
    );
  });

  it('says that a snapshot whose restore failed was not restored, and shows the restore error once', () => {
    const page = render(restoreFailedDrill);
    expect(page).toContain(
      '<strong>was not restored</strong>: the restore failed, so none of its data was checked',
    );
    expect(page).not.toContain('was restored into a sandbox');
    expect(page.split(escapeHtml(restoreError))).toHaveLength(2);
    expect(page.match(/<span class="detail">not run: see restore<\/span>/g)).toHaveLength(5);
    expect(shownDetails(restoreFailedDrill.checks).slice(0, 2)).toEqual([
      restoreError,
      'not run: see restore',
    ]);
    // A check that did not run for a reason of its own keeps it.
    expect(
      shownDetails([{ name: 'connect', status: 'error', detail: 'not run: no password', durationMs: 0 }]),
    ).toEqual(['not run: no password']);
  });

  it('calls a cross-region copy a copy of its source, and claims no origin it did not record', () => {
    expect(render(restoreFailedDrill)).toContain(
      '<span class="sub">copy of restorable-orders-2025-06-08 (eu-west-1)</span>',
    );
    expect(passPage).toContain('<span class="sub">copy of restorable-orders-2025-06-01 (eu-west-1)</span>');
    expect(failPage).toContain('<span class="sub">original snapshot</span>');
    const unknown = render({
      ...restoreFailedDrill,
      snapshot: {
        ...restoreFailedDrill.snapshot,
        takenAt: null,
        kmsKeyId: null,
        sourceSnapshotArn: null,
        encrypted: false,
      },
    });
    expect(unknown).toContain('<span class="sub">origin not recorded</span>');
    expect(unknown).not.toContain('original snapshot');
    expect(unknown).not.toContain('NOT ENCRYPTED');
  });

  it('puts the RTO of a restore short against its target a line below the start label', () => {
    const page = render(fastDrill);
    expect(page).toContain('<svg viewBox="0 0 720 108" role="img"');
    expect(page).toMatch(/<text class="label-start" x="10" y="82"[^>]*>0 \(restore requested\)<\/text>/);
    expect(page).toMatch(/<text class="label-end" x="[\d.]+" y="100"[^>]*>RTO 4 s<\/text>/);
    expect(passPage).toMatch(/<text class="label-end" x="[\d.]+" y="82"[^>]*>RTO 21 min<\/text>/);
  });

  it('escapes names and messages that come from the database', () => {
    const hostile = '<script>alert(1)</script>';
    const inventory = passingDrill.inventory ?? failingDrill.inventory;
    if (inventory === null) throw new Error('fixture without inventory');
    const report: DrillReport = {
      ...passingDrill,
      database: { ...passingDrill.database, engine: '"><img src=x onerror=alert(1)>' },
      checks: [
        ...passingDrill.checks,
        { name: `check ${hostile}`, status: 'pass', detail: hostile, durationMs: 1 },
      ],
      inventory: {
        ...inventory,
        tables: [...inventory.tables, { schema: 'public', table: hostile, rows: 1, exact: true }],
      },
      sandbox: { ...passingDrill.sandbox, teardownDetail: `it's & <b>done</b>` },
    };
    const page = render(report);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>done');
    expect(page).toContain('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(page).toContain('it&#39;s &amp; &lt;b&gt;done&lt;/b&gt;');
  });

  it.each([
    ['passing', passingDrill],
    ['failing', failingDrill],
  ])('loads nothing from the network and runs no script (%s drill)', (_name, report) => {
    const page = render(report);
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/\b(src|href|srcset|action|poster|data)\s*=/i);
    expect(page).not.toMatch(/url\(|@import|<link|<script|<iframe|<object|<embed|<img/i);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('shows the provenance: ARN, source ARN, KMS key and digests', () => {
    const { snapshot, inventory } = passingDrill;
    expect(passPage).toContain(`<code>${snapshot.arn}</code>`);
    expect(passPage).toContain(`<code>${snapshot.sourceSnapshotArn}</code>`);
    expect(passPage).toContain(`<code>${snapshot.kmsKeyId}</code>`);
    expect(passPage).toContain(`<code>${snapshot.sha256}</code>`);
    expect(passPage).toContain(`<code>${inventory?.digest}</code>`);
    expect(failPage).toContain(`<code>${failingDrill.snapshot.arn}</code>`);
    expect(failPage).toContain('not a copy: this is the original snapshot');
    expect(failPage).toContain('not exposed by the cloud provider');
  });

  it('shows timings against the targets, with a chart', () => {
    expect(passPage).toContain('<svg viewBox="0 0 720 90" role="img"');
    expect(passPage).toContain('RTO target 60 min');
    expect(passPage).toMatch(
      /<td class="num">21 min<\/td><td class="num">60 min<\/td><td><span class="badge badge-ok">/,
    );
    expect(passPage).toMatch(
      /<td class="num">10 s<\/td><td class="num">15 min<\/td><td><span class="badge badge-ok">/,
    );
    const unavailable = render({
      ...failingDrill,
      timings: { ...failingDrill.timings, availableAt: null, verifiedAt: null, rtoSeconds: null },
    });
    expect(unavailable).toContain('No timeline: the sandbox never became available.');
    expect(unavailable).not.toContain('role="img"');
  });

  it('lists the inventory per table with exact and estimated counts, never row contents', () => {
    expect(passPage).toContain('<td>shop</td><td><code>orders</code></td><td class="num">≈ 1,204,331</td>');
    expect(passPage).toContain(
      '<td>shop</td><td><code>customers</code></td><td class="num">48,211</td><td>exact</td>',
    );
    expect(passPage).toContain('no row contents are stored or shown');
    const none = render({ ...failingDrill, inventory: null });
    expect(none).toContain('The inventory could not be taken');
  });

  it('names the previous drill, or says there is no baseline of a snapshot as old or older', () => {
    expect(passPage).toContain('<code>drill-orders-20250525T020004Z</code>');
    expect(render({ ...passingDrill, previousDrill: null })).toContain(
      'no earlier passing drill of a snapshot as old as this one or older',
    );
  });

  it('ends with the drill id, schema version and generation time', () => {
    const footer = passPage.slice(passPage.indexOf('<footer>'));
    expect(footer).toContain('<code>drill-orders-20250601T020005Z</code>');
    expect(footer).toContain('report schema version 1');
    expect(footer).toContain('<time datetime="2025-06-01T05:00:00.000Z">2025-06-01 05:00:00 UTC</time>');
  });
});

describe('html helpers', () => {
  it('escapes the five special characters and control characters', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    );
    expect(escapeHtml('a\u0000b\u001bc\td\ne')).toBe('a\uFFFDb\uFFFDc\td\ne');
  });

  it('escapes interpolated strings but keeps trusted fragments and nested templates', () => {
    const name = '<b>';
    expect(html`<p>${name}${html`<i>${name}</i>`}${trustedHtml('<br>')}${[1, '&']}</p>`.toString()).toBe(
      '<p>&lt;b&gt;<i>&lt;b&gt;</i><br>1&amp;</p>',
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
