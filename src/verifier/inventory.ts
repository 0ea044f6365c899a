// Pure: the inventory of a restored database (schemas, tables, row counts) and
// its digest. The digest lets two drills be compared at a glance: equal
// inventories give equal digests whatever order the server listed tables in.
import { createHash } from 'node:crypto';
import type { Inventory, TableInventory } from './types.ts';

/**
 * Whether a table is counted exactly: when its planner estimate is within the
 * limit, and when there is no usable estimate (PostgreSQL says -1 for a table
 * never analyzed; MySQL gives NULL for some engines).
 */
export function needsExactCount(estimate: number | null, exactCountMaxRows: number): boolean {
  return estimate === null || !Number.isFinite(estimate) || estimate < 0 || estimate <= exactCountMaxRows;
}

const byName = (a: TableInventory, b: TableInventory): number =>
  compareText(a.database ?? '', b.database ?? '') ||
  compareText(a.schema, b.schema) ||
  compareText(a.table, b.table);

/**
 * A table's name in the inventory: `database.schema.table` where the database
 * is recorded, `schema.table` otherwise (MySQL/MariaDB, whose schema is the
 * database, and older reports), so that those digests stay what they were.
 */
export function qualifiedTableName(table: Pick<TableInventory, 'database' | 'schema' | 'table'>): string {
  return table.database === undefined
    ? `${table.schema}.${table.table}`
    : `${table.database}.${table.schema}.${table.table}`;
}

// Code-unit order, not locale order: the digest must not depend on the machine's locale.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SHA-256 (hex) over the sorted `[database.]schema.table=rows` lines, one per table. */
export function inventoryDigest(tables: readonly TableInventory[]): string {
  const lines = tables.map((table) => `${qualifiedTableName(table)}=${table.rows}`).sort(compareText);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

export function buildInventory(schemas: number, tables: readonly TableInventory[]): Inventory {
  const sorted = [...tables].sort(byName);
  return {
    schemas,
    tables: sorted,
    totalRows: sorted.reduce((sum, table) => sum + table.rows, 0),
    digest: inventoryDigest(sorted),
  };
}
