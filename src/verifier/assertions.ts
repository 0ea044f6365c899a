// Pure rules for what the read-only queries of a drill return: an assertion's
// single number against its expected bounds, and the freshness query's single
// timestamp. Engines hand over one classified value (they know their column
// types); these rules decide. Details carry the number an assertion returned
// and never any other value: a text column could hold anything.
import type { DrillAssertion } from '../config/schema.ts';

export type Expectation = DrillAssertion['expect'];

/** One cell of a query result, classified by its column type. */
export type ScalarValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'number'; readonly value: number }
  /** Text as the server printed it in a UTC session, e.g. `2026-11-01 01:00:00.5+00`. */
  | { readonly kind: 'time'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  /** A column of another type, named for the error message. */
  | { readonly kind: 'other'; readonly type: string };

export interface ScalarResult {
  readonly rows: number;
  readonly columns: number;
  /** The first row's first cell; undefined when there is none. */
  readonly first: ScalarValue | undefined;
}

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

export function describeExpectation(expect: Expectation): string {
  const parts: string[] = [];
  if (expect.equals !== undefined) parts.push(`= ${expect.equals}`);
  if (expect.min !== undefined) parts.push(`>= ${expect.min}`);
  if (expect.max !== undefined) parts.push(`<= ${expect.max}`);
  // The schema refuses an empty expectation; should one get here, nothing satisfies it.
  return parts.length > 0 ? parts.join(' and ') : 'no bounds (invalid)';
}

/** True when the value meets every bound that is set; an expectation without bounds is never met. */
export function meetsExpectation(value: number, expect: Expectation): boolean {
  const { equals, min, max } = expect;
  if (equals === undefined && min === undefined && max === undefined) return false;
  if (!Number.isFinite(value)) return false;
  if (equals !== undefined && value !== equals) return false;
  if (min !== undefined && value < min) return false;
  if (max !== undefined && value > max) return false;
  return true;
}

function describeKind(value: ScalarValue): string {
  if (value.kind === 'other') return `a value of type ${value.type}`;
  if (value.kind === 'time') return 'a timestamp';
  if (value.kind === 'text') return 'text';
  return value.kind === 'null' ? 'NULL' : 'a number';
}

function shapeProblem(result: ScalarResult): string | undefined {
  if (result.columns !== 1) return `returned ${result.columns} columns, expected exactly one`;
  if (result.rows !== 1) return `returned ${result.rows} rows, expected exactly one`;
  return undefined;
}

/** The single finite number an assertion's SQL must return. */
export function singleNumber(result: ScalarResult): Outcome<number> {
  const problem = shapeProblem(result);
  if (problem !== undefined) return { ok: false, reason: problem };
  const cell = result.first;
  if (cell === undefined) return { ok: false, reason: 'returned no value' };
  if (cell.kind !== 'number')
    return { ok: false, reason: `returned ${describeKind(cell)}, expected a number` };
  if (!Number.isFinite(cell.value))
    return { ok: false, reason: `returned ${cell.value}, expected a finite number` };
  return { ok: true, value: cell.value };
}

/** The single timestamp the freshness query must return, as an ISO string. */
export function singleTime(result: ScalarResult): Outcome<string> {
  const problem = shapeProblem(result);
  if (problem !== undefined) return { ok: false, reason: problem };
  const cell = result.first;
  if (cell === undefined) return { ok: false, reason: 'returned no value' };
  if (cell.kind === 'null') return { ok: false, reason: 'returned NULL (is the table empty?)' };
  if (cell.kind !== 'time' && cell.kind !== 'text') {
    return { ok: false, reason: `returned ${describeKind(cell)}, expected a timestamp, date or ISO string` };
  }
  const iso = sqlTimeToIso(cell.text);
  if (iso === undefined)
    return { ok: false, reason: `returned ${describeKind(cell)} that is not a valid timestamp` };
  return { ok: true, value: iso };
}

// `2026-11-01`, `2026-11-01 01:02:03`, `2026-11-01T01:02:03.123456+05:30`, `...Z`, `...+00`.
const SQL_TIME =
  /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?(?::\d{2})?)?)?$/i;

/**
 * A timestamp as SQL servers print it, to an ISO string (millisecond
 * precision). A time without an offset is UTC: the verifier's sessions run in
 * UTC, so that is what the server meant. Undefined when it is not a valid time
 * (including `infinity`, BC dates and MySQL's zero dates).
 */
export function sqlTimeToIso(text: string): string | undefined {
  const match = SQL_TIME.exec(text.trim());
  if (match === null) return undefined;
  const [, date, time, fraction, zone] = match;
  // Date.parse rolls 2026-02-30 over to March; a date that does not exist is not a valid time.
  const day = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== date) return undefined;
  const clock = time === undefined ? '00:00:00' : time.length === 5 ? `${time}:00` : time;
  const millis = (fraction ?? '').slice(0, 3).padEnd(3, '0');
  const ms = Date.parse(`${date}T${clock}.${millis}${normalizeZone(zone)}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function normalizeZone(zone: string | undefined): string {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 'Z';
  const sign = zone[0];
  const digits = zone.slice(1).replaceAll(':', '');
  // Seconds in an offset (historic local mean times) are dropped: Date.parse does not take them.
  return `${sign}${digits.slice(0, 2)}:${digits.slice(2, 4).padEnd(2, '0')}`;
}
