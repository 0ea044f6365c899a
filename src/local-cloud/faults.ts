// Fault injection for the local cloud: rules that make RDS operations fail the
// way RDS can, so the workflows' error handling is exercised locally. A rule
// matches an operation, optionally only for one region (the region of the
// port called; for a copy, the destination), one account (the account of the
// port called, the local cloud's own 000000000000 or e.g. a vault account;
// for a copy, the destination's) and one database (for snapshot operations,
// the snapshot's database), and applies `times` times (forever when omitted).
// The account lets a test stop a transfer to another account at any step:
// the copy in the source account and the copy in the vault account are both
// `copySnapshot`, told apart by `account`. Effects:
//   throttle  the call throws ThrottlingError, changing nothing;
//   error     the call throws CloudServiceError, changing nothing;
//   fail      (createSnapshot, copySnapshot) the snapshot or copy is created
//             but ends in status `failed`; (restoreSandbox) the sandbox is
//             created but ends in status `failed`;
//   crash     the process is killed (SIGKILL) at the call, before it changes
//             anything, as a power cut or an OOM kill would;
//   crash-after (deleteSnapshot, shareSnapshot, unshareSnapshot) the call
//             completes, then the process is killed;
//   busy      (deleteSnapshot) the call throws InvalidStateError, changing
//             nothing, as RDS's InvalidDBSnapshotState for a snapshot a copy
//             is being made from;
//   pause     (copySnapshot, connectSandbox) the call announces on stderr
//             `restorable: paused at <operation> … (injected fault)` and waits
//             until the cloud is interrupted (SIGINT, SIGTERM), then throws the
//             interruption: a test can signal a run at a known point.
// `after: N` lets the first N matching calls through untouched, so a test can
// stop a run at a chosen point (e.g. after the fifth deletion).
// Rules can also be given as a JSON array in RESTORABLE_FAULTS, which
// `LocalCloud.open` reads, e.g.
//   RESTORABLE_FAULTS='[{"operation":"createSnapshot","effect":"throttle","times":2}]'
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { CloudServiceError, ConfigError, InvalidInputError, ThrottlingError } from '../domain/errors.ts';
import { ARCHIVE_HEADER_BYTES } from './archive.ts';
import { assertRegion, LOCAL_ACCOUNT_ID, normalizeIdentifier, StateLayout } from './layout.ts';

export const FAULTS_ENV_VAR = 'RESTORABLE_FAULTS';

export const FAULT_OPERATIONS = [
  'createSnapshot',
  'copySnapshot',
  'describeSnapshot',
  'listSnapshots',
  'listDatabases',
  'deleteSnapshot',
  'tagSnapshot',
  'describeSnapshotQuotas',
  'shareSnapshot',
  'unshareSnapshot',
  'snapshotSharedWith',
  'restoreSandbox',
  'deleteSandbox',
  'connectSandbox',
] as const;
export type FaultOperation = (typeof FAULT_OPERATIONS)[number];

/** The operations whose call can complete before the process is killed (`crash-after`). */
const CRASH_AFTER_OPERATIONS: ReadonlySet<string> = new Set([
  'deleteSnapshot',
  'shareSnapshot',
  'unshareSnapshot',
]);

/** The operations that check for a `pause` rule (see FaultInjector.pauseIfAsked). */
const PAUSE_OPERATIONS: ReadonlySet<string> = new Set(['copySnapshot', 'connectSandbox']);

export const faultRuleSchema = z
  .object({
    operation: z.enum(FAULT_OPERATIONS),
    effect: z.enum(['throttle', 'error', 'fail', 'crash', 'crash-after', 'busy', 'pause']),
    database: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    times: z.number().int().min(1).optional(),
    after: z.number().int().min(0).optional(),
  })
  .strict()
  .refine(
    (rule) =>
      rule.effect !== 'fail' ||
      rule.operation === 'createSnapshot' ||
      rule.operation === 'copySnapshot' ||
      rule.operation === 'restoreSandbox',
    {
      message: 'effect "fail" applies only to createSnapshot, copySnapshot and restoreSandbox',
    },
  )
  .refine((rule) => rule.effect !== 'crash-after' || CRASH_AFTER_OPERATIONS.has(rule.operation), {
    message: 'effect "crash-after" applies only to deleteSnapshot, shareSnapshot and unshareSnapshot',
  })
  .refine((rule) => rule.effect !== 'busy' || rule.operation === 'deleteSnapshot', {
    message: 'effect "busy" applies only to deleteSnapshot',
  })
  .refine((rule) => rule.effect !== 'pause' || PAUSE_OPERATIONS.has(rule.operation), {
    message: 'effect "pause" applies only to copySnapshot and connectSandbox',
  });

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultEffect = FaultRule['effect'];

/**
 * What a fault check is about: the region of the call, the account (the
 * local cloud's own when absent) and, when known, the database.
 */
export interface FaultTarget {
  readonly region: string;
  readonly account?: string;
  readonly database?: string;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
  /** Matching calls still let through before the rule applies. */
  skip: number;
}

/** Kills this process at once, with no chance to clean up or flush anything. */
export function crashNow(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: the process was killed');
}

export class FaultInjector {
  readonly #rules: ActiveRule[] = [];
  readonly #interruption: AbortSignal | undefined;

  /** `interruption` ends a pause (without one, a pause lasts until the process ends). */
  constructor(interruption?: AbortSignal) {
    this.#interruption = interruption;
  }

  /** Adds a rule after the existing ones; the first matching rule applies. */
  add(rule: FaultRule): void {
    const result = faultRuleSchema.safeParse(rule);
    if (!result.success) throw new InvalidInputError(`invalid fault rule:\n${z.prettifyError(result.error)}`);
    this.#rules.push({
      rule: result.data,
      remaining: result.data.times ?? Number.POSITIVE_INFINITY,
      skip: result.data.after ?? 0,
    });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** The rules that can still apply, with the number of times left (Infinity for unlimited). */
  active(): { rule: FaultRule; remaining: number }[] {
    return this.#rules.filter((entry) => entry.remaining > 0).map((entry) => ({ ...entry }));
  }

  /**
   * Applies the first matching rule, using up one of its times: throws for
   * `throttle` and `error`, kills the process for `crash`, returns 'fail' for
   * `fail` and 'crash-after' for `crash-after` (the caller crashes once the
   * call is done), 'busy' for `busy` (the caller refuses the call as RDS
   * would), and returns undefined when no rule matches.
   */
  apply(operation: FaultOperation, target: FaultTarget): 'fail' | 'crash-after' | 'busy' | undefined {
    const entry = this.#take(operation, target, (effect) => effect !== 'pause');
    if (entry === undefined) return undefined;
    const where = describeTarget(operation, target);
    switch (entry.rule.effect) {
      case 'throttle':
        throw new ThrottlingError(`Rate exceeded (injected fault: ${where})`);
      case 'error':
        throw new CloudServiceError(`internal failure (injected fault: ${where})`);
      case 'fail':
        return 'fail';
      case 'crash':
        return crashNow();
      case 'crash-after':
        return 'crash-after';
      case 'busy':
        return 'busy';
      case 'pause':
        throw new Error('unreachable: pause rules are taken by pauseIfAsked');
    }
  }

  /**
   * Applies the first matching `pause` rule: says so on stderr and waits until
   * the interruption, then throws its reason. Returns at once when none matches.
   */
  async pauseIfAsked(operation: FaultOperation, target: FaultTarget): Promise<void> {
    const entry = this.#take(operation, target, (effect) => effect === 'pause');
    if (entry === undefined) return;
    const interruption = this.#interruption;
    process.stderr.write(`restorable: paused at ${describeTarget(operation, target)} (injected fault)\n`);
    await new Promise<void>((resolve) => {
      if (interruption === undefined) return;
      if (interruption.aborted) resolve();
      else interruption.addEventListener('abort', () => resolve(), { once: true });
    });
    throw interruption?.reason;
  }

  /** The first rule of the effects asked for that matches and applies now, with one of its times used up. */
  #take(
    operation: FaultOperation,
    target: FaultTarget,
    isEffect: (effect: FaultEffect) => boolean,
  ): ActiveRule | undefined {
    const entry = this.#rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        isEffect(candidate.rule.effect) &&
        matches(candidate.rule, operation, target),
    );
    if (entry === undefined) return undefined;
    if (entry.skip > 0) {
      entry.skip -= 1;
      return undefined;
    }
    entry.remaining -= 1;
    return entry;
  }
}

const describeTarget = (operation: FaultOperation, target: FaultTarget) =>
  `${operation} in ${target.region}` +
  `${target.account === undefined || target.account === LOCAL_ACCOUNT_ID ? '' : ` of account ${target.account}`}` +
  `${target.database === undefined ? '' : ` for ${target.database}`}`;

function matches(rule: FaultRule, operation: FaultOperation, target: FaultTarget): boolean {
  if (rule.operation !== operation) return false;
  if (rule.region !== undefined && rule.region !== target.region) return false;
  if (rule.account !== undefined && rule.account !== (target.account ?? LOCAL_ACCOUNT_ID)) return false;
  if (rule.database !== undefined && rule.database.toLowerCase() !== target.database) return false;
  return true;
}

/** Parses the JSON array of fault rules of RESTORABLE_FAULTS. */
export function parseFaultRules(json: string, source = FAULTS_ENV_VAR): FaultRule[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = z.array(faultRuleSchema).safeParse(value);
  if (!result.success) {
    throw new ConfigError(`${source} is not a valid list of fault rules:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/**
 * Damages a snapshot's archive in place by flipping the bits of one byte of
 * its ciphertext, as disk corruption would; its metadata is left as it was,
 * so the digest no longer matches. For drills that must detect corruption.
 */
export async function corruptSnapshotArchive(
  stateDir: string,
  region: string,
  snapshotId: string,
): Promise<void> {
  const layout = new StateLayout(stateDir);
  const path = layout.snapshotArchive(assertRegion(region), normalizeIdentifier('snapshot', snapshotId));
  const handle = await open(path, 'r+');
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new Error(`cannot corrupt the empty archive ${path}`);
    // The middle of the ciphertext (or of the file, for a tiny one).
    const position =
      size > ARCHIVE_HEADER_BYTES ? ARCHIVE_HEADER_BYTES + Math.floor((size - ARCHIVE_HEADER_BYTES) / 2) : 0;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = (byte[0] ?? 0) ^ 0xff;
    await handle.write(byte, 0, 1, position);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
