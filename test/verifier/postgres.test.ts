// The PostgreSQL verifier against a real PostgreSQL server: every check of a
// restore drill, on a database of its own that is dropped afterwards.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compareInventory } from '../../src/domain/drill.ts';
import { engineVerifier, postgresEngine } from '../../src/verifier/index.ts';
import type { VerifyRequest } from '../../src/verifier/types.ts';
import { find, statuses } from '../support/checks.ts';
import {
  createPostgresDatabase,
  describeWithServer,
  POSTGRES,
  probePostgres,
  type TestPostgresDatabase,
  withOnlyDatabases,
} from '../support/servers.ts';

// Each drill sees an instance holding only the database it connects to, unless a test says otherwise.
const verifier = engineVerifier(withOnlyDatabases(postgresEngine));
const server = await probePostgres();

describeWithServer('PostgreSQL verifier against a real server', server, () => {
  let db: TestPostgresDatabase;
  const request = (overrides: Partial<VerifyRequest> = {}): VerifyRequest => ({
    connection: db.connection,
    consistencyTimeBudgetSeconds: 30,
    assertions: [],
    statementTimeoutMs: 2_000,
    exactCountMaxRows: 1_000_000,
    ...overrides,
  });
  const ordersCount = async () =>
    Number((await db.client.query('select count(*) as n from shop.orders')).rows[0].n);

  beforeAll(async () => {
    db = await createPostgresDatabase();
    await db.client.query(`
      create schema shop;
      create table shop.customers (id int primary key, email text not null unique);
      insert into shop.customers select g, 'customer' || g || '@example.com' from generate_series(1, 200) g;
      create table shop.orders (
        id int primary key,
        customer_id int not null references shop.customers,
        total numeric(10, 2) not null,
        created_at timestamptz not null
      );
      create index orders_by_customer on shop.orders (customer_id);
      insert into shop.orders
        select g, 1 + g % 200, g * 1.5, timestamptz '2026-10-31 00:00:00+00' + g * interval '1 minute'
        from generate_series(1, 1000) g;
      create table public.audit_log (id bigserial primary key, note text);
    `);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('passes every check of a healthy database and takes an exact inventory', async () => {
    const result = await verifier.verify(
      request({
        assertions: [
          { name: 'orders exist', sql: 'select count(*) from shop.orders', expect: { min: 1000 } },
        ],
        freshnessQuery: 'select max(created_at) from shop.orders',
      }),
    );

    expect(statuses(result.checks)).toEqual([
      ['connect', 'pass'],
      ['consistency', 'pass'],
      ['assertion: orders exist', 'pass'],
    ]);
    expect(find(result.checks, 'connect').detail).toMatch(/^connected without TLS to PostgreSQL \d+/);
    expect(find(result.checks, 'consistency').detail).toMatch(
      new RegExp(`^${db.name}: checked 5/5 indexes and 3/3 tables in \\d+\\.\\d s, no corruption found$`),
    );
    expect(find(result.checks, 'assertion: orders exist').detail).toBe('value 1000 (expected >= 1000)');
    expect(result.inventory).toEqual({
      schemas: 2,
      tables: [
        { database: db.name, schema: 'public', table: 'audit_log', rows: 0, exact: true },
        { database: db.name, schema: 'shop', table: 'customers', rows: 200, exact: true },
        { database: db.name, schema: 'shop', table: 'orders', rows: 1000, exact: true },
      ],
      totalRows: 1200,
      digest: createHash('sha256')
        .update(`${db.name}.public.audit_log=0\n${db.name}.shop.customers=200\n${db.name}.shop.orders=1000`)
        .digest('hex'),
    });
    expect(result.newestRowTime).toBe('2026-10-31T16:40:00.000Z');
    expect(result.freshnessCheck).toBeUndefined();
    for (const check of result.checks) expect(check.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('fails consistency when a B-tree index no longer matches its table, naming the index', async () => {
    const corrupted = await createPostgresDatabase();
    try {
      // The index is built with the function as it was; redefining the "immutable" function changes
      // every key, so the index no longer matches the heap: amcheck's heapallindexed finds it.
      await corrupted.client.query(`
        create function ledger_key(i int) returns int language sql immutable as 'select i';
        create table ledger (id int primary key, amount int not null);
        insert into ledger select g, g from generate_series(1, 1000) g;
        create index ledger_by_key on ledger (ledger_key(amount));
        create or replace function ledger_key(i int) returns int language sql immutable as 'select -i';
      `);
      const result = await verifier.verify(request({ connection: corrupted.connection }));
      const consistency = find(result.checks, 'consistency');
      expect(consistency.status).toBe('fail');
      expect(consistency.detail).toMatch(
        /^restorable_verify_\w+: corruption found: index public\.ledger_by_key: heap tuple \(\d+,\d+\) from table "ledger" lacks matching index tuple within index "ledger_by_key"; checked 2\/2 indexes and 1\/1 tables$/,
      );
      expect(consistency.detail).not.toContain('ledger_pkey');
    } finally {
      await corrupted.drop();
    }
  });

  it('reports consistency as an error, with its coverage, when the time budget is spent', async () => {
    const result = await verifier.verify(request({ consistencyTimeBudgetSeconds: 0 }));
    expect(find(result.checks, 'consistency')).toMatchObject({
      status: 'error',
      detail: `${db.name}: time budget of 0 s spent after checking 0/5 indexes, 0/3 tables: incomplete coverage is not a pass`,
    });
  });

  it('reports consistency as an error when amcheck cannot be installed', async () => {
    const fresh = await createPostgresDatabase();
    const role = `restorable_verify_${randomBytes(4).toString('hex')}`;
    try {
      await fresh.client.query(`create role ${role} login`);
      await fresh.client.query(`create table ledger (id int primary key); grant select on ledger to ${role}`);
      const result = await verifier.verify(request({ connection: { ...fresh.connection, user: role } }));
      expect(find(result.checks, 'connect').status).toBe('pass');
      const consistency = find(result.checks, 'consistency');
      expect(consistency.status).toBe('error');
      expect(consistency.detail).toMatch(
        /^restorable_verify_\w+: amcheck is not available \(create extension amcheck: permission denied/,
      );
    } finally {
      await fresh.drop();
      await db.client.query(`drop role if exists ${role}`);
    }
  });

  it('counts small or never-analyzed tables exactly and takes the estimate of larger ones', async () => {
    await db.client.query(`
      create table public.analyzed as select g from generate_series(1, 1000) g;
      analyze public.analyzed;
      insert into public.analyzed select g from generate_series(1001, 1010) g;
      create table public.never_analyzed as select g from generate_series(1, 500) g;
    `);
    try {
      const result = await verifier.verify(request({ exactCountMaxRows: 100 }));
      const tables = result.inventory?.tables ?? [];
      // The estimate predates the last 10 rows: that is how an estimate shows.
      const inDb = { database: db.name, schema: 'public' };
      expect(tables).toContainEqual({ ...inDb, table: 'analyzed', rows: 1000, exact: false });
      expect(tables).toContainEqual({ ...inDb, table: 'never_analyzed', rows: 500, exact: true });
      expect(tables).toContainEqual({ ...inDb, table: 'audit_log', rows: 0, exact: true });
    } finally {
      await db.client.query('drop table public.analyzed, public.never_analyzed');
    }
  });

  it('takes an inventory without a table dropped since the previous drill', async () => {
    await db.client.query('create table public.doomed as select g from generate_series(1, 5) g');
    const before = await verifier.verify(request());
    await db.client.query('drop table public.doomed');
    const after = await verifier.verify(request());

    expect(before.inventory?.tables).toContainEqual({
      database: db.name,
      schema: 'public',
      table: 'doomed',
      rows: 5,
      exact: true,
    });
    expect(after.inventory?.tables.map((table) => `${table.schema}.${table.table}`)).toEqual([
      'public.audit_log',
      'shop.customers',
      'shop.orders',
    ]);
    expect(after.inventory?.digest).not.toBe(before.inventory?.digest);
    expect(compareInventory(after.inventory, before.inventory, 50)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`${db.name}.public.doomed disappeared (had 5 rows)`),
    });
  });

  it('runs each assertion as its own check: pass, fail with the value, error on bad SQL', async () => {
    const result = await verifier.verify(
      request({
        assertions: [
          { name: 'customers', sql: 'select count(*) from shop.customers', expect: { equals: 200 } },
          { name: 'revenue', sql: 'select sum(total) from shop.orders', expect: { min: 1, max: 1000 } },
          { name: 'missing table', sql: 'select count(*) from shop.refunds', expect: { equals: 0 } },
        ],
      }),
    );
    expect(result.checks.map((check) => check.name)).toEqual([
      'connect',
      'consistency',
      'assertion: customers',
      'assertion: revenue',
      'assertion: missing table',
    ]);
    expect(find(result.checks, 'assertion: customers')).toMatchObject({
      status: 'pass',
      detail: 'value 200 (expected = 200)',
    });
    expect(find(result.checks, 'assertion: revenue')).toMatchObject({
      status: 'fail',
      detail: 'value 750750, expected >= 1 and <= 1000',
    });
    expect(find(result.checks, 'assertion: missing table')).toMatchObject({
      status: 'error',
      detail: 'query failed: relation "shop.refunds" does not exist',
    });
  });

  it('refuses writes in assertions and changes nothing', async () => {
    const result = await verifier.verify(
      request({
        assertions: [
          { name: 'delete', sql: 'delete from shop.orders', expect: { equals: 0 } },
          { name: 'drop', sql: 'drop table shop.orders cascade', expect: { equals: 0 } },
          { name: 'chained', sql: 'select 1; commit; delete from shop.orders', expect: { equals: 1 } },
          { name: 'sequence', sql: `select nextval('public.audit_log_id_seq')`, expect: { min: 1 } },
        ],
      }),
    );
    expect(find(result.checks, 'assertion: delete')).toMatchObject({
      status: 'error',
      detail: 'query failed: cannot execute DELETE in a read-only transaction',
    });
    expect(find(result.checks, 'assertion: drop')).toMatchObject({
      status: 'error',
      detail: 'query failed: cannot execute DROP TABLE in a read-only transaction',
    });
    expect(find(result.checks, 'assertion: chained')).toMatchObject({
      status: 'error',
      detail: 'query failed: cannot insert multiple commands into a prepared statement',
    });
    expect(find(result.checks, 'assertion: sequence')).toMatchObject({
      status: 'error',
      detail: 'query failed: cannot execute nextval() in a read-only transaction',
    });
    expect(await ordersCount()).toBe(1000);
  });

  it('errors an assertion that overruns the statement timeout', async () => {
    const started = Date.now();
    const result = await verifier.verify(
      request({
        statementTimeoutMs: 200,
        assertions: [{ name: 'slow', sql: 'select count(*) from pg_sleep(5)', expect: { equals: 1 } }],
      }),
    );
    expect(find(result.checks, 'assertion: slow')).toMatchObject({
      status: 'error',
      detail: 'query failed: canceling statement due to statement timeout',
    });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('errors an assertion that does not return exactly one number, without quoting what it returned', async () => {
    const result = await verifier.verify(
      request({
        assertions: [
          { name: 'two columns', sql: 'select 1, 2', expect: { equals: 1 } },
          { name: 'no row', sql: 'select 1 where false', expect: { equals: 1 } },
          { name: 'two rows', sql: 'select id from shop.customers limit 2', expect: { min: 0 } },
          { name: 'text', sql: 'select email from shop.customers where id = 7', expect: { equals: 1 } },
          { name: 'null', sql: 'select max(id) from public.audit_log', expect: { equals: 1 } },
        ],
      }),
    );
    const details = Object.fromEntries(
      result.checks.filter((check) => check.name.startsWith('assertion: ')).map((c) => [c.name, c]),
    );
    expect(details['assertion: two columns']).toMatchObject({
      status: 'error',
      detail: 'returned 2 columns, expected exactly one (expected = 1)',
    });
    expect(details['assertion: no row']).toMatchObject({
      status: 'error',
      detail: 'returned 0 rows, expected exactly one (expected = 1)',
    });
    expect(details['assertion: two rows']).toMatchObject({
      status: 'error',
      detail: 'returned 2 rows, expected exactly one (expected >= 0)',
    });
    expect(details['assertion: text']).toMatchObject({
      status: 'error',
      detail: 'returned text, expected a number (expected = 1)',
    });
    expect(details['assertion: null']).toMatchObject({
      status: 'error',
      detail: 'returned NULL, expected a number (expected = 1)',
    });
    expect(JSON.stringify(result)).not.toContain('customer7@example.com');
  });

  it('reports a freshness query that finds no row time as an error', async () => {
    const empty = await verifier.verify(request({ freshnessQuery: 'select max(id) from public.audit_log' }));
    expect(empty.newestRowTime).toBeUndefined();
    expect(empty.freshnessCheck).toMatchObject({
      name: 'freshness',
      status: 'error',
      detail: 'freshness query returned NULL (is the table empty?)',
    });

    const broken = await verifier.verify(
      request({ freshnessQuery: 'select max(updated_at) from shop.orders' }),
    );
    expect(broken.freshnessCheck).toMatchObject({
      status: 'error',
      detail: 'freshness query failed: column "updated_at" does not exist',
    });
  });

  it('reads a timestamp without time zone as UTC, whatever the time zone of the process', async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const result = await verifier.verify(
        request({ freshnessQuery: `select timestamp '2026-10-31 23:30:00.25' as newest` }),
      );
      expect(result.newestRowTime).toBe('2026-10-31T23:30:00.250Z');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('reports a failed connection and lists every later check as not run', async () => {
    const result = await verifier.verify(
      request({
        connection: { ...db.connection, port: 1, password: 'hunter2-secret' },
        assertions: [{ name: 'orders exist', sql: 'select 1', expect: { equals: 1 } }],
        freshnessQuery: 'select now()',
      }),
    );
    expect(result.checks).toEqual([
      {
        name: 'connect',
        status: 'error',
        detail: expect.stringMatching(/^could not connect: .*ECONNREFUSED/),
        durationMs: expect.any(Number),
      },
      { name: 'consistency', status: 'error', detail: 'not run: could not connect', durationMs: 0 },
      { name: 'inventory', status: 'error', detail: 'not run: could not connect', durationMs: 0 },
      {
        name: 'assertion: orders exist',
        status: 'error',
        detail: 'not run: could not connect',
        durationMs: 0,
      },
    ]);
    expect(result.inventory).toBeUndefined();
    expect(result.newestRowTime).toBeUndefined();
    expect(result.freshnessCheck).toMatchObject({ status: 'error', detail: 'not run: could not connect' });
    expect(JSON.stringify(result)).not.toContain('hunter2-secret');
  });
});

describeWithServer('PostgreSQL verifier over every database of an instance', server, () => {
  const request = (overrides: Partial<VerifyRequest> = {}): VerifyRequest => ({
    // Without a DBName the sandbox is reached through the maintenance database.
    connection: {
      engine: 'postgres',
      host: POSTGRES.host,
      port: POSTGRES.port,
      user: POSTGRES.user,
      database: 'postgres',
      tls: false,
    },
    consistencyTimeBudgetSeconds: 30,
    assertions: [],
    statementTimeoutMs: 2_000,
    exactCountMaxRows: 1_000_000,
    databaseId: 'orders-db',
    ...overrides,
  });

  it('checks every user database, finds the corrupted index of the second, and reads the newest row of both', async () => {
    const created = [await createPostgresDatabase(), await createPostgresDatabase()].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    const [shop, ledger] = created as [TestPostgresDatabase, TestPostgresDatabase];
    try {
      await shop.client.query(`
        create schema shop;
        create table shop.orders (id int primary key, created_at timestamptz not null, expires_at timestamptz);
        create index orders_by_time on shop.orders (created_at);
        create index orders_by_expiry on shop.orders (expires_at);
        insert into shop.orders
          select g, timestamptz '2026-10-31 00:00:00+00' + g * interval '1 minute', timestamptz '2099-01-01 00:00:00+00'
          from generate_series(1, 1000) g;
      `);
      await ledger.client.query(`
        create function ledger_key(i int) returns int language sql immutable as 'select i';
        create table ledger (id int primary key, amount int not null, updated_at timestamp not null);
        insert into ledger select g, g, timestamp '2026-11-01 12:00:00' - g * interval '1 second'
          from generate_series(0, 999) g;
        create index ledger_by_key on ledger (ledger_key(amount));
        create or replace function ledger_key(i int) returns int language sql immutable as 'select -i';
      `);
      const verifier = engineVerifier(withOnlyDatabases(postgresEngine, [shop.name, ledger.name]));

      const result = await verifier.verify(
        request({
          assertions: [
            { name: 'orders', sql: 'select count(*) from shop.orders', expect: { equals: 1000 } },
            {
              name: 'ledger',
              sql: 'select count(*) from ledger',
              expect: { equals: 1000 },
              database: ledger.name,
            },
          ],
        }),
      );

      expect(statuses(result.checks)).toEqual([
        ['connect', 'pass'],
        ['consistency', 'fail'],
        ['assertion: orders', 'pass'],
        ['assertion: ledger', 'pass'],
      ]);
      expect(find(result.checks, 'consistency').detail).toMatch(
        new RegExp(
          `^${ledger.name}: corruption found: index public\\.ledger_by_key: heap tuple \\(\\d+,\\d+\\) from table "ledger" ` +
            `lacks matching index tuple within index "ledger_by_key"; checked 2/2 indexes and 1/1 tables` +
            ` \\| ${shop.name}: checked 3/3 indexes and 1/1 tables in \\d+\\.\\d s, no corruption found$`,
        ),
      );
      expect(result.inventory).toMatchObject({
        // public and shop in the first, public in the second.
        schemas: 3,
        tables: [
          { database: shop.name, schema: 'shop', table: 'orders', rows: 1000, exact: true },
          { database: ledger.name, schema: 'public', table: 'ledger', rows: 1000, exact: true },
        ],
        totalRows: 2000,
      });
      // The expiries lie in the future: they say nothing about when a row was written.
      expect(result.newestRowTime).toBe('2026-11-01T12:00:00.000Z');
      expect(result.newestRowSource).toBe(
        `column ${ledger.name}.public.ledger.updated_at, newest of 3 timestamp columns read in 2 databases`,
      );
      expect(result.freshnessCheck).toBeUndefined();
    } finally {
      for (const database of created) await database.drop();
    }
  });

  it('fails a drill that finds no user table in any database, and cannot measure freshness there', async () => {
    const empty = await createPostgresDatabase();
    try {
      const verifier = engineVerifier(withOnlyDatabases(postgresEngine, [empty.name]));
      const result = await verifier.verify(request());
      expect(statuses(result.checks)).toEqual([
        ['connect', 'pass'],
        ['consistency', 'error'],
        ['inventory', 'fail'],
      ]);
      expect(find(result.checks, 'consistency').detail).toBe(
        `no user table in any database (looked in ${empty.name}): nothing was checked`,
      );
      expect(find(result.checks, 'inventory').detail).toBe(
        `no user table in any database (looked in ${empty.name}): the restored instance holds no user data`,
      );
      expect(result.freshnessCheck).toMatchObject({
        status: 'error',
        detail: `no timestamp, datetime or date column in any user table (databases ${empty.name}): set drills.databases.orders-db.freshnessQuery to measure the RPO`,
      });
    } finally {
      await empty.drop();
    }
  });

  it('says which setting to write when no user table has a timestamp column', async () => {
    const plain = await createPostgresDatabase();
    try {
      await plain.client.query('create table counters (id int primary key, hits bigint not null)');
      const verifier = engineVerifier(withOnlyDatabases(postgresEngine, [plain.name]));
      const result = await verifier.verify(request());
      expect(statuses(result.checks)).toEqual([
        ['connect', 'pass'],
        ['consistency', 'pass'],
      ]);
      expect(result.newestRowTime).toBeUndefined();
      expect(result.freshnessCheck).toMatchObject({
        name: 'freshness',
        status: 'error',
        detail: `no timestamp, datetime or date column in any user table (databases ${plain.name}): set drills.databases.orders-db.freshnessQuery to measure the RPO`,
      });
    } finally {
      await plain.drop();
    }
  });
});

describeWithServer('PostgreSQL: the databases of a server', server, () => {
  it('lists those the login may connect to, never the templates or one that refuses connections', async () => {
    const listed = await createPostgresDatabase();
    const closed = `${listed.name}_closed`;
    const admin = new pg.Client(POSTGRES);
    await admin.connect();
    try {
      await admin.query(`create database ${closed} allow_connections false`);
      const session = await postgresEngine.connect(listed.connection);
      try {
        const names = await session.databases();
        expect(names).toContain(listed.name);
        expect(names).not.toContain(closed);
        expect(names).not.toContain('template0');
        expect(names).not.toContain('template1');
      } finally {
        await session.close();
      }
    } finally {
      await admin.query(`drop database if exists ${closed}`);
      await admin.end();
      await listed.drop();
    }
  });
});
