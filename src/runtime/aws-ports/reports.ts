// The reports port on AWS: the stack's reports bucket, and its work bucket for
// the work documents (infra/resources.ts, WorkBucket).
import { S3Client } from '@aws-sdk/client-s3';
import { instrumented } from '../../adapters/aws/clients.ts';
import { S3ReportStore } from '../../adapters/aws/report-store.ts';
import { RoutedReportStore } from '../../adapters/aws/routed-report-store.ts';
import { ConfigError } from '../../domain/errors.ts';
import type { AwsPortFactory } from '../aws-lambda.ts';

function requiredVariable(environment: NodeJS.ProcessEnv, name: string): string {
  const value = environment[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`${name} is not set in the function environment`);
  }
  return value;
}

export const awsReports: AwsPortFactory<'reports'> = ({ environment }) => {
  const bucket = requiredVariable(environment, 'REPORT_BUCKET');
  const workBucket = requiredVariable(environment, 'WORK_BUCKET');
  const s3 = instrumented(new S3Client({}));
  return new RoutedReportStore({
    reports: new S3ReportStore(s3, bucket),
    work: new S3ReportStore(s3, workBucket),
  });
};
