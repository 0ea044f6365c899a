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
  /** SHA-256 over the sorted schema/table/row-count lines: equal inventories give equal digests. */
  readonly digest: string;
}

export interface VerifyRequest {
  readonly connection: ConnectionSettings;
  /** Time allowed for the engine consistency check (amcheck / CHECK TABLE). */
  readonly consistencyTimeBudgetSeconds: number;
  readonly assertions: readonly DrillAssertion[];
  /** SQL returning one row with one timestamp column: the newest row's time. */
  readonly freshnessQuery?: string;
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
  /** ISO time of the newest row per the freshness query; undefined when not configured or failed. */
  readonly newestRowTime: string | undefined;
  /** A failed or erroring freshness query, as a check; undefined when it ran or was not configured. */
  readonly freshnessCheck: CheckResult | undefined;
}

export interface Verifier {
  verify(request: VerifyRequest): Promise<VerifyResult>;
}
