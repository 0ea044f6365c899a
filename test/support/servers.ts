// Real database servers for the verifier's tests: PostgreSQL at 127.0.0.1:5432
// (user postgres, trust auth) and MariaDB at 127.0.0.1:3306 (user root, no
// password). On a workstation without them the suites are skipped with one
// clear warning; under CI they run regardless, so a missing server fails
// loudly instead of passing by skipping.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { beforeAll, describe } from 'vitest';
import type { ConnectionSettings } from '../../src/ports/sandbox.ts';
import type { Engine, EngineSession } from '../../src/verifier/index.ts';

export const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;
export const MARIADB = {
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  database: 'test',
} as const;

export interface ServerProbe {
  /** e.g. `PostgreSQL at 127.0.0.1:5432`. */
  readonly server: string;
  /** Undefined when the server answered; otherwise why not. */
  readonly unreachable: string | undefined;
}

const PROBE_TIMEOUT_MS = 2_000;

export async function probePostgres(): Promise<ServerProbe> {
  const client = new pg.Client({ ...POSTGRES, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return { server: `PostgreSQL at ${POSTGRES.host}:${POSTGRES.port}`, unreachable: undefined };
  } catch (error) {
    return { server: `PostgreSQL at ${POSTGRES.host}:${POSTGRES.port}`, unreachable: describeError(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function probeMariaDb(): Promise<ServerProbe> {
  const server = `MariaDB at ${MARIADB.host}:${MARIADB.port}`;
  try {
    const connection = await mysql.createConnection({ ...MARIADB, connectTimeout: PROBE_TIMEOUT_MS });
    try {
      await connection.query('select 1');
    } finally {
      await connection.end().catch(() => undefined);
    }
    return { server, unreachable: undefined };
  } catch (error) {
    return { server, unreachable: describeError(error) };
  }
}

function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(describeError).join('; ');
  }
  return error instanceof Error ? error.message || error.name : String(error);
}

const warned = new Set<string>();

/**
 * `describe` for a suite that needs a real server. Without the server: skipped
 * with a warning, unless CI is set, in which case the suite runs and fails.
 */
export function describeWithServer(name: string, probe: ServerProbe, fn: () => void): void {
  if (probe.unreachable === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(`${probe.server} not reachable (${probe.unreachable}); CI must run these tests`);
      });
      fn();
    });
    return;
  }
  if (!warned.has(probe.server)) {
    warned.add(probe.server);
    console.warn(`skipped: ${probe.server} not reachable (${probe.unreachable})`);
  }
  describe.skip(name, fn);
}

const uniqueName = () => `restorable_verify_${randomBytes(6).toString('hex')}`;

export interface TestPostgresDatabase {
  readonly name: string;
  /** How the verifier reaches it. */
  readonly connection: ConnectionSettings;
  /** A connection of its own, for setting the database up between drills. */
  readonly client: pg.Client;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database on the PostgreSQL server; `drop()` removes it. */
export async function createPostgresDatabase(): Promise<TestPostgresDatabase> {
  const name = uniqueName();
  const admin = new pg.Client(POSTGRES);
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const connection: ConnectionSettings = {
    engine: 'postgres',
    host: POSTGRES.host,
    port: POSTGRES.port,
    user: POSTGRES.user,
    database: name,
    tls: false,
  };
  const client = new pg.Client({ ...POSTGRES, database: name });
  client.on('error', () => undefined);
  await client.connect();
  return {
    name,
    connection,
    client,
    async drop() {
      await client.end().catch(() => undefined);
      const cleanup = new pg.Client(POSTGRES);
      await cleanup.connect();
      try {
        await cleanup.query(`drop database if exists ${name} with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

export interface TestMariaDbDatabase {
  readonly name: string;
  readonly connection: ConnectionSettings;
  /** Allows several statements per call, for setup. */
  readonly client: mysql.Connection;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database on the MariaDB server; `drop()` removes it. */
export async function createMariaDbDatabase(): Promise<TestMariaDbDatabase> {
  const name = uniqueName();
  const client = await mysql.createConnection({ ...MARIADB, multipleStatements: true });
  await client.query(`create database ${name}`);
  await client.query(`use ${name}`);
  const connection: ConnectionSettings = {
    engine: 'mysql',
    host: MARIADB.host,
    port: MARIADB.port,
    user: MARIADB.user,
    password: MARIADB.password,
    database: name,
    tls: false,
  };
  return {
    name,
    connection,
    client,
    async drop() {
      try {
        await client.query(`drop database if exists ${name}`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * The engine as it sees an instance holding only `databases` (by default the
 * one the verifier connects to): the shared test servers hold the databases of
 * other suites too, which a restored sandbox would not. Everything else is the
 * real engine and its SQL, the listing of databases included: a database it
 * does not list is not verified.
 */
export function withOnlyDatabases(engine: Engine, databases?: readonly string[]): Engine {
  return {
    maintenanceDatabases: engine.maintenanceDatabases,
    async connect(connection) {
      const session = await engine.connect(connection);
      const wanted = new Set(databases ?? [connection.database]);
      const scoped: EngineSession = {
        serverVersion: session.serverVersion,
        databases: async () => (await session.databases()).filter((name) => wanted.has(name)),
        consistency: (budget) => session.consistency(budget),
        inventory: (exactCountMaxRows) => session.inventory(exactCountMaxRows),
        timestampColumns: () => session.timestampColumns(),
        newestValue: (column, timeoutMs) => session.newestValue(column, timeoutMs),
        readOnlyScalar: (sql, timeoutMs) => session.readOnlyScalar(sql, timeoutMs),
        close: () => session.close(),
      };
      return scoped;
    },
  };
}
