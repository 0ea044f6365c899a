// The sandboxes port on AWS: RDS and Secrets Manager of each region, the
// sandbox networks of the configuration, and the RDS CA bundle when the
// package ships one (verify-sandbox).
import { awsSandboxPortProvider } from '../../adapters/aws/sandbox.ts';
import { sandboxNetworks } from '../../domain/sandbox-network.ts';
import type { AwsPortFactory } from '../aws-lambda.ts';
import { readRdsCaBundle } from '../rds-ca-bundle.ts';

export const awsSandboxes: AwsPortFactory<'sandboxes'> = ({ config, environment }) => {
  const caBundle = readRdsCaBundle(environment);
  return awsSandboxPortProvider({
    networks: sandboxNetworks(config),
    ...(caBundle === undefined ? {} : { caBundle }),
  });
};
