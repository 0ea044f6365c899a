// The PostgreSQL verifier over the wire to PGlite with amcheck, served on a
// loopback port: how the local cloud presents a restored sandbox.
import { PGlite } from '@electric-sql/pglite';
import { amcheck } from '@electric-sql/pglite/contrib/amcheck';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifierFor } from '../../src/verifier/index.ts';
import type { CheckResult } from '../../src/verifier/types.ts';

describe('PostgreSQL verifier against PGlite served on a loopback port', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let port: number;

  beforeAll(async () => {
    db = await PGlite.create({ extensions: { amcheck } });
    await db.exec(`
      create schema shop;
      create table shop.customers (id int primary key, email text not null unique);
      insert into shop.customers select g, 'customer' || g || '@example.com' from generate_series(1, 50) g;
      create table shop.orders (
        id int primary key,
        customer_id int not null references shop.customers,
        created_at timestamptz not null
      );
      create index orders_by_customer on shop.orders (customer_id);
      insert into shop.orders
        select g, 1 + g % 50, timestamptz '2026-10-31 00:00:00+00' + g * interval '1 minute'
        from generate_series(1, 300) g;
    `);
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
    await server.start();
    // Port 0 lets the OS choose; the server reports what it bound as `host:port`.
    port = Number(server.getServerConn().split(':').at(-1));
  });

  afterAll(async () => {
    await server?.stop();
    if (db !== undefined && !db.closed) await db.close();
  });

  const connection = () =>
    ({
      engine: 'postgres',
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      tls: false,
    }) as const;

  it('passes every check and takes an exact inventory', async () => {
    const result = await verifierFor('postgres').verify({
      connection: connection(),
      consistencyTimeBudgetSeconds: 30,
      assertions: [
        {
          name: 'every order has a customer',
          sql: 'select count(*) from shop.orders',
          expect: { equals: 300 },
        },
      ],
      freshnessQuery: 'select max(created_at) from shop.orders',
      statementTimeoutMs: 5_000,
      exactCountMaxRows: 1_000_000,
    });

    expect(result.checks.map((check: CheckResult) => [check.name, check.status, check.detail])).toEqual([
      ['connect', 'pass', expect.stringMatching(/^connected without TLS to PostgreSQL \d+/)],
      [
        'consistency',
        'pass',
        // The maintenance database is where the local cloud keeps the data: it holds user tables, so it counts.
        expect.stringMatching(
          /^postgres: checked 4\/4 indexes and 2\/2 tables in \d+\.\d s, no corruption found$/,
        ),
      ],
      ['assertion: every order has a customer', 'pass', 'value 300 (expected = 300)'],
    ]);
    expect(result.inventory).toMatchObject({
      schemas: 2,
      tables: [
        { database: 'postgres', schema: 'shop', table: 'customers', rows: 50, exact: true },
        { database: 'postgres', schema: 'shop', table: 'orders', rows: 300, exact: true },
      ],
      totalRows: 350,
    });
    expect(result.newestRowTime).toBe('2026-10-31T05:00:00.000Z');
    expect(result.freshnessCheck).toBeUndefined();
  });

  it('finds the newest row without a freshness query, from the indexed timestamp column', async () => {
    await db.exec('create index orders_by_time on shop.orders (created_at)');
    try {
      const result = await verifierFor('postgres').verify({
        connection: connection(),
        consistencyTimeBudgetSeconds: 30,
        assertions: [],
        statementTimeoutMs: 5_000,
        exactCountMaxRows: 1_000_000,
      });
      expect(result.newestRowTime).toBe('2026-10-31T05:00:00.000Z');
      expect(result.newestRowSource).toBe(
        'column postgres.shop.orders.created_at, newest of 1 timestamp column read in 1 database',
      );
      expect(result.freshnessCheck).toBeUndefined();
    } finally {
      await db.exec('drop index shop.orders_by_time');
    }
  });
});
