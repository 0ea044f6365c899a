// The regional verifier port over Step Functions: the regional verifier stack
// (infra/verifier.ts) deploys, in each region drills restore in besides
// the stack region, a state machine `restorable-<stage>-verify-sandbox` whose
// one Task runs the verifier function in that region's VPC. Step Functions
// calls services in its own region only (a Task cannot invoke a Lambda
// function of another region: see aws-samples/aws-stepfunctions-examples#53,
// and the CDK's CallAwsServiceCrossRegion, which relays cross-region calls
// through a Lambda function for that reason, aws/aws-cdk#30061), so the
// stack region's functions start and follow that state machine with the SDK,
// and the drill workflow waits between polls.
//
// Executions are named after the drill's sandbox: at most 80 characters of
// letters, digits and hyphens, unique per drill. StartExecution with the
// name of an open execution and the same input succeeds without starting
// another; for a closed one it answers ExecutionAlreadyExists (StartExecution
// in the Step Functions API reference): either way the verification of that
// drill was started, and a retried start runs nothing twice.
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ConfigError, InvalidStateError, ThrottlingError } from '../../domain/errors.ts';
import type {
  RegionalVerificationStatus,
  RegionalVerifierPort,
  RegionalVerifierProvider,
} from '../../ports/regional-verifier.ts';
import type { VerificationRequest } from '../../tasks/verification-request.ts';
import { unpackVerification } from '../../tasks/verification-result.ts';
import { clientForRegion } from './clients.ts';

/** Where `{region}` stands for the region in REGIONAL_VERIFIER_ARN (see infra/functions.ts). */
export const REGION_PLACEHOLDER = '{region}';

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

export class AwsRegionalVerifierAdapter implements RegionalVerifierPort {
  readonly region: string;
  readonly #sfn: SFNClient;
  readonly #stateMachineArn: string;

  constructor(sfn: SFNClient, region: string, stateMachineArn: string) {
    this.#sfn = sfn;
    this.region = region;
    this.#stateMachineArn = stateMachineArn;
  }

  async startVerification(name: string, request: VerificationRequest): Promise<void> {
    try {
      await this.#sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name,
          input: JSON.stringify(request),
        }),
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
      throw this.#translate(error, `StartExecution ${name}`);
    }
  }

  async describeVerification(name: string): Promise<RegionalVerificationStatus> {
    let output: DescribeExecutionCommandOutput;
    try {
      output = await this.#sfn.send(new DescribeExecutionCommand({ executionArn: this.#executionArn(name) }));
    } catch (error) {
      throw this.#translate(error, `DescribeExecution ${name}`);
    }
    switch (output.status) {
      case 'RUNNING':
      case 'PENDING_REDRIVE':
        return { status: 'running' };
      case 'SUCCEEDED':
        return {
          status: 'succeeded',
          verification: unpackVerification(output.output ?? '', `verification ${name} in ${this.region}`),
        };
      default:
        return {
          status: 'failed',
          error: output.error ?? `States.${output.status ?? 'Unknown'}`,
          cause:
            messageOfCause(output.cause) ??
            `the verification in ${this.region} ended ${output.status ?? 'without a status'}`,
        };
    }
  }

  /** arn:<partition>:states:<region>:<account>:execution:<state machine name>:<execution name> */
  #executionArn(name: string): string {
    return `${this.#stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  #translate(error: unknown, what: string): unknown {
    if (!(error instanceof Error)) return error;
    const options = { cause: error };
    if (THROTTLING.has(error.name))
      return new ThrottlingError(`${what}: throttled: ${error.message}`, options);
    if (error.name === 'StateMachineDoesNotExist') {
      return new ConfigError(
        `${what}: no regional verifier in ${this.region} (${this.#stateMachineArn}): deploy the regional verifier stack there`,
        options,
      );
    }
    // Step Functions is eventually consistent: an execution just started
    // may not be visible to DescribeExecution yet.
    if (error.name === 'ExecutionDoesNotExist') {
      return new InvalidStateError(`${what}: not visible in ${this.region} yet: ${error.message}`, options);
    }
    return error;
  }
}

/**
 * What failed, from the cause of a failed execution. When the regional
 * function threw, the cause is its error as the Lambda runtime reports it,
 * `{"errorType", "errorMessage", "trace"}` ("AWS Lambda function errors in
 * Node.js", AWS Lambda Developer Guide,
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html): its
 * message alone goes on to the drill report, not the function's stack trace.
 * Any other cause (a state's timeout, a data limit) is plain text, kept whole.
 */
function messageOfCause(cause: string | undefined): string | undefined {
  if (cause === undefined || cause === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(cause);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'errorMessage' in parsed &&
      typeof parsed.errorMessage === 'string'
    ) {
      return parsed.errorMessage;
    }
  } catch {
    // not JSON: the cause is the message itself
  }
  return cause;
}

export interface AwsRegionalVerifierProviderOptions {
  /**
   * ARN of the regional verifier's state machine with `{region}` for the
   * region; undefined in a function that follows no regional verification.
   */
  readonly stateMachineArnPattern: string | undefined;
  readonly sfnClientFactory?: (region: string) => SFNClient;
}

export function awsRegionalVerifierProvider(
  options: AwsRegionalVerifierProviderOptions,
): RegionalVerifierProvider {
  const factory = options.sfnClientFactory ?? defaultSfnClient;
  return (region) => {
    const pattern = options.stateMachineArnPattern;
    if (pattern === undefined || !pattern.includes(REGION_PLACEHOLDER)) {
      throw new ConfigError('REGIONAL_VERIFIER_ARN is not set in the function environment');
    }
    return new AwsRegionalVerifierAdapter(
      clientForRegion(factory, region),
      region,
      pattern.replace(REGION_PLACEHOLDER, region),
    );
  };
}

function defaultSfnClient(region: string): SFNClient {
  return new SFNClient({ region, maxAttempts: 3 });
}
