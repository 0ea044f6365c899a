// Every error a Lambda handler can raise on purpose. A thrown error's `name` is
// what a Step Functions `ErrorEquals` matches, so these class names are the
// contract with `workflows/*.asl.json` (a test checks that every custom name
// used there is exported from this module). Names must stay stable.

export abstract class RestorableError extends Error {
  /** Whether retrying the same call later can succeed. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // `new.target.name` survives minification only if esbuild keeps class names
    // (keepNames in the bundler), which the workflows depend on.
    this.name = new.target.name;
  }
}

/** The cloud API refused the call because of its request rate. */
export class ThrottlingError extends RestorableError {
  readonly retryable = true;
}

/** A snapshot with the requested identifier already exists in the region. */
export class SnapshotAlreadyExistsError extends RestorableError {
  readonly retryable = false;
  readonly snapshotId: string;
  constructor(snapshotId: string, options?: { cause?: unknown }) {
    super(`snapshot ${snapshotId} already exists`, options);
    this.snapshotId = snapshotId;
  }
}

/**
 * The account's manual snapshot quota in the region is used up, or a
 * snapshot is already shared with as many accounts as RDS allows (20).
 */
export class SnapshotQuotaExceededError extends RestorableError {
  readonly retryable = false;
}

/** Too many snapshot copies are already in flight to the destination region. */
export class CopyLimitExceededError extends RestorableError {
  readonly retryable = true;
}

/** The database or snapshot is in a state that does not allow the operation now. */
export class InvalidStateError extends RestorableError {
  readonly retryable = true;
}

export class SnapshotNotFoundError extends RestorableError {
  readonly retryable = false;
  readonly snapshotId: string;
  constructor(snapshotId: string, options?: { cause?: unknown }) {
    super(`snapshot ${snapshotId} not found`, options);
    this.snapshotId = snapshotId;
  }
}

export class DatabaseNotFoundError extends RestorableError {
  readonly retryable = false;
  readonly databaseId: string;
  constructor(databaseId: string, options?: { cause?: unknown }) {
    super(`database ${databaseId} not found`, options);
    this.databaseId = databaseId;
  }
}

/** The KMS key given for encryption cannot be used (missing, disabled, no grant). */
export class EncryptionKeyError extends RestorableError {
  readonly retryable = false;
}

/** A snapshot or copy ended in the `failed` state. */
export class SnapshotFailedError extends RestorableError {
  readonly retryable = false;
}

/** A snapshot did not become available within the workflow's polling budget. */
export class SnapshotTimeoutError extends RestorableError {
  readonly retryable = false;
}

/** Workflow or handler input that does not match its schema. Never retried. */
export class InvalidInputError extends RestorableError {
  readonly retryable = false;
}

/** A configuration file that does not match the schema. */
export class ConfigError extends RestorableError {
  readonly retryable = false;
}

/**
 * The cloud API refused a request as one it never accepts, whatever the state
 * (RDS `InvalidParameterCombination`, e.g. a KMS key for the copy of an
 * unencrypted cluster snapshot): a defect of the request, never retried.
 */
export class InvalidRequestError extends RestorableError {
  readonly retryable = false;
}

/**
 * The caller's identity may not make the call (IAM `AccessDenied`, RDS
 * `AccessDeniedException`, KMS `AccessDeniedException`): a vault account's
 * role refusing a delete from the source account is one. Retrying the same
 * call as the same identity never helps.
 */
export class AccessDeniedError extends RestorableError {
  readonly retryable = false;
}

/** Any other failure of the cloud API that the adapter does not know. */
export class CloudServiceError extends RestorableError {
  readonly retryable = false;
}

/**
 * A snapshot's stored data does not match the digest recorded when it was
 * taken (or cannot be read back at all): it cannot be trusted for a restore.
 */
export class SnapshotCorruptedError extends RestorableError {
  readonly retryable = false;
  readonly snapshotId: string;
  constructor(snapshotId: string, detail: string, options?: { cause?: unknown }) {
    super(`snapshot ${snapshotId} is corrupted: ${detail}`, options);
    this.snapshotId = snapshotId;
  }
}

/**
 * A planned deletion that the policy no longer allows when checked again just
 * before it is made (not the tool's, too young, in use, or the last good copy).
 */
export class PruneRefusedError extends RestorableError {
  readonly retryable = false;
}

/**
 * A sandbox operation aimed at something that does not carry the sandbox tag:
 * the guard that keeps a teardown from ever deleting a production database.
 */
export class SandboxProtectionError extends RestorableError {
  readonly retryable = false;
  readonly resourceId: string;
  constructor(resourceId: string, detail: string, options?: { cause?: unknown }) {
    super(`refused to touch ${resourceId}: ${detail}`, options);
    this.resourceId = resourceId;
  }
}

/**
 * The cloud has no room for a sandbox now: no capacity for the instance class,
 * or the account's instance, cluster or storage quota is used up. Retrying
 * later can succeed (capacity frees up, other drills' sandboxes are deleted).
 */
export class SandboxCapacityError extends RestorableError {
  readonly retryable = true;
}

/** A restore sandbox ended in a failed state, or disappeared, before it could be verified. */
export class SandboxFailedError extends RestorableError {
  readonly retryable = false;
}

/** A restore sandbox did not become available within the drill's polling budget. */
export class SandboxTimeoutError extends RestorableError {
  readonly retryable = false;
}

/**
 * The evidence store refused a write that must happen before the action it
 * records: a deletion's intent. Nothing was deleted; the run stops.
 */
export class EvidenceWriteError extends RestorableError {
  readonly retryable = false;
}

/**
 * A stored document (evidence, a report, a lease, a local cloud record) that
 * cannot be read as what its key says it is: not JSON, or not its schema.
 * Never bad usage: the run that meets it reports it and goes on where it can.
 */
export class CorruptEvidenceError extends RestorableError {
  readonly retryable = false;
  /** The store key or file path of the document. */
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path} is corrupt: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}

/**
 * The verifier of another region (the regional verifier stack) failed the
 * verification: `regionalError` is the name of its error, kept in the
 * message with its own, as the drill report shows it.
 */
export class RegionalVerificationError extends RestorableError {
  readonly retryable = false;
  readonly region: string;
  readonly regionalError: string;
  constructor(region: string, regionalError: string, regionalMessage: string, options?: { cause?: unknown }) {
    super(`the verifier in ${region} failed: ${regionalError}: ${regionalMessage}`, options);
    this.region = region;
    this.regionalError = regionalError;
  }
}

/**
 * A verification result too large for the way it travels: the regional
 * verifier returns it as its execution's output, which Step Functions limits
 * (src/tasks/verification-result.ts). Retrying gives the same result.
 */
export class VerificationTooLargeError extends RestorableError {
  readonly retryable = false;
}
