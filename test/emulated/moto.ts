// What the emulated tests share: the endpoint of the moto_server started by
// the global setup, a reset between test files, and dummy credentials (moto
// accepts any).
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

/**
 * Creates a symmetric KMS key in `region` and returns its ARN. A signed
 * `TrentService.CreateKey` request, as @aws-sdk/client-kms sends it: the
 * project does not depend on the KMS client (the stack creates its keys), so
 * this one call is made with the SDK's own signer over fetch.
 */
export async function createKmsKey(region: string, description: string): Promise<string> {
  const endpoint = new URL(motoEndpoint());
  const signer = new SignatureV4({ service: 'kms', region, credentials, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path: '/',
    query: {},
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'TrentService.CreateKey',
    },
    body: JSON.stringify({
      Description: description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
    }),
  });
  const response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body: signed.body });
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
