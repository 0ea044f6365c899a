// What the backup needs of the vault account (see the README, "Vault
// account"): the account to share the staging copies with, and the vault
// account's RDS as the role the source account assumes there, which may
// describe, copy and tag, and delete nothing. Implemented over the local cloud's accounts and, on AWS,
// over an assumed role (adapters/aws/vault.ts).
import type { RdsPort } from './rds.ts';

export interface VaultAccess {
  /** The vault account's id: the account the staging copies are shared with. */
  readonly accountId: string;
  /** The vault account's RDS in `region`, as the role the source account assumes there. */
  rds(region: string): RdsPort;
}
