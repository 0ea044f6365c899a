// The stack's one-off resources: the reports and work buckets and their key,
// the alert topic and its key, the dead-man's switch and the dashboard, with
// the stack's conditions and its outputs besides the workflows'.
import { DEPLOYMENT, getAtt, PREFIX, ref, sub } from './cfn.ts';
import type { Resources } from './generate.ts';
import type { StackSettings } from './settings.ts';

const ACCOUNT_ROOT = { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') };

/** The account administers a key through IAM, with every administrative action and none that uses the key. */
const administerThroughIam = {
  Sid: 'AdministerThroughIam',
  Effect: 'Allow',
  Principal: ACCOUNT_ROOT,
  Action: [
    'kms:CancelKeyDeletion',
    'kms:CreateAlias',
    'kms:DeleteAlias',
    'kms:DescribeKey',
    'kms:DisableKey',
    'kms:EnableKey',
    'kms:EnableKeyRotation',
    'kms:GetKeyPolicy',
    'kms:GetKeyRotationStatus',
    'kms:ListGrants',
    'kms:ListKeyRotations',
    'kms:ListResourceTags',
    'kms:PutKeyPolicy',
    'kms:RevokeGrant',
    'kms:RotateKeyOnDemand',
    'kms:ScheduleKeyDeletion',
    'kms:TagResource',
    'kms:UntagResource',
    'kms:UpdateAlias',
    'kms:UpdateKeyDescription',
  ],
  Resource: '*',
};

/** The account's principals use a key only through the given service of the stack region. */
const useThrough = (service: 's3' | 'sns') => ({
  Sid: `UseThrough${service === 's3' ? 'S3' : 'Sns'}`,
  Effect: 'Allow',
  Principal: ACCOUNT_ROOT,
  Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
  Resource: '*',
  Condition: {
    StringEquals: {
      'kms:ViaService': sub(`${service}.\${AWS::Region}.amazonaws.com`),
      'kms:CallerAccount': ref('AWS::AccountId'),
    },
  },
});

/**
 * The share key of a stack with a vault account (configuration `vault`): the
 * key of the source region under which advance-backup makes the staging
 * copies it shares with the vault account (src/domain/backup-queue.ts,
 * VaultTransfer). RDS shares an encrypted snapshot only if its key is not
 * the account's default one, and the other account copies it only where
 * the key's policy lets it: this policy lets the vault account use the key
 * through RDS to copy the shared snapshots (decrypt, describe, and grants
 * for RDS only), and for nothing else. The source's own keys are never
 * shared.
 */
function vaultShareKey(vault: NonNullable<StackSettings['vault']>): Resources {
  const throughRds = { StringLike: { 'kms:ViaService': 'rds.*.amazonaws.com' } };
  const vaultAccount = { AWS: sub(`arn:\${AWS::Partition}:iam::${vault.accountId}:root`) };
  return {
    VaultShareKey: {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: sub(
          `Encrypts the staging copies \${AWS::StackName} shares with its vault account ${vault.accountId}`,
        ),
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            administerThroughIam,
            {
              Sid: 'UseForStagingCopiesThroughRds',
              Effect: 'Allow',
              Principal: ACCOUNT_ROOT,
              Action: [
                'kms:CreateGrant',
                'kms:DescribeKey',
                'kms:Encrypt',
                'kms:Decrypt',
                'kms:GenerateDataKey',
                'kms:GenerateDataKeyWithoutPlaintext',
                'kms:ReEncryptFrom',
                'kms:ReEncryptTo',
              ],
              Resource: '*',
              Condition: {
                StringEquals: {
                  'kms:ViaService': sub('rds.${AWS::Region}.amazonaws.com'),
                  'kms:CallerAccount': ref('AWS::AccountId'),
                },
              },
            },
            {
              Sid: 'VaultAccountCopiesThroughRds',
              Effect: 'Allow',
              Principal: vaultAccount,
              Action: ['kms:Decrypt', 'kms:DescribeKey'],
              Resource: '*',
              Condition: throughRds,
            },
            {
              Sid: 'VaultAccountGrantsForRds',
              Effect: 'Allow',
              Principal: vaultAccount,
              Action: 'kms:CreateGrant',
              Resource: '*',
              Condition: { ...throughRds, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
            },
          ],
        },
      },
    },
    VaultShareKeyAlias: {
      Type: 'AWS::KMS::Alias',
      // src/domain/vault.ts vaultShareKeyAlias: the functions name the key by it.
      Properties: { AliasName: `alias/${PREFIX}-vault-share`, TargetKeyId: ref('VaultShareKey') },
    },
  };
}

const encryptedPrivateBucket = {
  BucketEncryption: {
    ServerSideEncryptionConfiguration: [
      {
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt('ReportsKey') },
        BucketKeyEnabled: true,
      },
    ],
  },
  PublicAccessBlockConfiguration: {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  },
  OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
};

/** TLS 1.2 or later, for every request to the bucket. */
function tlsOnlyPolicy(bucket: string) {
  const everything = [getAtt(bucket), sub(`\${${bucket}.Arn}/*`)];
  const deny = (Sid: string, Condition: object) => ({
    Sid,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: everything,
    Condition,
  });
  return {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: ref(bucket),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          deny('DenyInsecureTransport', { Bool: { 'aws:SecureTransport': 'false' } }),
          deny('DenyTlsOlderThan12', { NumericLessThan: { 's3:TlsVersion': '1.2' } }),
        ],
      },
    },
  };
}

/**
 * An alert topic named `<prefix>-alerts`, encrypted with a key of its own
 * that CloudWatch alarms may use (they publish as the CloudWatch service),
 * published to over TLS only; on the given condition of the stack, if any.
 */
export function alertTopicResources(prefix: string, condition?: string): Resources {
  const onCondition = condition === undefined ? {} : { Condition: condition };
  return {
    AlertsKey: {
      Type: 'AWS::KMS::Key',
      ...onCondition,
      Properties: {
        Description: sub('Encrypts the alert topic of ${AWS::StackName}'),
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            administerThroughIam,
            useThrough('sns'),
            // Alarms publish as the CloudWatch service, which needs the key itself.
            {
              Sid: 'CloudWatchAlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Resource: '*',
              Condition: {
                StringEquals: {
                  'kms:EncryptionContext:aws:sns:topicArn': sub(
                    `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:${prefix}-alerts`,
                  ),
                },
              },
            },
          ],
        },
      },
    },
    AlertsKeyAlias: {
      Type: 'AWS::KMS::Alias',
      ...onCondition,
      Properties: { AliasName: `alias/${prefix}-alerts`, TargetKeyId: ref('AlertsKey') },
    },
    AlertTopic: {
      Type: 'AWS::SNS::Topic',
      ...onCondition,
      Properties: {
        TopicName: `${prefix}-alerts`,
        DisplayName: 'restorable alerts',
        KmsMasterKeyId: ref('AlertsKey'),
      },
    },
    AlertTopicPolicy: {
      Type: 'AWS::SNS::TopicPolicy',
      ...onCondition,
      Properties: {
        Topics: [ref('AlertTopic')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'CloudWatchAlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: ref('AlertTopic'),
              Condition: {
                ArnLike: {
                  'aws:SourceArn': sub(
                    'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*',
                  ),
                },
              },
            },
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 'sns:Publish',
              Resource: ref('AlertTopic'),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

export function oneOffResources(settings: StackSettings): Resources {
  const { observability } = settings;
  return {
    ...(settings.vault === undefined ? {} : vaultShareKey(settings.vault)),
    // Reports and evidence: an S3 bucket encrypted with a key of its own.
    ReportsKey: {
      Type: 'AWS::KMS::Key',
      // Deleting the key would make every stored report unreadable.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        Description: sub('Encrypts the restore reports and backup evidence of ${AWS::StackName}'),
        EnableKeyRotation: true,
        KeyPolicy: { Version: '2012-10-17', Statement: [administerThroughIam, useThrough('s3')] },
      },
    },
    ReportsKeyAlias: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: `alias/${PREFIX}-reports`, TargetKeyId: ref('ReportsKey') },
    },
    ReportsBucket: {
      Type: 'AWS::S3::Bucket',
      // Evidence outlives the stack; Object Lock would refuse the delete anyway.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ...encryptedPrivateBucket,
        VersioningConfiguration: { Status: 'Enabled' },
        ObjectLockEnabled: true,
        // COMPLIANCE rather than GOVERNANCE: evidence is worth something to an
        // auditor only if nobody, account administrators included, can alter
        // or delete it during the audit period; GOVERNANCE lets anyone holding
        // s3:BypassGovernanceRetention do both. 400 days cover a 12-month
        // audit period plus the auditor's fieldwork. Reports hold counts,
        // digests and timings, never customer rows, so keeping them does not
        // conflict with the 7-day deletion promise for customer data.
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } },
        },
      },
    },
    ReportsBucketPolicy: tlsOnlyPolicy('ReportsBucket'),

    // Work documents (keys under work/): a backup run's queue and its pages,
    // rewritten at each step, the backup timings, a prune's plan and a drill's
    // verification hand-off. They are read by later steps of the same run and
    // are not evidence, so they stay out of the reports bucket, whose Object
    // Lock would keep every rewritten version for 400 days. Same key and
    // transport rules as the reports bucket; no versioning, and objects
    // expire after 30 days: well past the longest run (a backup of 10,000
    // databases takes about a week) and the drill that reads a verification.
    WorkBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        ...encryptedPrivateBucket,
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'ExpireWorkDocuments',
              Status: 'Enabled',
              ExpirationInDays: 30,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      },
    },
    WorkBucketPolicy: tlsOnlyPolicy('WorkBucket'),

    // Alerts: an SNS topic encrypted with a key that CloudWatch alarms may
    // use, unless alerts.topicArn names an existing topic of the stack region:
    // the workflows and the alarms then alert there (settings.alertTopic), and
    // the stack creates neither topic nor key. The configuration refuses
    // alerts.email with it: the topic's owner manages its subscriptions.
    ...alertTopicResources(PREFIX, 'CreatesAlertTopic'),
    AlertEmailSubscription: {
      Type: 'AWS::SNS::Subscription',
      Condition: 'HasAlertEmail',
      Properties: { TopicArn: ref('AlertTopic'), Protocol: 'email', Endpoint: settings.alertEmail },
    },

    // The dead-man's switch: no backup run of the whole fleet ended OK
    // (summarize-backup-run's FleetBackupSucceeded) in backup.maxAgeHours,
    // whether the runs failed, timed out, were never started or never
    // finished. Hourly periods, every one of them without a success (missing
    // data breaches): an alarm of hourly periods looks back at most 7 days,
    // which bounds backup.maxAgeHours in the configuration schema. It is in
    // alarm from deployment until the first such run.
    FleetBackupOverdueAlarm: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${PREFIX}-fleet-backup-overdue`,
        AlarmDescription: 'No backup run of the whole fleet ended OK within backup.maxAgeHours',
        Namespace: observability.namespace,
        MetricName: 'FleetBackupSucceeded',
        Dimensions: [
          { Name: 'service', Value: observability.service },
          { Name: 'Deployment', Value: DEPLOYMENT },
        ],
        Statistic: 'Sum',
        Period: 3600,
        EvaluationPeriods: observability.backupOverdueHours,
        DatapointsToAlarm: observability.backupOverdueHours,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [settings.alertTopic],
        OKActions: [settings.alertTopic],
      },
    },

    // What operators watch, in one place: the alarms, and the metrics the
    // tasks write (src/domain/metrics.ts) with the workflows' own. The body
    // is built from the metrics' names (scripts/observability.ts).
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: PREFIX,
        DashboardBody: { 'Fn::Sub': [observability.dashboardBody, { Deployment: DEPLOYMENT }] },
      },
    },
  };
}

export function conditions(settings: StackSettings) {
  return {
    // The stack creates its alert topic (and the topic's key) unless alerts.topicArn names one.
    CreatesAlertTopic: { 'Fn::Equals': [settings.alertTopicArn, ''] },
    HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [settings.alertEmail, ''] }] },
    // The deployment every earlier version ran as (src/domain/deployment.ts):
    // stage prod in the source region. It alone may delete what they made,
    // which carries no deployment tag.
    IsDefaultDeployment: {
      'Fn::And': [
        { 'Fn::Equals': ['${sls:stage}', 'prod'] },
        { 'Fn::Equals': [ref('AWS::Region'), settings.sourceRegion] },
      ],
    },
    // verify-sandbox runs in a VPC (see infra/functions.ts).
    VerifierInVpc: { 'Fn::Equals': [settings.verifierNetwork, 'vpc'] },
    // Drills restore in a region with a regional verifier (see
    // start-regional-verification in infra/functions.ts).
    HasRegionalVerifiers: { 'Fn::Equals': [settings.regionalVerification, 'yes'] },
  };
}

export function oneOffOutputs(settings: StackSettings) {
  return {
    ReportsBucketName: {
      Description: 'The bucket holding restore reports and evidence',
      Value: ref('ReportsBucket'),
    },
    WorkBucketName: {
      Description: 'The bucket holding the work documents of runs in progress, which expire',
      Value: ref('WorkBucket'),
    },
    AlertTopicArn: { Description: 'The topic alerts are published to', Value: settings.alertTopic },
  };
}
