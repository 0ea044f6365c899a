// Finds the deployed stack's report bucket for the CLI's `--target aws`
// commands that read reports (status). The stack does not name the bucket (serverless.yml,
// ReportsBucket): CloudFormation generates the name from the stack name and
// the logical id, and tags the bucket with `aws:cloudformation:stack-name` and
// `aws:cloudformation:logical-id` ("CloudFormation resource tagging", AWS
// CloudFormation Template Reference). The bucket is found by those tags among
// the buckets of the stack's region whose name starts with the stack's, with
// the S3 client the report store uses: no CloudFormation client is needed.
import { GetBucketTaggingCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { clientForRegion } from './clients.ts';

/** The logical id of the report bucket in serverless.yml. */
const REPORT_BUCKET_LOGICAL_ID = 'ReportsBucket';
const STACK_NAME_TAG = 'aws:cloudformation:stack-name';
const LOGICAL_ID_TAG = 'aws:cloudformation:logical-id';

/** No bucket of the stack in the region: the stack is not deployed there, or under another stage. */
export class ReportBucketNotFoundError extends Error {
  readonly stackName: string;
  readonly region: string;

  constructor(stackName: string, region: string) {
    super(
      `no report bucket of stack ${stackName} in region ${region} ` +
        `(a bucket tagged ${STACK_NAME_TAG}=${stackName} and ${LOGICAL_ID_TAG}=${REPORT_BUCKET_LOGICAL_ID}). ` +
        'Deploy the stack first, or set aws.stage and aws.region in the configuration to those of the deployed stack.',
    );
    this.name = 'ReportBucketNotFoundError';
    this.stackName = stackName;
    this.region = region;
  }
}

/** The stack of a stage: osls names it `<service>-<stage>`, and the service is `restorable`. */
export function stackNameOf(stage: string): string {
  return `restorable-${stage}`;
}

const s3Client = (region: string) => new S3Client({ region, maxAttempts: 5 });

/** The one S3 client of a region for the command line (and whatever else in the process reads the stack's reports). */
export function awsS3Client(region: string): S3Client {
  return clientForRegion(s3Client, region);
}

/**
 * Name of the report bucket of `restorable-<stage>` in `region`. When
 * several carry the stack's tags (the bucket is kept when its stack is
 * deleted, so a stack deployed again under the same name has a new one),
 * the newest is the current stack's.
 */
export async function findReportBucket(client: S3Client, stage: string, region: string): Promise<string> {
  const stackName = stackNameOf(stage);
  const candidates: { name: string; createdAt: number }[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.send(
      new ListBucketsCommand({
        // Generated names are lower case: `<stack name>-<logical id>-<suffix>`.
        Prefix: `${stackName.toLowerCase()}-`,
        BucketRegion: region,
        MaxBuckets: 1000,
        ContinuationToken: continuationToken,
      }),
    );
    for (const bucket of page.Buckets ?? []) {
      if (bucket.Name !== undefined && (await isStackReportBucket(client, bucket.Name, stackName))) {
        candidates.push({ name: bucket.Name, createdAt: bucket.CreationDate?.getTime() ?? 0 });
      }
    }
    continuationToken = page.ContinuationToken;
  } while (continuationToken !== undefined && continuationToken !== '');
  const [newest] = candidates.sort((a, b) => b.createdAt - a.createdAt);
  if (newest === undefined) throw new ReportBucketNotFoundError(stackName, region);
  return newest.name;
}

async function isStackReportBucket(client: S3Client, bucket: string, stackName: string): Promise<boolean> {
  try {
    const { TagSet = [] } = await client.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    const tag = (key: string) => TagSet.find((candidate) => candidate.Key === key)?.Value;
    return tag(STACK_NAME_TAG) === stackName && tag(LOGICAL_ID_TAG) === REPORT_BUCKET_LOGICAL_ID;
  } catch (error) {
    // A bucket without tags is not one CloudFormation made.
    if (error instanceof Error && error.name === 'NoSuchTagSet') return false;
    throw error;
  }
}
