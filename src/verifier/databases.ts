// Pure rules for the databases of a restored instance: which ones hold user
// data and are verified, where assertions run by default, and how the
// per-database consistency outcomes add up to one check.
import type { CheckStatus } from './types.ts';

export interface ExaminedDatabase {
  readonly name: string;
  /** How many user tables it holds; undefined when its inventory could not be taken. */
  readonly tables: number | undefined;
}

/**
 * The databases verified: every one the server listed, except a maintenance
 * database (PostgreSQL's `postgres`, which every instance has) that holds no
 * user table. One whose tables could not be listed stays: fail closed.
 */
export function userDatabases(
  examined: readonly ExaminedDatabase[],
  maintenance: ReadonlySet<string>,
): string[] {
  return examined
    .filter((database) => !(maintenance.has(database.name) && database.tables === 0))
    .map((database) => database.name);
}

/**
 * Where an assertion without a `database` runs: the database the connection
 * names when it is a user database (the instance's DBName), otherwise the
 * first user database, otherwise the connected one (its assertion then says
 * what is missing).
 */
export function defaultDatabase(users: readonly string[], connected: string): string {
  return users.includes(connected) ? connected : (users[0] ?? connected);
}

export interface DatabaseOutcome {
  readonly database: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

const SEVERITY: Record<CheckStatus, number> = { pass: 0, error: 1, fail: 2 };

/**
 * One check over every database: the worst status (a corruption found
 * anywhere is a `fail`, anything not checked an `error`), and each database's
 * own detail, named, failing ones first.
 */
export function combineOutcomes(outcomes: readonly DatabaseOutcome[]): {
  status: CheckStatus;
  detail: string;
} {
  const ordered = [...outcomes].sort((a, b) => SEVERITY[b.status] - SEVERITY[a.status]);
  const status = ordered[0]?.status ?? 'error';
  return { status, detail: ordered.map((outcome) => `${outcome.database}: ${outcome.detail}`).join(' | ') };
}
