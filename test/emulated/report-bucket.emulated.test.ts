// Finding the stack's report bucket (src/adapters/aws/stack.ts) over moto_server's
// S3: ListBuckets with a name prefix and a region, and GetBucketTagging,
// whose answer for a bucket without tags is the NoSuchTagSet error
// (GetBucketTagging, Amazon S3 API Reference). The bucket that is found is
// tested with aws-sdk-client-mock (test/unit/adapters/aws-stack.test.ts): its
// `aws:cloudformation:*` tags can only be set by CloudFormation.
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReportBucket, ReportBucketNotFoundError } from '../../src/adapters/aws/stack.ts';
import { credentials, motoEndpoint, resetMoto } from './moto.ts';

const REGION = 'eu-west-1';
let client: S3Client;

async function bucket(
  name: string,
  region: 'eu-west-1' | 'eu-central-1',
  tags?: Record<string, string>,
): Promise<void> {
  const regional = new S3Client({ region, endpoint: motoEndpoint(), credentials, forcePathStyle: true });
  await regional.send(
    new CreateBucketCommand({
      Bucket: name,
      CreateBucketConfiguration: { LocationConstraint: region },
    }),
  );
  if (tags !== undefined) {
    await regional.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
  }
  regional.destroy();
}

beforeAll(async () => {
  await resetMoto();
  client = new S3Client({ region: REGION, endpoint: motoEndpoint(), credentials, forcePathStyle: true });
});

afterAll(() => {
  client?.destroy();
});

describe('findReportBucket over moto_server', () => {
  it('passes over buckets without tags or with other tags, and says none is the stack’s', async () => {
    // Prepare: S3 refuses `aws:` tags from callers ("System tags cannot be
    // added/updated by requester"), so only CloudFormation can make the
    // stack's bucket; these are the buckets that must not be taken for it.
    await bucket('restorable-prod-notes', REGION);
    await bucket('restorable-prod-reportsbucket-copy', REGION, {
      team: 'dba',
      'stack-name': 'restorable-prod',
    });
    await bucket('restorable-prod-reportsbucket-elsewhere', 'eu-central-1');

    // Act
    const error = await findReportBucket(client, 'prod', REGION).catch((caught: unknown) => caught);

    // Assess: the untagged bucket's NoSuchTagSet is no failure of the lookup.
    expect(error).toBeInstanceOf(ReportBucketNotFoundError);
    expect((error as Error).message).toContain(
      'no report bucket of stack restorable-prod in region eu-west-1',
    );
  });
});
