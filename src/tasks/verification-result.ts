// How a verification travels back from the regional verifier: as the output
// of its state machine's execution, which Step Functions limits to 256 KiB
// ("Maximum input or output size for a task, state, or execution: 256 KiB of
// data as a UTF-8 encoded string", Step Functions service quotas,
// https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
// A result holds one inventory line per table, about 100 bytes each: a
// database of a few thousand tables (daily partitions over a few years)
// would pass that limit as plain JSON, and its drill could never succeed.
// Those lines repeat the same keys and names, so the result is sent
// gzip-compressed, which carries roughly ten times as many tables; a result
// still too large fails the verification with a VerificationTooLargeError
// that says so, rather than Step Functions' States.DataLimitExceeded.
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { InvalidInputError, VerificationTooLargeError } from '../domain/errors.ts';
import { parseVerification, type Verification } from '../reports/evidence.ts';
import { MAX_PAYLOAD_BYTES } from '../workflow-runner/execution-limits.ts';

export const packedVerification = z.object({
  encoding: z.literal('gzip-base64'),
  verification: z.string().min(1),
});

export type PackedVerification = z.infer<typeof packedVerification>;

/** The verification as the regional verifier returns it. Throws VerificationTooLargeError past the limit. */
export function packVerification(verification: Verification): PackedVerification {
  const packed: PackedVerification = {
    encoding: 'gzip-base64',
    verification: gzipSync(JSON.stringify(verification)).toString('base64'),
  };
  const bytes = Buffer.byteLength(JSON.stringify(packed), 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) {
    const tables = verification.inventory?.tables.length ?? 0;
    throw new VerificationTooLargeError(
      `the verification result (${tables} tables) is ${Math.ceil(bytes / 1024)} KiB compressed, above the ` +
        `${MAX_PAYLOAD_BYTES / 1024} KiB that a Step Functions execution returns: ` +
        'drill it in the stack region (drills.region, drill --region), whose verifier stores its result itself',
    );
  }
  return packed;
}

/**
 * The verification in a regional verifier's execution output: packed, or as
 * plain JSON from a regional verifier stack deployed before results were
 * packed. InvalidInputError when it is neither.
 */
export function unpackVerification(output: string, what: string): Verification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return parseVerification(output, what);
  }
  const packed = packedVerification.safeParse(parsed);
  if (!packed.success) return parseVerification(output, what);
  let text: string;
  try {
    text = gunzipSync(Buffer.from(packed.data.verification, 'base64')).toString('utf8');
  } catch (error) {
    throw new InvalidInputError(`${what}: the packed verification does not decompress`, { cause: error });
  }
  return parseVerification(text, what);
}
