// The restore verifier's one flow for both engine families: connect, list the
// instance's user databases, then in each of them inventory and engine
// consistency check (one time budget for all), then assertions and freshness.
// Engines supply a session per database that knows their SQL; this module
// decides what each outcome means for the drill. It fails closed: whatever
// could not run is an `error` check, and a failed connection still lists
// every check it would have run.
import type { ConnectionSettings } from '../ports/sandbox.ts';
import {
  describeExpectation,
  meetsExpectation,
  type ScalarResult,
  singleNumber,
  singleTime,
} from './assertions.ts';
import { combineOutcomes, type DatabaseOutcome, defaultDatabase, userDatabases } from './databases.ts';
import {
  columnName,
  type FreshnessReading,
  newestReading,
  planFreshnessReads,
  type TimestampColumn,
} from './freshness.ts';
import { buildInventory } from './inventory.ts';
import { mysqlEngine } from './mysql.ts';
import { postgresEngine } from './postgres.ts';
import type { CheckResult, CheckStatus, Inventory, Verifier, VerifyRequest, VerifyResult } from './types.ts';

export {
  describeExpectation,
  meetsExpectation,
  type ScalarResult,
  type ScalarValue,
  singleNumber,
  singleTime,
  sqlTimeToIso,
} from './assertions.ts';
export type { TimestampColumn } from './freshness.ts';
export { buildInventory, inventoryDigest, needsExactCount } from './inventory.ts';
export { checkTableProblems, mysqlEngine } from './mysql.ts';
export { postgresEngine } from './postgres.ts';

/** Connections give up after this long: a sandbox that does not answer fails the drill, it does not hang it. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface ConsistencyOutcome {
  readonly status: CheckStatus;
  readonly detail: string;
}

/** The consistency check's time, shared by every database of the instance. */
export interface TimeBudget {
  /** `performance.now()` after which no relation is started. */
  readonly deadline: number;
  /** The whole budget, as configured, for messages. */
  readonly seconds: number;
}

/** A connected session on one database of a restored instance. */
export interface EngineSession {
  /** Product and version, e.g. `PostgreSQL 15.20`, for the connect check's detail. */
  readonly serverVersion: string;
  /**
   * The server's databases that may hold user data and that this login may
   * connect to, sorted by name (system databases and schemas left out).
   */
  databases(): Promise<string[]>;
  /** amcheck / CHECK TABLE over every user relation of this database, within the budget; reports its coverage. */
  consistency(budget: TimeBudget): Promise<ConsistencyOutcome>;
  inventory(exactCountMaxRows: number): Promise<Inventory>;
  /** The timestamp, datetime and date columns of this database's user tables. */
  timestampColumns(): Promise<TimestampColumn[]>;
  /** A column's newest value no later than the server's clock, read like an assertion. */
  newestValue(column: TimestampColumn, timeoutMs: number): Promise<ScalarResult>;
  /** Runs one statement in a read-only transaction with a statement timeout, always rolled back. */
  readOnlyScalar(sql: string, timeoutMs: number): Promise<ScalarResult>;
  close(): Promise<void>;
}

export interface Engine {
  /** Connects and runs a trivial query; throws with the driver's message when that fails. */
  connect(connection: ConnectionSettings): Promise<EngineSession>;
  /** Databases every instance has, verified only when they hold a user table (PostgreSQL's `postgres`). */
  readonly maintenanceDatabases: ReadonlySet<string>;
}

export function verifierFor(engine: 'postgres' | 'mysql'): Verifier {
  return engineVerifier(engine === 'postgres' ? postgresEngine : mysqlEngine);
}

export function engineVerifier(engine: Engine): Verifier {
  return { verify: (request) => verifyWith(engine, request) };
}

const NOT_CONNECTED = 'not run: could not connect';

/**
 * The sessions of one verification, one per database, opened once and all
 * closed at the end. A database that cannot be reached is remembered with why.
 */
class Sessions {
  readonly #engine: Engine;
  readonly #connection: ConnectionSettings;
  readonly #open = new Map<string, EngineSession>();
  readonly #unreachable = new Map<string, string>();
  readonly #redact: (text: string) => string;

  constructor(
    engine: Engine,
    connection: ConnectionSettings,
    primary: EngineSession,
    redact: (text: string) => string,
  ) {
    this.#engine = engine;
    this.#connection = connection;
    this.#open.set(connection.database, primary);
    this.#redact = redact;
  }

  /** The session on `database`, or why there is none. */
  async on(database: string): Promise<{ session: EngineSession } | { error: string }> {
    const open = this.#open.get(database);
    if (open !== undefined) return { session: open };
    const known = this.#unreachable.get(database);
    if (known !== undefined) return { error: known };
    try {
      const session = await this.#engine.connect({ ...this.#connection, database });
      this.#open.set(database, session);
      return { session };
    } catch (error) {
      const why = `could not connect to database ${database}: ${this.#redact(errorMessage(error))}`;
      this.#unreachable.set(database, why);
      return { error: why };
    }
  }

  async closeAll(): Promise<void> {
    for (const session of this.#open.values()) await session.close().catch(() => undefined);
  }
}

interface DatabaseScan {
  readonly name: string;
  readonly inventory: Inventory | undefined;
  /** Why this database could not be reached or inventoried. */
  readonly error: string | undefined;
}

export async function verifyWith(engine: Engine, request: VerifyRequest): Promise<VerifyResult> {
  const redact = redactor(request.connection.password);
  const started = performance.now();
  let primary: EngineSession;
  try {
    primary = await engine.connect(request.connection);
  } catch (error) {
    const connect = result('connect', 'error', `could not connect: ${redact(errorMessage(error))}`, started);
    return notConnected(connect, request);
  }
  const sessions = new Sessions(engine, request.connection, primary, redact);
  try {
    const tls = request.connection.tls === false ? 'without TLS' : 'over TLS';
    const checks: CheckResult[] = [
      result('connect', 'pass', `connected ${tls} to ${primary.serverVersion}; select 1 answered`, started),
    ];

    const inventoryStarted = performance.now();
    let listed: string[];
    try {
      listed = await primary.databases();
    } catch (error) {
      const why = `the databases could not be listed: ${redact(errorMessage(error))}`;
      checks.push(
        result('consistency', 'error', why, started),
        result('inventory', 'error', why, inventoryStarted),
      );
      return {
        ...(await runAssertionsAndFreshness(sessions, request, [], checks, redact)),
        inventory: undefined,
      };
    }
    // The inventory first: it says whether a maintenance database holds anything to verify.
    const scans: DatabaseScan[] = [];
    for (const name of listed) scans.push(await scanDatabase(sessions, name, request, redact));
    const verified = userDatabases(
      scans.map((scan) => ({ name: scan.name, tables: scan.inventory?.tables.length })),
      engine.maintenanceDatabases,
    );
    const scanned = scans.filter((scan) => verified.includes(scan.name));
    const inventoryFailures = scanned.filter((scan) => scan.error !== undefined);
    const tables = scanned.flatMap((scan) => scan.inventory?.tables ?? []);
    const looked = listed.length === 0 ? 'the server listed none' : `looked in ${listed.join(', ')}`;
    const nothing = inventoryFailures.length === 0 && tables.length === 0;

    checks.push(
      nothing
        ? result(
            'consistency',
            'error',
            `no user table in any database (${looked}): nothing was checked`,
            started,
          )
        : await consistencyCheck(sessions, scanned, request, redact),
    );
    let inventory: Inventory | undefined;
    if (inventoryFailures.length > 0) {
      checks.push(
        result(
          'inventory',
          'error',
          `the inventory could not be taken: ${inventoryFailures.map((scan) => `${scan.name}: ${scan.error}`).join(' | ')}`,
          inventoryStarted,
        ),
      );
    } else {
      inventory = buildInventory(
        scanned.reduce((sum, scan) => sum + (scan.inventory?.schemas ?? 0), 0),
        tables,
      );
      if (nothing) {
        checks.push(
          result(
            'inventory',
            'fail',
            `no user table in any database (${looked}): the restored instance holds no user data`,
            inventoryStarted,
          ),
        );
      }
    }
    return { ...(await runAssertionsAndFreshness(sessions, request, verified, checks, redact)), inventory };
  } finally {
    await sessions.closeAll();
  }
}

async function scanDatabase(
  sessions: Sessions,
  name: string,
  request: VerifyRequest,
  redact: (text: string) => string,
): Promise<DatabaseScan> {
  const opened = await sessions.on(name);
  if ('error' in opened) return { name, inventory: undefined, error: opened.error };
  try {
    return { name, inventory: await opened.session.inventory(request.exactCountMaxRows), error: undefined };
  } catch (error) {
    return { name, inventory: undefined, error: redact(errorMessage(error)) };
  }
}

async function consistencyCheck(
  sessions: Sessions,
  databases: readonly DatabaseScan[],
  request: VerifyRequest,
  redact: (text: string) => string,
): Promise<CheckResult> {
  const started = performance.now();
  const budget: TimeBudget = {
    deadline: started + request.consistencyTimeBudgetSeconds * 1000,
    seconds: request.consistencyTimeBudgetSeconds,
  };
  const outcomes: DatabaseOutcome[] = [];
  for (const database of databases) {
    const opened = await sessions.on(database.name);
    if ('error' in opened) {
      outcomes.push({ database: database.name, status: 'error', detail: opened.error });
      continue;
    }
    try {
      const outcome = await opened.session.consistency(budget);
      outcomes.push({ database: database.name, status: outcome.status, detail: redact(outcome.detail) });
    } catch (error) {
      outcomes.push({
        database: database.name,
        status: 'error',
        detail: `the consistency check could not run: ${redact(errorMessage(error))}`,
      });
    }
  }
  const combined = combineOutcomes(outcomes);
  return result('consistency', combined.status, combined.detail, started);
}

async function runAssertionsAndFreshness(
  sessions: Sessions,
  request: VerifyRequest,
  verified: readonly string[],
  checks: CheckResult[],
  redact: (text: string) => string,
): Promise<Omit<VerifyResult, 'inventory'>> {
  const fallback = defaultDatabase(verified, request.connection.database);
  for (const assertion of request.assertions) {
    const assertionStarted = performance.now();
    const name = `assertion: ${assertion.name}`;
    const expectation = describeExpectation(assertion.expect);
    const opened = await sessions.on(assertion.database ?? fallback);
    if ('error' in opened) {
      checks.push(result(name, 'error', opened.error, assertionStarted));
      continue;
    }
    try {
      const value = singleNumber(
        await opened.session.readOnlyScalar(assertion.sql, request.statementTimeoutMs),
      );
      if (!value.ok) {
        checks.push(result(name, 'error', `${value.reason} (expected ${expectation})`, assertionStarted));
      } else if (meetsExpectation(value.value, assertion.expect)) {
        checks.push(result(name, 'pass', `value ${value.value} (expected ${expectation})`, assertionStarted));
      } else {
        checks.push(result(name, 'fail', `value ${value.value}, expected ${expectation}`, assertionStarted));
      }
    } catch (error) {
      checks.push(result(name, 'error', `query failed: ${redact(errorMessage(error))}`, assertionStarted));
    }
  }
  const freshness =
    request.freshnessQuery === undefined
      ? await discoveredFreshness(sessions, request, verified, redact)
      : await configuredFreshness(sessions, request, request.freshnessQuery, fallback, redact);
  return { checks, ...freshness };
}

type Freshness = Pick<VerifyResult, 'newestRowTime' | 'newestRowSource' | 'freshnessCheck'>;

const noFreshness = (check: CheckResult): Freshness => ({
  newestRowTime: undefined,
  newestRowSource: undefined,
  freshnessCheck: check,
});

async function configuredFreshness(
  sessions: Sessions,
  request: VerifyRequest,
  sql: string,
  database: string,
  redact: (text: string) => string,
): Promise<Freshness> {
  const started = performance.now();
  const opened = await sessions.on(database);
  if ('error' in opened) return noFreshness(result('freshness', 'error', opened.error, started));
  try {
    const time = singleTime(await opened.session.readOnlyScalar(sql, request.statementTimeoutMs));
    if (!time.ok) return noFreshness(result('freshness', 'error', `freshness query ${time.reason}`, started));
    return { newestRowTime: time.value, newestRowSource: 'the freshness query', freshnessCheck: undefined };
  } catch (error) {
    return noFreshness(
      result('freshness', 'error', `freshness query failed: ${redact(errorMessage(error))}`, started),
    );
  }
}

/**
 * The newest value of the user tables' timestamp columns, over every user
 * database, read within the limits of `planFreshnessReads` and each under the
 * statement timeout.
 */
async function discoveredFreshness(
  sessions: Sessions,
  request: VerifyRequest,
  databases: readonly string[],
  redact: (text: string) => string,
): Promise<Freshness> {
  const started = performance.now();
  const readings: FreshnessReading[] = [];
  const problems: string[] = [];
  let skipped = 0;
  let found = 0;
  for (const database of databases) {
    const opened = await sessions.on(database);
    if ('error' in opened) {
      problems.push(opened.error);
      continue;
    }
    let columns: TimestampColumn[];
    try {
      columns = await opened.session.timestampColumns();
    } catch (error) {
      problems.push(`${database}: the timestamp columns could not be listed: ${redact(errorMessage(error))}`);
      continue;
    }
    found += columns.length;
    const plan = planFreshnessReads(columns);
    skipped += plan.skipped;
    for (const column of plan.read) {
      try {
        const time = singleTime(await opened.session.newestValue(column, request.statementTimeoutMs));
        readings.push({ column, newest: time.ok ? time.value : undefined });
      } catch (error) {
        readings.push({ column, newest: undefined, error: redact(errorMessage(error)) });
      }
    }
  }
  const newest = newestReading(readings, skipped);
  if (newest !== undefined) {
    const unread = problems.length > 0 ? `; ${problems.join('; ')}` : '';
    return {
      newestRowTime: newest.time,
      newestRowSource: `${newest.source}${unread}`,
      freshnessCheck: undefined,
    };
  }
  const setting = `drills.databases.${request.databaseId ?? '<id>'}.freshnessQuery`;
  const where = databases.length === 0 ? 'no user database' : `databases ${databases.join(', ')}`;
  const failures = [
    ...problems,
    ...readings.flatMap((r) => (r.error === undefined ? [] : [`${columnName(r.column)}: ${r.error}`])),
  ];
  const detail =
    found === 0 && failures.length === 0
      ? `no timestamp, datetime or date column in any user table (${where}): set ${setting} to measure the RPO`
      : `no timestamp column of ${where} holds a value up to now (${readings.length} read)` +
        `${failures.length > 0 ? `; ${failures.join('; ')}` : ''}: set ${setting} to measure the RPO`;
  return noFreshness(result('freshness', 'error', detail, started));
}

function notConnected(connect: CheckResult, request: VerifyRequest): VerifyResult {
  const notRun = (name: string): CheckResult => ({
    name,
    status: 'error',
    detail: NOT_CONNECTED,
    durationMs: 0,
  });
  return {
    checks: [
      connect,
      notRun('consistency'),
      notRun('inventory'),
      ...request.assertions.map((assertion) => notRun(`assertion: ${assertion.name}`)),
    ],
    inventory: undefined,
    newestRowTime: undefined,
    newestRowSource: undefined,
    freshnessCheck: notRun('freshness'),
  };
}

function result(name: string, status: CheckStatus, detail: string, started: number): CheckResult {
  return { name, status, detail, durationMs: Math.round(performance.now() - started) };
}

/** A driver error's message; Node's connection errors can be an AggregateError with an empty message. */
/**
 * Database error messages that quote a value from a row: the value is replaced
 * by an ellipsis, so a check's detail (stored in reports for years) never
 * holds customer data. Identifiers and the rest of the message stay.
 */
const VALUE_BEARING_MESSAGES: readonly [RegExp, string][] = [
  [/(invalid input (?:syntax|value) for (?:type|enum) [^:]+: )"[^"]*"/gi, '$1"…"'],
  [/(value )"[^"]*"( is out of range)/gi, '$1"…"$2'],
  [/(\)=\()[^)]*(\))/g, '$1…$2'],
  [/((?:Incorrect|Truncated incorrect) [\w ]+ value: )'[^']*'/gi, "$1'…'"],
  [/(Duplicate entry )'[^']*'/gi, "$1'…'"],
];

export function scrubValues(message: string): string {
  return VALUE_BEARING_MESSAGES.reduce(
    (text, [pattern, replacement]) => text.replace(pattern, replacement),
    message,
  );
}

export function errorMessage(error: unknown): string {
  return scrubValues(rawErrorMessage(error));
}

function rawErrorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    const inner = error.errors.map(rawErrorMessage).filter((message) => message !== '');
    if (inner.length > 0) return [...new Set(inner)].join('; ');
  }
  if (error instanceof Error) {
    if (error.message !== '') return error.message;
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return String(error);
}

// Drivers do not put the password in their messages, but a message is cheap to scrub and a leak is not.
function redactor(password: string | undefined): (text: string) => string {
  if (password === undefined || password.length < 4) return (text) => text;
  return (text) => text.split(password).join('***');
}
