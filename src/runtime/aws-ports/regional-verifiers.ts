// The regionalVerifiers port on AWS: the state machine of the regional
// verifier stack of each region (REGIONAL_VERIFIER_ARN, `{region}` standing
// for the region).
import { awsRegionalVerifierProvider } from '../../adapters/aws/regional-verifier.ts';
import type { AwsPortFactory } from '../aws-lambda.ts';

export const awsRegionalVerifiers: AwsPortFactory<'regionalVerifiers'> = ({ environment }) => {
  const pattern = environment.REGIONAL_VERIFIER_ARN;
  return awsRegionalVerifierProvider({
    stateMachineArnPattern: pattern === undefined || pattern === '' ? undefined : pattern,
  });
};
