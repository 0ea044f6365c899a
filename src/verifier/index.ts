// The restore verifier's one flow for both engine families: connect, engine
// consistency check, inventory, assertions, freshness. Engines supply a session
// that knows their SQL; this module decides what each outcome means for the
// drill. It fails closed: whatever could not run is an `error` check, and a
// failed connection still lists every check it would have run.
import type { ConnectionSettings } from '../ports/sandbox.ts';
import {
  describeExpectation,
  meetsExpectation,
  type ScalarResult,
  singleNumber,
  singleTime,
} from './assertions.ts';
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
export { buildInventory, inventoryDigest, needsExactCount } from './inventory.ts';
export { checkTableProblems, mysqlEngine } from './mysql.ts';
export { postgresEngine } from './postgres.ts';

/** Connections give up after this long: a sandbox that does not answer fails the drill, it does not hang it. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface ConsistencyOutcome {
  readonly status: CheckStatus;
  readonly detail: string;
}

/** A connected session on a restored database. */
export interface EngineSession {
  /** Product and version, e.g. `PostgreSQL 15.20`, for the connect check's detail. */
  readonly serverVersion: string;
  /** amcheck / CHECK TABLE over every user relation, within the budget; reports its coverage. */
  consistency(budgetMs: number): Promise<ConsistencyOutcome>;
  inventory(exactCountMaxRows: number): Promise<Inventory>;
  /** Runs one statement in a read-only transaction with a statement timeout, always rolled back. */
  readOnlyScalar(sql: string, timeoutMs: number): Promise<ScalarResult>;
  close(): Promise<void>;
}

export interface Engine {
  /** Connects and runs a trivial query; throws with the driver's message when that fails. */
  connect(connection: ConnectionSettings): Promise<EngineSession>;
}

export function verifierFor(engine: 'postgres' | 'mysql'): Verifier {
  return engineVerifier(engine === 'postgres' ? postgresEngine : mysqlEngine);
}

export function engineVerifier(engine: Engine): Verifier {
  return { verify: (request) => verifyWith(engine, request) };
}

const NOT_CONNECTED = 'not run: could not connect';

export async function verifyWith(engine: Engine, request: VerifyRequest): Promise<VerifyResult> {
  const redact = redactor(request.connection.password);
  const started = performance.now();
  let session: EngineSession;
  try {
    session = await engine.connect(request.connection);
  } catch (error) {
    const connect = result('connect', 'error', `could not connect: ${redact(errorMessage(error))}`, started);
    return notConnected(connect, request);
  }
  try {
    const tls = request.connection.tls === false ? 'without TLS' : 'over TLS';
    const checks: CheckResult[] = [
      result('connect', 'pass', `connected ${tls} to ${session.serverVersion}; select 1 answered`, started),
    ];
    checks.push(await consistencyCheck(session, request, redact));

    let inventory: Inventory | undefined;
    const inventoryStarted = performance.now();
    try {
      inventory = await session.inventory(request.exactCountMaxRows);
    } catch (error) {
      checks.push(
        result(
          'inventory',
          'error',
          `the inventory could not be taken: ${redact(errorMessage(error))}`,
          inventoryStarted,
        ),
      );
    }

    for (const assertion of request.assertions) {
      const assertionStarted = performance.now();
      const name = `assertion: ${assertion.name}`;
      const expectation = describeExpectation(assertion.expect);
      try {
        const value = singleNumber(await session.readOnlyScalar(assertion.sql, request.statementTimeoutMs));
        if (!value.ok) {
          checks.push(result(name, 'error', `${value.reason} (expected ${expectation})`, assertionStarted));
        } else if (meetsExpectation(value.value, assertion.expect)) {
          checks.push(
            result(name, 'pass', `value ${value.value} (expected ${expectation})`, assertionStarted),
          );
        } else {
          checks.push(
            result(name, 'fail', `value ${value.value}, expected ${expectation}`, assertionStarted),
          );
        }
      } catch (error) {
        checks.push(result(name, 'error', `query failed: ${redact(errorMessage(error))}`, assertionStarted));
      }
    }

    let newestRowTime: string | undefined;
    let freshnessCheck: CheckResult | undefined;
    if (request.freshnessQuery !== undefined) {
      const freshnessStarted = performance.now();
      try {
        const time = singleTime(
          await session.readOnlyScalar(request.freshnessQuery, request.statementTimeoutMs),
        );
        if (time.ok) newestRowTime = time.value;
        else
          freshnessCheck = result('freshness', 'error', `freshness query ${time.reason}`, freshnessStarted);
      } catch (error) {
        freshnessCheck = result(
          'freshness',
          'error',
          `freshness query failed: ${redact(errorMessage(error))}`,
          freshnessStarted,
        );
      }
    }
    return { checks, inventory, newestRowTime, freshnessCheck };
  } finally {
    await session.close().catch(() => undefined);
  }
}

async function consistencyCheck(
  session: EngineSession,
  request: VerifyRequest,
  redact: (text: string) => string,
): Promise<CheckResult> {
  const started = performance.now();
  try {
    const outcome = await session.consistency(request.consistencyTimeBudgetSeconds * 1000);
    return result('consistency', outcome.status, redact(outcome.detail), started);
  } catch (error) {
    return result(
      'consistency',
      'error',
      `the consistency check could not run: ${redact(errorMessage(error))}`,
      started,
    );
  }
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
    freshnessCheck: request.freshnessQuery === undefined ? undefined : notRun('freshness'),
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
