// The restore verifier: one implementation per engine family (PostgreSQL,
// MySQL/MariaDB) behind one interface. It connects to a restored sandbox and
// runs the drill's checks. It fails closed: a check that could not run is an
// `error`, which fails the drill like a `fail`. Results carry counts, digests,
// timings and SQL error messages, never row contents.
import type { DrillAssertion } from '../config/schema.ts';
import type { ConnectionSettings } from '../ports/sandbox.ts';

export type CheckStatus = 'pass' | 'fail' | 'error';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  /** What a reviewer reads: what was checked and what was found, with numbers. */
  readonly detail: string;
  readonly durationMs: number;
}

export interface TableInventory {
  /**
   * The PostgreSQL database the table lives in. Absent on MySQL/MariaDB, where
   * the schema is the database, and in reports from before the verifier
   * looked at every database.
   */
  readonly database?: string;
  readonly schema: string;
  readonly table: string;
  readonly rows: number;
  /** True when `rows` is an exact count(*), false when it is the planner's estimate. */
  readonly exact: boolean;
}

export interface Inventory {
  readonly schemas: number;
  readonly tables: TableInventory[];
  readonly totalRows: number;
  /** SHA-256 over the sorted [database.]schema.table=rows lines: equal inventories give equal digests. */
  readonly digest: string;
}

export interface VerifyRequest {
  readonly connection: ConnectionSettings;
  /** Time allowed for the engine consistency check (amcheck / CHECK TABLE), shared by every database. */
  readonly consistencyTimeBudgetSeconds: number;
  readonly assertions: readonly DrillAssertion[];
  /**
   * SQL returning one row with one timestamp column: the newest row's time.
   * Without it the verifier reads the newest value of the user tables' timestamp columns.
   */
  readonly freshnessQuery?: string;
  /** The protected database's id, for messages that point at its drill settings. */
  readonly databaseId?: string;
  /** Statement timeout for assertions and the freshness query. */
  readonly statementTimeoutMs: number;
  /** Tables with at most this many rows are counted exactly; larger ones are estimated. */
  readonly exactCountMaxRows: number;
}

export interface VerifyResult {
  /** connect, consistency, then one check per assertion, in that order. */
  readonly checks: CheckResult[];
  /** Undefined when the inventory could not be taken (then a check says why). */
  readonly inventory: Inventory | undefined;
  /** ISO time of the newest row, over every user database; undefined when it could not be read. */
  readonly newestRowTime: string | undefined;
  /**
   * Where `newestRowTime` came from: `the freshness query`, or the column
   * (`database.schema.table.column`) and what else was read and skipped.
   * Absent in verifications stored before the verifier found freshness itself.
   */
  readonly newestRowSource?: string | undefined;
  /** Why the newest row time could not be read, as a check; undefined when it was read. */
  readonly freshnessCheck: CheckResult | undefined;
}

export interface Verifier {
  verify(request: VerifyRequest): Promise<VerifyResult>;
}
