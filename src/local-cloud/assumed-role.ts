// The local analog of the role the local cloud's own account assumes in
// another account (a vault account): an RdsPort that lets through what the
// role's policy allows (describe, list, copy, tag, and share or take back the
// share of the snapshots restorable manages, so that a drill in the source
// account can restore the vault's copy) and refuses the rest with
// AccessDeniedError, as IAM refuses an action no policy allows, or one whose
// condition on the resource's tags (aws:ResourceTag/restorable:managed) does
// not hold. The vault's own port (`LocalCloud.rds(region, { account })`)
// keeps every right: it is the vault account's, which prunes its own copies.
import { AccessDeniedError } from '../domain/errors.ts';
import { isManaged, MANAGED_TAG, MANAGED_TAG_VALUE } from '../domain/tags.ts';
import type {
  CopySnapshotRequest,
  CreateSnapshotRequest,
  Database,
  RdsPort,
  Snapshot,
  SnapshotFilter,
  SnapshotQuota,
  SnapshotRef,
  Tags,
} from '../ports/rds.ts';
import { LOCAL_ACCOUNT_ID } from './layout.ts';

/** The name of the role the local cloud's own account assumes in another account. */
export const ASSUMED_ROLE_NAME = 'restorable-vault-access';

/** The session of the assumed role, as AWS STS names it in the caller's ARN. */
const ROLE_SESSION_NAME = `restorable-${LOCAL_ACCOUNT_ID}`;

const ALLOWED_ACTIONS =
  `the role ${ASSUMED_ROLE_NAME} may only describe, list, copy and tag snapshots, ` +
  `and share those tagged ${MANAGED_TAG}=${MANAGED_TAG_VALUE}`;

export class AssumedRoleRdsPort implements RdsPort {
  readonly region: string;
  /** The account the role belongs to (whose RDS the port acts on). */
  readonly accountId: string;
  readonly #account: RdsPort;

  /** `account` is the full port of the role's account; the role gets the part of it its policy allows. */
  constructor(account: RdsPort, accountId: string) {
    this.region = account.region;
    this.accountId = accountId;
    this.#account = account;
  }

  /** The caller's ARN in a refusal, as STS names an assumed role's session. */
  get callerArn(): string {
    return `arn:aws:sts::${this.accountId}:assumed-role/${ASSUMED_ROLE_NAME}/${ROLE_SESSION_NAME}`;
  }

  listDatabases(): Promise<Database[]> {
    return this.#account.listDatabases();
  }

  describeSnapshot(ref: SnapshotRef): Promise<Snapshot | undefined> {
    return this.#account.describeSnapshot(ref);
  }

  listSnapshots(filter?: SnapshotFilter): Promise<Snapshot[]> {
    return this.#account.listSnapshots(filter);
  }

  copySnapshot(request: CopySnapshotRequest): Promise<Snapshot> {
    return this.#account.copySnapshot(request);
  }

  tagSnapshot(snapshot: SnapshotRef & { readonly arn: string }, tags: Tags): Promise<void> {
    return this.#account.tagSnapshot(snapshot, tags);
  }

  describeSnapshotQuotas(): Promise<SnapshotQuota[]> {
    return this.#account.describeSnapshotQuotas();
  }

  snapshotSharedWith(ref: SnapshotRef): Promise<string[]> {
    return this.#account.snapshotSharedWith(ref);
  }

  createSnapshot(request: CreateSnapshotRequest): Promise<Snapshot> {
    return this.#deny(
      request.database.kind === 'instance' ? 'CreateDBSnapshot' : 'CreateDBClusterSnapshot',
      request.snapshotId,
      ALLOWED_ACTIONS,
    );
  }

  deleteSnapshot(ref: SnapshotRef): Promise<void> {
    return this.#deny(
      ref.kind === 'instance' ? 'DeleteDBSnapshot' : 'DeleteDBClusterSnapshot',
      ref.id,
      ALLOWED_ACTIONS,
    );
  }

  async shareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    await this.#assertManaged(ref);
    return this.#account.shareSnapshot(ref, accountId);
  }

  async unshareSnapshot(ref: SnapshotRef, accountId: string): Promise<void> {
    await this.#assertManaged(ref);
    return this.#account.unshareSnapshot(ref, accountId);
  }

  /**
   * The condition of the role's share statement: the snapshot carries the
   * managed tag. A snapshot that does not exist is left to RDS, which answers
   * as it does for the account itself (not found for a share, nothing to take
   * back for an unshare): there is no resource whose tags could refuse it.
   */
  async #assertManaged(ref: SnapshotRef): Promise<void> {
    const snapshot = await this.#account.describeSnapshot(ref);
    if (snapshot === undefined || isManaged(snapshot.tags)) return;
    await this.#deny(
      this.#modifyAttribute(ref),
      ref.id,
      `the role ${ASSUMED_ROLE_NAME} may share only snapshots tagged ${MANAGED_TAG}=${MANAGED_TAG_VALUE}`,
    );
  }

  #modifyAttribute(ref: SnapshotRef): string {
    return ref.kind === 'instance' ? 'ModifyDBSnapshotAttribute' : 'ModifyDBClusterSnapshotAttribute';
  }

  /** Refuses as IAM words it: who, which action, on what, and why. */
  #deny(action: string, snapshotId: string, why: string): Promise<never> {
    return Promise.reject(
      new AccessDeniedError(
        `User: ${this.callerArn} is not authorized to perform: rds:${action} on snapshot ${snapshotId} ` +
          `in ${this.region} of account ${this.accountId}: ${why}`,
      ),
    );
  }
}
