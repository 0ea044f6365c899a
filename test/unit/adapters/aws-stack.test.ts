import { GetBucketTaggingCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findReportBucket, ReportBucketNotFoundError } from '../../../src/adapters/aws/stack.ts';
import { s3Error } from '../../support/fake-s3-sdk.ts';

const s3Mock = mockClient(S3Client);
const client = () => new S3Client({ region: 'eu-west-1' });

const stackTags = (stackName: string, logicalId = 'ReportsBucket') => ({
  TagSet: [
    { Key: 'aws:cloudformation:stack-name', Value: stackName },
    { Key: 'aws:cloudformation:logical-id', Value: logicalId },
  ],
});

beforeEach(() => {
  s3Mock.reset();
});

describe('findReportBucket', () => {
  it('finds the bucket tagged with the stack and the ReportsBucket logical id, on any page', async () => {
    // Prepare: the first page holds a bucket of the stack that is another resource.
    s3Mock
      .on(ListBucketsCommand)
      .resolvesOnce({
        Buckets: [
          { Name: 'restorable-prod-serverlessdeploymentbucket-1a', CreationDate: new Date('2026-02-01') },
        ],
        ContinuationToken: 'page-2',
      })
      .resolvesOnce({
        Buckets: [{ Name: 'restorable-prod-reportsbucket-2b', CreationDate: new Date('2026-02-01') }],
      });
    s3Mock
      .on(GetBucketTaggingCommand, { Bucket: 'restorable-prod-serverlessdeploymentbucket-1a' })
      .resolves(stackTags('restorable-prod', 'ServerlessDeploymentBucket'))
      .on(GetBucketTaggingCommand, { Bucket: 'restorable-prod-reportsbucket-2b' })
      .resolves(stackTags('restorable-prod'));

    // Act
    const bucket = await findReportBucket(client(), 'prod', 'eu-west-1');

    // Assess
    expect(bucket).toBe('restorable-prod-reportsbucket-2b');
    expect(s3Mock).toHaveReceivedNthCommandWith(ListBucketsCommand, 1, {
      Prefix: 'restorable-prod-',
      BucketRegion: 'eu-west-1',
    });
    expect(s3Mock).toHaveReceivedNthCommandWith(ListBucketsCommand, 2, { ContinuationToken: 'page-2' });
  });

  it('takes the newest when a deleted stack of the same name left its bucket behind', async () => {
    // Prepare: the bucket is retained when its stack is deleted (DeletionPolicy: Retain).
    s3Mock.on(ListBucketsCommand).resolves({
      Buckets: [
        { Name: 'restorable-prod-reportsbucket-old', CreationDate: new Date('2025-01-01') },
        { Name: 'restorable-prod-reportsbucket-new', CreationDate: new Date('2026-06-01') },
      ],
    });
    s3Mock.on(GetBucketTaggingCommand).resolves(stackTags('restorable-prod'));

    // Act / Assess
    expect(await findReportBucket(client(), 'prod', 'eu-west-1')).toBe('restorable-prod-reportsbucket-new');
  });

  it('passes over a bucket without tags and says which stack it looked for when none is left', async () => {
    // Prepare
    s3Mock
      .on(ListBucketsCommand)
      .resolves({ Buckets: [{ Name: 'restorable-prod-mine', CreationDate: new Date() }] });
    s3Mock.on(GetBucketTaggingCommand).rejects(s3Error('NoSuchTagSet', 404, 'The TagSet does not exist'));

    // Act
    const error = await findReportBucket(client(), 'prod', 'eu-west-1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ReportBucketNotFoundError);
    expect((error as Error).message).toContain(
      'no report bucket of stack restorable-prod in region eu-west-1',
    );
  });

  it('fails on an error other than a missing tag set, such as a denied GetBucketTagging', async () => {
    // Prepare
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'restorable-prod-reportsbucket-2b' }] });
    s3Mock
      .on(GetBucketTaggingCommand)
      .rejects(s3Error('AccessDenied', 403, 'not authorized: s3:GetBucketTagging'));

    // Act / Assess
    await expect(findReportBucket(client(), 'prod', 'eu-west-1')).rejects.toThrow(/s3:GetBucketTagging/);
  });
});
