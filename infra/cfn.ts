// CloudFormation intrinsics as plain objects, which serverless passes through
// to the template (it resolves only its own `${sls:…}`, `${opt:…}` and
// `${self:…}` variables inside them).

/** A string CloudFormation substitutes `${AWS::AccountId}`-style references in. */
export type CfnString = string | { readonly 'Fn::Sub': string };
/** A resource's ARN: a literal or substituted string, or a reference to a resource of the stack. */
export type CfnArn =
  | CfnString
  | { readonly Ref: string }
  | { readonly 'Fn::GetAtt': readonly [string, string] };
/** `Fn::If`: the first value when the named condition holds, else the second. */
export interface CfnIf<T> {
  readonly 'Fn::If': readonly [string, T, T | { readonly Ref: 'AWS::NoValue' }];
}

export const noValue = { Ref: 'AWS::NoValue' } as const;

export const sub = (text: string) => ({ 'Fn::Sub': text }) as const;
export const ref = (logicalId: string) => ({ Ref: logicalId }) as const;
export const getAtt = (logicalId: string, attribute = 'Arn') =>
  ({ 'Fn::GetAtt': [logicalId, attribute] }) as const;

/** `value` when the condition holds, else nothing at all (AWS::NoValue). */
export function onlyIf<T>(condition: string, value: T): CfnIf<T> {
  return { 'Fn::If': [condition, value, noValue] };
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`, the partition and account CloudFormation's. */
export function arn(service: string, region: string, resource: string): CfnString {
  return sub(`arn:\${AWS::Partition}:${service}:${region}:\${AWS::AccountId}:${resource}`);
}

/** `discover-databases` → `DiscoverDatabases`: the logical ids serverless and the stack derive from a name. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The deployment this stack tags and matches with, `<stage>-<region>` (src/domain/deployment.ts). */
export const DEPLOYMENT = sub('${sls:stage}-${AWS::Region}');
/**
 * The names of the stack's resources: the CLI (--target aws) finds the state
 * machines as restorable-<stage>-<workflow>, stage and region taken from the
 * same configuration (aws.stage, aws.region); `--stage` overrides the stage.
 */
export const PREFIX = 'restorable-${sls:stage}';
/** How long the functions' and the state machines' logs are kept. */
export const LOG_RETENTION_DAYS = 90;
