// What a drill needs of the verifier of another region: a sandbox restored
// outside the stack region is reachable only from that region's network, so
// the verifier there runs the verification and the stack region follows it.
// Implemented by `adapters/aws/regional-verifier.ts` (the regional verifier
// stack's state machine, through Step Functions) and
// `adapters/local/regional-verifier.ts` (in process).
import type { Verification } from '../reports/evidence.ts';
import type { VerificationRequest } from '../tasks/verification-request.ts';

export type RegionalVerificationStatus =
  | { readonly status: 'running' }
  | { readonly status: 'succeeded'; readonly verification: Verification }
  /** `error` is the name of the regional verifier's error, `cause` its message. */
  | { readonly status: 'failed'; readonly error: string; readonly cause: string };

export interface RegionalVerifierPort {
  readonly region: string;
  /**
   * Starts the verification named `name` (the sandbox id, unique to the drill) in the port's
   * region. Starting a name already started is not an error: a retried start
   * never runs a second verification.
   */
  startVerification(name: string, request: VerificationRequest): Promise<void>;
  /** Where the verification named `name` stands. */
  describeVerification(name: string): Promise<RegionalVerificationStatus>;
}

export type RegionalVerifierProvider = (region: string) => RegionalVerifierPort;
