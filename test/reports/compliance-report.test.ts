import { describe, expect, it } from 'vitest';
import type { ComplianceReport, ControlResult } from '../../src/domain/compliance-report.ts';
import { PROMISES } from '../../src/domain/compliance-report.ts';
import { InvalidInputError } from '../../src/domain/errors.ts';
import {
  COMPLIANCE_CSV_HEADER,
  complianceReportSchema,
  daysOfPeriod,
  parseComplianceReport,
  renderComplianceCsv,
  serializeComplianceReport,
} from '../../src/reports/compliance-report.ts';
import { renderComplianceReportHtml } from '../../src/reports/compliance-report-html.ts';
import { escapeHtml } from '../../src/reports/html.ts';
import { COMPLIANCE_REPORTS_PREFIX, complianceReportKeys } from '../../src/reports/store/layout.ts';
import {
  CATALOG_PROTECTED_FROM,
  compliantReport,
  newlyProtectedReport,
  nonCompliantReport,
} from './compliance-fixtures.ts';

const generatedAt = new Date('2025-07-01T07:00:30Z');
const render = (report: ComplianceReport): string => renderComplianceReportHtml(report, { generatedAt });

/** The report as plain JSON, to break on purpose. */
const mutable = (report: ComplianceReport): Record<string, unknown> =>
  JSON.parse(JSON.stringify(report)) as Record<string, unknown>;

const parseError = (value: unknown): Error => {
  try {
    parseComplianceReport(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseComplianceReport to throw');
};

const control = (report: ComplianceReport, id: string): ControlResult => {
  const found = report.controls.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`fixture without control ${id}`);
  return found;
};

describe('compliance report schema', () => {
  it.each([
    ['compliant', compliantReport],
    ['non-compliant', nonCompliantReport],
  ])('round-trips a %s report through JSON unchanged', (_name, report) => {
    const text = serializeComplianceReport(report);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schemaVersion": 1,\n');
    expect(parseComplianceReport(text)).toEqual(report);
    expect(serializeComplianceReport(parseComplianceReport(text))).toBe(text);
  });

  it('writes the fields in the order of the ComplianceReport type', () => {
    const keys = Object.keys(JSON.parse(serializeComplianceReport(compliantReport)) as object);
    expect(keys).toEqual(Object.keys(complianceReportSchema.shape));
    expect(keys.slice(0, 5)).toEqual(['schemaVersion', 'reportId', 'generatedAt', 'period', 'status']);
  });

  it('names the missing field when the status is absent', () => {
    const report = mutable(compliantReport);
    delete report.status;
    const error = parseError(report);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toMatch(
      /^compliance report is invalid:\n {2}- status: is missing \(.*"compliant".*"non-compliant"/,
    );
  });

  it('refuses another schema version, naming schemaVersion', () => {
    const error = parseError({ ...mutable(compliantReport), schemaVersion: 2 });
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('- schemaVersion: must be 1');
  });

  it('names nested fields with their path', () => {
    const broken = mutable(nonCompliantReport);
    const controls = broken.controls as { evidence: { sha256: string }[]; promise: string }[];
    const first = controls[0];
    const evidence = first?.evidence[2];
    if (first === undefined || evidence === undefined) throw new Error('fixture without evidence');
    evidence.sha256 = 'ABC';
    first.promise = 'uptime';
    const message = parseError(broken).message;
    expect(message).toContain('- controls.0.evidence.2.sha256: must be a SHA-256 digest');
    expect(message).toContain('- controls.0.promise: ');
    const integrity = mutable(nonCompliantReport).integrity as { altered: { actual: unknown }[] };
    const altered = integrity.altered[0];
    if (altered === undefined) throw new Error('fixture without altered evidence');
    altered.actual = 42;
    expect(parseError({ ...mutable(nonCompliantReport), integrity }).message).toContain(
      '- integrity.altered.0.actual: ',
    );
  });

  it('refuses fields it does not know', () => {
    const error = parseError({ ...mutable(compliantReport), auditorNotes: 'looks fine' });
    expect(error.message).toContain('auditorNotes');
  });

  it('refuses a "compliant" verdict that a failed control denies (fail closed)', () => {
    expect(() => serializeComplianceReport({ ...nonCompliantReport, status: 'compliant' })).toThrow(
      /- status: is "compliant" but these controls failed: RET-01, REP-01, TST-01$/m,
    );
    expect(() => serializeComplianceReport({ ...compliantReport, status: 'non-compliant' })).toThrow(
      /- status: is "non-compliant" but no control failed and no evidence was altered/,
    );
    // Altered evidence alone makes a period non-compliant.
    const tampered = { ...compliantReport, integrity: nonCompliantReport.integrity };
    expect(() => serializeComplianceReport(tampered)).toThrow(
      /- status: is "compliant" but 2 earlier evidence files were altered or lost/,
    );
    expect(
      parseComplianceReport(serializeComplianceReport({ ...tampered, status: 'non-compliant' })).status,
    ).toBe('non-compliant');
    const passing = { ...control(nonCompliantReport, 'RET-01'), status: 'pass' as const };
    expect(() =>
      serializeComplianceReport({
        ...nonCompliantReport,
        controls: [passing, ...nonCompliantReport.controls.slice(1)],
      }),
    ).toThrow(/- controls\.0\.status: is "pass" but database billing failed/);
  });

  it('accepts a result about no database in particular, such as "(all)"', () => {
    const sandbox = control(compliantReport, 'TST-02');
    const report: ComplianceReport = {
      ...compliantReport,
      controls: compliantReport.controls.map((result) =>
        result === sandbox
          ? { ...sandbox, status: 'pass', databases: [{ id: '(all)', status: 'pass', detail: '5 drills' }] }
          : result,
      ),
    };
    expect(parseComplianceReport(serializeComplianceReport(report))).toEqual(report);
    expect(renderComplianceCsv(report)).toContain(',pass,(all),pass,5 drills,3\r\n');
  });

  it('requires one coverage cell per database per day of the period', () => {
    const coverage = {
      ...compliantReport.coverage,
      billing: compliantReport.coverage.billing?.slice(1) ?? [],
    };
    expect(() => serializeComplianceReport({ ...compliantReport, coverage })).toThrow(
      /- coverage\.billing: must hold one cell per day from 2025-06-01 to 2025-06-30 in order \(30 cells\), not 29 cells/,
    );
    const { catalog: _catalog, ...withoutCatalog } = compliantReport.coverage;
    expect(() => serializeComplianceReport({ ...compliantReport, coverage: withoutCatalog })).toThrow(
      /- coverage\.catalog: is missing/,
    );
    const drills = { ...compliantReport.drills, ghost: [] };
    expect(() => serializeComplianceReport({ ...compliantReport, drills })).toThrow(
      /- drills\.ghost: is not a database of the report/,
    );
  });

  it('refuses a day out of scope (not yet protected) that holds a backup, and reads older reports as in scope', () => {
    const catalog = (newlyProtectedReport.coverage.catalog ?? []).map((cell, index) =>
      index === 0 ? { ...cell, backup: true } : cell,
    );
    expect(() =>
      serializeComplianceReport({
        ...newlyProtectedReport,
        coverage: { ...newlyProtectedReport.coverage, catalog },
      }),
    ).toThrow(/- coverage\.catalog\.0: is out of scope \(not yet protected\) but holds a backup/);
    const older = mutable(compliantReport);
    for (const cells of Object.values(older.coverage as Record<string, Record<string, unknown>[]>)) {
      for (const cell of cells) delete cell.inScope;
    }
    const parsed = parseComplianceReport(JSON.stringify(older));
    expect(Object.values(parsed.coverage).every((cells) => cells.every((cell) => cell.inScope))).toBe(true);
  });

  it('refuses periods that are not dates, or end before they start', () => {
    expect(() =>
      serializeComplianceReport({ ...compliantReport, period: { from: '2025-06-01', to: 'June' } }),
    ).toThrow(/- period\.to: must be a calendar date/);
    expect(() =>
      serializeComplianceReport({ ...compliantReport, period: { from: '2025-06-30', to: '2025-06-01' } }),
    ).toThrow(/- period\.to: is before period\.from/);
  });

  it('says when the text is not JSON', () => {
    expect(parseError('{"schemaVersion": 1,').message).toMatch(/^compliance report is not valid JSON: /);
  });

  it('counts the days of a period, both ends included', () => {
    expect(daysOfPeriod({ from: '2025-06-01', to: '2025-06-30' })).toHaveLength(30);
    expect(daysOfPeriod({ from: '2024-02-28', to: '2024-03-01' })).toEqual([
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
  });
});

describe('compliance report keys', () => {
  it('files reports by the last day of the period', () => {
    expect(complianceReportKeys(nonCompliantReport)).toEqual({
      json: 'compliance/2025-06-30/compliance-20250701T070000Z.json',
      csv: 'compliance/2025-06-30/compliance-20250701T070000Z.csv',
      html: 'compliance/2025-06-30/compliance-20250701T070000Z.html',
    });
    expect(complianceReportKeys(compliantReport).json.startsWith(COMPLIANCE_REPORTS_PREFIX)).toBe(true);
  });

  it('refuses ids and dates that would escape their folder', () => {
    expect(() => complianceReportKeys({ ...compliantReport, reportId: '../../etc/passwd' })).toThrow(
      /reportId/,
    );
    expect(() =>
      complianceReportKeys({ ...compliantReport, period: { from: '2025-06-01', to: '2025/06/30' } }),
    ).toThrow(/period\.to/);
  });
});

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let index = 0;
  while (index < text.length) {
    if (text[index] === '"' && field === '') {
      index += 1;
      for (;;) {
        const quote = text.indexOf('"', index);
        if (quote < 0) throw new Error('unterminated quoted field');
        field += text.slice(index, quote);
        index = quote + 1;
        if (text[index] !== '"') break;
        field += '"';
        index += 1;
      }
      if (text[index] !== ',' && !text.startsWith('\r\n', index))
        throw new Error(`junk after quote at ${index}`);
      continue;
    }
    if (text[index] === ',') {
      row.push(field);
      field = '';
      index += 1;
    } else if (text.startsWith('\r\n', index)) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      index += 2;
    } else {
      const character = text[index] ?? '';
      if (character === '\n' || character === '\r' || character === '"') {
        throw new Error(`bare ${JSON.stringify(character)} outside quotes at ${index}`);
      }
      field += character;
      index += 1;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the last record does not end with CRLF');
  return rows;
}

describe('compliance report CSV', () => {
  it('starts with the header and ends every record with CRLF', () => {
    const csv = renderComplianceCsv(nonCompliantReport);
    expect(
      csv.startsWith(
        'control_id,control_title,promise,control_status,database,database_status,detail,evidence_count\r\n',
      ),
    ).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(readCsv(csv)[0]).toEqual([...COMPLIANCE_CSV_HEADER]);
  });

  it.each([
    ['compliant', compliantReport],
    ['non-compliant', nonCompliantReport],
  ])('has one row per control per database (%s report)', (_name, report) => {
    const [, ...rows] = readCsv(renderComplianceCsv(report));
    const expected = report.controls.flatMap((result) =>
      result.databases.length === 0
        ? [
            [
              result.id,
              result.title,
              PROMISES[result.promise],
              result.status,
              '',
              '',
              result.summary,
              String(result.evidence.length),
            ],
          ]
        : result.databases.map((database) => [
            result.id,
            result.title,
            PROMISES[result.promise],
            result.status,
            database.id,
            database.status,
            database.detail,
            String(result.evidence.length),
          ]),
    );
    expect(rows).toEqual(expected);
    expect(rows.every((row) => row.length === 8)).toBe(true);
  });

  it('gives a control without database results one row with an empty database', () => {
    const csv = renderComplianceCsv(nonCompliantReport);
    expect(csv).toContain(
      '\r\nTST-02,Restore sandboxes removed after each drill,Backups are tested regularly by restoring them,not-applicable,,,No sandbox outlived its drill; the sweeper had nothing to remove.,3\r\n',
    );
    expect(csv).toContain(
      '\r\nRET-01,Daily backup of every database,Database backups are taken periodically and kept for 7 days,fail,billing,fail,',
    );
  });

  it('quotes fields with commas, quotes and line breaks', () => {
    const report: ComplianceReport = {
      ...compliantReport,
      controls: [
        {
          ...control(compliantReport, 'RET-01'),
          title: 'Daily backup, "every" database',
          databases: [{ id: 'orders', status: 'pass', detail: 'line one\nline two\r\nline three' }],
        },
      ],
    };
    const csv = renderComplianceCsv(report);
    expect(csv).toContain('RET-01,"Daily backup, ""every"" database",');
    expect(csv).toContain(',"line one\nline two\r\nline three",90\r\n');
    expect(readCsv(csv)[1]?.[6]).toBe('line one\nline two\r\nline three');
  });

  it('neutralises formulas: fields starting with = + - @ tab or CR get a leading quote', () => {
    const details = [
      '=HYPERLINK("http://evil.example","x")',
      '+1+1',
      '-2',
      '@SUM(A1)',
      '\tcmd',
      '\rcmd',
      'a=b',
    ];
    const report: ComplianceReport = {
      ...compliantReport,
      controls: [
        {
          ...control(compliantReport, 'RET-01'),
          id: '=cmd|"/c calc"!A1',
          databases: details.map((detail) => ({ id: 'orders', status: 'pass', detail })),
        },
      ],
    };
    const csv = renderComplianceCsv(report);
    const rows = readCsv(csv).slice(1);
    expect(rows.map((row) => row[6])).toEqual([
      `'=HYPERLINK("http://evil.example","x")`,
      `'+1+1`,
      `'-2`,
      `'@SUM(A1)`,
      `'\tcmd`,
      `'\rcmd`,
      'a=b',
    ]);
    expect(rows.every((row) => row[0] === `'=cmd|"/c calc"!A1`)).toBe(true);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csv).toContain(`,"'\rcmd",`);
    // No field, once read, starts with a formula character.
    expect(rows.flat().filter((field) => /^[=+\-@\t\r]/.test(field))).toEqual([]);
  });
});

describe('compliance report HTML', () => {
  const failPage = render(nonCompliantReport);
  const passPage = render(compliantReport);

  it('is one complete, accessible document', () => {
    expect(failPage.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(failPage).toContain(
      '<title>NON-COMPLIANT: backup compliance report, 2025-06-01 to 2025-06-30</title>',
    );
    expect(passPage).toContain(
      '<title>COMPLIANT: backup compliance report, 2025-06-01 to 2025-06-30</title>',
    );
    expect(failPage.match(/<h1[ >]/g)).toHaveLength(1);
    for (const heading of [
      'Controls',
      'Failing controls',
      'Backup coverage',
      'Restore drills: RTO and RPO',
      'Evidence',
      'Evidence integrity',
      'Policy and scope',
    ]) {
      expect(failPage).toContain(`>${heading}</h2>`);
    }
    expect(failPage).toContain('<th scope="col">Control</th>');
    expect(failPage).toContain('<th scope="row">RTO target</th>');
    for (const svg of failPage.match(/<svg [^>]*role="img"[^>]*>/g) ?? []) {
      expect(svg).toMatch(/aria-labelledby="([^"]+)"/);
      const id = /aria-labelledby="([^"]+)"/.exec(svg)?.[1];
      expect(failPage).toContain(`<title id="${id}">`);
    }
    expect(failPage.endsWith('</html>\n')).toBe(true);
  });

  it('shows the verdict first: the banner precedes the control table', () => {
    const banner = failPage.indexOf('<header class="banner banner-bad">');
    const headline = failPage.indexOf('<span>NON-COMPLIANT</span></h1>');
    const table = failPage.indexOf('<table class="data">');
    expect(banner).toBeGreaterThan(failPage.indexOf('<main>'));
    expect(headline).toBeGreaterThan(banner);
    expect(table).toBeGreaterThan(headline);
    expect(failPage.slice(banner, table)).toContain('3 passed, 3 failed');
    expect(failPage.slice(banner, table)).toContain('June 2025');
    expect(passPage).toContain('<header class="banner banner-ok">');
    expect(passPage).toContain('<span>COMPLIANT</span></h1>');
    expect(passPage).toContain('6 passed, 0 failed');
  });

  it('keeps the sections in order', () => {
    const order = [
      'id="controls"',
      'id="failures"',
      'id="coverage"',
      'id="drills"',
      'id="evidence"',
      'id="integrity"',
      'id="policy"',
    ];
    const positions = order.map((marker) => failPage.indexOf(marker));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(failPage.indexOf('<footer>')).toBeGreaterThan(positions.at(-1) ?? 0);
  });

  it('lists every control under the promise it evidences, with its status and summary', () => {
    const table = failPage.slice(failPage.indexOf('id="controls"'), failPage.indexOf('id="failures"'));
    const groups = table.split('<tbody>').slice(1);
    expect(groups).toHaveLength(Object.keys(PROMISES).length);
    Object.values(PROMISES).forEach((promise, index) => {
      expect(groups[index]).toContain(`<span class="promise-label">Promise:</span> ${promise}</th></tr>`);
    });
    const label = { pass: 'PASS', fail: 'FAIL', 'not-applicable': 'N/A' } as const;
    for (const result of nonCompliantReport.controls) {
      const group = groups[Object.keys(PROMISES).indexOf(result.promise)] ?? '';
      const row = new RegExp(
        `<tr(?: class="row-bad")?><td><strong>${escapeRegExp(escapeHtml(result.title))}</strong> ` +
          `<span class="control-id">${escapeRegExp(result.id)}</span></td>` +
          `<td><span class="badge badge-[a-z]+"><svg[^>]*>.*?</svg>${label[result.status]}</span></td>` +
          `<td>${escapeRegExp(escapeHtml(result.summary))}</td></tr>`,
      );
      expect(group).toMatch(row);
    }
    expect(table.match(/<tr class="row-bad">/g)).toHaveLength(3);
    // A promise is kept when none of its controls failed.
    expect(
      groups.map((group) => /badge-[a-z]+"><svg[^>]*>.*?<\/svg>([A-Z ]+)<\/span>/.exec(group)?.[1]),
    ).toEqual(['NOT KEPT', 'NOT KEPT', 'NOT KEPT', 'KEPT']);
    expect(passPage.match(/<\/svg>KEPT<\/span> <span class="promise-label">/g)).toHaveLength(4);
  });

  it('details each failing control with its databases, failing ones first', () => {
    const failures = failPage.slice(failPage.indexOf('id="failures"'), failPage.indexOf('id="coverage"'));
    expect(failures).toContain('SnapshotQuotaExceededError');
    expect(failures).toContain('no restore drill in the period');
    expect(failures).not.toContain('Backups kept 7 days, then deleted');
    expect(failures.indexOf('<code>billing</code>')).toBeLessThan(failures.indexOf('<code>orders</code>'));
    expect(passPage).toContain('No control failed in this period.');
  });

  it('draws the coverage grid: one cell per database per day, marked by state', () => {
    const grid = /<svg class="chart coverage-grid"[\s\S]*?<\/svg>/.exec(failPage)?.[0] ?? '';
    expect(grid).not.toBe('');
    const cells = [
      ...grid.matchAll(
        /<g class="cell cell-(full|partial|missing)" data-database="([^"]+)" data-day="([^"]+)">/g,
      ),
    ];
    expect(cells).toHaveLength(3 * 30);
    const days = daysOfPeriod(nonCompliantReport.period);
    for (const database of nonCompliantReport.databases) {
      expect(cells.filter((cell) => cell[2] === database.id).map((cell) => cell[3])).toEqual(days);
    }
    const state = (database: string, day: string): string | undefined =>
      cells.find((cell) => cell[2] === database && cell[3] === day)?.[1];
    expect(state('billing', '2025-06-12')).toBe('missing');
    expect(state('billing', '2025-06-13')).toBe('missing');
    expect(state('catalog', '2025-06-20')).toBe('partial');
    expect(state('catalog', '2025-06-22')).toBe('partial');
    expect(state('orders', '2025-06-12')).toBe('full');
    expect(cells.filter((cell) => cell[1] === 'full')).toHaveLength(85);
    expect(grid).toContain('<title>catalog, 2025-06-20: backup, but no copy in eu-north-1</title>');
    // Three databases a day: the legend counts database-days, not days.
    expect(failPage).toContain('No backup: <strong>2 database-days</strong>');
    expect(failPage).toContain(
      'Backup and every copy (eu-west-1, eu-north-1): <strong>85 database-days</strong>',
    );
    expect(failPage).toContain('2025-06-12 to 2025-06-13');
    expect(failPage).toContain('no copy in <strong>eu-north-1</strong>: 2025-06-20 to 2025-06-22');
    const passGrid = /<svg class="chart coverage-grid"[\s\S]*?<\/svg>/.exec(passPage)?.[0] ?? '';
    expect(passGrid.match(/<g class="cell cell-full"/g)).toHaveLength(90);
  });

  it('shows the days before a database was first protected as such, and counts only the days since', () => {
    const page = render(newlyProtectedReport);
    const grid = /<svg class="chart coverage-grid"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? '';
    const outOfScope = [
      ...grid.matchAll(/<g class="cell cell-not-protected" data-database="([^"]+)" data-day="([^"]+)">/g),
    ];
    expect(outOfScope.map((cell) => cell[1])).toEqual(Array(17).fill('catalog'));
    expect(outOfScope.at(-1)?.[2]).toBe('2025-06-17');
    expect(grid).toContain('<title>catalog, 2025-06-17: not yet protected: out of scope</title>');
    expect(grid).toContain('>13/13</text>');
    expect(page).toContain('Not yet protected (out of scope): <strong>17 database-days</strong>');
    expect(page).toContain(
      '<code>catalog</code> not yet protected on <span class="days">2025-06-01 to 2025-06-17</span>',
    );
    expect(page).toContain('Every database has a backup and every copy for each day it was protected.');
    expect(CATALOG_PROTECTED_FROM).toBe('2025-06-18');
  });

  it('scales the RTO and RPO charts to the data and the target, so restores of seconds are off the baseline', () => {
    const page = render(newlyProtectedReport);
    const charts = [...page.matchAll(/<svg class="chart trend [\s\S]*?<\/svg>/g)].map((match) => match[0]);
    expect(charts).toHaveLength(6);
    for (const chart of charts) {
      const baseline = Number(/<line x1="58" y1="([\d.]+)"[^>]*stroke="#8c959f"/.exec(chart)?.[1]);
      const target = Number(/<line class="target" x1="58" y1="([\d.]+)"/.exec(chart)?.[1]);
      const points = [
        ...chart.matchAll(
          /<g class="point point-pass"><title>[^<]*<\/title><circle cx="[\d.]+" cy="([\d.]+)"/g,
        ),
      ].map((match) => Number(match[1]));
      expect(points.length).toBeGreaterThan(0);
      expect(baseline).toBe(162);
      // Every point well above the baseline and below the target line (SVG y grows downwards).
      for (const y of points) {
        expect(baseline - y).toBeGreaterThan(15);
        expect(y - target).toBeGreaterThan(15);
      }
    }
    expect(page).toContain('(logarithmic scale)');
  });

  it('thins the day labels of a long period but keeps every cell', () => {
    const days = daysOfPeriod({ from: '2025-04-01', to: '2025-06-30' });
    const report: ComplianceReport = {
      ...compliantReport,
      period: { from: '2025-04-01', to: '2025-06-30' },
      coverage: Object.fromEntries(
        compliantReport.databases.map((database) => [
          database.id,
          days.map((day) => ({ day, inScope: true, backup: true, copies: ['eu-west-1', 'eu-north-1'] })),
        ]),
      ),
    };
    serializeComplianceReport(report);
    const grid = /<svg class="chart coverage-grid"[\s\S]*?<\/svg>/.exec(render(report))?.[0] ?? '';
    expect(grid.match(/<g class="cell /g)).toHaveLength(3 * 91);
    const labels = grid.match(/<text [^>]*font-size="10" text-anchor="middle"[^>]*>\d+<\/text>/g) ?? [];
    expect(labels.length).toBeGreaterThan(10);
    expect(labels.length).toBeLessThan(91);
    for (const month of ['Apr 2025', 'May 2025', 'Jun 2025']) expect(grid).toContain(`>${month}</text>`);
  });

  it('draws RTO and RPO trends per database with targets and failed drills, or says there was no drill', () => {
    const drills = failPage.slice(failPage.indexOf('id="drills"'), failPage.indexOf('id="evidence"'));
    expect(drills.match(/<svg class="chart trend trend-rto"/g)).toHaveLength(2);
    expect(drills.match(/<svg class="chart trend trend-rpo"/g)).toHaveLength(2);
    expect(drills.match(/<line class="target"/g)).toHaveLength(4);
    expect(drills).toContain('target 60 min');
    expect(drills).toContain('target 15 min');
    expect(drills).toContain(
      '<g class="point point-fail"><title>drill-orders-20250616T060000Z, 2025-06-16 06:20 UTC: FAILED, RTO 83 min</title>',
    );
    expect(drills).toContain('<g class="point point-unmeasured">');
    expect(drills.match(/<g class="point point-pass">/g)).toHaveLength(2 * (4 + 4));
    expect(drills).toContain('No restore drill of <code>catalog</code> finished in this period');
    expect(drills).toContain(
      '5 drills: 4 passed, 1 failed · worst RTO 83 min (over target) · worst RPO 12 s',
    );
    expect(drills).toContain(
      '6 drills: 4 passed, 2 failed · worst RTO 17 min · worst RPO 20 min (over target)',
    );
    expect(passPage.match(/<svg class="chart trend /g)).toHaveLength(6);
    expect(passPage).not.toContain('point-fail');
  });

  it('lists the evidence of every control with its full SHA-256, marking altered files', () => {
    const evidence = failPage.slice(failPage.indexOf('id="evidence"'), failPage.indexOf('id="integrity"'));
    for (const result of nonCompliantReport.controls) {
      for (const ref of result.evidence) {
        expect(evidence).toContain(`<code class="digest" title="${ref.sha256}">${ref.sha256}</code>`);
        expect(evidence).toContain(`<code>${escapeHtml(ref.path)}</code>`);
      }
    }
    expect(evidence).toContain(
      'RET-01</span> <span class="evidence-count">· 88 files: 88 backup-record</span>',
    );
  });

  it('warns that evidence was altered, listing each file', () => {
    const integrity = failPage.slice(failPage.indexOf('id="integrity"'), failPage.indexOf('id="policy"'));
    expect(integrity).toContain('<span>Evidence was altered</span>');
    expect(integrity).toContain('2 evidence files listed by earlier compliance reports no longer match');
    expect(integrity).toContain('(1 changed, 1 missing), out of 406 files re-checked');
    for (const altered of nonCompliantReport.integrity.altered) {
      expect(integrity).toContain(`<code>${altered.path}</code>`);
      expect(integrity).toContain(altered.expected);
      if (altered.actual !== null) expect(integrity).toContain(altered.actual);
    }
    expect(integrity).toContain('file missing');
    expect(failPage.slice(0, failPage.indexOf('id="controls"'))).toContain('Evidence was altered: 2 files');
    expect(passPage).not.toContain('Evidence was altered');
    expect(passPage).toContain(
      'All 412 evidence files listed by earlier compliance reports were hashed again',
    );
    const first = render({ ...compliantReport, integrity: { earlierReports: [], verified: 0, altered: [] } });
    expect(first).toContain('NOTHING TO CHECK');
    expect(first).not.toContain('INTACT');
  });

  it('says when every control passed but evidence was altered', () => {
    const page = render({
      ...compliantReport,
      status: 'non-compliant',
      integrity: nonCompliantReport.integrity,
    });
    expect(page).toContain('<span>NON-COMPLIANT</span></h1>');
    expect(page).toContain('Every control passed from');
    expect(page).toContain('but evidence that earlier reports relied on was altered');
    expect(page).toContain('<span>Evidence was altered</span>');
  });

  it('states the policy and scope', () => {
    const policy = failPage.slice(failPage.indexOf('id="policy"'));
    expect(policy).toContain('<th scope="row">Copy regions</th><td>eu-west-1, eu-north-1</td>');
    expect(policy).toContain('<th scope="row">RPO target</th><td>15 min</td>');
    expect(policy).toContain('<td><code>orders</code></td><td>cluster</td><td>aurora-postgresql</td>');
    for (const promise of Object.values(PROMISES)) expect(policy).toContain(promise);
  });

  it('ends with the report id, schema version and generation times', () => {
    const footer = failPage.slice(failPage.indexOf('<footer>'));
    expect(footer).toContain('<code>compliance-20250701T070000Z</code>');
    expect(footer).toContain('report schema version 1');
    expect(footer).toContain('<time datetime="2025-07-01T07:00:12.000Z">2025-07-01 07:00:12 UTC</time>');
    expect(footer).toContain('<time datetime="2025-07-01T07:00:30.000Z">2025-07-01 07:00:30 UTC</time>');
  });

  it('escapes every string from the environment', () => {
    const hostile = '<script>alert(1)</script>';
    const attribute = '"><img src=x onerror=alert(1)>';
    const id = `db${attribute}`;
    const base = control(nonCompliantReport, 'RET-01');
    const report: ComplianceReport = {
      ...nonCompliantReport,
      policy: { ...nonCompliantReport.policy, sourceRegion: hostile, copyRegions: [attribute] },
      databases: [{ id, kind: 'instance', engine: hostile }],
      controls: [
        {
          ...base,
          id: hostile,
          title: `title ${hostile}`,
          summary: `it's & <b>bold</b>`,
          databases: [{ id, status: 'fail', detail: attribute }],
          evidence: [
            { kind: hostile, path: `evidence/${attribute}`, sha256: base.evidence[0]?.sha256 ?? '' },
          ],
        },
      ],
      coverage: {
        [id]: (nonCompliantReport.coverage.billing ?? []).map((cell) => ({ ...cell, copies: [hostile] })),
      },
      drills: { [id]: nonCompliantReport.drills.orders ?? [] },
      integrity: {
        earlierReports: [],
        verified: 1,
        altered: [{ path: hostile, expected: base.evidence[0]?.sha256 ?? '', actual: null }],
      },
    };
    const page = render(report);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>bold');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('it&#39;s &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(page).toContain('data-database="db&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(page).toContain('<code>evidence/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</code>');
  });

  it.each([
    ['compliant', compliantReport],
    ['non-compliant', nonCompliantReport],
  ])('loads nothing from the network and runs no script (%s report)', (_name, report) => {
    const page = render(report);
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/\b(src|href|srcset|action|poster|data|xlink:href)\s*=/i);
    expect(page).not.toMatch(
      /url\(|@import|<link|<script|<iframe|<object|<embed|<img|<image|<use|<foreignObject/i,
    );
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
