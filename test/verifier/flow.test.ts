// The verifier's one flow, over a scripted engine: what each outcome means for
// the drill, that the connection is always closed, and that a check that
// cannot run is an error rather than a silent gap.
import { describe, expect, it } from 'vitest';
import type { ScalarResult } from '../../src/verifier/assertions.ts';
import type { TimestampColumn } from '../../src/verifier/freshness.ts';
import {
  type Engine,
  type EngineSession,
  engineVerifier,
  errorMessage,
  type TimeBudget,
} from '../../src/verifier/index.ts';
import { buildInventory } from '../../src/verifier/inventory.ts';
import type { VerifyRequest } from '../../src/verifier/types.ts';

const PASSWORD = 'correct-horse-battery';

const request: VerifyRequest = {
  connection: {
    engine: 'postgres',
    host: 'sandbox.example',
    port: 5432,
    user: 'verifier',
    password: PASSWORD,
    database: 'app',
    tls: { rejectUnauthorized: true },
  },
  consistencyTimeBudgetSeconds: 60,
  assertions: [
    { name: 'orders', sql: 'select count(*) from orders', expect: { min: 1 } },
    { name: 'refunds', sql: 'select count(*) from refunds', expect: { equals: 0 } },
  ],
  freshnessQuery: 'select max(created_at) from orders',
  statementTimeoutMs: 1_000,
  exactCountMaxRows: 1_000,
};

function scripted(overrides: Partial<EngineSession>) {
  const calls = { closed: 0, budgets: [] as TimeBudget[] };
  const session: EngineSession = {
    serverVersion: 'PostgreSQL 16.4',
    databases: async () => ['app'],
    consistency: async (budget) => {
      calls.budgets.push(budget);
      return { status: 'pass', detail: 'checked 1/1 indexes and 1/1 tables in 0.0 s' };
    },
    timestampColumns: async () => [],
    newestValue: async () => ({ rows: 1, columns: 1, first: { kind: 'null' } }),
    inventory: async () => buildInventory(1, [{ schema: 'public', table: 'orders', rows: 3, exact: true }]),
    readOnlyScalar: async (sql): Promise<ScalarResult> =>
      sql.includes('created_at')
        ? { rows: 1, columns: 1, first: { kind: 'time', text: '2026-10-31 16:40:00+00' } }
        : { rows: 1, columns: 1, first: { kind: 'number', value: 3 } },
    close: async () => {
      calls.closed += 1;
    },
    ...overrides,
  };
  const engine: Engine = { connect: async () => session, maintenanceDatabases: new Set(['postgres']) };
  return { verifier: engineVerifier(engine), calls };
}

describe('the verification flow', () => {
  it('runs connect, consistency, then the assertions in order, and closes the connection', async () => {
    const { verifier, calls } = scripted({});
    const result = await verifier.verify(request);
    expect(result.checks.map((check) => [check.name, check.status, check.detail])).toEqual([
      ['connect', 'pass', 'connected over TLS to PostgreSQL 16.4; select 1 answered'],
      ['consistency', 'pass', 'app: checked 1/1 indexes and 1/1 tables in 0.0 s'],
      ['assertion: orders', 'pass', 'value 3 (expected >= 1)'],
      ['assertion: refunds', 'fail', 'value 3, expected = 0'],
    ]);
    expect(result.inventory?.totalRows).toBe(3);
    expect(result.newestRowTime).toBe('2026-10-31T16:40:00.000Z');
    expect(result.newestRowSource).toBe('the freshness query');
    expect(result.freshnessCheck).toBeUndefined();
    expect(calls.budgets.map((budget) => budget.seconds)).toEqual([60]);
    expect(calls.closed).toBe(1);
  });

  it('turns a consistency check that throws into an error and carries on', async () => {
    const { verifier, calls } = scripted({
      consistency: async () => {
        throw new Error('permission denied for function bt_index_check');
      },
    });
    const result = await verifier.verify(request);
    expect(result.checks[1]).toMatchObject({
      name: 'consistency',
      status: 'error',
      detail: 'app: the consistency check could not run: permission denied for function bt_index_check',
    });
    expect(result.checks.map((check) => check.name)).toEqual([
      'connect',
      'consistency',
      'assertion: orders',
      'assertion: refunds',
    ]);
    expect(calls.closed).toBe(1);
  });

  it('adds an inventory error check after consistency when the inventory cannot be taken', async () => {
    const { verifier } = scripted({
      inventory: async () => {
        throw new Error('permission denied for table orders');
      },
    });
    const result = await verifier.verify(request);
    expect(result.inventory).toBeUndefined();
    expect(result.checks.map((check) => [check.name, check.status])).toEqual([
      ['connect', 'pass'],
      ['consistency', 'pass'],
      ['inventory', 'error'],
      ['assertion: orders', 'pass'],
      ['assertion: refunds', 'fail'],
    ]);
    expect(result.checks[2]?.detail).toBe(
      'the inventory could not be taken: app: permission denied for table orders',
    );
  });

  it('reports a failing freshness query as its check, and still closes when everything throws', async () => {
    const { verifier, calls } = scripted({
      readOnlyScalar: async () => {
        throw new Error('server closed the connection unexpectedly');
      },
      close: async () => {
        calls.closed += 1;
        throw new Error('already closed');
      },
    });
    const result = await verifier.verify(request);
    expect(result.freshnessCheck).toMatchObject({
      name: 'freshness',
      status: 'error',
      detail: 'freshness query failed: server closed the connection unexpectedly',
    });
    expect(result.checks.slice(2).map((check) => check.status)).toEqual(['error', 'error']);
    expect(calls.closed).toBe(1);
  });

  it('never reports the password, even when a driver message contains it', async () => {
    const engine: Engine = {
      connect: async () => {
        throw new Error(`authentication failed for password "${PASSWORD}"`);
      },
      maintenanceDatabases: new Set(),
    };
    const result = await engineVerifier(engine).verify(request);
    expect(result.checks[0]).toMatchObject({
      name: 'connect',
      status: 'error',
      detail: 'could not connect: authentication failed for password "***"',
    });
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('reads the message of a connection error that Node reports as an empty AggregateError', () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' });
    expect(errorMessage(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')], ''))).toBe(
      'connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(errorMessage(Object.assign(new Error(''), { code: 'ETIMEDOUT' }))).toBe('ETIMEDOUT');
  });
});

/** An instance of several databases: each session answers for the database it was opened on. */
function instance(databases: Record<string, Partial<EngineSession>>, maintenance: readonly string[] = []) {
  const opened: string[] = [];
  const budgets: TimeBudget[] = [];
  const engine: Engine = {
    maintenanceDatabases: new Set(maintenance),
    connect: async (connection) => {
      const own = databases[connection.database];
      if (own === undefined) throw new Error(`database "${connection.database}" does not exist`);
      opened.push(connection.database);
      return {
        serverVersion: 'PostgreSQL 16.4',
        databases: async () => Object.keys(databases).sort(),
        consistency: async (budget) => {
          budgets.push(budget);
          return { status: 'pass', detail: 'checked 1/1 indexes and 1/1 tables in 0.0 s' };
        },
        inventory: async () => buildInventory(0, []),
        timestampColumns: async () => [],
        newestValue: async () => ({ rows: 1, columns: 1, first: { kind: 'null' } }),
        readOnlyScalar: async () => ({ rows: 1, columns: 1, first: { kind: 'number', value: 1 } }),
        close: async () => undefined,
        ...own,
      };
    },
  };
  return { verifier: engineVerifier(engine), opened, budgets };
}

const tablesIn = (database: string, count: number) => async () =>
  buildInventory(
    1,
    Array.from({ length: count }, (_, index) => ({
      database,
      schema: 'public',
      table: `t${index}`,
      rows: 1,
      exact: true,
    })),
  );

const column = (database: string, name: string, indexed: boolean): TimestampColumn => ({
  database,
  schema: 'public',
  table: 't0',
  column: name,
  indexed,
});

const bare = { ...request, assertions: [], connection: { ...request.connection, database: 'postgres' } };
const { freshnessQuery: _unused, ...withoutFreshnessQuery } = bare;
const onApp = { ...withoutFreshnessQuery, connection: { ...bare.connection, database: 'app' } };

describe('the verification of every database of an instance', () => {
  it('leaves out an empty maintenance database and shares one time budget between the others', async () => {
    const { verifier, budgets } = instance(
      {
        postgres: { inventory: tablesIn('postgres', 0) },
        app: { inventory: tablesIn('app', 2) },
        crm: { inventory: tablesIn('crm', 1) },
      },
      ['postgres'],
    );
    const result = await verifier.verify(bare);
    expect(result.checks[1]).toMatchObject({
      name: 'consistency',
      status: 'pass',
      detail:
        'app: checked 1/1 indexes and 1/1 tables in 0.0 s | crm: checked 1/1 indexes and 1/1 tables in 0.0 s',
    });
    expect(result.inventory?.tables.map((table) => `${table.database}.${table.table}`)).toEqual([
      'app.t0',
      'app.t1',
      'crm.t0',
    ]);
    expect(budgets).toHaveLength(2);
    expect(budgets[0]).toBe(budgets[1]);
    expect(budgets[0]?.seconds).toBe(60);
  });

  it('verifies a maintenance database that holds user tables', async () => {
    const { verifier } = instance({ postgres: { inventory: tablesIn('postgres', 1) } }, ['postgres']);
    const result = await verifier.verify(bare);
    expect(result.checks[1]?.detail).toBe('postgres: checked 1/1 indexes and 1/1 tables in 0.0 s');
    expect(result.inventory?.totalRows).toBe(1);
  });

  it('fails closed on a database that lists but cannot be reached', async () => {
    const { verifier } = instance(
      { postgres: { databases: async () => ['app', 'gone'] }, app: { inventory: tablesIn('app', 1) } },
      ['postgres'],
    );
    const result = await verifier.verify(bare);
    expect(result.checks.map((check) => [check.name, check.status, check.detail])).toEqual([
      ['connect', 'pass', 'connected over TLS to PostgreSQL 16.4; select 1 answered'],
      [
        'consistency',
        'error',
        'gone: could not connect to database gone: database "gone" does not exist | app: checked 1/1 indexes and 1/1 tables in 0.0 s',
      ],
      [
        'inventory',
        'error',
        'the inventory could not be taken: gone: could not connect to database gone: database "gone" does not exist',
      ],
    ]);
    expect(result.inventory).toBeUndefined();
  });

  it('runs an assertion in its database, by default the connected one when it holds user data, else the first', async () => {
    const ran: string[] = [];
    const answering = (database: string): Partial<EngineSession> => ({
      inventory: tablesIn(database, 1),
      readOnlyScalar: async () => {
        ran.push(database);
        return { rows: 1, columns: 1, first: { kind: 'number', value: 1 } };
      },
    });
    const { verifier } = instance(
      { postgres: { inventory: tablesIn('postgres', 0) }, app: answering('app'), crm: answering('crm') },
      ['postgres'],
    );
    const assertions = [
      { name: 'default', sql: 'select 1', expect: { equals: 1 } },
      { name: 'named', sql: 'select 1', expect: { equals: 1 }, database: 'crm' },
      { name: 'missing', sql: 'select 1', expect: { equals: 1 }, database: 'nowhere' },
    ];
    const result = await verifier.verify({ ...withoutFreshnessQuery, assertions });
    expect(ran).toEqual(['app', 'crm']);
    expect(result.checks.slice(2).map((check) => [check.name, check.status, check.detail])).toEqual([
      ['assertion: default', 'pass', 'value 1 (expected = 1)'],
      ['assertion: named', 'pass', 'value 1 (expected = 1)'],
      [
        'assertion: missing',
        'error',
        'could not connect to database nowhere: database "nowhere" does not exist',
      ],
    ]);
    const named = await instance({ app: answering('app'), crm: answering('crm') }).verifier.verify({
      ...withoutFreshnessQuery,
      connection: { ...bare.connection, database: 'crm' },
      assertions: [{ name: 'default', sql: 'select 1', expect: { equals: 1 } }],
    });
    expect(named.checks.at(-1)?.status).toBe('pass');
    expect(ran.at(-1)).toBe('crm');
  });

  it('finds the newest row over every database, and names where it was and what was not read', async () => {
    const values: Record<string, string> = {
      'app.created_at': '2026-11-01 10:00:00+00',
      'crm.updated_at': '2026-11-01 11:30:00+00',
      // Past the per-database limit of columns without an index: never read.
      'crm.d_on': '2026-11-01 12:00:00+00',
    };
    const withColumns = (database: string, columns: TimestampColumn[]): Partial<EngineSession> => ({
      inventory: tablesIn(database, 1),
      timestampColumns: async () => columns,
      newestValue: async (read) => {
        if (read.column === 'modified_at') throw new Error('canceling statement due to statement timeout');
        const text = values[`${read.database}.${read.column}`];
        return { rows: 1, columns: 1, first: text === undefined ? { kind: 'null' } : { kind: 'time', text } };
      },
    });
    const crmColumns = [
      column('crm', 'updated_at', true),
      column('crm', 'modified_at', false),
      ...['a', 'b', 'c', 'd'].map((name) => column('crm', `${name}_on`, false)),
    ];
    const { verifier } = instance({
      app: withColumns('app', [column('app', 'created_at', true)]),
      crm: withColumns('crm', crmColumns),
    });
    const result = await verifier.verify(onApp);
    expect(result.freshnessCheck).toBeUndefined();
    expect(result.newestRowTime).toBe('2026-11-01T11:30:00.000Z');
    expect(result.newestRowSource).toBe(
      'column crm.public.t0.updated_at, newest of 5 timestamp columns read in 2 databases, 2 not read (limit per database), 1 could not be read',
    );
  });

  it('names the setting to write when no user table has a timestamp column', async () => {
    const { verifier } = instance({ app: { inventory: tablesIn('app', 1) } });
    const result = await verifier.verify({ ...onApp, databaseId: 'orders-db' });
    expect(result.newestRowTime).toBeUndefined();
    expect(result.freshnessCheck).toMatchObject({
      name: 'freshness',
      status: 'error',
      detail:
        'no timestamp, datetime or date column in any user table (databases app): set drills.databases.orders-db.freshnessQuery to measure the RPO',
    });
  });
});
