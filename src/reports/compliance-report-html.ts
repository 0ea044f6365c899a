// The compliance report as one self-contained HTML page for SOC 2 / ISO 27001
// auditors. The verdict comes first (COMPLIANT or NON-COMPLIANT, the period,
// controls passed and failed), then the controls with the published promise
// each one evidences, the failing controls in detail, two pictures (daily
// backup coverage per database; RTO and RPO of every restore drill against
// the targets), the evidence behind each control with its SHA-256, the
// integrity of earlier evidence, and the policy the controls were measured by.
//
// Everything is escaped (`html` template): database ids, details and evidence
// paths come from the environment. Pictures are inline SVG; every colour is
// doubled by a shape or a symbol so the page still reads printed in black and
// white, and every picture has a text equivalent next to it.
import type {
  ComplianceReport,
  ControlResult,
  ControlStatus,
  CoverageCell,
  DrillPoint,
  PromiseId,
} from '../domain/compliance-report.ts';
import { PROMISES } from '../domain/compliance-report.ts';
import { formatDuration } from '../domain/drill.ts';
import { daysOfPeriod } from './compliance-report.ts';
import {
  badge,
  banner,
  codeHtml,
  dataTable,
  formatInteger,
  formatUtc,
  type HtmlValue,
  html,
  joinHtml,
  keyValueTable,
  mutedHtml,
  page,
  type Row,
  type SafeHtml,
  section,
  type Tone,
  timeHtml,
} from './html.ts';

export interface RenderOptions {
  /** When the page was rendered (footer); now by default. */
  readonly generatedAt?: Date;
}

const STATUS: Record<ControlStatus, { label: string; tone: Tone }> = {
  pass: { label: 'PASS', tone: 'ok' },
  fail: { label: 'FAIL', tone: 'bad' },
  'not-applicable': { label: 'N/A', tone: 'neutral' },
};

const COLOURS = {
  ok: '#2c974b',
  okDark: '#116329',
  warn: '#d4a72c',
  warnDark: '#7d4e00',
  bad: '#cf222e',
  badDark: '#a40e26',
  badBg: '#ffebe9',
  line: '#1f3b63',
  grid: '#e4e8ec',
  axis: '#8c959f',
  text: '#1f2328',
  muted: '#57606a',
} as const;

const COMPLIANCE_CSS = `
main, footer { max-width: 68rem; }
.banner { padding: 1.1rem 1.75rem 1rem; }
.banner .headline { font-size: 2.75rem; margin: 0.15rem 0 0.35rem; }
.banner .headline-icon { width: 2.6rem; height: 2.6rem; }
.banner .summary { max-width: none; }
.banner .summary { margin-bottom: 0.35rem; }
.banner .facts { margin-top: 0.6rem; padding-top: 0.6rem; }
h3 { font-size: 1rem; margin: 1.5rem 0 0.4rem; }
h3 .muted { font-weight: 400; }
.control-id { font-family: var(--mono); font-size: 0.8em; color: var(--muted); white-space: nowrap; }
.promise { color: var(--muted); font-size: 0.86rem; }
.banner + section h2 { margin-top: 1.25rem; margin-bottom: 0.5rem; }
.controls table { font-size: 0.88rem; line-height: 1.4; }
.controls td { vertical-align: middle; padding-top: 0.32rem; padding-bottom: 0.32rem; }
.controls tbody td:first-child { padding-left: 1.4rem; }
.controls .promise-row th { background: var(--subtle); font-weight: 600; padding: 0.45rem 0.6rem; border-top: 1px solid var(--border); }
.controls .promise-row th { padding-top: 0.35rem; padding-bottom: 0.35rem; }
.controls .promise-row .badge { margin-right: 0.35rem; }
.controls .promise-label { color: var(--muted); font-weight: 400; }
.evidence table { font-size: 0.84rem; }
.evidence td { padding-top: 0.22rem; padding-bottom: 0.22rem; vertical-align: baseline; }
.evidence code { font-size: 0.92em; }
figure { margin: 0.75rem 0 1rem; }
figcaption { color: var(--muted); font-size: 0.85rem; }
.chart { display: block; max-width: 100%; height: auto; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.legend { display: flex; flex-wrap: wrap; gap: 0.3rem 1.4rem; margin: 0.4rem 0 0; padding: 0; list-style: none; font-size: 0.88rem; color: var(--text); }
.legend li { display: inline-flex; align-items: center; gap: 0.4rem; }
.legend svg { width: 1.1rem; height: 1.1rem; flex: none; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.trends { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.25rem 1.25rem; }
.trends figure { margin: 0.25rem 0 0.5rem; }
.trends .chart { width: 100%; }
.trends figcaption { font-weight: 600; color: var(--text); font-size: 0.88rem; }
.trend-db { break-inside: avoid; page-break-inside: avoid; }
.trend-db h3 { margin-bottom: 0.1rem; }
.trend-facts { margin: 0 0 0.25rem; font-size: 0.88rem; color: var(--muted); }
.empty { border: 1.5px dashed var(--border); border-radius: 8px; padding: 0.9rem 1rem; background: var(--subtle); }
.alert { border: 2px solid var(--bad); border-left-width: 8px; border-radius: 6px; background: var(--bad-bg); padding: 0.75rem 1rem; margin: 0.5rem 0 1rem; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.alert-title { display: flex; align-items: center; gap: 0.5rem; margin: 0 0 0.3rem; font-size: 1.1rem; font-weight: 800; color: var(--bad); }
.intact { display: flex; align-items: center; gap: 0.6rem; }
.digest { display: inline-block; max-width: 10.5em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom; overflow-wrap: normal; word-break: normal; }
.evidence-count { font-weight: 400; color: var(--muted); font-size: 0.88rem; }
.days { font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
@media (max-width: 48rem) { .trends { grid-template-columns: minmax(0, 1fr); } }
@media print {
  main, footer { max-width: none; }
  .controls table, .evidence table, .data { font-size: 8.5pt; }
  .badge { font-size: 7.5pt; }
  .evidence col:last-child { width: 36% !important; }
  .evidence code, .digest { font-size: 7.5pt; }
  .trends { gap: 0 0.75rem; }
  .digest { display: inline; max-width: none; white-space: normal; overflow-wrap: anywhere; word-break: break-all; }
  .alert, .legend, .trend-db { break-inside: avoid; page-break-inside: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
}
`;

// ---------------------------------------------------------------------------
// Small helpers

const plural = (count: number, one: string, many = `${one}s`): string =>
  `${formatInteger(count)} ${count === 1 ? one : many}`;

/** Rounds coordinates so the SVG stays small and stable. */
const r1 = (value: number): number => Math.round(value * 10) / 10;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2025-06-09" → "Jun 9". */
function shortDay(day: string): string {
  const month = MONTHS[Number(day.slice(5, 7)) - 1] ?? day.slice(5, 7);
  return `${month} ${Number(day.slice(8, 10))}`;
}

/** Days as ranges: ["2025-06-12", "2025-06-13", "2025-06-20"] → "2025-06-12 to 2025-06-13, 2025-06-20". */
function dayRanges(days: readonly string[]): string {
  const ranges: string[][] = [];
  for (const day of days) {
    const last = ranges.at(-1);
    const previous = last?.at(-1);
    if (
      last !== undefined &&
      previous !== undefined &&
      Date.parse(day) - Date.parse(previous) === 86_400_000
    ) {
      last.push(day);
    } else {
      ranges.push([day]);
    }
  }
  return ranges.map((range) => (range.length === 1 ? range[0] : `${range[0]} to ${range.at(-1)}`)).join(', ');
}

function countStatuses(controls: readonly ControlResult[]): Record<ControlStatus, number> {
  const counts: Record<ControlStatus, number> = { pass: 0, fail: 0, 'not-applicable': 0 };
  for (const control of controls) counts[control.status] += 1;
  return counts;
}

function statusBadge(status: ControlStatus): SafeHtml {
  return badge(STATUS[status].label, STATUS[status].tone);
}

function periodText(report: ComplianceReport): string {
  return `${report.period.from} to ${report.period.to}`;
}

// ---------------------------------------------------------------------------
// The verdict

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "June 2025" when the period is exactly one calendar month (UTC); undefined otherwise. */
function calendarMonth(period: ComplianceReport['period']): string | undefined {
  const { from, to } = period;
  if (!from.endsWith('-01') || from.slice(0, 7) !== to.slice(0, 7)) return undefined;
  const next = new Date(`${to}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  if (next.getUTCDate() !== 1) return undefined;
  return `${MONTH_NAMES[Number(from.slice(5, 7)) - 1] ?? from.slice(5, 7)} ${from.slice(0, 4)}`;
}

function verdictBanner(report: ComplianceReport): SafeHtml {
  const compliant = report.status === 'compliant';
  const counts = countStatuses(report.controls);
  const days = daysOfPeriod(report.period).length;
  const applicable = counts.pass + counts.fail;
  const period = html`<span class="nowrap">${report.period.from}</span> to <span class="nowrap">${report.period.to}</span>`;
  const altered = report.integrity.altered.length;
  let summary: HtmlValue;
  if (compliant) {
    summary = html`All ${plural(applicable, 'applicable control')} passed from ${period}: every backup promise was kept. The evidence of each control is listed below.`;
  } else if (counts.fail > 0) {
    summary = html`<strong>${formatInteger(counts.fail)} of ${plural(applicable, 'applicable control')} failed</strong> from ${period}. They are marked in red below.`;
  } else {
    summary = html`Every control passed from ${period}, <strong>but evidence that earlier reports relied on was altered</strong>: the record can no longer be trusted in full.`;
  }
  const notes: HtmlValue[] = [];
  if (altered > 0) {
    notes.push(
      html`Evidence was altered: ${plural(altered, 'file')} recorded by earlier reports changed or disappeared (see “Evidence integrity”).`,
    );
  }
  const kinds = ['cluster', 'instance'] as const;
  const kindCounts = kinds
    .map((kind) => ({ kind, count: report.databases.filter((database) => database.kind === kind).length }))
    .filter(({ count }) => count > 0)
    .map(({ kind, count }) => plural(count, kind));
  const month = calendarMonth(report.period);
  return banner({
    tone: compliant ? 'ok' : 'bad',
    eyebrow: 'Backup compliance report',
    headline: compliant ? 'COMPLIANT' : 'NON-COMPLIANT',
    summary,
    notes,
    facts: [
      {
        label: 'Period',
        value: month ?? period,
        sub: `${plural(days, 'day')}, UTC`,
      },
      {
        label: 'Controls',
        value: `${formatInteger(counts.pass)} passed, ${formatInteger(counts.fail)} failed`,
        sub:
          counts['not-applicable'] > 0
            ? `${formatInteger(counts['not-applicable'])} not applicable`
            : undefined,
      },
      {
        label: 'Databases',
        value: formatInteger(report.databases.length),
        sub: kindCounts.length > 0 ? kindCounts.join(', ') : 'none in scope',
      },
      {
        label: 'Earlier evidence',
        value: `${formatInteger(report.integrity.verified)} files re-checked`,
        sub: altered > 0 ? `${formatInteger(altered)} altered or missing` : 'none altered',
      },
    ],
  });
}

// ---------------------------------------------------------------------------
// Controls

/** Whether a promise was kept, judged by its controls only. */
function promiseVerdict(controls: readonly ControlResult[]): SafeHtml {
  if (controls.length === 0) return badge('NO CONTROL', 'warn');
  if (controls.some((control) => control.status === 'fail')) return badge('NOT KEPT', 'bad');
  if (controls.every((control) => control.status === 'not-applicable')) return badge('NOT TESTED', 'neutral');
  return badge('KEPT', 'ok');
}

/** The controls grouped under the promise each one evidences, in the order of the published promises. */
function controlsSection(report: ComplianceReport): SafeHtml {
  if (report.controls.length === 0) {
    return section(
      'controls',
      'Controls',
      html`<p>${badge('NO CONTROLS', 'bad')} The report holds no control.</p>`,
    );
  }
  const groups = (Object.keys(PROMISES) as PromiseId[]).map((promise) => {
    const controls = report.controls.filter((control) => control.promise === promise);
    const rows = controls.map((control) => {
      const cells = html`<td><strong>${control.title}</strong> <span class="control-id">${control.id}</span></td><td>${statusBadge(control.status)}</td><td>${control.summary}</td>`;
      return control.status === 'fail' ? html`<tr class="row-bad">${cells}</tr>` : html`<tr>${cells}</tr>`;
    });
    const empty =
      controls.length === 0
        ? html`<tr><td colspan="3">${mutedHtml('No control of this report evidences this promise.')}</td></tr>`
        : '';
    return html`<tbody><tr class="promise-row"><th scope="rowgroup" colspan="3">${promiseVerdict(controls)} <span class="promise-label">Promise:</span> ${PROMISES[promise]}</th></tr>${rows}${empty}</tbody>`;
  });
  const table = html`<table class="data"><colgroup><col><col style="width: 6.25rem"><col></colgroup><thead><tr><th scope="col">Control</th><th scope="col">Status</th><th scope="col">Summary</th></tr></thead>${groups}</table>`;
  return section(
    'controls',
    'Controls',
    html`<div class="controls">${table}</div><p class="note">Each control tests one of the promises published in the security measures. PASS: the evidence shows it was kept for every database in scope. FAIL: it was not, for at least one. N/A: nothing to test in this period. A promise is kept when none of its controls failed.</p>`,
  );
}

function failuresSection(report: ComplianceReport): SafeHtml {
  const failing = report.controls.filter((control) => control.status === 'fail');
  if (failing.length === 0) {
    return section(
      'failures',
      'Failing controls',
      html`<p>${badge('NONE', 'ok')} No control failed in this period.</p>`,
    );
  }
  const order: Record<ControlStatus, number> = { fail: 0, 'not-applicable': 1, pass: 2 };
  const parts = failing.map((control) => {
    const results = [...control.databases].sort((a, b) => order[a.status] - order[b.status]);
    const table =
      results.length === 0
        ? html`<p>${mutedHtml('No database in particular: see the summary.')}</p>`
        : dataTable(
            [
              { heading: 'Database', width: '11rem' },
              { heading: 'Result', width: '6rem' },
              { heading: 'Detail' },
            ],
            results.map((result) => ({
              tone: result.status === 'fail' ? 'bad' : undefined,
              cells: [
                codeHtml(result.id),
                statusBadge(result.status),
                html`<span class="detail">${result.detail}</span>`,
              ],
            })),
          );
    return html`<h3>${control.title} <span class="muted">${control.id}</span></h3>
<p>${control.summary} <span class="promise">Promise: ${PROMISES[control.promise]}</span></p>
${table}`;
  });
  return section('failures', 'Failing controls', parts);
}

// ---------------------------------------------------------------------------
// Picture 1: backup coverage, one cell per database per day

type CellState = 'full' | 'partial' | 'missing' | 'not-protected';

function cellState(cell: CoverageCell, copyRegions: readonly string[]): CellState {
  if (!cell.inScope) return 'not-protected';
  if (!cell.backup) return 'missing';
  return copyRegions.every((region) => cell.copies.includes(region)) ? 'full' : 'partial';
}

/**
 * The symbol of a state in a w×h box at (x, y): solid / half-filled / crossed
 * / a dotted outline with nothing inside, so it prints in black and white.
 */
function cellSymbol(state: CellState, x: number, y: number, w: number, h: number): SafeHtml {
  if (state === 'not-protected') {
    return html`<rect x="${r1(x + 0.75)}" y="${r1(y + 0.75)}" width="${r1(w - 1.5)}" height="${r1(h - 1.5)}" rx="2" fill="#fff" stroke="${COLOURS.axis}" stroke-width="1.25" stroke-dasharray="2 2"/>`;
  }
  if (state === 'full') {
    return html`<rect x="${r1(x)}" y="${r1(y)}" width="${r1(w)}" height="${r1(h)}" rx="2" fill="${COLOURS.ok}"/>`;
  }
  if (state === 'partial') {
    return html`<rect x="${r1(x + 0.75)}" y="${r1(y + 0.75)}" width="${r1(w - 1.5)}" height="${r1(h - 1.5)}" rx="2" fill="#fff" stroke="${COLOURS.warnDark}" stroke-width="1.5"/><path d="M${r1(x)} ${r1(y)}H${r1(x + w)}L${r1(x)} ${r1(y + h)}Z" fill="${COLOURS.warn}"/>`;
  }
  const inset = Math.min(w, h) * 0.25;
  return html`<rect x="${r1(x + 0.75)}" y="${r1(y + 0.75)}" width="${r1(w - 1.5)}" height="${r1(h - 1.5)}" rx="2" fill="${COLOURS.badBg}" stroke="${COLOURS.bad}" stroke-width="1.5"/><path d="M${r1(x + inset)} ${r1(y + inset)}L${r1(x + w - inset)} ${r1(y + h - inset)}M${r1(x + w - inset)} ${r1(y + inset)}L${r1(x + inset)} ${r1(y + h - inset)}" stroke="${COLOURS.badDark}" stroke-width="2" stroke-linecap="round"/>`;
}

function cellDescription(cell: CoverageCell, state: CellState, copyRegions: readonly string[]): string {
  if (state === 'not-protected') return 'not yet protected: out of scope';
  if (state === 'missing') return 'no backup';
  if (state === 'full') {
    return copyRegions.length === 0 ? 'backup taken' : `backup, copied to ${copyRegions.join(', ')}`;
  }
  const missing = copyRegions.filter((region) => !cell.copies.includes(region));
  return `backup, but no copy in ${missing.join(', ')}`;
}

const LEGEND_TEXT: Record<CellState, (copyRegions: readonly string[]) => string> = {
  full: (regions) =>
    regions.length === 0 ? 'Backup taken' : `Backup and every copy (${regions.join(', ')})`,
  partial: () => 'Backup, but a copy missing',
  missing: () => 'No backup',
  'not-protected': () => 'Not yet protected (out of scope)',
};

function legendSymbol(state: CellState): SafeHtml {
  return html`<svg viewBox="0 0 18 18" width="18" height="18" aria-hidden="true" focusable="false">${cellSymbol(state, 1, 1, 16, 16)}</svg>`;
}

function coverageSection(report: ComplianceReport): SafeHtml {
  const days = daysOfPeriod(report.period);
  const regions = report.policy.copyRegions;
  const databases = report.databases;
  if (databases.length === 0 || days.length === 0) {
    return section(
      'coverage',
      'Backup coverage',
      html`<p class="empty">No database in scope: nothing to show.</p>`,
    );
  }
  const longest = Math.max(...databases.map((database) => database.id.length));
  const labelWidth = Math.min(190, Math.max(70, longest * 7.6 + 14));
  const countWidth = 64;
  const cellWidth = Math.max(3, Math.min(30, Math.floor((1040 - labelWidth - countWidth) / days.length)));
  const gap = cellWidth >= 10 ? 3 : cellWidth >= 5 ? 1 : 0;
  const rowHeight = 28;
  const top = 34;
  const width = labelWidth + days.length * cellWidth + countWidth;
  const height = top + databases.length * rowHeight + 4;
  const step = Math.max(1, Math.ceil(16 / cellWidth));
  const header: SafeHtml[] = [];
  days.forEach((day, index) => {
    const x = labelWidth + index * cellWidth + cellWidth / 2;
    const dayOfMonth = Number(day.slice(8, 10));
    if (index === 0 || dayOfMonth === 1) {
      const month = `${MONTHS[Number(day.slice(5, 7)) - 1] ?? ''} ${day.slice(0, 4)}`;
      header.push(
        html`<text x="${r1(labelWidth + index * cellWidth)}" y="12" font-size="11" font-weight="600" fill="${COLOURS.text}">${month}</text>`,
      );
    }
    if (index % step === 0 || index === days.length - 1) {
      header.push(
        html`<text x="${r1(x)}" y="28" font-size="10" text-anchor="middle" fill="${COLOURS.muted}">${dayOfMonth}</text>`,
      );
    }
  });
  header.push(
    html`<text x="${width - 4}" y="28" font-size="10" text-anchor="end" fill="${COLOURS.muted}">complete</text>`,
  );
  const counts: Record<CellState, number> = { full: 0, partial: 0, missing: 0, 'not-protected': 0 };
  const gaps: {
    id: string;
    full: number;
    inScope: number;
    partial: Map<string, string[]>;
    missing: string[];
    notProtected: string[];
  }[] = [];
  const rows = databases.map((database, row) => {
    const y = top + row * rowHeight;
    const byDay = new Map((report.coverage[database.id] ?? []).map((cell) => [cell.day, cell]));
    const summary = {
      id: database.id,
      full: 0,
      inScope: 0,
      partial: new Map<string, string[]>(),
      missing: [] as string[],
      notProtected: [] as string[],
    };
    const cells = days.map((day, index) => {
      const cell: CoverageCell = byDay.get(day) ?? { day, inScope: true, backup: false, copies: [] };
      const state = cellState(cell, regions);
      counts[state] += 1;
      if (cell.inScope) summary.inScope += 1;
      if (state === 'full') summary.full += 1;
      else if (state === 'missing') summary.missing.push(day);
      else if (state === 'not-protected') summary.notProtected.push(day);
      else {
        for (const region of regions.filter((region) => !cell.copies.includes(region))) {
          summary.partial.set(region, [...(summary.partial.get(region) ?? []), day]);
        }
      }
      const x = labelWidth + index * cellWidth + gap / 2;
      return html`<g class="cell cell-${state}" data-database="${database.id}" data-day="${day}"><title>${database.id}, ${day}: ${cellDescription(cell, state, regions)}</title>${cellSymbol(state, x, y + 2, cellWidth - gap, rowHeight - 4)}</g>`;
    });
    gaps.push(summary);
    const name = database.id.length > 24 ? `${database.id.slice(0, 23)}…` : database.id;
    const complete = summary.full === summary.inScope;
    return html`<g class="coverage-row"><text x="0" y="${y + rowHeight / 2 + 4}" font-size="12.5" font-weight="600" fill="${COLOURS.text}"><title>${database.id}</title>${name}</text>${cells}<text x="${width - 4}" y="${y + rowHeight / 2 + 4}" font-size="12" text-anchor="end" font-weight="${complete ? '400' : '700'}" fill="${complete ? COLOURS.muted : COLOURS.badDark}">${summary.full}/${summary.inScope}</text></g>`;
  });
  const incomplete = gaps.filter((gap) => gap.full < gap.inScope);
  const description =
    `Daily backup coverage of ${plural(databases.length, 'database')} over ${plural(days.length, 'day')}, in database-days: ` +
    `${counts.full} complete, ${counts.partial} with a copy missing, ${counts.missing} without backup, ${counts['not-protected']} before the database was protected.`;
  const svg = html`<svg class="chart coverage-grid" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="coverage-title"><title id="coverage-title">${description}</title>${header}${rows}</svg>`;
  // A grid of several databases counts database-days: two databases on one day are two.
  const legend = (['full', 'partial', 'missing', 'not-protected'] as const)
    .filter((state) => state !== 'not-protected' || counts[state] > 0)
    .map(
      (state) =>
        html`<li>${legendSymbol(state)}<span>${LEGEND_TEXT[state](regions)}: <strong>${plural(counts[state], 'database-day')}</strong></span></li>`,
    );
  const outOfScope = gaps.filter((gap) => gap.notProtected.length > 0);
  const scopeNote =
    outOfScope.length === 0
      ? ''
      : html`<p class="note">Days before a database was first protected (its first backup record, or the data time of its oldest snapshot or drilled snapshot) are out of scope for it and count in no control: ${joinHtml(
          outOfScope.map(
            (gap) =>
              html`${codeHtml(gap.id)} not yet protected on <span class="days">${dayRanges(gap.notProtected)}</span>`,
          ),
          '; ',
        )}.</p>`;
  const gapTable =
    incomplete.length === 0
      ? html`<p>${badge('COMPLETE', 'ok')} Every database has a backup${regions.length > 0 ? ' and every copy' : ''} for each day it was protected.</p>`
      : dataTable(
          [
            { heading: 'Database', width: '11rem' },
            { heading: 'Complete', align: 'num', width: '6rem' },
            { heading: 'Backup, copy missing' },
            { heading: 'No backup' },
          ],
          gaps.map((gap) => ({
            tone: gap.missing.length > 0 ? 'bad' : gap.partial.size > 0 ? 'warn' : undefined,
            cells: [
              codeHtml(gap.id),
              `${gap.full}/${gap.inScope}`,
              gap.partial.size === 0
                ? mutedHtml('none')
                : joinHtml(
                    [...gap.partial].map(
                      ([region, regionDays]) =>
                        html`<span class="days">no copy in <strong>${region}</strong>: ${dayRanges(regionDays)}</span>`,
                    ),
                    html`<br>`,
                  ),
              gap.missing.length === 0
                ? mutedHtml('none')
                : html`<span class="days">${dayRanges(gap.missing)}</span>`,
            ],
          })),
          'Days without complete coverage',
        );
  return section(
    'coverage',
    'Backup coverage',
    html`<p>One square per database per day (UTC): was the day's snapshot taken in ${report.policy.sourceRegion} and copied to ${regions.length === 0 ? 'no copy region (none required)' : regions.join(' and ')}?</p>
<figure>${svg}<ul class="legend">${legend}</ul></figure>
${scopeNote}${gapTable}`,
  );
}

// ---------------------------------------------------------------------------
// Picture 2: RTO and RPO of every drill of the period, per database

/** Durations a logarithmic axis is labelled with, in seconds. */
const TICKS = [
  1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800,
  604_800, 2_592_000,
];

/** The labels of a wide logarithmic axis: seconds, ten seconds, a minute, ten minutes, an hour, and so on. */
const ROUND_TICKS = [1, 10, 60, 600, 3600, 21_600, 86_400, 604_800, 2_592_000];

/** Axis labels: whole hours as "12 h", otherwise as elsewhere in the reports. */
function axisDuration(seconds: number): string {
  return seconds >= 7200 && seconds % 3600 === 0 && seconds < 172_800
    ? `${seconds / 3600} h`
    : formatDuration(seconds);
}

/**
 * A logarithmic scale from a tick below the smallest value to a tick above
 * the largest, the target included: a restore of seconds and a target of an
 * hour are both visible, where a linear axis from zero to the target would
 * put every point on its baseline.
 */
function logScale(values: readonly number[]): { bottom: number; top: number; ticks: number[] } {
  const positive = values.filter((value) => value > 0);
  const smallest = Math.min(...positive) / 3;
  const largest = Math.max(...positive) * 1.25;
  const bottom = [...TICKS].reverse().find((tick) => tick <= smallest) ?? 1;
  const top = TICKS.find((tick) => tick >= largest) ?? Math.ceil(largest / 2_592_000) * 2_592_000;
  const ticks = TICKS.filter((tick) => tick >= bottom && tick <= top);
  // At most six labels: over a wide range, the round ones (and the bottom of the axis).
  return {
    bottom,
    top,
    ticks:
      ticks.length <= 6 ? ticks : [bottom, ...ROUND_TICKS.filter((tick) => tick > bottom && tick <= top)],
  };
}

interface TrendOptions {
  readonly id: string;
  readonly metric: 'RTO' | 'RPO';
  readonly database: string;
  readonly drills: readonly DrillPoint[];
  readonly value: (drill: DrillPoint) => number | null;
  readonly target: number;
  readonly days: readonly string[];
}

function trendSvg(options: TrendOptions): SafeHtml {
  const { drills, target, days, metric } = options;
  const width = 440;
  const height = 190;
  const left = 58;
  const right = 14;
  const plotTop = 16;
  const plotBottom = height - 28;
  const start = Date.parse(`${days[0]}T00:00:00Z`);
  const end = Date.parse(`${days.at(-1)}T00:00:00Z`) + 86_400_000;
  const measured = drills.flatMap((drill) => {
    const value = options.value(drill);
    return value === null ? [] : [value];
  });
  const { bottom, top, ticks } = logScale([target, ...measured]);
  const x = (time: number): number =>
    r1(left + ((Math.min(Math.max(time, start), end) - start) / (end - start)) * (width - left - right));
  const y = (value: number): number =>
    r1(
      plotBottom -
        ((Math.log(Math.max(value, bottom)) - Math.log(bottom)) / (Math.log(top) - Math.log(bottom))) *
          (plotBottom - plotTop),
    );
  const parts: SafeHtml[] = [];
  for (const tick of ticks) {
    parts.push(
      html`<line x1="${left}" y1="${y(tick)}" x2="${width - right}" y2="${y(tick)}" stroke="${tick === bottom ? COLOURS.axis : COLOURS.grid}" stroke-width="1"/>`,
      html`<text x="${left - 6}" y="${y(tick) + 4}" font-size="10.5" text-anchor="end" fill="${COLOURS.muted}">${axisDuration(tick)}</text>`,
    );
  }
  parts.push(
    html`<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotBottom}" stroke="${COLOURS.axis}" stroke-width="1"/>`,
  );
  const dayStep =
    days.length <= 8 ? 1 : days.length <= 16 ? 2 : days.length <= 70 ? 7 : Math.ceil(days.length / 6);
  days.forEach((day, index) => {
    if (index % dayStep !== 0) return;
    const tickX = x(Date.parse(`${day}T00:00:00Z`));
    parts.push(
      html`<line x1="${tickX}" y1="${plotBottom}" x2="${tickX}" y2="${plotBottom + 4}" stroke="${COLOURS.axis}"/>`,
      html`<text x="${tickX}" y="${plotBottom + 16}" font-size="10.5" text-anchor="middle" fill="${COLOURS.muted}">${shortDay(day)}</text>`,
    );
  });
  const targetY = y(target);
  parts.push(
    html`<line class="target" x1="${left}" y1="${targetY}" x2="${width - right}" y2="${targetY}" stroke="${COLOURS.badDark}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    html`<text x="${width - right}" y="${targetY - 5}" font-size="10.5" text-anchor="end" fill="${COLOURS.badDark}">target ${formatDuration(target)}</text>`,
  );
  const sorted = [...drills].sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
  const path = sorted.flatMap((drill) => {
    const value = options.value(drill);
    return value === null ? [] : [`${x(Date.parse(drill.finishedAt))},${y(value)}`];
  });
  if (path.length > 1) {
    parts.push(
      html`<polyline points="${path.join(' ')}" fill="none" stroke="${COLOURS.line}" stroke-width="1.75" stroke-linejoin="round"/>`,
    );
  }
  for (const drill of sorted) {
    const value = options.value(drill);
    const px = x(Date.parse(drill.finishedAt));
    const when = formatUtc(drill.finishedAt).slice(0, 16);
    const label = `${drill.drillId}, ${when} UTC: ${drill.verdict === 'pass' ? 'passed' : 'FAILED'}, ${metric} ${
      value === null ? 'not measured' : formatDuration(Math.round(value))
    }`;
    if (value === null) {
      // Not measured (the drill did not get that far): a hollow marker on the axis.
      parts.push(
        html`<g class="point point-unmeasured"><title>${label}</title><path d="M${px - 5} ${plotBottom - 2}L${px} ${plotBottom - 11}L${px + 5} ${plotBottom - 2}Z" fill="#fff" stroke="${COLOURS.badDark}" stroke-width="1.75"/><text x="${px}" y="${plotBottom - 15}" font-size="9.5" text-anchor="middle" fill="${COLOURS.badDark}">not measured</text></g>`,
      );
    } else if (drill.verdict === 'fail') {
      const py = y(value);
      parts.push(
        html`<g class="point point-fail"><title>${label}</title><circle cx="${px}" cy="${py}" r="6.5" fill="#fff" stroke="${COLOURS.badDark}" stroke-width="1.5"/><path d="M${px - 3.5} ${py - 3.5}L${px + 3.5} ${py + 3.5}M${px + 3.5} ${py - 3.5}L${px - 3.5} ${py + 3.5}" stroke="${COLOURS.badDark}" stroke-width="2" stroke-linecap="round"/></g>`,
      );
    } else {
      parts.push(
        html`<g class="point point-pass"><title>${label}</title><circle cx="${px}" cy="${y(value)}" r="4" fill="${COLOURS.line}" stroke="#fff" stroke-width="1"/></g>`,
      );
    }
  }
  const worst = measured.length === 0 ? null : Math.max(...measured);
  const over = measured.filter((value) => value > target).length;
  const description =
    `${metric} of ${plural(drills.length, 'restore drill')} of ${options.database}` +
    (worst === null ? ', none measured' : `, worst ${formatDuration(Math.round(worst))}`) +
    `; target ${formatDuration(target)}; ${over} over target.`;
  const titleId = `trend-${options.id}-title`;
  return html`<svg class="chart trend trend-${metric.toLowerCase()}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${titleId}"><title id="${titleId}">${description}</title>${parts}</svg>`;
}

function drillsSection(report: ComplianceReport): SafeHtml {
  const days = daysOfPeriod(report.period);
  const { rtoTargetSeconds, rpoTargetSeconds, drillIntervalDays } = report.policy;
  const blocks = report.databases.map((database, index) => {
    const drills = report.drills[database.id] ?? [];
    const heading = html`<h3>${database.id} <span class="muted">${database.engine} ${database.kind}</span></h3>`;
    if (drills.length === 0 || days.length === 0) {
      return html`<div class="trend-db">${heading}<p class="empty">${badge('NO DRILL', 'bad')} No restore drill of ${codeHtml(database.id)} finished in this period, so there is no RTO or RPO to show. The policy asks for one every ${plural(drillIntervalDays, 'day')}.</p></div>`;
    }
    const failed = drills.filter((drill) => drill.verdict === 'fail').length;
    const worst = (metric: 'rtoSeconds' | 'rpoSeconds', target: number): string => {
      const values = drills.flatMap((drill) => (drill[metric] === null ? [] : [drill[metric]]));
      if (values.length === 0) return 'not measured';
      const max = Math.max(...values);
      return `${formatDuration(Math.round(max))}${max > target ? ' (over target)' : ''}`;
    };
    const facts = `${plural(drills.length, 'drill')}: ${formatInteger(drills.length - failed)} passed, ${formatInteger(failed)} failed · worst RTO ${worst('rtoSeconds', rtoTargetSeconds)} · worst RPO ${worst('rpoSeconds', rpoTargetSeconds)}`;
    const chart = (metric: 'RTO' | 'RPO'): SafeHtml =>
      html`<figure><figcaption>${metric === 'RTO' ? 'RTO: restore requested → verified' : 'RPO: snapshot time − newest row'} <span class="muted">(logarithmic scale)</span></figcaption>${trendSvg(
        {
          id: `${index}-${metric.toLowerCase()}`,
          metric,
          database: database.id,
          drills,
          value: (drill) => (metric === 'RTO' ? drill.rtoSeconds : drill.rpoSeconds),
          target: metric === 'RTO' ? rtoTargetSeconds : rpoTargetSeconds,
          days,
        },
      )}</figure>`;
    return html`<div class="trend-db">${heading}<p class="trend-facts">${failed > 0 ? badge(`${formatInteger(failed)} FAILED`, 'bad') : badge('ALL PASSED', 'ok')} ${facts}</p><div class="trends">${chart('RTO')}${chart('RPO')}</div></div>`;
  });
  const legend = html`<ul class="legend" aria-label="Chart legend">
<li><svg viewBox="0 0 18 18" aria-hidden="true" focusable="false"><circle cx="9" cy="9" r="4.5" fill="${COLOURS.line}"/></svg>Drill passed</li>
<li><svg viewBox="0 0 18 18" aria-hidden="true" focusable="false"><circle cx="9" cy="9" r="7" fill="#fff" stroke="${COLOURS.badDark}" stroke-width="1.5"/><path d="M5.5 5.5L12.5 12.5M12.5 5.5L5.5 12.5" stroke="${COLOURS.badDark}" stroke-width="2" stroke-linecap="round"/></svg>Drill failed</li>
<li><svg viewBox="0 0 18 18" aria-hidden="true" focusable="false"><path d="M4 15L9 5L14 15Z" fill="#fff" stroke="${COLOURS.badDark}" stroke-width="1.75"/></svg>Not measured (failed before)</li>
<li><svg viewBox="0 0 18 18" aria-hidden="true" focusable="false"><path d="M1 9H17" stroke="${COLOURS.badDark}" stroke-width="1.75" stroke-dasharray="4 3"/></svg>Target</li>
</ul>`;
  return section(
    'drills',
    'Restore drills: RTO and RPO',
    html`<p>Every restore drill that finished in the period, per database, against the targets: RTO ${formatDuration(rtoTargetSeconds)}, RPO ${formatDuration(rpoTargetSeconds)}. Points above the dashed line missed the target. The time axes are logarithmic, so that restores of seconds and targets of hours both show.</p>${legend}${blocks}`,
  );
}

// ---------------------------------------------------------------------------
// Evidence

function digestHtml(digest: string): SafeHtml {
  return html`<code class="digest" title="${digest}">${digest}</code>`;
}

function evidenceSection(report: ComplianceReport): SafeHtml {
  const altered = new Set(report.integrity.altered.map((entry) => entry.path));
  const parts = report.controls.map((control) => {
    const kinds = new Map<string, number>();
    for (const ref of control.evidence) kinds.set(ref.kind, (kinds.get(ref.kind) ?? 0) + 1);
    const breakdown = [...kinds].map(([kind, count]) => `${formatInteger(count)} ${kind}`).join(', ');
    const heading = html`<h3>${control.title} <span class="muted">${control.id}</span> <span class="evidence-count">· ${plural(control.evidence.length, 'file')}${control.evidence.length === 0 ? '' : `: ${breakdown}`}</span></h3>`;
    if (control.evidence.length === 0) {
      return html`${heading}<p>${badge('NO EVIDENCE', control.status === 'not-applicable' ? 'neutral' : 'warn')} No evidence file backs this control.</p>`;
    }
    const rows: Row[] = control.evidence.map((ref) => ({
      tone: altered.has(ref.path) ? 'bad' : undefined,
      cells: [
        ref.kind,
        altered.has(ref.path) ? html`${codeHtml(ref.path)} ${badge('ALTERED', 'bad')}` : codeHtml(ref.path),
        digestHtml(ref.sha256),
      ],
    }));
    return html`${heading}<div class="evidence">${dataTable(
      [{ heading: 'Kind', width: '14%' }, { heading: 'Path' }, { heading: 'SHA-256', width: '18%' }],
      rows,
    )}</div>`;
  });
  return section(
    'evidence',
    'Evidence',
    html`<p>The files each control was computed from, as stored in the report store, with the SHA-256 of their bytes when this report was written. Hash a file again to show it is unchanged; the next report does this for every file listed here. Digests are shortened on screen only: the full value is in the text and prints in full.</p>${parts}`,
  );
}

function chainNote(report: ComplianceReport): SafeHtml {
  const earlier = report.integrity.earlierReports.length;
  return earlier === 0
    ? html``
    : html`<p>This report also records the SHA-256 of ${plural(earlier, 'earlier compliance report')}, so the next report can check that they were not altered either.</p>`;
}

function integritySection(report: ComplianceReport): SafeHtml {
  const { verified, altered } = report.integrity;
  if (altered.length === 0) {
    return section(
      'integrity',
      'Evidence integrity',
      html`${
        verified === 0
          ? html`<p class="intact">${badge('NOTHING TO CHECK', 'neutral')}<span>No earlier compliance report listed evidence to hash again: this is the first report.</span></p>`
          : html`<p class="intact">${badge('INTACT', 'ok')}<span>All ${plural(verified, 'evidence file')} listed by earlier compliance reports were hashed again and still match the SHA-256 recorded then.</span></p>`
      }${chainNote(report)}`,
    );
  }
  const missing = altered.filter((entry) => entry.actual === null).length;
  const changed = altered.length - missing;
  const table = dataTable(
    [
      { heading: 'Finding', width: '7.5rem' },
      { heading: 'Evidence file' },
      { heading: 'SHA-256 recorded', width: '11rem' },
      { heading: 'SHA-256 now', width: '11rem' },
    ],
    altered.map((entry) => ({
      tone: 'bad',
      cells: [
        entry.actual === null ? badge('MISSING', 'bad') : badge('ALTERED', 'bad'),
        codeHtml(entry.path),
        digestHtml(entry.expected),
        entry.actual === null ? html`<strong>file missing</strong>` : digestHtml(entry.actual),
      ],
    })),
    'Altered or missing evidence',
  );
  return section(
    'integrity',
    'Evidence integrity',
    html`${chainNote(report)}<div class="alert"><p class="alert-title">${badge('WARNING', 'bad')}<span>Evidence was altered</span></p>
<p>${plural(altered.length, 'evidence file')} listed by earlier compliance reports no longer match${altered.length === 1 ? 'es' : ''} the SHA-256 recorded then (${formatInteger(changed)} changed, ${formatInteger(missing)} missing), out of ${plural(verified, 'file')} re-checked. Evidence that changed after it was recorded can no longer prove anything: investigate it as a security incident (tampering or loss).</p></div>
${table}`,
  );
}

function policySection(report: ComplianceReport): SafeHtml {
  const { policy } = report;
  const policyTable = keyValueTable([
    ['Backup retention', `${plural(policy.retentionDays, 'day')}`],
    ['Source region', policy.sourceRegion],
    ['Copy regions', policy.copyRegions.length === 0 ? mutedHtml('none') : policy.copyRegions.join(', ')],
    ['Restore drill', `every ${plural(policy.drillIntervalDays, 'day')}`],
    ['RTO target', formatDuration(policy.rtoTargetSeconds)],
    ['RPO target', formatDuration(policy.rpoTargetSeconds)],
  ]);
  const scope =
    report.databases.length === 0
      ? html`<p>${mutedHtml('No database in scope.')}</p>`
      : dataTable(
          [{ heading: 'Database' }, { heading: 'Kind' }, { heading: 'Engine' }],
          report.databases.map((database) => ({
            cells: [codeHtml(database.id), database.kind, database.engine],
          })),
          'Databases in scope',
        );
  const promises = dataTable(
    [{ heading: 'Promise' }, { heading: 'Controls', width: '12rem' }],
    (Object.keys(PROMISES) as (keyof typeof PROMISES)[]).map((promise) => {
      const controls = report.controls.filter((control) => control.promise === promise);
      return {
        cells: [
          PROMISES[promise],
          controls.length === 0
            ? mutedHtml('none')
            : joinHtml(
                controls.map((control) => control.id),
                ', ',
              ),
        ],
      };
    }),
    'Published promises',
  );
  return section('policy', 'Policy and scope', html`${policyTable}${scope}${promises}`);
}

/** The report as one self-contained HTML page (no scripts, nothing fetched). */
export function renderComplianceReportHtml(report: ComplianceReport, options: RenderOptions = {}): string {
  const renderedAt = (options.generatedAt ?? new Date()).toISOString();
  const verdict = report.status === 'compliant' ? 'COMPLIANT' : 'NON-COMPLIANT';
  const title = `${verdict}: backup compliance report, ${periodText(report)}`;
  const body = html`${verdictBanner(report)}
${controlsSection(report)}${failuresSection(report)}${coverageSection(report)}${drillsSection(report)}${evidenceSection(report)}${integritySection(report)}${policySection(report)}`;
  const footer = html`<p>Compliance report ${codeHtml(report.reportId)} · report schema version ${report.schemaVersion} · generated ${timeHtml(report.generatedAt)} · page rendered ${timeHtml(renderedAt)} by restorable</p>
<p>This page is self-contained: it loads nothing and runs no scripts. The JSON report stored beside it is the machine-readable record; the CSV lists every control per database.</p>`;
  return page(title, body, { css: COMPLIANCE_CSS, footer });
}
