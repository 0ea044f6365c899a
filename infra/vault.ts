// restorable's vault stack: deployed in the vault account (configuration
// `vault`), which keeps a copy of every day's snapshot that the source
// account can make but never delete (see the README, "Deploying the vault
// stack"). It holds the writer role the source account's advance-backup
// function assumes to copy into the vault (infra/vault-writer.ts), and the
// vault's own alert topic. serverless reads serverless-vault.mjs, which is
// this module.
//
// Build with `npm run bundle` (the same configuration as the main stack, with
// vault.sourceAccountId set), then package or deploy with the main stack's
// stage, in the vault account, by default in the first vault region:
//   npx serverless package --config serverless-vault.mjs --region eu-central-1
//   npx serverless deploy --config serverless-vault.mjs --region eu-central-1
import { getAtt, ref } from './cfn.ts';
import type { Resources } from './generate.ts';
import { policy } from './iam.ts';
import { alertTopicResources } from './resources.ts';
import { readStackSettings, type StackSettings } from './settings.ts';
import { drillStatements, drillTrustPolicy, writerStatements, writerTrustPolicy } from './vault-writer.ts';

/** The names of the vault stack's resources: the stack is `restorable-vault-<stage>`. */
const VAULT_PREFIX = 'restorable-vault-${sls:stage}';

/** The vault settings the stack needs, or why it cannot be packaged from these settings. */
function vaultStackInputs(settings: Pick<StackSettings, 'vault' | 'configFile'>) {
  const { vault } = settings;
  if (vault === undefined) {
    throw new Error(
      `${settings.configFile} names no vault account (vault): there is no vault stack to package`,
    );
  }
  const { sourceAccountId } = vault;
  if (sourceAccountId === undefined) {
    throw new Error(
      `${settings.configFile}: vault.sourceAccountId is not set: the vault stack's writer role trusts the source account's advance-backup role, and needs that account's id`,
    );
  }
  const [firstRegion] = vault.regions;
  if (firstRegion === undefined) throw new Error(`${settings.configFile}: vault.regions is empty`);
  return { vault, sourceAccountId, firstRegion: firstRegion.region };
}

const settings = readStackSettings();
const { vault, sourceAccountId, firstRegion } = vaultStackInputs(settings);

const writer: Resources = {
  WriterRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      // Exactly vault.roleName: the main stack's advance-backup role may
      // assume this name in the vault account, and no other.
      RoleName: vault.roleName,
      Description: `The source account ${sourceAccountId}'s advance-backup function copies its shared snapshots into the vault; it deletes nothing`,
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: writerTrustPolicy(sourceAccountId),
      Policies: [
        policy(
          'vault-writer',
          writerStatements({ vault, sourceAccountId, sourceRegion: settings.sourceRegion }),
        ),
      ],
    },
  },
  DrillRole: {
    Type: 'AWS::IAM::Role',
    Properties: {
      // Exactly vault.drillRoleName: the main stack's drill functions may
      // assume this name in the vault account, and no other.
      RoleName: vault.drillRoleName,
      Description: `The source account ${sourceAccountId}'s drill functions read the vault's copies, share them with it and mark proven-bad ones; it deletes nothing`,
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: drillTrustPolicy(sourceAccountId),
      Policies: [
        policy(
          'vault-drills',
          drillStatements({ vault, sourceAccountId, sourceRegion: settings.sourceRegion }),
        ),
      ],
    },
  },
};

export default {
  service: 'restorable-vault',
  frameworkVersion: '4',
  configValidationMode: 'error',
  custom: { stage: settings.stage },
  provider: {
    name: 'aws',
    // The first vault region, which --region overrides.
    region: firstRegion,
    // The main stack's stage (aws.stage, which --stage overrides): the writer
    // role trusts that stage's advance-backup role only.
    stage: '${opt:stage, self:custom.stage}',
    deploymentBucket: { blockPublicAccess: true },
    stackTags: { application: 'restorable' },
  },
  resources: {
    Resources: { ...writer, ...alertTopicResources(VAULT_PREFIX) },
    Outputs: {
      WriterRoleArn: {
        Description: "The role the source account's advance-backup function assumes to copy into the vault",
        Value: getAtt('WriterRole'),
      },
      DrillRoleArn: {
        Description: "The role the source account's drill functions assume to drill from the vault",
        Value: getAtt('DrillRole'),
      },
      AlertTopicArn: { Description: "The vault's alert topic", Value: ref('AlertTopic') },
    },
  },
};
