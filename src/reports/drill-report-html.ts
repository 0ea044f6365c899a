// A drill report as one self-contained HTML page for people: auditors (SOC 2,
// ISO 27001) and the engineers on call. The verdict comes first and is
// readable in seconds; the evidence follows: checks, timings against the RTO
// and RPO targets, the snapshot's provenance, the sandbox, the inventory (row
// counts and a digest, never row contents) and the previous drill.
//
// Every string from the report is escaped (`html` template): table names and
// SQL error messages come from the databases being drilled.
import type { DrillReport } from '../domain/drill.ts';
import { formatDuration } from '../domain/drill.ts';
import type { CheckStatus } from '../verifier/types.ts';
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
  type SafeHtml,
  section,
  type Tone,
  timeHtml,
} from './html.ts';

export interface RenderOptions {
  /** When the page was generated (footer); now by default. */
  readonly generatedAt?: Date;
}

const STATUS: Record<CheckStatus, { label: string; tone: Tone; counted: string }> = {
  pass: { label: 'PASS', tone: 'ok', counted: 'passed' },
  fail: { label: 'FAIL', tone: 'bad', counted: 'failed' },
  error: { label: 'ERROR', tone: 'warn', counted: 'could not run' },
};

const TEARDOWN: Record<DrillReport['sandbox']['teardown'], { label: string; tone: Tone }> = {
  deleted: { label: 'DELETED', tone: 'ok' },
  failed: { label: 'TEARDOWN FAILED', tone: 'bad' },
  'not-created': { label: 'NOT CREATED', tone: 'neutral' },
};

const DRILL_CSS = `
.timeline { margin: 0.5rem 0 1rem; }
.timeline svg { display: block; width: 100%; max-width: 46rem; height: auto; }
.timeline figcaption { color: var(--muted); font-size: 0.85rem; }
.legend { display: inline-flex; align-items: center; gap: 0.35rem; margin-right: 1.1rem; }
.swatch { display: inline-block; width: 0.9rem; height: 0.9rem; border-radius: 2px; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.swatch-restore { background: #6b8fc7; }
.swatch-verify { background: #1f3b63; }
.nowrap { white-space: nowrap; }
.counts { display: flex; flex-wrap: wrap; gap: 0.4rem; margin: 0.25rem 0 0.5rem; }
`;

const plural = (count: number, one: string, many = `${one}s`): string =>
  `${formatInteger(count)} ${count === 1 ? one : many}`;

const orNot = (value: string | null, render: (value: string) => HtmlValue, missing: string): HtmlValue =>
  value === null ? mutedHtml(missing) : render(value);

function secondsBetween(from: string, to: string | null): number | null {
  if (to === null) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? null : Math.max(0, Math.round((b - a) / 1000));
}

/** The restore itself failed: the sandbox never became available, so nothing of the data was checked. */
function restoreFailed(report: DrillReport): boolean {
  const restore = report.checks.find((check) => check.name === 'restore');
  return report.timings.availableAt === null || (restore !== undefined && restore.status !== 'pass');
}

/**
 * Whether the drill learnt where the snapshot came from: a restore that failed
 * before the snapshot was described records none of it, and then the page
 * claims neither an original nor an unencrypted snapshot.
 */
function provenanceRecorded(snapshot: DrillReport['snapshot']): boolean {
  return (
    snapshot.takenAt !== null ||
    snapshot.sourceSnapshotArn !== null ||
    snapshot.kmsKeyId !== null ||
    snapshot.sha256 !== null
  );
}

/** "copy of restorable-orders-2025-06-01 (eu-west-1)" from the source snapshot's ARN. */
function copyOf(sourceSnapshotArn: string): string {
  const parts = sourceSnapshotArn.split(':');
  const region = parts[3];
  return `copy of ${parts.at(-1) ?? sourceSnapshotArn}${region === undefined || region === '' ? '' : ` (${region})`}`;
}

function snapshotOrigin(snapshot: DrillReport['snapshot']): string {
  if (snapshot.sourceSnapshotArn !== null) return copyOf(snapshot.sourceSnapshotArn);
  return provenanceRecorded(snapshot) ? 'original snapshot' : 'origin not recorded';
}

function verdictBanner(report: DrillReport): SafeHtml {
  const { database, snapshot, checks } = report;
  const passed = report.verdict === 'pass';
  const notPassing = checks.filter((check) => check.status !== 'pass');
  const what = html`Snapshot ${codeHtml(snapshot.id)} of ${codeHtml(database.id)} was restored into a sandbox`;
  let summary: HtmlValue;
  if (!passed && restoreFailed(report)) {
    summary = html`Snapshot ${codeHtml(snapshot.id)} of ${codeHtml(database.id)} <strong>was not restored</strong>: the restore failed, so none of its data was checked (see the restore check below).`;
  } else if (passed) {
    summary = html`${what} and verified: all ${plural(checks.length, 'check')} passed.`;
  } else if (checks.length === 0) {
    summary = html`${what}, but no check ran: a drill without checks fails.`;
  } else if (notPassing.length === 0) {
    summary = html`${what}; every check passed, but the drill did not complete.`;
  } else {
    const names = joinHtml(
      notPassing.map(
        (check) => html`<strong>${check.name}</strong> (${STATUS[check.status].label.toLowerCase()})`,
      ),
      ', ',
    );
    summary = html`${what}: ${formatInteger(notPassing.length)} of ${plural(checks.length, 'check')} did not pass: ${names}.`;
  }
  const notes: HtmlValue[] = [];
  if (report.sandbox.teardown === 'failed') {
    notes.push(
      html`Sandbox teardown failed: ${codeHtml(report.sandbox.id)} in ${report.sandbox.region} may still be running with restored data.`,
    );
  }
  return banner({
    tone: passed ? 'ok' : 'bad',
    eyebrow: 'Restore drill report',
    headline: passed ? 'PASS' : 'FAIL',
    summary,
    notes,
    facts: [
      { label: 'Database', value: database.id, sub: `${database.engine} ${database.kind}` },
      { label: 'Snapshot', value: snapshot.id, sub: snapshot.region },
      {
        label: 'Snapshot taken',
        value: snapshot.takenAt === null ? 'not recorded' : wrappableTime(snapshot.takenAt),
        sub: snapshotOrigin(snapshot),
      },
      {
        label: 'Drill finished',
        value: wrappableTime(report.finishedAt),
        sub: report.trigger === 'schedule' ? 'scheduled drill' : 'on-demand drill',
      },
    ],
  });
}

/** "2025-06-01 02:27:41 UTC" that may break between the date and the time only. */
function wrappableTime(iso: string): SafeHtml {
  const [day = '', ...rest] = formatUtc(iso).split(' ');
  return html`<span class="nowrap">${day}</span> <span class="nowrap">${rest.join(' ')}</span>`;
}

function checksSection(report: DrillReport): SafeHtml {
  const counts = (['pass', 'fail', 'error'] as const)
    .map((status) => ({ status, count: report.checks.filter((check) => check.status === status).length }))
    .filter(({ count }) => count > 0)
    .map(({ status, count }) =>
      badge(`${formatInteger(count)} ${STATUS[status].counted}`, STATUS[status].tone),
    );
  const details = shownDetails(report.checks);
  const rows = report.checks.map((check, index) => ({
    tone: STATUS[check.status].tone,
    cells: [
      html`<strong>${check.name}</strong>`,
      badge(STATUS[check.status].label, STATUS[check.status].tone),
      html`<span class="detail">${details[index] ?? check.detail}</span>`,
      formatMilliseconds(check.durationMs),
    ],
  }));
  const content =
    report.checks.length === 0
      ? html`<p>${badge('NO CHECKS', 'bad')} No check ran, so nothing was verified: the drill fails.</p>`
      : html`<p class="counts">${counts}</p>${dataTable(
          [
            { heading: 'Check', width: '11rem' },
            { heading: 'Result', width: '6.5rem' },
            { heading: 'Detail' },
            { heading: 'Time', align: 'num', width: '5rem' },
          ],
          rows,
        )}<p class="note">A drill passes only when every check ran and passed: ERROR (the check could not run) fails the drill like FAIL.</p>`;
  return section('checks', 'Checks', content);
}

/**
 * The details as shown: a check that did not run because an earlier one
 * failed repeats that one's error (`not run: <error>`); the error is shown
 * once, where it happened, and the others point to it.
 */
export function shownDetails(checks: readonly DrillReport['checks'][number][]): string[] {
  return checks.map((check, index) => {
    const cause = checks
      .slice(0, index)
      .find((earlier) => earlier.status !== 'pass' && check.detail === `not run: ${earlier.detail}`);
    return cause === undefined ? check.detail : `not run: see ${cause.name}`;
  });
}

/** Checks that time nothing (computed from other steps) report 0 ms: shown as a dash. */
function formatMilliseconds(ms: number): string {
  if (ms === 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(Math.round(ms / 1000));
}

function objective(measured: number | null, target: number): { result: SafeHtml; measured: HtmlValue } {
  if (measured === null)
    return { measured: mutedHtml('not measured'), result: badge('NOT MEASURED', 'warn') };
  return {
    measured: formatDuration(measured),
    result: measured <= target ? badge('WITHIN TARGET', 'ok') : badge('OVER TARGET', 'bad'),
  };
}

/** Width of a label at 13 px, generously (system fonts average about 7 px a character): enough to keep labels apart. */
const labelWidth = (text: string): number => text.length * 7.5;

/** A horizontal bar: restore (requested → available), then verify (available → verified), against the RTO target. */
function timelineSvg(report: DrillReport): SafeHtml | undefined {
  const { timings, targets } = report;
  const restore = secondsBetween(timings.restoreRequestedAt, timings.availableAt);
  if (restore === null) return undefined;
  const total = secondsBetween(timings.restoreRequestedAt, timings.verifiedAt);
  const verify = total === null ? null : Math.max(0, total - restore);
  const end = total ?? restore;
  const scale = Math.max(end, targets.rtoSeconds) * 1.1 || 1;
  const left = 10;
  const width = 700;
  const x = (seconds: number): number => Math.round((left + (seconds / scale) * width) * 10) / 10;
  const barY = 34;
  const barHeight = 26;
  const targetX = x(targets.rtoSeconds);
  const endX = x(end);
  const parts: SafeHtml[] = [
    html`<rect x="${left}" y="${barY}" width="${width}" height="${barHeight}" fill="#f6f8fa" stroke="#d0d7de"/>`,
    html`<rect x="${left}" y="${barY}" width="${Math.max(1, x(restore) - left)}" height="${barHeight}" fill="#6b8fc7"/>`,
  ];
  if (verify !== null) {
    parts.push(
      html`<rect x="${x(restore)}" y="${barY}" width="${Math.max(1, x(end) - x(restore))}" height="${barHeight}" fill="#1f3b63"/>`,
    );
  }
  const targetAnchor = targetX > left + width * 0.75 ? 'end' : 'middle';
  const startLabel = '0 (restore requested)';
  parts.push(
    html`<line x1="${targetX}" y1="${barY - 10}" x2="${targetX}" y2="${barY + barHeight + 8}" stroke="#a40e26" stroke-width="2" stroke-dasharray="5 3"/>`,
    html`<text x="${targetX}" y="${barY - 14}" text-anchor="${targetAnchor}" font-size="13" fill="#a40e26">RTO target ${formatDuration(targets.rtoSeconds)}</text>`,
    html`<text class="label-start" x="${left}" y="${barY + barHeight + 22}" font-size="13" fill="#57606a">${startLabel}</text>`,
  );
  const endLabel =
    total === null
      ? `available after ${formatDuration(restore)}, not verified`
      : `RTO ${formatDuration(total)}`;
  const endAnchor = endX > left + width * 0.7 ? 'end' : 'start';
  const endStart = endAnchor === 'end' ? endX - labelWidth(endLabel) : endX + 6;
  // A restore short against the target ends near the start: its label goes a line lower.
  const endLine = endStart < left + labelWidth(startLabel) + 12 ? 2 : 1;
  const height = endLine === 2 ? 108 : 90;
  const overTarget = end > targets.rtoSeconds;
  parts.push(
    html`<text class="label-end" x="${endAnchor === 'end' ? endX : endX + 6}" y="${barY + barHeight + 4 + endLine * 18}" text-anchor="${endAnchor}" font-size="13" font-weight="700" fill="${overTarget ? '#a40e26' : '#1f2328'}">${endLabel}</text>`,
  );
  const description =
    `Restore took ${formatDuration(restore)}` +
    (verify === null ? ' and the restore was not verified' : `, verification ${formatDuration(verify)}`) +
    `; RTO target ${formatDuration(targets.rtoSeconds)}.`;
  return html`<figure class="timeline">
<svg viewBox="0 0 720 ${height}" role="img" aria-labelledby="timeline-title"><title id="timeline-title">${description}</title>${parts}</svg>
<figcaption><span class="legend"><span class="swatch swatch-restore"></span>Restore ${formatDuration(restore)}</span>${
    verify === null
      ? ''
      : html`<span class="legend"><span class="swatch swatch-verify"></span>Verify ${formatDuration(verify)}</span>`
  }<span class="legend">Dashed line: RTO target</span></figcaption>
</figure>`;
}

function timingsSection(report: DrillReport): SafeHtml {
  const { timings, targets } = report;
  const since = (to: string | null): HtmlValue => {
    const elapsed = secondsBetween(timings.restoreRequestedAt, to);
    return elapsed === null ? '' : `+${formatDuration(elapsed)}`;
  };
  const phases = dataTable(
    [{ heading: 'Step' }, { heading: 'Time (UTC)' }, { heading: 'Since restore requested', align: 'num' }],
    [
      { cells: ['Drill started', timeHtml(report.startedAt), ''] },
      { cells: ['Restore requested', timeHtml(timings.restoreRequestedAt), '0 s'] },
      {
        cells: [
          'Sandbox available',
          orNot(timings.availableAt, timeHtml, 'not reached'),
          since(timings.availableAt),
        ],
        tone: timings.availableAt === null ? 'bad' : undefined,
      },
      {
        cells: [
          'Restore verified',
          orNot(timings.verifiedAt, timeHtml, 'not reached'),
          since(timings.verifiedAt),
        ],
        tone: timings.verifiedAt === null ? 'bad' : undefined,
      },
      { cells: ['Drill finished', timeHtml(report.finishedAt), ''] },
    ],
  );
  const rto = objective(timings.rtoSeconds, targets.rtoSeconds);
  const rpo = objective(timings.rpoSeconds, targets.rpoSeconds);
  const objectives = dataTable(
    [
      { heading: 'Objective' },
      { heading: 'Measured', align: 'num' },
      { heading: 'Target', align: 'num' },
      { heading: 'Result' },
    ],
    [
      {
        cells: [
          html`<strong>RTO</strong> ${mutedHtml('restore requested → verified')}`,
          rto.measured,
          formatDuration(targets.rtoSeconds),
          rto.result,
        ],
      },
      {
        cells: [
          html`<strong>RPO</strong> ${mutedHtml('snapshot time − newest row')}`,
          rpo.measured,
          formatDuration(targets.rpoSeconds),
          rpo.result,
        ],
      },
    ],
  );
  const chart =
    timelineSvg(report) ?? html`<p class="note">No timeline: the sandbox never became available.</p>`;
  return section('timings', 'Timings', html`${objectives}${chart}${phases}`);
}

function provenanceSection(report: DrillReport): SafeHtml {
  const { snapshot } = report;
  const recorded = provenanceRecorded(snapshot);
  return section(
    'provenance',
    'Snapshot provenance',
    keyValueTable([
      ['Snapshot', codeHtml(snapshot.id)],
      ['ARN', codeHtml(snapshot.arn)],
      ['Region', snapshot.region],
      ['Taken at', orNot(snapshot.takenAt, timeHtml, 'not recorded')],
      [
        'Encrypted',
        !recorded
          ? mutedHtml('not recorded: the restore failed before the snapshot was described')
          : snapshot.encrypted
            ? badge('ENCRYPTED', 'ok')
            : html`${badge('NOT ENCRYPTED', 'warn')} stored unencrypted`,
      ],
      ['KMS key', orNot(snapshot.kmsKeyId, codeHtml, recorded ? 'none' : 'not recorded')],
      [
        'Copied from',
        snapshot.sourceSnapshotArn !== null
          ? html`${codeHtml(snapshot.sourceSnapshotArn)} ${mutedHtml(`(this snapshot is a ${copyOf(snapshot.sourceSnapshotArn)})`)}`
          : mutedHtml(recorded ? 'not a copy: this is the original snapshot' : 'not recorded'),
      ],
      ['SHA-256', orNot(snapshot.sha256, codeHtml, 'not exposed by the cloud provider')],
      [
        'Proven bad',
        snapshot.provenBad === undefined
          ? 'not recorded (a report from before drills recorded it)'
          : snapshot.provenBad === null
            ? 'no: this drill found nothing wrong with the snapshot itself'
            : html`${badge('PROVEN BAD', 'warn')} ${snapshot.provenBad}; the drill then tags the snapshot so that the prune never counts it as a good copy`,
      ],
    ]),
  );
}

function sandboxSection(report: DrillReport): SafeHtml {
  const { sandbox } = report;
  const teardown = TEARDOWN[sandbox.teardown];
  return section(
    'sandbox',
    'Sandbox',
    keyValueTable([
      ['Sandbox', codeHtml(sandbox.id)],
      ['Region', sandbox.region],
      ['Instance class', codeHtml(sandbox.instanceClass)],
      [
        'Teardown',
        sandbox.teardownDetail === null
          ? badge(teardown.label, teardown.tone)
          : html`${badge(teardown.label, teardown.tone)} <span class="detail">${sandbox.teardownDetail}</span>`,
      ],
    ]),
  );
}

function inventorySection(report: DrillReport): SafeHtml {
  const { inventory } = report;
  if (inventory === null) {
    return section(
      'inventory',
      'Inventory',
      html`<p>${badge('NOT TAKEN', 'warn')} The inventory could not be taken; the inventory check says why.</p>`,
    );
  }
  const estimated = inventory.tables.filter((table) => !table.exact).length;
  const summary = keyValueTable([
    ['Schemas', formatInteger(inventory.schemas)],
    ['Tables', formatInteger(inventory.tables.length)],
    ['Total rows', `${estimated > 0 ? '≈ ' : ''}${formatInteger(inventory.totalRows)}`],
    ['Digest (SHA-256)', codeHtml(inventory.digest)],
  ]);
  const tables =
    inventory.tables.length === 0
      ? html`<p>${mutedHtml('No tables.')}</p>`
      : dataTable(
          [
            { heading: 'Schema' },
            { heading: 'Table' },
            { heading: 'Rows', align: 'num' },
            { heading: 'Count', width: '7rem' },
          ],
          inventory.tables.map((table) => ({
            cells: [
              // PostgreSQL tables name their database: the same schema and table may be in several.
              table.database === undefined ? table.schema : `${table.database}.${table.schema}`,
              codeHtml(table.table),
              `${table.exact ? '' : '≈ '}${formatInteger(table.rows)}`,
              table.exact ? 'exact' : mutedHtml('estimated'),
            ],
          })),
          'Rows per table',
        );
  return section(
    'inventory',
    'Inventory',
    html`${summary}${tables}<p class="note">Row counts only: no row contents are stored or shown. ${
      estimated > 0 ? `≈ marks ${plural(estimated, 'count')} estimated by the query planner. ` : ''
    }The digest covers the sorted schema, table and row-count lines: equal inventories have equal digests.</p>`,
  );
}

function previousDrillSection(report: DrillReport): SafeHtml {
  const previous = report.previousDrill;
  return section(
    'previous',
    'Previous drill',
    previous === null
      ? html`<p>None: no earlier passing drill of a snapshot as old as this one or older; its inventory is the baseline for the next drills of newer snapshots.</p>`
      : keyValueTable([
          ['Drill', codeHtml(previous.drillId)],
          ['Finished', timeHtml(previous.finishedAt)],
        ]),
  );
}

/** The report as one self-contained HTML page (no scripts, nothing fetched). */
export function renderDrillReportHtml(report: DrillReport, options: RenderOptions = {}): string {
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  const verdict = report.verdict === 'pass' ? 'PASS' : 'FAIL';
  const title = `${verdict}: restore drill of ${report.database.id}, ${formatUtc(report.finishedAt).slice(0, 10)}`;
  const body = html`${verdictBanner(report)}
${checksSection(report)}${timingsSection(report)}${provenanceSection(report)}${sandboxSection(report)}${inventorySection(report)}${previousDrillSection(report)}`;
  const footer = html`<p>Drill ${codeHtml(report.drillId)} · report schema version ${report.schemaVersion} · generated ${timeHtml(generatedAt)} by restorable</p>
<p>This page is self-contained: it loads nothing and runs no scripts. The JSON report stored beside it is the machine-readable record.</p>`;
  return page(title, body, { css: DRILL_CSS, footer });
}
