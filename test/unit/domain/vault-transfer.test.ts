// The day's snapshot on its way into the vault account, step by step: a copy
// the vault may use, shared, copied by the vault with its own key into each
// vault region, then the share taken back and the shareable copy removed.
import { describe, expect, it } from 'vitest';
import {
  type ActionOutcome,
  applyBackupOutcome,
  type BackupAction,
  type BackupQueueLimits,
  databaseOutcome,
  isReadyToRecord,
  isVaultTransferFinal,
  nextStep,
  pagesToRead,
  planBackupActions,
  type QueueDatabase,
  queuedVaultTransfer,
  queuedWork,
  summarizePage,
  vaultLane,
} from '../../../src/domain/backup-queue.ts';

const SOURCE = 'eu-west-1';
const COPY_REGIONS = ['eu-central-1'];
const VAULT_REGIONS = ['eu-central-1', 'eu-north-1'];
const START = new Date('2026-11-20T02:00:00Z');
const LIMITS: BackupQueueLimits = {
  snapshotTimeoutMinutes: 240,
  concurrentCopiesPerRegion: 2,
  maxActionsPerStep: 100,
  maxSnapshotStartsPerStep: 10,
};
const NOTES = { unencryptedSource: 'source not encrypted', unencryptedCopy: 'copy not encrypted' };

function database(id: string, changes: Partial<QueueDatabase> = {}): QueueDatabase {
  return {
    id,
    kind: 'instance',
    expected: {},
    snapshot: queuedWork(),
    copies: Object.fromEntries(COPY_REGIONS.map((region) => [region, queuedWork()])),
    vault: queuedVaultTransfer(VAULT_REGIONS),
    record: { state: 'pending', tries: 0 },
    ...changes,
  };
}

/** What the clouds answer: every call succeeds at once unless `answer` says otherwise for that action. */
type Answer = (action: BackupAction, database: QueueDatabase) => ActionOutcome | undefined;

function succeeding(action: BackupAction, database: QueueDatabase, encrypted: boolean): ActionOutcome {
  const id = `${database.id}-${action.type}-${'region' in action ? action.region : SOURCE}`;
  const snapshot = { id, arn: `arn:aws:rds:x:000000000000:snapshot:${id}`, status: 'available', encrypted };
  switch (action.type) {
    case 'create':
    case 'copy':
    case 'vault-stage':
    case 'vault-copy':
      return { type: 'started', snapshot: { ...snapshot, status: 'creating' }, reused: false };
    case 'check-snapshot':
    case 'check-copy':
    case 'check-vault-stage':
    case 'check-vault-copy':
      return { type: 'checked', snapshot };
    case 'record':
      return { type: 'recorded' };
    default:
      return { type: 'done' };
  }
}

/**
 * Runs steps until every database is settled (or `maxSteps`), moving the
 * clock to each step's wait, and returns the databases and every action
 * made, in order, as `type@database[/region]`.
 */
function run(
  databases: QueueDatabase[],
  options: { answer?: Answer; encrypted?: boolean; maxSteps?: number; limits?: BackupQueueLimits } = {},
) {
  const limits = options.limits ?? LIMITS;
  const made: string[] = [];
  let now = START;
  for (let step = 0; step < (options.maxSteps ?? 200); step++) {
    const summary = summarizePage(databases, COPY_REGIONS);
    const next = nextStep([summary], COPY_REGIONS, now, limits);
    if (next.done) break;
    now = new Date(now.getTime() + next.waitSeconds * 1000);
    for (const action of planBackupActions(databases, COPY_REGIONS, now, limits)) {
      const subject = databases[action.index] as QueueDatabase;
      const outcome =
        options.answer?.(action, subject) ?? succeeding(action, subject, options.encrypted ?? true);
      made.push(`${action.type}@${subject.id}${'region' in action ? `/${action.region}` : ''}`);
      databases[action.index] = applyBackupOutcome(subject, action, outcome, now, limits, SOURCE);
    }
  }
  return { databases, made };
}

const error = (name: string, message = 'refused'): ActionOutcome => ({ type: 'error', name, message });
const outcomeOf = (subject: QueueDatabase) =>
  databaseOutcome(subject, SOURCE, COPY_REGIONS, NOTES, VAULT_REGIONS);
const vaultActions = (made: readonly string[]) => made.filter((action) => action.includes('vault'));

describe('a vault transfer', () => {
  it('stages, shares, copies into every vault region, takes the share back, removes the staging copy, then records', () => {
    const { databases, made } = run([database('orders')]);

    expect(vaultActions(made)).toEqual([
      'vault-stage@orders',
      'check-vault-stage@orders',
      'vault-share@orders',
      'vault-copy@orders/eu-central-1',
      'vault-copy@orders/eu-north-1',
      'check-vault-copy@orders/eu-central-1',
      'check-vault-copy@orders/eu-north-1',
      'vault-unshare@orders',
      'vault-remove-stage@orders',
    ]);
    expect(made.indexOf('record@orders')).toBeGreaterThan(made.indexOf('vault-remove-stage@orders'));
    expect(made.indexOf('vault-stage@orders')).toBeGreaterThan(made.indexOf('check-snapshot@orders'));
    const outcome = outcomeOf(databases[0] as QueueDatabase);
    expect(outcome.status).toBe('OK');
    expect(outcome.vaultCopies).toEqual([
      { region: 'eu-central-1', id: 'orders-vault-copy-eu-central-1', status: 'available' },
      { region: 'eu-north-1', id: 'orders-vault-copy-eu-north-1', status: 'available' },
    ]);
  });

  it('takes the share back and removes the staging copy when a vault copy fails, and the database is PARTIAL', () => {
    const { databases, made } = run([database('orders')], {
      answer: (action) =>
        action.type === 'vault-copy' && action.region === 'eu-north-1'
          ? error('EncryptionKeyError', 'the vault key is disabled')
          : undefined,
    });

    expect(made).toContain('vault-unshare@orders');
    expect(made).toContain('vault-remove-stage@orders');
    const subject = databases[0] as QueueDatabase;
    expect(subject.vault && isVaultTransferFinal(subject.vault)).toBe(true);
    const outcome = outcomeOf(subject);
    expect(outcome.status).toBe('PARTIAL');
    expect(outcome.vaultCopies?.map((copy) => copy.status)).toEqual(['available', 'failed']);
    expect(outcome.error).toContain(
      'vault copy to eu-north-1: EncryptionKeyError: the vault key is disabled',
    );
  });

  it('shares nothing when the staging copy fails, and removes what it started', () => {
    const { databases, made } = run([database('orders')], {
      answer: (action, subject) =>
        action.type === 'check-vault-stage'
          ? {
              type: 'checked',
              snapshot: {
                id: subject.vault?.staging.snapshotId ?? '',
                arn: 'arn:staging',
                status: 'failed',
                encrypted: true,
              },
            }
          : undefined,
    });

    expect(vaultActions(made)).toEqual([
      'vault-stage@orders',
      'check-vault-stage@orders',
      'vault-remove-stage@orders',
    ]);
    const outcome = outcomeOf(databases[0] as QueueDatabase);
    expect(outcome.status).toBe('PARTIAL');
    expect(outcome.vaultCopies?.every((copy) => copy.status === 'failed')).toBe(true);
    expect(outcome.error).toContain('vault staging copy: SnapshotFailedError');
  });

  it('does not start before the day’s snapshot is available, and a failed snapshot records at once', () => {
    const { databases, made } = run([database('orders')], {
      answer: (action) => (action.type === 'create' ? error('SnapshotQuotaExceededError') : undefined),
    });

    expect(vaultActions(made)).toEqual([]);
    expect(made).toContain('record@orders');
    expect(outcomeOf(databases[0] as QueueDatabase)).toEqual(expect.objectContaining({ status: 'FAILED' }));
  });

  it('gives the vault an unencrypted cluster snapshot as it is, and never deletes it', () => {
    const { databases, made } = run([database('events', { kind: 'cluster' })], { encrypted: false });

    expect(vaultActions(made)).toEqual([
      'vault-share@events',
      'vault-copy@events/eu-central-1',
      'vault-copy@events/eu-north-1',
      'check-vault-copy@events/eu-central-1',
      'check-vault-copy@events/eu-north-1',
      'vault-unshare@events',
    ]);
    const subject = databases[0] as QueueDatabase;
    expect(subject.vault?.direct).toBe(true);
    expect(subject.vault?.staging.snapshotId).toBe(subject.snapshot.snapshotId);
    const outcome = outcomeOf(subject);
    expect(outcome.vaultCopies?.map((copy) => copy.note)).toEqual([
      'copy not encrypted',
      'copy not encrypted',
    ]);
  });

  it('retries a throttled share and a share not yet possible, and gives up on any other error', () => {
    let throttled = 0;
    const { made } = run([database('orders')], {
      answer: (action) => {
        if (action.type !== 'vault-share') return undefined;
        throttled += 1;
        return throttled <= 2 ? error('ThrottlingError', 'slow down') : undefined;
      },
    });
    expect(made.filter((action) => action === 'vault-share@orders')).toHaveLength(3);
    expect(made).toContain('vault-copy@orders/eu-north-1');

    const refused = run([database('orders')], {
      answer: (action) =>
        action.type === 'vault-share' ? error('InvalidRequestError', 'default key') : undefined,
    });
    expect(vaultActions(refused.made)).toEqual([
      'vault-stage@orders',
      'check-vault-stage@orders',
      'vault-share@orders',
      'vault-unshare@orders',
      'vault-remove-stage@orders',
    ]);
  });

  it('reports a share it could not take back, and still removes the staging copy (which ends the share)', () => {
    const { databases, made } = run([database('orders')], {
      answer: (action) => (action.type === 'vault-unshare' ? error('CloudServiceError', 'boom') : undefined),
    });

    expect(made.filter((action) => action === 'vault-unshare@orders')).toHaveLength(1);
    expect(made).toContain('vault-remove-stage@orders');
    const outcome = outcomeOf(databases[0] as QueueDatabase);
    expect(outcome.status).toBe('PARTIAL');
    expect(outcome.error).toContain(
      'the share with the vault account was not taken back: CloudServiceError: boom',
    );
  });

  it('plans the same calls again after a step whose outcomes were lost, each of which is safe to repeat', () => {
    const steps = run([database('orders')], { maxSteps: 4 });
    const before = steps.databases[0] as QueueDatabase;
    const planned = planBackupActions([before], COPY_REGIONS, new Date('2026-11-21T00:00:00Z'), LIMITS);
    // The step that made these calls died before writing what they gave:
    // the next step, reading the same state, makes the same calls.
    expect(planBackupActions([before], COPY_REGIONS, new Date('2026-11-21T00:00:00Z'), LIMITS)).toEqual(
      planned,
    );
    expect(planned.length).toBeGreaterThan(0);
  });

  it('holds the record until the transfer is final', () => {
    const subject = database('orders', {
      snapshot: { state: 'available', snapshotId: 's', arn: 'arn:s', encrypted: true, tries: 0 },
      copies: { 'eu-central-1': { state: 'available', snapshotId: 'c', tries: 0 } },
    });
    expect(isReadyToRecord(subject)).toBe(false);
    expect(isReadyToRecord({ ...subject, vault: undefined })).toBe(true);
  });
});

describe('vault copies and the copy limit', () => {
  it('starts at most the limit of vault copies into each vault region at once, counting other pages', () => {
    const databases = ['a', 'b', 'c'].map((id) =>
      database(id, {
        snapshot: { state: 'available', snapshotId: id, arn: `arn:${id}`, encrypted: true, tries: 0 },
        copies: { 'eu-central-1': { state: 'available', snapshotId: `${id}-c`, tries: 0 } },
        vault: {
          ...queuedVaultTransfer(VAULT_REGIONS),
          staging: { state: 'available', snapshotId: `${id}-s`, arn: `arn:${id}-s`, tries: 0 },
          share: { state: 'done', tries: 0 },
        },
      }),
    );

    const actions = planBackupActions(databases, COPY_REGIONS, START, LIMITS, 100, {
      [vaultLane('eu-north-1')]: 1,
    });

    const copies = actions.filter((action) => action.type === 'vault-copy');
    expect(copies.filter((action) => 'region' in action && action.region === 'eu-central-1')).toHaveLength(2);
    expect(copies.filter((action) => 'region' in action && action.region === 'eu-north-1')).toHaveLength(1);
  });

  it('counts running and ready vault copies in the page summary, and reads the page when a slot frees', () => {
    const ready = database('a', {
      snapshot: { state: 'available', snapshotId: 'a', arn: 'arn:a', encrypted: true, tries: 0 },
      copies: { 'eu-central-1': { state: 'available', snapshotId: 'a-c', tries: 0 } },
      vault: {
        ...queuedVaultTransfer(VAULT_REGIONS),
        staging: { state: 'available', snapshotId: 'a-s', arn: 'arn:a-s', tries: 0 },
        share: { state: 'done', tries: 0 },
        copies: {
          'eu-central-1': { state: 'running', snapshotId: 'v', dueAt: '2026-11-20T03:00:00.000Z', tries: 0 },
          'eu-north-1': queuedWork(),
        },
      },
    });

    const summary = summarizePage([ready], COPY_REGIONS);

    expect(summary.runningCopies).toEqual({ [vaultLane('eu-central-1')]: 1 });
    expect(summary.readyCopies).toEqual({ [vaultLane('eu-north-1')]: 1 });
    expect(pagesToRead([summary], COPY_REGIONS, START, LIMITS, 1)).toEqual([0]);
    expect(nextStep([summary], COPY_REGIONS, START, LIMITS)).toEqual({ done: false, waitSeconds: 0 });
  });
});
