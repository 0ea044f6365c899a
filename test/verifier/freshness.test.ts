// The rules for finding the newest row without a configured freshness query.
import { describe, expect, it } from 'vitest';
import {
  columnName,
  newestReading,
  planFreshnessReads,
  type TimestampColumn,
} from '../../src/verifier/freshness.ts';

const column = (name: string, indexed: boolean, database = 'app'): TimestampColumn => ({
  database,
  schema: 'public',
  table: 'orders',
  column: name,
  indexed,
});

describe('which timestamp columns are read', () => {
  it('reads indexed columns first, then a few without an index, write-time names first', () => {
    const plan = planFreshnessReads(
      [
        column('due_on', false),
        column('birth_date', true),
        column('shipped_at', false),
        column('updated_at', false),
        column('created_at', true),
      ],
      { indexed: 5, scanned: 2 },
    );
    expect(plan.read.map((read) => read.column)).toEqual([
      'created_at',
      'birth_date',
      'updated_at',
      'due_on',
    ]);
    expect(plan.skipped).toBe(1);
  });

  it('bounds both kinds and counts what it left out', () => {
    const indexed = Array.from({ length: 30 }, (_, index) =>
      column(`c${String(index).padStart(2, '0')}`, true),
    );
    const scanned = Array.from({ length: 10 }, (_, index) => column(`s${index}`, false));
    const plan = planFreshnessReads([...indexed, ...scanned]);
    expect(plan.read).toHaveLength(23);
    expect(plan.skipped).toBe(17);
  });
});

describe('the newest reading', () => {
  it('is the latest value over every database, named with what was read', () => {
    const newest = newestReading(
      [
        { column: column('created_at', true, 'app'), newest: '2026-11-01T10:00:00.000Z' },
        { column: column('updated_at', true, 'crm'), newest: '2026-11-01T11:00:00.000Z' },
        { column: column('deleted_at', true, 'crm'), newest: undefined },
      ],
      4,
    );
    expect(newest).toEqual({
      time: '2026-11-01T11:00:00.000Z',
      source:
        'column crm.public.orders.updated_at, newest of 3 timestamp columns read in 2 databases, 4 not read (limit per database)',
    });
  });

  it('is undefined when no column has a value', () => {
    expect(
      newestReading([{ column: column('created_at', true), newest: undefined, error: 'timeout' }], 0),
    ).toBe(undefined);
    expect(newestReading([], 0)).toBeUndefined();
  });

  it('names a column by database, schema, table and column, the schema once where it is the database', () => {
    expect(columnName(column('created_at', true, 'shop'))).toBe('shop.public.orders.created_at');
    expect(columnName({ ...column('created_at', true, 'shop'), schema: 'shop' })).toBe(
      'shop.orders.created_at',
    );
  });
});
