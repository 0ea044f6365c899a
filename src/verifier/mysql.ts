// The MySQL / MariaDB engine of the verifier (RDS MySQL, RDS MariaDB, Aurora
// MySQL). A session is one database (schema): consistency is CHECK TABLE on
// every base table of it. MySQL and MariaDB differ in how a statement timeout is set; the
// server's version string says which one this is.
import type * as mysql from 'mysql2/promise';
import type { ConnectionSettings } from '../ports/sandbox.ts';
import type { ScalarResult, ScalarValue } from './assertions.ts';
import type { TimestampColumn } from './freshness.ts';
import type { ConsistencyOutcome, Engine, EngineSession, TimeBudget } from './index.ts';
import { buildInventory, needsExactCount } from './inventory.ts';
import type { Inventory, TableInventory } from './types.ts';

// Kept in step with CONNECT_TIMEOUT_MS in index.ts; a runtime import from there would be circular.
const CONNECT_TIMEOUT_MS = 10_000;

// The server's own schemas: its grants, its metadata and its instrumentation, never user data.
const SYSTEM_SCHEMAS = ['mysql', 'sys', 'information_schema', 'performance_schema'];

export const mysqlEngine: Engine = {
  // The `mysql` schema, where a connection without a DBName lands, is a system schema: never verified.
  maintenanceDatabases: new Set(),
  async connect(connection: ConnectionSettings): Promise<EngineSession> {
    const options: mysql.ConnectionOptions = {
      host: connection.host,
      port: connection.port,
      user: connection.user,
      database: connection.database,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // One statement per call: user SQL cannot chain a write after its SELECT.
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    };
    if (connection.password !== undefined) options.password = connection.password;
    if (connection.tls !== false) {
      // mysql2 checks the certificate's name against `host` (it has no servername override).
      options.ssl = {
        rejectUnauthorized: connection.tls.rejectUnauthorized,
        verifyIdentity: connection.tls.rejectUnauthorized,
        ...(connection.tls.ca === undefined ? {} : { ca: connection.tls.ca }),
      };
    }
    // Loaded on the first connection, not with the module: the verifier's
    // Lambda bundle holds both drivers, and a PostgreSQL drill never parses mysql2.
    const { default: driver } = await import('mysql2/promise');
    const client = await driver.createConnection(options);
    // A dropped connection is reported by the query in flight; without a listener it would crash the process.
    client.on('error', () => undefined);
    try {
      await client.query('select 1');
      await client.query(`set time_zone = '+00:00'`);
      const [rows] = await client.query<mysql.RowDataPacket[]>('select version() as version');
      const version = String(rows[0]?.version ?? '(unknown version)');
      const mariadb = /mariadb/i.test(version);
      return new MysqlSession(client, mariadb, `${mariadb ? 'MariaDB' : 'MySQL'} ${version}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  },
};

export interface CheckTableRow {
  readonly Msg_type?: unknown;
  readonly Msg_text?: unknown;
}

const HEALTHY = new Set(['ok', 'table is already up to date']);

/**
 * The problems CHECK TABLE reported for one table: every row of type `error`
 * and every message other than OK. A table that reports nothing at all is a
 * problem too: nothing said it was checked.
 */
export function checkTableProblems(rows: readonly CheckTableRow[]): string[] {
  if (rows.length === 0) return ['CHECK TABLE returned no status'];
  const problems: string[] = [];
  for (const row of rows) {
    const type = String(row.Msg_type ?? '').toLowerCase();
    const text = String(row.Msg_text ?? '');
    if (type === 'error' || !HEALTHY.has(text.toLowerCase())) problems.push(`${type || 'status'}: ${text}`);
  }
  return problems;
}

class MysqlSession implements EngineSession {
  readonly serverVersion: string;
  readonly #client: mysql.Connection;
  readonly #mariadb: boolean;

  constructor(client: mysql.Connection, mariadb: boolean, serverVersion: string) {
    this.#client = client;
    this.#mariadb = mariadb;
    this.serverVersion = serverVersion;
  }

  async #baseTables(): Promise<{ schema: string; tables: { name: string; estimate: number | null }[] }> {
    const [schemaRows] = await this.#client.query<mysql.RowDataPacket[]>('select database() as name');
    const schema = schemaRows[0]?.name;
    if (typeof schema !== 'string') throw new Error('no database selected');
    const [rows] = await this.#client.query<mysql.RowDataPacket[]>(
      `select table_name as name, table_rows as estimate from information_schema.tables
        where table_schema = database() and table_type = 'BASE TABLE' order by table_name`,
    );
    return {
      schema,
      tables: rows.map((row) => ({
        name: String(row.name),
        estimate: row.estimate === null || row.estimate === undefined ? null : Number(row.estimate),
      })),
    };
  }

  // A login sees only the schemas it holds a privilege on: those are the ones it can verify.
  async databases(): Promise<string[]> {
    const [rows] = await this.#client.query<mysql.RowDataPacket[]>(
      `select schema_name as name from information_schema.schemata
        where schema_name not in (${SYSTEM_SCHEMAS.map(() => '?').join(', ')})`,
      SYSTEM_SCHEMAS,
    );
    return rows.map((row) => String(row.name)).sort(compareText);
  }

  async consistency(budget: TimeBudget): Promise<ConsistencyOutcome> {
    const started = performance.now();
    const { deadline } = budget;
    const { schema, tables } = await this.#baseTables();
    let checked = 0;
    const problems: string[] = [];
    let budgetSpent = false;
    for (const table of tables) {
      // CHECK TABLE cannot be cancelled by a session timeout: the budget only stops new tables.
      if (performance.now() >= deadline) {
        budgetSpent = true;
        break;
      }
      const [rows] = await this.#client.query<mysql.RowDataPacket[]>(
        `check table ${quoteIdent(schema)}.${quoteIdent(table.name)}`,
      );
      const found = checkTableProblems(
        rows.map((row) => ({ Msg_type: row.Msg_type, Msg_text: row.Msg_text })),
      );
      if (found.length > 0) problems.push(`table ${schema}.${table.name}: ${found.join(', ')}`);
      checked += 1;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const spent = budgetSpent ? `; time budget of ${budget.seconds} s spent before all were checked` : '';
    if (problems.length > 0) {
      const shown = problems.slice(0, 10).join('; ');
      const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
      return {
        status: 'fail',
        detail: `CHECK TABLE found problems: ${shown}${more}; checked ${checked}/${tables.length} tables${spent}`,
      };
    }
    if (budgetSpent) {
      return {
        status: 'error',
        detail:
          `time budget of ${budget.seconds} s spent after checking ${checked}/${tables.length} tables: ` +
          'incomplete coverage is not a pass',
      };
    }
    return {
      status: 'pass',
      detail: `CHECK TABLE: checked ${checked}/${tables.length} tables in ${seconds} s, all OK`,
    };
  }

  async inventory(exactCountMaxRows: number): Promise<Inventory> {
    const { schema, tables } = await this.#baseTables();
    const inventory: TableInventory[] = [];
    for (const table of tables) {
      if (needsExactCount(table.estimate, exactCountMaxRows)) {
        const [rows] = await this.#client.query<mysql.RowDataPacket[]>(
          `select count(*) as n from ${quoteIdent(schema)}.${quoteIdent(table.name)}`,
        );
        inventory.push({ schema, table: table.name, rows: Number(rows[0]?.n), exact: true });
      } else {
        inventory.push({ schema, table: table.name, rows: Math.round(table.estimate ?? 0), exact: false });
      }
    }
    return buildInventory(1, inventory);
  }

  async timestampColumns(): Promise<TimestampColumn[]> {
    // Indexed: the column leads an index, so max() is one index lookup.
    const [rows] = await this.#client.query<mysql.RowDataPacket[]>(
      `select c.table_schema as \`schema\`, c.table_name as \`table\`, c.column_name as \`column\`,
              exists (
                select 1 from information_schema.statistics s
                 where s.table_schema = c.table_schema and s.table_name = c.table_name
                   and s.column_name = c.column_name and s.seq_in_index = 1
              ) as indexed
         from information_schema.columns c
         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = database() and t.table_type = 'BASE TABLE'
          and c.data_type in ('timestamp', 'datetime', 'date')`,
    );
    return rows.map((row) => ({
      database: String(row.schema),
      schema: String(row.schema),
      table: String(row.table),
      column: String(row.column),
      indexed: Number(row.indexed) === 1,
    }));
  }

  // Values later than the server's clock are expiries or schedules, not when a row was written.
  newestValue(column: TimestampColumn, timeoutMs: number): Promise<ScalarResult> {
    const name = quoteIdent(column.column);
    return this.readOnlyScalar(
      `select max(${name}) from ${quoteIdent(column.schema)}.${quoteIdent(column.table)} where ${name} <= now()`,
      timeoutMs,
    );
  }

  async readOnlyScalar(sql: string, timeoutMs: number): Promise<ScalarResult> {
    // DDL commits the open transaction implicitly and would then run outside it: a read-only
    // session (not just a read-only transaction) refuses it too.
    await this.#client.query('set session transaction read only');
    const timeout = Math.max(1, Math.round(timeoutMs));
    await this.#client.query(
      this.#mariadb
        ? `set session max_statement_time = ${timeout / 1000}`
        : `set session max_execution_time = ${timeout}`,
    );
    await this.#client.query('start transaction read only');
    try {
      const [rows, fields] = await this.#client.query<mysql.RowDataPacket[][]>({
        sql,
        rowsAsArray: true,
        typeCast: (field) => mysqlScalar(field.type, field.string()),
      });
      if (!Array.isArray(rows) || !Array.isArray(fields)) {
        return { rows: 0, columns: 0, first: undefined };
      }
      const first: unknown = rows[0]?.[0];
      return { rows: rows.length, columns: fields.length, first: isScalar(first) ? first : undefined };
    } finally {
      await this.#client.query('rollback');
    }
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

const NUMERIC_TYPES = new Set([
  'DECIMAL',
  'NEWDECIMAL',
  'TINY',
  'SHORT',
  'LONG',
  'INT24',
  'LONGLONG',
  'FLOAT',
  'DOUBLE',
]);
const TIME_TYPES = new Set(['DATE', 'NEWDATE', 'DATETIME', 'DATETIME2', 'TIMESTAMP', 'TIMESTAMP2']);
const TEXT_TYPES = new Set([
  'VARCHAR',
  'VAR_STRING',
  'STRING',
  'TINY_BLOB',
  'MEDIUM_BLOB',
  'LONG_BLOB',
  'BLOB',
]);

/** Classifies one cell by the type mysql2 names; the value arrives as the server's text. */
export function mysqlScalar(type: string, text: string | null): ScalarValue {
  if (text === null) return { kind: 'null' };
  if (NUMERIC_TYPES.has(type)) return { kind: 'number', value: Number(text) };
  if (TIME_TYPES.has(type)) return { kind: 'time', text };
  if (TEXT_TYPES.has(type)) return { kind: 'text', text };
  return { kind: 'other', type };
}

function isScalar(value: unknown): value is ScalarValue {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

// Code-unit order, as the inventory sorts: independent of the server's collation.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
