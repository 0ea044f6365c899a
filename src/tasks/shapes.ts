// Schemas of the values that travel between workflow states. They validate
// every task's input at the edge, whatever started the workflow.
import { z } from 'zod';

export const isoTime = z.iso.datetime({ offset: true });

export const databaseRef = z.object({
  kind: z.enum(['instance', 'cluster']),
  id: z.string().min(1),
});

export const protectedDatabase = databaseRef.extend({ engine: z.string().min(1) });

export const pollState = z.object({
  attempt: z.number().int().min(0),
  delaySeconds: z.number().int().min(0),
  deadline: isoTime,
});

/** What a Catch puts at its ResultPath: the error's name and its cause. */
export const caughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

export type CaughtError = z.infer<typeof caughtError>;

/**
 * Lambda errors arrive in a Catch as a JSON Cause with `errorMessage`; a
 * failed child execution (`startExecution.sync`) as `States.TaskFailed` with
 * the child's DescribeExecution as its Cause, whose own `Error` and `Cause`
 * say what failed; other integrations give plain text.
 */
export function describeCaughtError(error: CaughtError): string {
  if (error.Cause === undefined || error.Cause === '') return error.Error;
  try {
    const parsed: unknown = JSON.parse(error.Cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      return `${error.Error}: ${String(parsed.errorMessage)}`;
    }
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'Error' in parsed &&
      typeof parsed.Error === 'string'
    ) {
      const cause = 'Cause' in parsed && typeof parsed.Cause === 'string' ? parsed.Cause : undefined;
      return describeCaughtError({ Error: parsed.Error, ...(cause === undefined ? {} : { Cause: cause }) });
    }
  } catch {
    // not JSON: the cause is the message itself
  }
  return `${error.Error}: ${error.Cause}`;
}

/** A finding of the policy audits (domain/prune.ts `Finding`). */
export const finding = z.object({
  kind: z.string(),
  severity: z.enum(['violation', 'warning']),
  resource: z.string(),
  detail: z.string(),
});

const headroomOf = {
  region: z.string().min(1),
  kind: z.enum(['instance', 'cluster']),
  quota: z.string().min(1),
  added: z.number().int().min(0),
  removed: z.number().int().min(0),
};

/** A manual snapshot quota's headroom for the next backup (domain/snapshot-quota.ts). */
export const snapshotQuotaHeadroom = z.union([
  z.object({
    ...headroomOf,
    status: z.enum(['fits', 'exceeded']),
    used: z.number().int().min(0),
    max: z.number().int().min(0),
    headroom: z.number().int(),
  }),
  z.object({ ...headroomOf, status: z.literal('unknown'), reason: z.string() }),
]);
