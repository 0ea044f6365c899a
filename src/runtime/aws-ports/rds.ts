// The rds port on AWS: the RDS client of each region.
import { awsRdsPortProvider } from '../../adapters/aws/rds.ts';
import type { AwsPortFactory } from '../aws-lambda.ts';

export const awsRds: AwsPortFactory<'rds'> = () => awsRdsPortProvider();
