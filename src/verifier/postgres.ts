// The PostgreSQL engine of the verifier (RDS, Aurora PostgreSQL, and PGlite
// served on a loopback port by the local cloud). A session is one database:
// consistency is amcheck (bt_index_check with heapallindexed on every B-tree
// index and verify_heapam on every table of the user schemas) in it.
import type * as pg from 'pg';
import type { ConnectionSettings } from '../ports/sandbox.ts';
import type { ScalarResult, ScalarValue } from './assertions.ts';
import type { TimestampColumn } from './freshness.ts';
import type { ConsistencyOutcome, Engine, EngineSession, TimeBudget } from './index.ts';
import { buildInventory, needsExactCount } from './inventory.ts';
import type { Inventory, TableInventory } from './types.ts';

// Kept in step with CONNECT_TIMEOUT_MS in index.ts; a runtime import from there would be circular.
const CONNECT_TIMEOUT_MS = 10_000;

const USER_SCHEMA = `n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname !~ '^pg_toast' and n.nspname !~ '^pg_temp_'`;

// Raw text for every value: numbers and times are classified and parsed here,
// with no dependence on the process's time zone (pg would parse a timestamp
// without time zone as local time).
const rawText = { getTypeParser: () => (value: string) => value };

// pg's typings lack `queryMode`; 'extended' (Parse/Bind/Execute) makes the server refuse
// several statements in one string, so `select 1; commit; delete ...` cannot leave the read-only transaction.
type ExtendedQuery = pg.QueryArrayConfig & { readonly queryMode: 'extended' };

export const postgresEngine: Engine = {
  maintenanceDatabases: new Set(['postgres']),
  async connect(connection: ConnectionSettings): Promise<EngineSession> {
    // Loaded on the first connection, not with the module: the verifier's
    // Lambda bundle holds both drivers, and a MySQL or MariaDB drill never parses pg.
    const { default: driver } = await import('pg');
    const client = new driver.Client({
      host: connection.host,
      port: connection.port,
      user: connection.user,
      password: connection.password,
      database: connection.database,
      ssl: connection.tls === false ? false : tlsOptions(connection.tls),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'restorable-verifier',
      types: rawText,
    });
    // A dropped connection is reported by the query in flight; without a listener it would crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      // Sessions in UTC with ISO dates, so times come back unambiguous.
      await client.query(`set timezone = 'UTC'`);
      await client.query(`set datestyle = 'ISO, YMD'`);
      const about = await client.query<{ version: string; database: string }>(
        `select current_setting('server_version') as version, current_database() as database`,
      );
      const version = about.rows[0]?.version ?? '(unknown version)';
      return new PostgresSession(
        client,
        `PostgreSQL ${version}`,
        about.rows[0]?.database ?? connection.database,
      );
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  },
};

function tlsOptions(tls: Exclude<ConnectionSettings['tls'], false>) {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
  };
}

interface Relation {
  readonly kind: 'index' | 'table';
  readonly oid: string;
  /** schema.name, as reported. */
  readonly name: string;
  /** The table the relation belongs to (itself for a table), for checking a table and its indexes together. */
  readonly table: string;
}

class PostgresSession implements EngineSession {
  readonly serverVersion: string;
  readonly #client: pg.Client;
  readonly #database: string;

  constructor(client: pg.Client, serverVersion: string, database: string) {
    this.#client = client;
    this.serverVersion = serverVersion;
    this.#database = database;
  }

  // Templates exist to be copied, and a database that refuses connections (or this login) holds
  // nothing the verifier could check. RDS keeps its own `rdsadmin`, closed to the master user.
  async databases(): Promise<string[]> {
    const result = await this.#client.query<{ name: string }>(
      `select datname as name from pg_database
        where datallowconn and not datistemplate and datname not in ('template0', 'template1', 'rdsadmin')
          and has_database_privilege(datname, 'CONNECT')
        order by datname collate "C"`,
    );
    return result.rows.map((row) => row.name);
  }

  async consistency(budget: TimeBudget): Promise<ConsistencyOutcome> {
    const started = performance.now();
    const { deadline } = budget;
    try {
      await this.#client.query('create extension if not exists amcheck');
    } catch (error) {
      return {
        status: 'error',
        detail: `amcheck is not available (create extension amcheck: ${messageOf(error)}): consistency not checked`,
      };
    }
    const { relations: all, invalidIndexes } = await this.#relations();
    const total = { index: 0, table: 0 };
    for (const relation of all) total[relation.kind] += 1;
    const checked = { index: 0, table: 0 };
    const corrupt: string[] = [];
    const failed: string[] = [];
    // verify_heapam came with amcheck 1.3 (PostgreSQL 14): older servers get their indexes checked and
    // one clear reason why their tables were not, instead of one error per table.
    const heapCheck = await this.#client.query<{ available: string }>(
      `select exists (select 1 from pg_proc where proname = 'verify_heapam')::text as available`,
    );
    const relations = heapCheck.rows[0]?.available === 'true' ? all : all.filter((r) => r.kind === 'index');
    if (relations.length < all.length) {
      failed.push(
        `verify_heapam is not available (amcheck before 1.3, PostgreSQL before 14): ${total.table} tables not checked`,
      );
    }
    let budgetSpent = false;
    try {
      for (const relation of relations) {
        const remaining = Math.floor(deadline - performance.now());
        if (remaining <= 0) {
          budgetSpent = true;
          break;
        }
        // One relation cannot overrun the budget by much either: the server cancels it.
        await this.#client.query(`set statement_timeout = ${Math.max(1, remaining)}`);
        try {
          const found = await this.#check(relation);
          if (found !== undefined) corrupt.push(found);
          checked[relation.kind] += 1;
        } catch (error) {
          if (codeOf(error) === '57014') {
            budgetSpent = true;
            break;
          }
          if (isCorruption(error)) {
            corrupt.push(`${relation.kind} ${relation.name}: ${messageOf(error)}`);
            checked[relation.kind] += 1;
          } else {
            failed.push(`${relation.kind} ${relation.name} could not be checked: ${messageOf(error)}`);
          }
        }
      }
    } finally {
      await this.#client.query('reset statement_timeout');
    }

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const coverage = `${checked.index}/${total.index} indexes and ${checked.table}/${total.table} tables`;
    const notes =
      invalidIndexes > 0 ? ` (${invalidIndexes} invalid indexes cannot be checked and were skipped)` : '';
    const spent = budgetSpent ? `; time budget of ${budget.seconds} s spent before all were checked` : '';
    if (corrupt.length > 0) {
      return {
        status: 'fail',
        detail: `corruption found: ${listAtMost([...corrupt, ...failed], 10)}; checked ${coverage}${spent}${notes}`,
      };
    }
    if (failed.length > 0) {
      return { status: 'error', detail: `${listAtMost(failed, 10)}; checked ${coverage}${spent}${notes}` };
    }
    if (budgetSpent) {
      return {
        status: 'error',
        detail:
          `time budget of ${budget.seconds} s spent after checking ` +
          `${checked.index}/${total.index} indexes, ${checked.table}/${total.table} tables: ` +
          `incomplete coverage is not a pass${notes}`,
      };
    }
    return { status: 'pass', detail: `checked ${coverage} in ${seconds} s, no corruption found${notes}` };
  }

  /** The relation's first problem, or undefined when amcheck found none. Throws what amcheck raises. */
  async #check(relation: Relation): Promise<string | undefined> {
    if (relation.kind === 'index') {
      await this.#client.query('select bt_index_check(index => $1::oid::regclass, heapallindexed => true)', [
        relation.oid,
      ]);
      return undefined;
    }
    // verify_heapam reports problems as rows rather than raising; its messages locate them (block,
    // offset, attribute) and never quote tuple data.
    const result = await this.#client.query<{ problems: string; first: string | null }>(
      'select count(*)::text as problems, min(msg) as first from verify_heapam(relation => $1::oid::regclass)',
      [relation.oid],
    );
    const problems = Number(result.rows[0]?.problems ?? '0');
    if (problems === 0) return undefined;
    return `table ${relation.name}: ${problems} corruption reports (first: ${result.rows[0]?.first ?? 'no message'})`;
  }

  async #relations(): Promise<{ relations: Relation[]; invalidIndexes: number }> {
    const tables = await this.#client.query<{ oid: string; name: string }>(
      `select c.oid::text as oid, format('%s.%s', n.nspname, c.relname) as name
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and ${USER_SCHEMA}`,
    );
    const indexes = await this.#client.query<{ oid: string; name: string; table: string; valid: string }>(
      `select c.oid::text as oid, format('%s.%s', n.nspname, c.relname) as name,
              format('%s.%s', tn.nspname, t.relname) as table,
              (i.indisvalid and i.indisready)::text as valid
         from pg_index i
         join pg_class c on c.oid = i.indexrelid
         join pg_am a on a.oid = c.relam
         join pg_namespace n on n.oid = c.relnamespace
         join pg_class t on t.oid = i.indrelid
         join pg_namespace tn on tn.oid = t.relnamespace
        where a.amname = 'btree' and c.relkind = 'i' and ${USER_SCHEMA}`,
    );
    const relations: Relation[] = [
      ...tables.rows.map((row) => ({
        kind: 'table' as const,
        oid: row.oid,
        name: row.name,
        table: row.name,
      })),
      ...indexes.rows
        .filter((row) => row.valid === 'true')
        .map((row) => ({ kind: 'index' as const, oid: row.oid, name: row.name, table: row.table })),
    ];
    // A table, then its indexes: a budget that runs out leaves whole tables checked, in a stable order.
    relations.sort(
      (a, b) =>
        compareText(a.table, b.table) ||
        (a.kind === b.kind ? 0 : a.kind === 'table' ? -1 : 1) ||
        compareText(a.name, b.name),
    );
    return { relations, invalidIndexes: indexes.rows.filter((row) => row.valid !== 'true').length };
  }

  async inventory(exactCountMaxRows: number): Promise<Inventory> {
    const schemas = await this.#client.query<{ schemas: string }>(
      `select count(*)::text as schemas from pg_namespace n where ${USER_SCHEMA}`,
    );
    const database = this.#database;
    const tables = await this.#client.query<{ schema: string; table: string; estimate: string }>(
      `select n.nspname as schema, c.relname as table, c.reltuples::float8::text as estimate
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and ${USER_SCHEMA}`,
    );
    const inventory: TableInventory[] = [];
    for (const row of tables.rows) {
      const estimate = Number(row.estimate);
      if (needsExactCount(estimate, exactCountMaxRows)) {
        const count = await this.#client.query<{ rows: string }>(
          `select count(*)::text as rows from ${quoteIdent(row.schema)}.${quoteIdent(row.table)}`,
        );
        inventory.push({
          database,
          schema: row.schema,
          table: row.table,
          rows: Number(count.rows[0]?.rows),
          exact: true,
        });
      } else {
        inventory.push({
          database,
          schema: row.schema,
          table: row.table,
          rows: Math.round(estimate),
          exact: false,
        });
      }
    }
    return buildInventory(Number(schemas.rows[0]?.schemas), inventory);
  }

  async timestampColumns(): Promise<TimestampColumn[]> {
    // Indexed: the column leads a valid, non-partial B-tree index, so max() is one index lookup.
    const result = await this.#client.query<{
      schema: string;
      table: string;
      column: string;
      indexed: string;
    }>(
      `select n.nspname as schema, c.relname as table, a.attname as column,
              exists (
                select 1 from pg_index i
                  join pg_class ic on ic.oid = i.indexrelid
                  join pg_am am on am.oid = ic.relam
                 where i.indrelid = c.oid and i.indkey[0] = a.attnum and am.amname = 'btree'
                   and i.indisvalid and i.indpred is null
              )::text as indexed
         from pg_attribute a
         join pg_class c on c.oid = a.attrelid
         join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and ${USER_SCHEMA} and a.attnum > 0 and not a.attisdropped
          and a.atttypid in ('timestamp'::regtype, 'timestamptz'::regtype, 'date'::regtype)`,
    );
    return result.rows.map((row) => ({
      database: this.#database,
      schema: row.schema,
      table: row.table,
      column: row.column,
      indexed: row.indexed === 'true',
    }));
  }

  // Values later than the server's clock are expiries or schedules, not when a row was written.
  newestValue(column: TimestampColumn, timeoutMs: number): Promise<ScalarResult> {
    const name = quoteIdent(column.column);
    return this.readOnlyScalar(
      `select max(${name}) from ${quoteIdent(column.schema)}.${quoteIdent(column.table)} where ${name} <= current_timestamp`,
      timeoutMs,
    );
  }

  async readOnlyScalar(sql: string, timeoutMs: number): Promise<ScalarResult> {
    await this.#client.query('begin transaction read only');
    try {
      await this.#client.query(`set local statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
      const query: ExtendedQuery = { text: sql, rowMode: 'array', queryMode: 'extended' };
      const result = await this.#client.query(query);
      const first = result.rows[0];
      const field = result.fields[0];
      return {
        rows: result.rows.length,
        columns: result.fields.length,
        first:
          first === undefined || field === undefined ? undefined : postgresScalar(field.dataTypeID, first[0]),
      };
    } finally {
      await this.#client.query('rollback');
    }
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 1700]);
const TIME_TYPES = new Set([1082, 1114, 1184]);
const TEXT_TYPES = new Set([19, 25, 705, 1042, 1043]);

/** Classifies one cell by its type OID; the value arrives as the server's text. */
export function postgresScalar(typeOid: number, raw: unknown): ScalarValue {
  if (raw === null || raw === undefined) return { kind: 'null' };
  const text = String(raw);
  if (NUMERIC_TYPES.has(typeOid)) return { kind: 'number', value: Number(text) };
  if (TIME_TYPES.has(typeOid)) return { kind: 'time', text };
  if (TEXT_TYPES.has(typeOid)) return { kind: 'text', text };
  return { kind: 'other', type: `oid ${typeOid}` };
}

function listAtMost(items: readonly string[], limit: number): string {
  const shown = items.slice(0, limit).join('; ');
  return items.length > limit ? `${shown}; and ${items.length - limit} more` : shown;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// data_corrupted and index_corrupted: what amcheck (and the storage layer) raise for damaged relations.
function isCorruption(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'XX001' || code === 'XX002';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
