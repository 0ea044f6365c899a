// Pure rules for finding the newest row of a restored database without a
// configured freshness query: which timestamp columns to read, and which
// reading is the newest. Engines list the columns and read one `max()` each;
// these rules decide what that costs and what it means.

/** A timestamp, datetime or date column of a user table. */
export interface TimestampColumn {
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  /** Leads a B-tree index: `max()` is one index lookup, not a scan of the table. */
  readonly indexed: boolean;
}

/**
 * How many columns are read per database. Indexed columns cost an index
 * lookup each; a column without an index costs a scan of its table, bounded by
 * the statement timeout, so only a few of those are read.
 */
export const FRESHNESS_READ_LIMITS = { indexed: 20, scanned: 3 } as const;

// Names that say when a row was written, as opposed to birthdays, due dates or expiries.
const WRITE_TIME_NAME = /creat|updat|insert|modif/i;

export function namesWriteTime(column: string): boolean {
  return WRITE_TIME_NAME.test(column);
}

/** `database.schema.table.column`; `database.table.column` on MySQL/MariaDB, where the schema is the database. */
export function columnName(column: TimestampColumn): string {
  const schema = column.schema === column.database ? '' : `${column.schema}.`;
  return `${column.database}.${schema}${column.table}.${column.column}`;
}

/**
 * The columns of one database to read, in order: indexed columns first (up to
 * `indexed`), then columns without an index (up to `scanned`), names that say
 * when a row was written first within each. A column left out can only make
 * the newest row look older, never newer: the RPO errs on the side of failing.
 */
export function planFreshnessReads(
  columns: readonly TimestampColumn[],
  limits: { readonly indexed: number; readonly scanned: number } = FRESHNESS_READ_LIMITS,
): { read: TimestampColumn[]; skipped: number } {
  const rank = (column: TimestampColumn) => (namesWriteTime(column.column) ? 0 : 1);
  const ordered = [...columns].sort((a, b) => rank(a) - rank(b) || compareText(columnName(a), columnName(b)));
  const read = [
    ...ordered.filter((column) => column.indexed).slice(0, limits.indexed),
    ...ordered.filter((column) => !column.indexed).slice(0, limits.scanned),
  ];
  return { read, skipped: columns.length - read.length };
}

export interface FreshnessReading {
  readonly column: TimestampColumn;
  /** ISO time of the column's newest value; undefined when it has none (empty, all NULL, all in the future). */
  readonly newest: string | undefined;
  /** Why it could not be read (e.g. the statement timeout); the other columns still count. */
  readonly error?: string;
}

/** The newest reading, with a description of what it is the newest of; undefined when none has a value. */
export function newestReading(
  readings: readonly FreshnessReading[],
  skipped: number,
): { time: string; source: string } | undefined {
  let newest: (FreshnessReading & { newest: string }) | undefined;
  for (const reading of readings) {
    if (reading.newest === undefined) continue;
    if (newest === undefined || Date.parse(reading.newest) > Date.parse(newest.newest)) {
      newest = { ...reading, newest: reading.newest };
    }
  }
  if (newest === undefined) return undefined;
  const databases = new Set(readings.map((reading) => reading.column.database)).size;
  const failed = readings.filter((reading) => reading.error !== undefined).length;
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  const notes = [
    `newest of ${plural(readings.length, 'timestamp column')} read in ${plural(databases, 'database')}`,
    ...(skipped > 0 ? [`${skipped} not read (limit per database)`] : []),
    ...(failed > 0 ? [`${failed} could not be read`] : []),
  ];
  return { time: newest.newest, source: `column ${columnName(newest.column)}, ${notes.join(', ')}` };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
