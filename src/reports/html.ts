// Small helpers shared by the HTML reports (drill reports, and later the
// compliance report). Every report is ONE self-contained page: inline CSS, no
// scripts, no fonts, images or stylesheets to fetch, so it reads the same
// offline, from an archive years later, and on paper (A4).
//
// Escaping is by construction: `html` is a tagged template that escapes every
// interpolated string; only values that are already `SafeHtml` (built by `html`
// or, for constants, `trustedHtml`) pass through unchanged. Interpolate inside
// element content or double-quoted attribute values only, never into unquoted
// attributes, `<style>` or `<script>`.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values. Control
 * characters (other than tab and newline) are not valid in HTML: they become
 * U+FFFD, so a database's error message cannot smuggle them into the page.
 */
export function escapeHtml(text: string): string {
  return (
    text
      .replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '\uFFFD')
  );
}

/** A fragment of HTML that is safe to insert as is. */
class SafeHtml {
  readonly #html: string;

  constructor(html: string) {
    this.#html = html;
  }

  toString(): string {
    return this.#html;
  }
}

export type { SafeHtml };

/** What `html` accepts: strings and numbers are escaped, `SafeHtml` is kept, arrays are concatenated. */
export type HtmlValue = SafeHtml | string | number | readonly HtmlValue[];

function renderValue(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return escapeHtml(String(value));
  return value.map(renderValue).join('');
}

/** Tagged template: `html\`<td>${name}</td>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += renderValue(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks a constant written in this code base as HTML. Never pass it data. */
export function trustedHtml(constant: string): SafeHtml {
  return new SafeHtml(constant);
}

/** Joins fragments, escaping the plain strings among them. */
export function joinHtml(parts: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  return new SafeHtml(parts.map(renderValue).join(renderValue(separator)));
}

// ---------------------------------------------------------------------------
// Formatting

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567" (independent of the machine's locale). */
export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

/** An ISO time as "2025-06-01 02:14:07 UTC"; the text as is when it is not a time. */
export function formatUtc(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A `<time>` element: machine-readable ISO time, human-readable UTC text. */
export function timeHtml(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${formatUtc(iso)}</time>`;
}

/** Identifiers, ARNs and digests: monospace, wrapping anywhere so they never overflow the page. */
export function codeHtml(text: string): SafeHtml {
  return html`<code>${text}</code>`;
}

/** Secondary text, e.g. "not recorded". */
export function mutedHtml(text: string): SafeHtml {
  return html`<span class="muted">${text}</span>`;
}

// ---------------------------------------------------------------------------
// Status badges and banners. A tone is shown by colour AND by an icon and the
// badge's text, so a page printed in black and white loses nothing.

export type Tone = 'ok' | 'bad' | 'warn' | 'neutral';

const ICON_PATHS: Record<Tone, string> = {
  // check mark
  ok: '<path d="M4.5 10.5l3.5 3.5 7.5-8" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>',
  // cross
  bad: '<path d="M5.5 5.5l9 9M14.5 5.5l-9 9" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round"/>',
  // exclamation mark
  warn: '<path d="M10 4.5v7" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round"/><circle cx="10" cy="15.5" r="1.6" fill="currentColor"/>',
  // dash
  neutral:
    '<path d="M5.5 10h9" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round"/>',
};

/** A small inline SVG icon for a tone (decorative: the text next to it says the same). */
export function iconHtml(tone: Tone, className = 'icon'): SafeHtml {
  return html`<svg class="${className}" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">${trustedHtml(ICON_PATHS[tone])}</svg>`;
}

/** A status badge: icon + text in the tone's colours, e.g. `badge('PASS', 'ok')`. */
export function badge(label: string, tone: Tone): SafeHtml {
  return html`<span class="badge badge-${tone}">${iconHtml(tone)}${label}</span>`;
}

export interface BannerFact {
  readonly label: string;
  readonly value: HtmlValue;
  /** A second, lighter line under the value. */
  readonly sub?: HtmlValue;
}

export interface BannerOptions {
  readonly tone: Tone;
  /** Small text above the headline, e.g. "Restore drill report". */
  readonly eyebrow: string;
  /** The verdict in one or two words, e.g. "PASS". */
  readonly headline: string;
  /** One sentence saying what the headline means. */
  readonly summary: HtmlValue;
  readonly facts: readonly BannerFact[];
  /** Extra warnings shown under the summary. */
  readonly notes?: readonly HtmlValue[];
}

/** The page's opening verdict: the first thing a reader sees, and the page's `<h1>`. */
export function banner(options: BannerOptions): SafeHtml {
  const notes = (options.notes ?? []).map((note) => html`<p class="banner-note">${note}</p>`);
  const facts = options.facts.map(
    (fact) =>
      html`<div><dt>${fact.label}</dt><dd>${fact.value}${fact.sub === undefined ? '' : html`<span class="sub">${fact.sub}</span>`}</dd></div>`,
  );
  return html`<header class="banner banner-${options.tone}">
<p class="eyebrow">${options.eyebrow}</p>
<h1 class="headline">${iconHtml(options.tone, 'headline-icon')}<span>${options.headline}</span></h1>
<p class="summary">${options.summary}</p>
${notes}<dl class="facts">${facts}</dl>
</header>`;
}

/** A section with an `<h2>` that labels it. `id` must be a constant of the caller's. */
export function section(id: string, heading: string, content: HtmlValue): SafeHtml {
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${heading}</h2>
${content}
</section>
`;
}

/** Label/value rows (labels are row headers), for facts such as a snapshot's provenance. */
export function keyValueTable(rows: readonly (readonly [string, HtmlValue])[], caption?: string): SafeHtml {
  const captionHtml = caption === undefined ? '' : html`<caption>${caption}</caption>`;
  const body = rows.map(([label, value]) => html`<tr><th scope="row">${label}</th><td>${value}</td></tr>`);
  return html`<table class="kv">${captionHtml}<tbody>${body}</tbody></table>`;
}

export interface Column {
  readonly heading: string;
  /** `num` right-aligns with tabular figures. */
  readonly align?: 'num';
  /** Width hint, e.g. "8rem"; a constant of the caller's. */
  readonly width?: string;
}

export interface Row {
  readonly cells: readonly HtmlValue[];
  /** Highlights the row, e.g. a failed check. */
  readonly tone?: Tone;
}

/** Only plain lengths may go into a `style` attribute. */
function cssLength(value: string): string {
  if (!/^\d+(\.\d+)?(rem|em|%|px|ch)$/.test(value)) throw new Error(`not a CSS length: ${value}`);
  return value;
}

/** A data table with column headers (`scope="col"`). */
export function dataTable(columns: readonly Column[], rows: readonly Row[], caption?: string): SafeHtml {
  const captionHtml = caption === undefined ? '' : html`<caption>${caption}</caption>`;
  const colgroup = columns.some((column) => column.width !== undefined)
    ? html`<colgroup>${columns.map((column) => (column.width === undefined ? html`<col>` : html`<col style="width: ${cssLength(column.width)}">`))}</colgroup>`
    : '';
  const head = columns.map(
    (column) =>
      html`<th scope="col"${column.align === 'num' ? trustedHtml(' class="num"') : ''}>${column.heading}</th>`,
  );
  const body = rows.map((row) => {
    const cells = row.cells.map((cell, index) =>
      columns[index]?.align === 'num' ? html`<td class="num">${cell}</td>` : html`<td>${cell}</td>`,
    );
    return row.tone === undefined || row.tone === 'ok' || row.tone === 'neutral'
      ? html`<tr>${cells}</tr>`
      : html`<tr class="row-${row.tone}">${cells}</tr>`;
  });
  return html`<table class="data">${captionHtml}${colgroup}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

// ---------------------------------------------------------------------------
// The page

/**
 * Colours meet WCAG AA contrast (4.5:1 or better) for their text. Print keeps
 * the banner's colours (`print-color-adjust: exact`) and avoids splitting rows.
 */
export const SHARED_CSS = `
:root {
  --text: #1f2328; --muted: #57606a; --border: #d0d7de; --subtle: #f6f8fa;
  --ok: #116329; --ok-bg: #dafbe1; --bad: #a40e26; --bad-bg: #ffebe9;
  --warn: #7d4e00; --warn-bg: #fff8c5; --neutral: #424a53; --neutral-bg: #eaeef2;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: #fff; color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
}
main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.5rem 1rem; }
h2 { font-size: 1.15rem; margin: 2.25rem 0 0.75rem; padding-bottom: 0.35rem; border-bottom: 1px solid var(--border); }
p { margin: 0.5rem 0; }
code { font-family: var(--mono); font-size: 0.86em; overflow-wrap: anywhere; word-break: break-word; }
.muted { color: var(--muted); }
.note { color: var(--muted); font-size: 0.88rem; }
.icon { width: 1em; height: 1em; vertical-align: -0.15em; margin-right: 0.3em; flex: none; }

.banner { border-radius: 10px; padding: 1.5rem 1.75rem 1.25rem; color: #fff; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.banner-ok { background: var(--ok); }
.banner-bad { background: var(--bad); }
.banner-warn { background: var(--warn); }
.banner-neutral { background: var(--neutral); }
.banner .eyebrow { margin: 0; font-size: 0.8rem; font-weight: 600; letter-spacing: 0.08em; text-transform: uppercase; opacity: 0.92; }
.banner .headline { display: flex; align-items: center; gap: 0.6rem; margin: 0.25rem 0 0.5rem; font-size: 3.25rem; line-height: 1.1; font-weight: 800; letter-spacing: 0.02em; }
.banner .headline-icon { width: 3rem; height: 3rem; padding: 0.3rem; border: 3px solid currentColor; border-radius: 50%; flex: none; }
.banner .summary { font-size: 1.1rem; margin: 0 0 0.5rem; max-width: 48rem; }
.banner .banner-note { font-weight: 600; background: rgba(0, 0, 0, 0.22); border-left: 4px solid #fff; padding: 0.4rem 0.75rem; border-radius: 4px; }
.banner code { font-size: 0.92em; }
.banner .facts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.75rem 1.5rem; margin: 1rem 0 0; padding-top: 0.9rem; border-top: 1px solid rgba(255, 255, 255, 0.45); }
.banner .facts dt { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.06em; opacity: 0.9; }
.banner .facts dd { margin: 0.1rem 0 0; font-weight: 600; overflow-wrap: anywhere; }
.banner .facts .sub { display: block; font-weight: 400; font-size: 0.88rem; opacity: 0.92; }
@media (max-width: 48rem) { .banner .facts { grid-template-columns: repeat(2, minmax(0, 1fr)); } }

.badge { display: inline-flex; align-items: center; white-space: nowrap; font-size: 0.78rem; font-weight: 700; letter-spacing: 0.04em; padding: 0.12rem 0.5rem; border-radius: 999px; border: 1.5px solid currentColor; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.badge-ok { color: var(--ok); background: var(--ok-bg); }
.badge-bad { color: var(--bad); background: var(--bad-bg); }
.badge-warn { color: var(--warn); background: var(--warn-bg); border-style: dashed; }
.badge-neutral { color: var(--neutral); background: var(--neutral-bg); border-style: dotted; }

table { width: 100%; border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 0.4rem; }
th, td { text-align: left; vertical-align: top; padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--border); }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.data thead th { background: var(--subtle); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); border-bottom: 2px solid var(--border); }
.data td { overflow-wrap: anywhere; }
.data .row-bad td { background: #fff5f5; }
.data .row-bad td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
.data .row-warn td { background: #fffbe6; }
.data .row-warn td:first-child { box-shadow: inset 4px 0 0 var(--warn); }
.kv th { width: 13rem; font-weight: 600; color: var(--muted); }
.kv td { overflow-wrap: anywhere; }
.detail { white-space: pre-wrap; }

footer { max-width: 60rem; margin: 1.5rem auto 2rem; padding: 0.9rem 1.5rem 0; border-top: 1px solid var(--border); color: var(--muted); font-size: 0.82rem; }
footer p { margin: 0.2rem 0; }

@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  footer { max-width: none; padding: 0.5rem 0 0; }
  .banner { border-radius: 0; padding: 1rem 1.25rem; }
  .banner .headline { font-size: 2.4rem; }
  h2 { break-after: avoid; page-break-after: avoid; margin: 1.1rem 0 0.4rem; }
  th, td { padding: 0.28rem 0.5rem; }
  table { margin: 0.3rem 0 0.6rem; }
  tr, .banner, figure { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .data .row-bad td, .data .row-warn td { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`;

export interface PageOptions {
  /** BCP 47 language of the page; English by default. */
  readonly lang?: string;
  /** Page-specific CSS appended to the shared CSS; a constant of the caller's. */
  readonly css?: string;
  /** Footer content, outside `<main>`. */
  readonly footer?: HtmlValue;
}

/**
 * The whole document. A Content-Security-Policy forbids scripts and every
 * network fetch, so even a mistake elsewhere cannot make the page load anything.
 */
export function page(title: string, body: HtmlValue, options: PageOptions = {}): string {
  const css = trustedHtml(SHARED_CSS + (options.css ?? ''));
  const footer = options.footer === undefined ? '' : html`<footer>${options.footer}</footer>\n`;
  return `${html`<!DOCTYPE html>
<html lang="${options.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<meta name="generator" content="restorable">
<title>${title}</title>
<style>${css}</style>
</head>
<body>
<main>
${body}
</main>
${footer}</body>
</html>`}\n`;
}
