// What the emulated tests share: the endpoint of the moto_server started by
// the global setup, a reset between test files, dummy credentials (moto
// accepts any), and the few calls of services the project has no SDK client
// for (KMS, EC2), made with the SDK's own signer over fetch.
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { inject } from 'vitest';

export const credentials = { accessKeyId: 'emulated', secretAccessKey: 'emulated' } as const;

export function motoEndpoint(): string {
  return inject('motoEndpoint');
}

/** Clears every service of the emulator (`POST /moto-api/reset`). */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${motoEndpoint()}/moto-api/reset`, { method: 'POST' });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`moto reset answered HTTP ${response.status}`);
}

/** Sends a SigV4-signed POST to the emulator, as the SDK client of `service` would. */
/** Credentials to sign with; moto tells accounts apart by them (those of an assumed role are the role's account). */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

async function signedPost(
  service: string,
  region: string,
  headers: Record<string, string>,
  body: string,
  signingCredentials: SigningCredentials = credentials,
): Promise<Response> {
  const endpoint = new URL(motoEndpoint());
  const signer = new SignatureV4({
    service,
    region,
    credentials: signingCredentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path: '/',
    query: {},
    headers: { host: endpoint.host, ...headers },
    body,
  });
  return fetch(endpoint, { method: 'POST', headers: signed.headers, body: signed.body });
}

/**
 * Creates a symmetric KMS key in `region` (of the account of the signing
 * credentials, the default one unless told) and returns its ARN. A signed
 * `TrentService.CreateKey` request, as @aws-sdk/client-kms sends it: the
 * project does not depend on the KMS client (the stack creates its keys).
 */
export async function createKmsKey(
  region: string,
  description: string,
  signingCredentials: SigningCredentials = credentials,
): Promise<string> {
  const response = await signedPost(
    'kms',
    region,
    { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.CreateKey' },
    JSON.stringify({ Description: description, KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT' }),
    signingCredentials,
  );
  const answer: unknown = await response.json();
  const arn = keyArnOf(answer);
  if (!response.ok || arn === undefined) {
    throw new Error(`KMS CreateKey in ${region} failed: HTTP ${response.status} ${JSON.stringify(answer)}`);
  }
  return arn;
}

function keyArnOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || !('KeyMetadata' in answer)) return undefined;
  const metadata = answer.KeyMetadata;
  if (typeof metadata !== 'object' || metadata === null || !('Arn' in metadata)) return undefined;
  return typeof metadata.Arn === 'string' ? metadata.Arn : undefined;
}

/** A VPC of the emulator with two subnets in different zones and a security group. */
export interface EmulatedNetwork {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
}

/**
 * Creates the network a sandbox is restored into (the stack's users bring
 * their own VPC): a VPC, a subnet in each of two availability zones, as a DB
 * subnet group requires, and a security group. EC2 query API calls, as
 * @aws-sdk/client-ec2 sends them (the project does not depend on it).
 */
export async function createNetwork(region: string): Promise<EmulatedNetwork> {
  const vpcId = await ec2Value(region, { Action: 'CreateVpc', CidrBlock: '10.20.0.0/16' }, 'vpcId');
  const subnetIds: string[] = [];
  for (const [index, zone] of ['a', 'b'].entries()) {
    subnetIds.push(
      await ec2Value(
        region,
        {
          Action: 'CreateSubnet',
          VpcId: vpcId,
          CidrBlock: `10.20.${index}.0/24`,
          AvailabilityZone: `${region}${zone}`,
        },
        'subnetId',
      ),
    );
  }
  const securityGroupId = await ec2Value(
    region,
    {
      Action: 'CreateSecurityGroup',
      VpcId: vpcId,
      GroupName: 'restorable-sandbox',
      GroupDescription: 'restore drill sandboxes',
    },
    'groupId',
  );
  return { vpcId, subnetIds, securityGroupId };
}

/** Calls an EC2 action and returns the first `<element>` of its XML answer. */
async function ec2Value(region: string, params: Record<string, string>, element: string): Promise<string> {
  const body = new URLSearchParams({ ...params, Version: '2016-11-15' }).toString();
  const response = await signedPost(
    'ec2',
    region,
    { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  );
  const text = await response.text();
  const value = new RegExp(`<${element}>([^<]+)</${element}>`).exec(text)?.[1];
  if (!response.ok || value === undefined) {
    throw new Error(
      `EC2 ${params.Action} in ${region} failed: HTTP ${response.status} ${text.slice(0, 500)}`,
    );
  }
  return value;
}
