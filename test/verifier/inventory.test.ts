import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildInventory, inventoryDigest, needsExactCount } from '../../src/verifier/inventory.ts';

const table = (schema: string, name: string, rows: number, exact = true) => ({
  schema,
  table: name,
  rows,
  exact,
});

describe('the inventory of a restored database', () => {
  it('sorts tables by schema and name, totals the rows and digests the sorted lines', () => {
    const inventory = buildInventory(2, [
      table('shop', 'orders', 1000),
      table('public', 'log', 0),
      table('shop', 'b', 5),
    ]);
    expect(inventory).toEqual({
      schemas: 2,
      tables: [table('public', 'log', 0), table('shop', 'b', 5), table('shop', 'orders', 1000)],
      totalRows: 1005,
      digest: createHash('sha256').update('public.log=0\nshop.b=5\nshop.orders=1000').digest('hex'),
    });
  });

  it('gives equal digests for equal inventories in any order, and different ones when a count changes', () => {
    const a = [table('s', 'x', 1), table('s', 'y', 2)];
    expect(inventoryDigest(a)).toBe(inventoryDigest([...a].reverse()));
    expect(inventoryDigest(a)).not.toBe(inventoryDigest([table('s', 'x', 1), table('s', 'y', 3)]));
    expect(inventoryDigest(a)).not.toBe(inventoryDigest([table('s', 'x', 1)]));
  });

  it('sorts by code unit, not by locale', () => {
    const inventory = buildInventory(1, [table('s', 'b', 1), table('s', 'B', 1), table('s', 'a', 1)]);
    expect(inventory.tables.map((t) => t.table)).toEqual(['B', 'a', 'b']);
  });

  it('counts exactly within the limit and whenever there is no usable estimate', () => {
    expect(needsExactCount(100, 100)).toBe(true);
    expect(needsExactCount(101, 100)).toBe(false);
    expect(needsExactCount(-1, 100)).toBe(true);
    expect(needsExactCount(null, 0)).toBe(true);
    expect(needsExactCount(Number.NaN, 0)).toBe(true);
  });

  it('names the database of each table where it is recorded, and keeps the digest of those without', () => {
    const inventory = buildInventory(2, [
      { database: 'crm', schema: 'public', table: 'a', rows: 1, exact: true },
      { database: 'app', schema: 'public', table: 'a', rows: 2, exact: true },
    ]);
    expect(inventory.tables.map((t) => t.database)).toEqual(['app', 'crm']);
    expect(inventory.digest).toBe(
      createHash('sha256').update('app.public.a=2\ncrm.public.a=1').digest('hex'),
    );
    expect(inventoryDigest([table('public', 'a', 2)])).toBe(
      createHash('sha256').update('public.a=2').digest('hex'),
    );
  });
});
