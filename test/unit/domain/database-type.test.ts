import { describe, expect, it } from 'vitest';
import { type DatabaseType, databaseTypeOf } from '../../../src/domain/database-type.ts';
import type { DatabaseKind } from '../../../src/ports/rds.ts';

describe('databaseTypeOf', () => {
  it.each<[DatabaseKind, string, DatabaseType]>([
    ['instance', 'postgres', 'instance'],
    ['instance', 'mysql', 'instance'],
    ['instance', 'mariadb', 'instance'],
    ['cluster', 'aurora-postgresql', 'aurora-cluster'],
    ['cluster', 'aurora-mysql', 'aurora-cluster'],
    ['cluster', 'aurora', 'aurora-cluster'],
    ['cluster', 'Aurora-PostgreSQL', 'aurora-cluster'],
    ['cluster', 'postgres', 'multi-az-cluster'],
    ['cluster', 'mysql', 'multi-az-cluster'],
  ])('a %s running %s is restored as a %s', (kind, engine, type) => {
    expect(databaseTypeOf({ kind, engine })).toBe(type);
  });
});
