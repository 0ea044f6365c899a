// The RDS port of another account (a vault account), reached through a role
// there that the stack's account assumes (STS AssumeRole). The role's policy,
// not this code, limits what the port may do: describe, copy and tag; a call
// it refuses comes back as AccessDeniedError, like any refused RDS call.
//
// The role's credentials are temporary: they are kept until shortly before
// they expire and then renewed on the next call, one AssumeRole at a time
// however many calls wait for them. The session name says who uses the role
// (`restorable-<deployment id>`), so the vault account's CloudTrail names the
// deployment behind every call.
import { RDSClient } from '@aws-sdk/client-rds';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AccessDeniedError } from '../../domain/errors.ts';
import type { RdsPortProvider } from '../../ports/rds.ts';
import { clientForRegion, instrumented } from './clients.ts';
import { AwsRdsAdapter } from './rds.ts';

/** Temporary credentials, in the shape the SDK clients take them. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export type CredentialsProvider = () => Promise<TemporaryCredentials>;

export interface AssumedRoleOptions {
  /** The role in the other account, e.g. `arn:aws:iam::111122223333:role/restorable-vault-access`. */
  readonly roleArn: string;
  /** The deployment id (`<stage>-<region>`) the session is named after. */
  readonly deployment: string;
  /** The external id the role's trust policy asks for, if it asks for one. */
  readonly externalId?: string;
  /** Default: a client of the Lambda's own region (AWS_REGION), up to 3 attempts. */
  readonly stsClient?: STSClient;
  /** How long a session lasts, in seconds (default 3600, the role's default maximum). */
  readonly durationSeconds?: number;
  /** How long before they expire the credentials are renewed, in seconds (default 300). */
  readonly renewBeforeExpirySeconds?: number;
  readonly now?: () => Date;
}

const SESSION_NAME_MAX_LENGTH = 64;
const DEFAULT_DURATION_SECONDS = 3600;
const DEFAULT_RENEW_BEFORE_EXPIRY_SECONDS = 300;

/**
 * The role session name: `restorable-` and the deployment id, with any
 * character STS refuses replaced by `-` (it accepts `[\w+=,.@-]`, 2 to 64
 * characters), cut to 64.
 */
export function roleSessionName(deployment: string): string {
  return `restorable-${deployment}`.replace(/[^\w+=,.@-]/g, '-').slice(0, SESSION_NAME_MAX_LENGTH);
}

/** Credentials of the role, assumed on first use and renewed shortly before they expire. */
export function assumedRoleCredentials(options: AssumedRoleOptions): CredentialsProvider {
  const sts = options.stsClient ?? instrumented(new STSClient({ maxAttempts: 3 }));
  const now = options.now ?? (() => new Date());
  const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  const renewBeforeMs = (options.renewBeforeExpirySeconds ?? DEFAULT_RENEW_BEFORE_EXPIRY_SECONDS) * 1000;
  const RoleSessionName = roleSessionName(options.deployment);
  let current: TemporaryCredentials | undefined;
  let assuming: Promise<TemporaryCredentials> | undefined;

  async function assume(): Promise<TemporaryCredentials> {
    const requestedAt = now();
    const output = await sts
      .send(
        new AssumeRoleCommand({
          RoleArn: options.roleArn,
          RoleSessionName,
          DurationSeconds: durationSeconds,
          ...(options.externalId === undefined ? {} : { ExternalId: options.externalId }),
        }),
      )
      .catch((error: unknown) => {
        throw translateStsError(error, `AssumeRole ${options.roleArn} as session ${RoleSessionName}`);
      });
    const credentials = output.Credentials;
    if (
      credentials?.AccessKeyId === undefined ||
      credentials.SecretAccessKey === undefined ||
      credentials.SessionToken === undefined
    ) {
      throw new Error(`AssumeRole ${options.roleArn}: STS returned no credentials`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      // STS always says when they expire; without it, the duration asked for.
      expiration: credentials.Expiration ?? new Date(requestedAt.getTime() + durationSeconds * 1000),
    };
  }

  return async () => {
    if (current !== undefined && now().getTime() < current.expiration.getTime() - renewBeforeMs)
      return current;
    assuming ??= assume()
      .then((credentials) => {
        current = credentials;
        return credentials;
      })
      .finally(() => {
        assuming = undefined;
      });
    return assuming;
  };
}

// STS's refusals (AssumeRole, Errors): the caller may not assume the role
// (IAM `AccessDenied`: the role's trust policy does not name it, or the
// external id is wrong). Throttling is retried by the SDK client.
const STS_ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);

function translateStsError(error: unknown, what: string): unknown {
  if (error instanceof Error && STS_ACCESS_DENIED.has(error.name)) {
    return new AccessDeniedError(`${what}: access denied: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * The RDS port of each region of the other account: one `RDSClient` per
 * region, all signing with the one role session's credentials.
 */
export function awsAssumedRoleRdsPortProvider(
  options: AssumedRoleOptions & {
    readonly clientFactory?: (region: string, credentials: CredentialsProvider) => RDSClient;
  },
): RdsPortProvider {
  const credentials = assumedRoleCredentials(options);
  const build = options.clientFactory ?? defaultClientFactory;
  // A factory of this provider's own, so its clients are cached apart from
  // those of the stack's own account (clientForRegion caches per factory).
  const factory = (region: string) => build(region, credentials);
  return (region) => new AwsRdsAdapter(clientForRegion(factory, region), region);
}

function defaultClientFactory(region: string, credentials: CredentialsProvider): RDSClient {
  return new RDSClient({ region, maxAttempts: 3, credentials });
}
