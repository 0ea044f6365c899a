// The verifier's one flow, over a scripted engine: what each outcome means for
// the drill, that the connection is always closed, and that a check that
// cannot run is an error rather than a silent gap.
import { describe, expect, it } from 'vitest';
import type { ScalarResult } from '../../src/verifier/assertions.ts';
import { type Engine, type EngineSession, engineVerifier, errorMessage } from '../../src/verifier/index.ts';
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
  const calls = { closed: 0, budgetMs: [] as number[] };
  const session: EngineSession = {
    serverVersion: 'PostgreSQL 16.4',
    consistency: async (budgetMs) => {
      calls.budgetMs.push(budgetMs);
      return { status: 'pass', detail: 'checked 1/1 indexes and 1/1 tables in 0.0 s' };
    },
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
  const engine: Engine = { connect: async () => session };
  return { verifier: engineVerifier(engine), calls };
}

describe('the verification flow', () => {
  it('runs connect, consistency, then the assertions in order, and closes the connection', async () => {
    const { verifier, calls } = scripted({});
    const result = await verifier.verify(request);
    expect(result.checks.map((check) => [check.name, check.status, check.detail])).toEqual([
      ['connect', 'pass', 'connected over TLS to PostgreSQL 16.4; select 1 answered'],
      ['consistency', 'pass', 'checked 1/1 indexes and 1/1 tables in 0.0 s'],
      ['assertion: orders', 'pass', 'value 3 (expected >= 1)'],
      ['assertion: refunds', 'fail', 'value 3, expected = 0'],
    ]);
    expect(result.inventory?.totalRows).toBe(3);
    expect(result.newestRowTime).toBe('2026-10-31T16:40:00.000Z');
    expect(result.freshnessCheck).toBeUndefined();
    expect(calls.budgetMs).toEqual([60_000]);
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
      detail: 'the consistency check could not run: permission denied for function bt_index_check',
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
      'the inventory could not be taken: permission denied for table orders',
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
