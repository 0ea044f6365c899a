// Specifications of the vault stack (serverless-vault.mjs, infra/vault.ts),
// read from what `serverless package` writes for a configuration with a
// vault account: the writer role only the source account's advance-backup
// role assumes, which copies and tags and deletes nothing, and the vault's
// own alert topic.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaFunctions } from '../../infra/functions.ts';
import { lambdaFunction } from '../../infra/generate.ts';
import { stackSettings } from '../../infra/settings.ts';
import { chooseConfigFile } from '../../scripts/bundle.ts';
import { loadConfig } from '../../src/config/load.ts';
import {
  allowing,
  asList,
  isObject,
  type JsonObject,
  type PackagedService,
  packageVault,
  policyStatements,
  properties,
  render,
  roleStatements,
  type Statement,
} from './template.ts';

const VAULT_ACCOUNT = '111122223333';
const SOURCE_ACCOUNT = '444455556666';
const SOURCE_REGION = 'eu-west-1';
const STAGE = 'staging';
const ROLE_NAME = 'restorable-vault-copier';
const CENTRAL_KEY = `arn:aws:kms:eu-central-1:${VAULT_ACCOUNT}:key/5a1e5a1e-0000-4000-8000-000000000001`;
const NORTH_ALIAS = `arn:aws:kms:eu-north-1:${VAULT_ACCOUNT}:alias/restorable-vault`;

const CONFIG = `
sourceRegion: ${SOURCE_REGION}
copyRegions:
  - region: eu-central-1
    kmsKeyId: alias/restorable
selection:
  tags: { backup: daily }
aws:
  stage: ${STAGE}
vault:
  accountId: "${VAULT_ACCOUNT}"
  sourceAccountId: "${SOURCE_ACCOUNT}"
  roleName: ${ROLE_NAME}
  regions:
    - region: eu-central-1
      kmsKeyArn: ${CENTRAL_KEY}
    - region: eu-north-1
      kmsKeyArn: ${NORTH_ALIAS}
`;

/** The stack settings `npm run bundle` writes for a configuration file, through RESTORABLE_CONFIG. */
function settingsOf(text: string): JsonObject {
  const file = join(mkdtempSync(join(tmpdir(), 'restorable-config-')), 'restorable.yml');
  writeFileSync(file, text);
  const { config } = loadConfig(chooseConfigFile({ RESTORABLE_CONFIG: file }));
  return JSON.parse(JSON.stringify(stackSettings(config, 'restorable.yml'))) as JsonObject;
}

/** Whether an ARN matches an IAM ArnLike pattern (`*` any run of characters, `?` one), in partition aws. */
function arnLike(pattern: string, arn: string): boolean {
  const concrete = pattern.replaceAll(`\${AWS::Partition}`, 'aws');
  const expression = concrete
    .split('')
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${expression}$`).test(arn);
}

/** The aws:PrincipalArn pattern of the writer role's one trust statement. */
function trustedPrincipalPattern(): string {
  const trust = properties(packaged.template, 'WriterRole').AssumeRolePolicyDocument;
  const [statement] = isObject(trust) && Array.isArray(trust.Statement) ? trust.Statement : [];
  const condition = isObject(statement) && isObject(statement.Condition) ? statement.Condition.ArnLike : null;
  return render(isObject(condition) ? condition['aws:PrincipalArn'] : null);
}

let packaged: PackagedService & { readonly service: string };
let statements: Statement[];

beforeAll(() => {
  packaged = packageVault(settingsOf(CONFIG));
  statements = roleStatements(packaged.template, 'WriterRole');
}, 120_000);

describe('the vault stack', () => {
  it('is restorable-vault-<stage>, packaged by default in the first vault region', () => {
    expect(`${packaged.service}-${packaged.provider.stage}`).toBe(`restorable-vault-${STAGE}`);
    expect(packaged.provider.region).toBe('eu-central-1');
  });

  it('refuses to package without vault.sourceAccountId, naming it', () => {
    const settings = settingsOf(CONFIG.replace(`  sourceAccountId: "${SOURCE_ACCOUNT}"\n`, ''));
    expect(() => packageVault(settings)).toThrow(/vault\.sourceAccountId is not set/);
  });

  it('refuses to package a configuration without a vault account', () => {
    const settings = settingsOf(CONFIG.slice(0, CONFIG.indexOf('vault:')));
    expect(() => packageVault(settings)).toThrow(/names no vault account/);
  });
});

describe('the writer role', () => {
  it('is named exactly vault.roleName, the name the main stack may assume', () => {
    expect(properties(packaged.template, 'WriterRole').RoleName).toBe(ROLE_NAME);
  });

  it("is assumed by the source account's advance-backup role alone", () => {
    const trust = properties(packaged.template, 'WriterRole').AssumeRolePolicyDocument;
    const trusted = isObject(trust) && Array.isArray(trust.Statement) ? trust.Statement : [];
    expect(trusted).toEqual([
      {
        Sid: 'SourceAdvanceBackupAssumes',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${SOURCE_ACCOUNT}:root` } },
        Action: 'sts:AssumeRole',
        Condition: {
          ArnLike: {
            'aws:PrincipalArn': {
              'Fn::Sub': `arn:\${AWS::Partition}:iam::${SOURCE_ACCOUNT}:role/restorable-${STAGE}-AdvanceBackupRole-*`,
            },
          },
        },
      },
    ]);
  });

  it("names the role CloudFormation creates for the main stack's advance-backup function, and no other", () => {
    // The main stack gives the role no name: CloudFormation names it
    // <stack>-<logical id>-<suffix>, the stack being restorable-<stage>.
    const main = settingsOf(CONFIG) as unknown as Parameters<typeof lambdaFunctions>[0];
    const advanceBackup = lambdaFunctions(main).find((fn) => fn.task.name === 'advance-backup');
    if (advanceBackup === undefined) throw new Error('the main stack has no advance-backup function');
    const { resources } = lambdaFunction(advanceBackup, { bundles: 'dist/functions', shipped: [] });
    const role = resources.AdvanceBackupRole;
    expect(role?.Type).toBe('AWS::IAM::Role');
    expect(Object.keys(role?.Properties ?? {})).not.toContain('RoleName');

    const principalPattern = `arn:\${AWS::Partition}:iam::${SOURCE_ACCOUNT}:role/restorable-${STAGE}-AdvanceBackupRole-*`;
    expect(trustedPrincipalPattern()).toBe(principalPattern);
    const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
    expect(
      arnLike(
        principalPattern,
        roleArn(SOURCE_ACCOUNT, `restorable-${STAGE}-AdvanceBackupRole-1A2B3C4D5E6F`),
      ),
    ).toBe(true);
    for (const other of [
      roleArn(SOURCE_ACCOUNT, `restorable-${STAGE}-PlanPruneRole-1A2B3C4D5E6F`),
      roleArn(SOURCE_ACCOUNT, `restorable-prod-AdvanceBackupRole-1A2B3C4D5E6F`),
      roleArn(VAULT_ACCOUNT, `restorable-${STAGE}-AdvanceBackupRole-1A2B3C4D5E6F`),
    ]) {
      expect(arnLike(principalPattern, other), other).toBe(false);
    }
  });

  it('uses RDS and KMS only, each action named (no wildcard, no NotAction)', () => {
    const actions = statements.flatMap((statement) => statement.actions);
    expect(actions.every((action) => /^(rds|kms):[A-Za-z]+$/.test(action))).toBe(true);
    expect(statements.every((statement) => statement.notActions.length === 0)).toBe(true);
    expect(statements.every((statement) => statement.Effect === 'Allow')).toBe(true);
  });

  it('copies with the ownership and source deployment tags required in the request', () => {
    for (const action of ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:AddTagsToResource']) {
      const granting = allowing(statements, action);
      expect(granting.length, action).toBeGreaterThan(0);
      for (const statement of granting) {
        expect(statement.Condition.StringEquals, action).toMatchObject({
          'aws:RequestTag/restorable:managed': 'true',
          'aws:RequestTag/restorable:deployment': `${STAGE}-${SOURCE_REGION}`,
        });
        expect(statement.Condition['ForAllValues:StringLike'], action).toEqual({
          'aws:TagKeys': 'restorable:*',
        });
      }
    }
  });

  it("copies from the source account's shared snapshots into the tool's snapshots of the vault regions", () => {
    const resourcesOf = (action: string) => allowing(statements, action).flatMap((s) => s.resources);
    expect(resourcesOf('rds:CopyDBSnapshot')).toEqual([
      `arn:\${AWS::Partition}:rds:eu-central-1:\${AWS::AccountId}:snapshot:restorable-*`,
      `arn:\${AWS::Partition}:rds:eu-north-1:\${AWS::AccountId}:snapshot:restorable-*`,
      `arn:\${AWS::Partition}:rds:${SOURCE_REGION}:${SOURCE_ACCOUNT}:snapshot:restorable-*`,
    ]);
    expect(resourcesOf('rds:CopyDBClusterSnapshot')).toEqual([
      `arn:\${AWS::Partition}:rds:eu-central-1:\${AWS::AccountId}:cluster-snapshot:restorable-*`,
      `arn:\${AWS::Partition}:rds:eu-north-1:\${AWS::AccountId}:cluster-snapshot:restorable-*`,
      `arn:\${AWS::Partition}:rds:${SOURCE_REGION}:${SOURCE_ACCOUNT}:cluster-snapshot:restorable-*`,
    ]);
  });

  it('tags only new copies of the vault regions: never re-tags a copy that carries the ownership tag', () => {
    const [tagging, ...others] = allowing(statements, 'rds:AddTagsToResource');
    expect(others).toEqual([]);
    expect(tagging?.resources).toEqual([
      `arn:\${AWS::Partition}:rds:eu-central-1:\${AWS::AccountId}:snapshot:restorable-*`,
      `arn:\${AWS::Partition}:rds:eu-north-1:\${AWS::AccountId}:snapshot:restorable-*`,
      `arn:\${AWS::Partition}:rds:eu-central-1:\${AWS::AccountId}:cluster-snapshot:restorable-*`,
      `arn:\${AWS::Partition}:rds:eu-north-1:\${AWS::AccountId}:cluster-snapshot:restorable-*`,
    ]);
    expect(tagging?.Condition.Null).toEqual({ 'aws:ResourceTag/restorable:managed': 'true' });
  });

  it('describes snapshots in the vault regions only', () => {
    for (const action of ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots']) {
      const [describing, ...others] = allowing(statements, action);
      expect(others).toEqual([]);
      expect(describing?.Condition.StringEquals).toEqual({
        'aws:RequestedRegion': ['eu-central-1', 'eu-north-1'],
      });
      expect(
        describing?.resources.every((arn) => /:rds:eu-(central|north)-1:\$\{AWS::AccountId\}:/.test(arn)),
      ).toBe(true);
    }
  });

  it('uses exactly the configured vault key of each region, through RDS of that region, with grants for AWS resources only', () => {
    const vaultKeyStatements = statements.filter((statement) => statement.Sid?.startsWith('VaultKey'));
    const byRegion = (region: string) =>
      vaultKeyStatements.filter(
        (statement) =>
          statement.Condition.StringEquals?.['kms:ViaService']?.toString() === `rds.${region}.amazonaws.com`,
      );
    expect(byRegion('eu-central-1').length + byRegion('eu-north-1').length).toBe(vaultKeyStatements.length);
    // A key given by its ARN: that key alone.
    expect(byRegion('eu-central-1').flatMap((s) => s.resources)).toEqual([CENTRAL_KEY, CENTRAL_KEY]);
    // A key given by an alias ARN: IAM matches keys only, so any key of that
    // region of the vault account that carries the alias.
    const north = byRegion('eu-north-1');
    expect(north.flatMap((s) => s.resources)).toEqual([
      `arn:aws:kms:eu-north-1:${VAULT_ACCOUNT}:key/*`,
      `arn:aws:kms:eu-north-1:${VAULT_ACCOUNT}:key/*`,
    ]);
    for (const statement of north) {
      expect(statement.Condition['ForAnyValue:StringEquals']).toEqual({
        'kms:ResourceAliases': 'alias/restorable-vault',
      });
    }
    expect(vaultKeyStatements.flatMap((s) => s.actions).sort()).toEqual([
      'kms:CreateGrant',
      'kms:CreateGrant',
      'kms:DescribeKey',
      'kms:DescribeKey',
    ]);
    for (const statement of allowing(vaultKeyStatements, 'kms:CreateGrant')) {
      expect(statement.Condition.Bool).toEqual({ 'kms:GrantIsForAWSResource': 'true' });
    }
  });

  it("decrypts the shared copies with the source's share key only through RDS, and names no other account's key", () => {
    const kmsStatements = statements.filter((statement) =>
      statement.actions.some((action) => action.startsWith('kms:')),
    );
    const shareKeys = `arn:\${AWS::Partition}:kms:${SOURCE_REGION}:${SOURCE_ACCOUNT}:key/*`;
    const sharing = kmsStatements.filter((statement) => statement.resources.includes(shareKeys));
    expect(sharing.flatMap((s) => s.actions).sort()).toEqual([
      'kms:CreateGrant',
      'kms:Decrypt',
      'kms:DescribeKey',
    ]);
    for (const statement of sharing) {
      expect(statement.resources).toEqual([shareKeys]);
      expect(statement.Condition.StringEquals?.['kms:ViaService']).toEqual([
        `rds.${SOURCE_REGION}.amazonaws.com`,
        'rds.eu-central-1.amazonaws.com',
        'rds.eu-north-1.amazonaws.com',
      ]);
    }
    expect(allowing(sharing, 'kms:CreateGrant')[0]?.Condition.Bool).toEqual({
      'kms:GrantIsForAWSResource': 'true',
    });
    const keys = new Set(kmsStatements.flatMap((statement) => statement.resources));
    expect(keys).toEqual(new Set([CENTRAL_KEY, `arn:aws:kms:eu-north-1:${VAULT_ACCOUNT}:key/*`, shareKeys]));
  });
});

describe('what nothing in the vault stack may do', () => {
  const FORBIDDEN = [/^rds:Delete/, /^rds:Modify/, /^s3:Delete/, /^kms:ScheduleKeyDeletion$/];
  const forbidden = (action: string) => FORBIDDEN.some((pattern) => pattern.test(action));

  // Sharing a vault copy with the source account, for a drill from the
  // vault: a share lets the source restore and copy it, never delete it.
  const SHARES = ['rds:ModifyDBSnapshotAttribute', 'rds:ModifyDBClusterSnapshotAttribute'];

  it('no role may delete or modify a snapshot, delete an object, or schedule a key deletion; the drill role may only share', () => {
    const identity = policyStatements(packaged.template).filter((located) => located.kind === 'identity');
    expect(identity.length).toBeGreaterThan(0);
    for (const { holder, statement } of identity) {
      const found = statement.actions.filter(forbidden);
      if (holder === 'DrillRole' && found.length > 0 && found.every((action) => SHARES.includes(action))) {
        expect(statement.Condition.StringEquals?.['aws:ResourceTag/restorable:managed'], holder).toBe('true');
        continue;
      }
      expect(found, holder).toEqual([]);
      expect(
        statement.actions.some((action) => action.includes('*')),
        holder,
      ).toBe(false);
    }
  });

  it("no resource policy allows any of it, but the alert key's own administration by the vault account", () => {
    for (const { holder, kind, statement } of policyStatements(packaged.template)) {
      if (statement.Effect !== 'Allow' || kind === 'identity') continue;
      const found = statement.actions.filter(forbidden);
      if (found.length === 0) continue;
      // Deleting the alert topic's key (with the stack) takes it; no vault
      // copy is encrypted with it.
      expect([holder, found, statement.Principal]).toEqual([
        'AlertsKey',
        ['kms:ScheduleKeyDeletion'],
        { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` } },
      ]);
    }
  });
});

describe('the drill role', () => {
  const drillRole = () => packaged.template.Resources.DrillRole;

  it('is named vault.drillRoleName, and only the source account’s drill functions may assume it', () => {
    const role = drillRole();
    expect(role?.Properties?.RoleName).toBe('restorable-vault-drills');
    const [trust, ...others] = asList(
      isObject(role?.Properties?.AssumeRolePolicyDocument)
        ? role.Properties.AssumeRolePolicyDocument.Statement
        : [],
    );
    expect(others).toEqual([]);
    const patterns = asList(
      isObject(trust) && isObject(trust.Condition) && isObject(trust.Condition.ArnLike)
        ? trust.Condition.ArnLike['aws:PrincipalArn']
        : undefined,
    ).map(render);
    expect(patterns.sort()).toEqual(
      ['MarkSnapshotProvenBadRole', 'PlanDrillsRole', 'RestoreSandboxRole'].map(
        (name) => `arn:\${AWS::Partition}:iam::${SOURCE_ACCOUNT}:role/restorable-${STAGE}-${name}-*`,
      ),
    );
  });

  it('tags a vault copy with the proven-bad tag only, and copies nothing', () => {
    const statements = roleStatements(packaged.template, 'DrillRole');
    const tagging = allowing(statements, 'rds:AddTagsToResource');
    expect(tagging).toHaveLength(1);
    expect(tagging[0]?.Condition['ForAllValues:StringEquals']).toEqual({
      'aws:TagKeys': ['restorable:proven-bad'],
    });
    expect(
      statements.flatMap((statement) => statement.actions).filter((action) => action.startsWith('rds:Copy')),
    ).toEqual([]);
  });
});

describe("the vault's alert topic", () => {
  it('is encrypted with a key of the stack, and an output', () => {
    const topic = properties(packaged.template, 'AlertTopic');
    expect(topic.TopicName).toBe(`restorable-vault-${STAGE}-alerts`);
    expect(topic.KmsMasterKeyId).toEqual({ Ref: 'AlertsKey' });
    expect(properties(packaged.template, 'AlertsKey').EnableKeyRotation).toBe(true);
    expect(packaged.template.Outputs?.AlertTopicArn?.Value).toEqual({ Ref: 'AlertTopic' });
    expect(packaged.template.Outputs?.WriterRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['WriterRole', 'Arn'] });
  });
});
