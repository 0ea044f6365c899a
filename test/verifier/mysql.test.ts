// The MySQL/MariaDB verifier against a real MariaDB server (every check of a
// restore drill, on a database of its own that is dropped afterwards), and the
// reading of CHECK TABLE's output, which a real server rarely gets to show.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareInventory } from '../../src/domain/drill.ts';
import { checkTableProblems, engineVerifier, mysqlEngine } from '../../src/verifier/index.ts';
import type { VerifyRequest } from '../../src/verifier/types.ts';
import { find, statuses } from '../support/checks.ts';
import {
  createMariaDbDatabase,
  describeWithServer,
  MARIADB,
  probeMariaDb,
  type TestMariaDbDatabase,
  withOnlyDatabases,
} from '../support/servers.ts';

// Each drill sees an instance holding only the database it connects to, unless a test says otherwise.
const verifier = engineVerifier(withOnlyDatabases(mysqlEngine));
const server = await probeMariaDb();

describe('reading CHECK TABLE output', () => {
  it('finds nothing wrong in OK and already-up-to-date tables', () => {
    expect(checkTableProblems([{ Msg_type: 'status', Msg_text: 'OK' }])).toEqual([]);
    expect(checkTableProblems([{ Msg_type: 'status', Msg_text: 'Table is already up to date' }])).toEqual([]);
  });

  it('reports every error and every message that is not OK, as a crashed MyISAM table shows them', () => {
    expect(
      checkTableProblems([
        { Msg_type: 'warning', Msg_text: 'Table is marked as crashed' },
        { Msg_type: 'error', Msg_text: 'Size of datafile is: 40         Should be: 60' },
        { Msg_type: 'error', Msg_text: 'Corrupt' },
      ]),
    ).toEqual([
      'warning: Table is marked as crashed',
      'error: Size of datafile is: 40         Should be: 60',
      'error: Corrupt',
    ]);
  });

  it('treats an engine that cannot check, or an empty answer, as a problem', () => {
    expect(
      checkTableProblems([
        { Msg_type: 'note', Msg_text: "The storage engine for the table doesn't support check" },
      ]),
    ).toEqual(["note: The storage engine for the table doesn't support check"]);
    expect(checkTableProblems([])).toEqual(['CHECK TABLE returned no status']);
  });
});

describeWithServer('MySQL/MariaDB verifier against a real MariaDB server', server, () => {
  let db: TestMariaDbDatabase;
  const request = (overrides: Partial<VerifyRequest> = {}): VerifyRequest => ({
    connection: db.connection,
    consistencyTimeBudgetSeconds: 30,
    assertions: [],
    statementTimeoutMs: 2_000,
    exactCountMaxRows: 1_000_000,
    ...overrides,
  });
  const scalar = async (sql: string): Promise<unknown> => {
    const [rows] = await db.client.query({ sql, rowsAsArray: true });
    return Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0][0] : undefined;
  };

  beforeAll(async () => {
    db = await createMariaDbDatabase();
    await db.client.query(`
      create table customers (id int primary key, email varchar(100) not null unique) engine = InnoDB;
      insert into customers
        with recursive s(n) as (select 1 union all select n + 1 from s where n < 200)
        select n, concat('customer', n, '@example.com') from s;
      create table orders (
        id int primary key,
        customer_id int not null,
        total decimal(10, 2) not null,
        created_at datetime(6) not null,
        key orders_by_customer (customer_id)
      ) engine = InnoDB;
      insert into orders
        with recursive s(n) as (select 1 union all select n + 1 from s where n < 1000)
        select n, 1 + n % 200, n * 1.5, timestamp '2026-10-31 00:00:00' + interval n minute from s;
      create table audit_log (id bigint auto_increment primary key, note text) engine = MyISAM;
    `);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('passes every check of a healthy database and takes an exact inventory', async () => {
    const result = await verifier.verify(
      request({
        assertions: [{ name: 'orders exist', sql: 'select count(*) from orders', expect: { min: 1000 } }],
        freshnessQuery: 'select max(created_at) from orders',
      }),
    );
    expect(statuses(result.checks)).toEqual([
      ['connect', 'pass'],
      ['consistency', 'pass'],
      ['assertion: orders exist', 'pass'],
    ]);
    expect(find(result.checks, 'connect').detail).toMatch(/^connected without TLS to MariaDB \d+\.\d+/);
    expect(find(result.checks, 'consistency').detail).toMatch(
      new RegExp(`^${db.name}: CHECK TABLE: checked 3/3 tables in \\d+\\.\\d s, all OK$`),
    );
    expect(find(result.checks, 'assertion: orders exist').detail).toBe('value 1000 (expected >= 1000)');
    expect(result.inventory).toEqual({
      schemas: 1,
      tables: [
        { schema: db.name, table: 'audit_log', rows: 0, exact: true },
        { schema: db.name, table: 'customers', rows: 200, exact: true },
        { schema: db.name, table: 'orders', rows: 1000, exact: true },
      ],
      totalRows: 1200,
      digest: createHash('sha256')
        .update(`${db.name}.audit_log=0\n${db.name}.customers=200\n${db.name}.orders=1000`)
        .digest('hex'),
    });
    expect(result.newestRowTime).toBe('2026-10-31T16:40:00.000Z');
    expect(result.freshnessCheck).toBeUndefined();
  });

  it('fails consistency when CHECK TABLE reports a broken table, naming it and the message', async () => {
    const broken = await createMariaDbDatabase();
    try {
      // A MERGE table over a MyISAM table whose definition then changed: CHECK TABLE reports it
      // "Corrupt". InnoDB cannot be damaged on purpose from SQL; this is a real failing CHECK TABLE.
      await broken.client.query(`
        create table part (a int) engine = MyISAM;
        create table healthy (id int primary key) engine = InnoDB;
        create table merged (a int) engine = MERGE union = (part);
        alter table part add column b int;
      `);
      const result = await verifier.verify(request({ connection: broken.connection }));
      const consistency = find(result.checks, 'consistency');
      expect(consistency.status).toBe('fail');
      // How many rows precede "Corrupt" depends on whether the server has the tables open.
      expect(consistency.detail).toMatch(
        new RegExp(
          `^${broken.name}: CHECK TABLE found problems: table ${broken.name}\\.merged: ` +
            'error: .*Unable to open underlying table which is differently defined .*, error: Corrupt; ' +
            'checked 3/3 tables$',
        ),
      );
      expect(consistency.detail).not.toMatch(/healthy|\.part:/);
    } finally {
      await broken.drop();
    }
  });

  it('reports consistency as an error, with its coverage, when the time budget is spent', async () => {
    const result = await verifier.verify(request({ consistencyTimeBudgetSeconds: 0 }));
    expect(find(result.checks, 'consistency')).toMatchObject({
      status: 'error',
      detail: `${db.name}: time budget of 0 s spent after checking 0/3 tables: incomplete coverage is not a pass`,
    });
  });

  it('takes the estimate of tables above exactCountMaxRows', async () => {
    await db.client.query('analyze table orders, customers');
    const result = await verifier.verify(request({ exactCountMaxRows: 0 }));
    const byName = new Map(result.inventory?.tables.map((table) => [table.table, table]));
    expect(byName.get('orders')).toMatchObject({ exact: false, rows: expect.any(Number) });
    expect(byName.get('orders')?.rows).toBeGreaterThan(0);
    expect(byName.get('customers')?.exact).toBe(false);
    // An empty table's estimate of 0 is within any limit: it is counted.
    expect(byName.get('audit_log')).toEqual({ schema: db.name, table: 'audit_log', rows: 0, exact: true });
  });

  it('takes an inventory without a table dropped since the previous drill', async () => {
    await db.client.query(
      'create table doomed (id int primary key); insert into doomed values (1), (2), (3)',
    );
    const before = await verifier.verify(request());
    await db.client.query('drop table doomed');
    const after = await verifier.verify(request());

    expect(before.inventory?.tables).toContainEqual({
      schema: db.name,
      table: 'doomed',
      rows: 3,
      exact: true,
    });
    expect(after.inventory?.tables.map((table) => table.table)).toEqual(['audit_log', 'customers', 'orders']);
    expect(after.inventory?.digest).not.toBe(before.inventory?.digest);
    expect(compareInventory(after.inventory, before.inventory, 50)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`${db.name}.doomed disappeared (had 3 rows)`),
    });
  });

  it('runs each assertion as its own check: pass, fail with the value, error on bad SQL', async () => {
    const result = await verifier.verify(
      request({
        assertions: [
          { name: 'customers', sql: 'select count(*) from customers', expect: { equals: 200 } },
          { name: 'revenue', sql: 'select sum(total) from orders', expect: { min: 1, max: 1000 } },
          { name: 'missing table', sql: 'select count(*) from refunds', expect: { equals: 0 } },
        ],
      }),
    );
    expect(statuses(result.checks)).toEqual([
      ['connect', 'pass'],
      ['consistency', 'pass'],
      ['assertion: customers', 'pass'],
      ['assertion: revenue', 'fail'],
      ['assertion: missing table', 'error'],
    ]);
    expect(find(result.checks, 'assertion: customers').detail).toBe('value 200 (expected = 200)');
    expect(find(result.checks, 'assertion: revenue').detail).toBe('value 750750, expected >= 1 and <= 1000');
    expect(find(result.checks, 'assertion: missing table').detail).toBe(
      `query failed: Table '${db.name}.refunds' doesn't exist`,
    );
  });

  it('refuses writes in assertions, DDL included, and changes nothing', async () => {
    const refused = 'query failed: Cannot execute statement in a READ ONLY transaction';
    const result = await verifier.verify(
      request({
        assertions: [
          { name: 'delete', sql: 'delete from orders', expect: { equals: 0 } },
          // DDL commits the transaction implicitly: only the read-only session stops these.
          { name: 'drop', sql: 'drop table orders', expect: { equals: 0 } },
          { name: 'truncate', sql: 'truncate table customers', expect: { equals: 0 } },
          { name: 'create', sql: 'create table intruder (id int)', expect: { equals: 0 } },
          { name: 'chained', sql: 'select 1; delete from orders', expect: { equals: 1 } },
        ],
      }),
    );
    expect(find(result.checks, 'assertion: delete')).toMatchObject({ status: 'error', detail: refused });
    expect(find(result.checks, 'assertion: drop')).toMatchObject({ status: 'error', detail: refused });
    expect(find(result.checks, 'assertion: truncate')).toMatchObject({ status: 'error', detail: refused });
    expect(find(result.checks, 'assertion: create')).toMatchObject({ status: 'error', detail: refused });
    expect(find(result.checks, 'assertion: chained')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/^query failed: You have an error in your SQL syntax/),
    });
    expect(Number(await scalar('select count(*) from orders'))).toBe(1000);
    expect(Number(await scalar('select count(*) from customers'))).toBe(200);
    expect(
      Number(await scalar(`select count(*) from information_schema.tables where table_schema = database()`)),
    ).toBe(3);
  });

  it('errors an assertion that overruns the statement timeout', async () => {
    const started = Date.now();
    const result = await verifier.verify(
      request({
        statementTimeoutMs: 200,
        assertions: [{ name: 'slow', sql: 'select sleep(5)', expect: { equals: 0 } }],
      }),
    );
    expect(find(result.checks, 'assertion: slow')).toMatchObject({
      status: 'error',
      detail: 'query failed: Query execution was interrupted (max_statement_time exceeded)',
    });
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('errors an assertion that does not return exactly one number, without quoting what it returned', async () => {
    const result = await verifier.verify(
      request({
        assertions: [
          { name: 'two columns', sql: 'select 1, 2', expect: { equals: 1 } },
          { name: 'no row', sql: 'select 1 from customers where id < 0', expect: { equals: 1 } },
          { name: 'text', sql: 'select email from customers where id = 7', expect: { equals: 1 } },
          { name: 'null', sql: 'select max(id) from audit_log', expect: { equals: 1 } },
        ],
      }),
    );
    expect(find(result.checks, 'assertion: two columns')).toMatchObject({
      status: 'error',
      detail: 'returned 2 columns, expected exactly one (expected = 1)',
    });
    expect(find(result.checks, 'assertion: no row')).toMatchObject({
      status: 'error',
      detail: 'returned 0 rows, expected exactly one (expected = 1)',
    });
    expect(find(result.checks, 'assertion: text')).toMatchObject({
      status: 'error',
      detail: 'returned text, expected a number (expected = 1)',
    });
    expect(find(result.checks, 'assertion: null')).toMatchObject({
      status: 'error',
      detail: 'returned NULL, expected a number (expected = 1)',
    });
    expect(JSON.stringify(result)).not.toContain('customer7@example.com');
  });

  it('reports a freshness query that finds no row time as an error', async () => {
    const result = await verifier.verify(request({ freshnessQuery: 'select max(id) from audit_log' }));
    expect(result.newestRowTime).toBeUndefined();
    expect(result.freshnessCheck).toMatchObject({
      name: 'freshness',
      status: 'error',
      detail: 'freshness query returned NULL (is the table empty?)',
    });
  });

  it('reports a refused login without the password, and lists every later check as not run', async () => {
    const result = await verifier.verify(
      request({
        connection: { ...db.connection, password: 'hunter2-secret' },
        assertions: [{ name: 'orders exist', sql: 'select 1', expect: { equals: 1 } }],
      }),
    );
    expect(result.checks).toEqual([
      {
        name: 'connect',
        status: 'error',
        detail: expect.stringMatching(/^could not connect: Access denied for user 'root'/),
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
    expect(result.freshnessCheck).toMatchObject({ status: 'error', detail: 'not run: could not connect' });
    expect(JSON.stringify(result)).not.toContain('hunter2-secret');
  });

  it('reports an unreachable server as a connect error', async () => {
    const result = await verifier.verify(request({ connection: { ...db.connection, port: 1 } }));
    expect(find(result.checks, 'connect')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/^could not connect: .*ECONNREFUSED/),
    });
    expect(statuses(result.checks)).toEqual([
      ['connect', 'error'],
      ['consistency', 'error'],
      ['inventory', 'error'],
    ]);
  });
});

describeWithServer('MySQL/MariaDB verifier over every database of an instance', server, () => {
  const request = (overrides: Partial<VerifyRequest> = {}): VerifyRequest => ({
    // Without a DBName the sandbox is reached through the `mysql` schema.
    connection: {
      engine: 'mysql',
      host: MARIADB.host,
      port: MARIADB.port,
      user: MARIADB.user,
      password: MARIADB.password,
      database: 'mysql',
      tls: false,
    },
    consistencyTimeBudgetSeconds: 30,
    assertions: [],
    statementTimeoutMs: 2_000,
    exactCountMaxRows: 1_000_000,
    databaseId: 'billing-db',
    ...overrides,
  });

  it('checks every user database, not the system tables, finds the broken table of the second, and reads the newest row of both', async () => {
    const created = [await createMariaDbDatabase(), await createMariaDbDatabase()].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    const [shop, billing] = created as [TestMariaDbDatabase, TestMariaDbDatabase];
    try {
      await shop.client.query(`
        use ${shop.name};
        create table orders (
          id int primary key,
          created_at datetime(6) not null,
          expires_on date,
          key orders_by_time (created_at),
          key orders_by_expiry (expires_on)
        ) engine = InnoDB;
        insert into orders
          with recursive s(n) as (select 1 union all select n + 1 from s where n < 1000)
          select n, timestamp '2026-10-31 00:00:00' + interval n minute, date '2099-01-01' from s;
      `);
      // A MERGE table over a MyISAM table whose definition then changed: CHECK TABLE reports it corrupt.
      await billing.client.query(`
        use ${billing.name};
        create table invoices (id int primary key, issued_at timestamp not null) engine = InnoDB;
        insert into invoices values (1, timestamp '2026-11-01 11:00:00'), (2, timestamp '2026-11-01 12:00:00');
        create table part (a int) engine = MyISAM;
        create table merged (a int) engine = MERGE union = (part);
        alter table part add column b int;
      `);
      const verifier = engineVerifier(withOnlyDatabases(mysqlEngine, [shop.name, billing.name]));

      const result = await verifier.verify(
        request({
          assertions: [
            { name: 'orders', sql: 'select count(*) from orders', expect: { equals: 1000 } },
            {
              name: 'invoices',
              sql: 'select count(*) from invoices',
              expect: { equals: 2 },
              database: billing.name,
            },
          ],
        }),
      );

      expect(statuses(result.checks)).toEqual([
        ['connect', 'pass'],
        ['consistency', 'fail'],
        // The broken table cannot be counted either: no inventory is better than a partial one.
        ['inventory', 'error'],
        ['assertion: orders', 'pass'],
        ['assertion: invoices', 'pass'],
      ]);
      expect(find(result.checks, 'consistency').detail).toMatch(
        new RegExp(
          `^${billing.name}: CHECK TABLE found problems: table ${billing.name}\\.merged: .*Corrupt; checked 3/3 tables` +
            ` \\| ${shop.name}: CHECK TABLE: checked 1/1 tables in \\d+\\.\\d s, all OK$`,
        ),
      );
      expect(find(result.checks, 'inventory').detail).toMatch(
        new RegExp(`^the inventory could not be taken: ${billing.name}: .*differently defined`),
      );
      expect(result.inventory).toBeUndefined();
      // The expiry dates lie in the future: they say nothing about when a row was written.
      expect(result.newestRowTime).toBe('2026-11-01T12:00:00.000Z');
      expect(result.newestRowSource).toBe(
        `column ${billing.name}.invoices.issued_at, newest of 3 timestamp columns read in 2 databases`,
      );
      expect(result.freshnessCheck).toBeUndefined();
    } finally {
      for (const database of created) await database.drop();
    }
  });

  it('takes the inventory of every user database, each table named with its database', async () => {
    const created = [await createMariaDbDatabase(), await createMariaDbDatabase()];
    try {
      for (const [index, database] of created.entries()) {
        await database.client.query(
          `create table t${index} (id int primary key) engine = InnoDB; insert into t${index} values (1), (2)`,
        );
      }
      const names = created.map((database) => database.name).sort();
      const verifier = engineVerifier(withOnlyDatabases(mysqlEngine, names));
      const result = await verifier.verify(request());
      expect(find(result.checks, 'consistency').status).toBe('pass');
      expect(result.inventory?.schemas).toBe(2);
      expect(
        result.inventory?.tables.map((table) => `${table.schema}.${table.table}=${table.rows}`).sort(),
      ).toEqual(created.map((database, index) => `${database.name}.t${index}=2`).sort());
    } finally {
      for (const database of created) await database.drop();
    }
  });

  it('fails a drill that finds no user table, where the old fallback checked the system tables', async () => {
    const empty = await createMariaDbDatabase();
    try {
      const verifier = engineVerifier(withOnlyDatabases(mysqlEngine, [empty.name]));
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
        detail: `no timestamp, datetime or date column in any user table (databases ${empty.name}): set drills.databases.billing-db.freshnessQuery to measure the RPO`,
      });
    } finally {
      await empty.drop();
    }
  });

  it('lists the user schemas of the server, never its system schemas', async () => {
    const listed = await createMariaDbDatabase();
    try {
      const session = await mysqlEngine.connect(request().connection);
      try {
        const names = await session.databases();
        expect(names).toContain(listed.name);
        for (const system of ['mysql', 'sys', 'information_schema', 'performance_schema']) {
          expect(names).not.toContain(system);
        }
      } finally {
        await session.close();
      }
    } finally {
      await listed.drop();
    }
  });
});
