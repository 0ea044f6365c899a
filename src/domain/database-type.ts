// The three kinds of RDS database a drill restores differently. Backups do
// not care: both kinds of cluster take DB cluster snapshots
// (CreateDBClusterSnapshot, CopyDBClusterSnapshot) as the port's `cluster`.
//
// - a DB instance: RestoreDBInstanceFromDBSnapshot;
// - an Aurora DB cluster: RestoreDBClusterFromSnapshot, then CreateDBInstance
//   for the one instance that serves it ("This operation only restores the DB
//   cluster, not the DB instances for that DB cluster");
// - a Multi-AZ DB cluster: RestoreDBClusterFromSnapshot with the
//   `DBClusterInstanceClass`, `StorageType` and `Iops` that only such a
//   cluster takes; RDS creates its writer and two readers itself.
//
// (RestoreDBClusterFromSnapshot, Amazon RDS API Reference.) The engine tells
// the clusters apart: Aurora engines are `aurora-postgresql`, `aurora-mysql`
// (and the old `aurora`); a Multi-AZ DB cluster runs `postgres` or `mysql`
// (CreateDBCluster, Engine, Amazon RDS API Reference).
import type { DatabaseKind } from '../ports/rds.ts';

export type DatabaseType = 'instance' | 'aurora-cluster' | 'multi-az-cluster';

export function databaseTypeOf(database: {
  readonly kind: DatabaseKind;
  readonly engine: string;
}): DatabaseType {
  if (database.kind === 'instance') return 'instance';
  return database.engine.toLowerCase().startsWith('aurora') ? 'aurora-cluster' : 'multi-az-cluster';
}
