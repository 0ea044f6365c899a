// Which AWS operations the product sent to the emulator: a middleware on each
// SDK client records every command (service, operation, input) before it is
// serialized, so a test can count them and look at what was asked.
import type { MiddlewareStack } from '@smithy/types';

export interface RecordedOperation {
  readonly service: string;
  /** The API operation, e.g. `CopyDBSnapshot`. */
  readonly operation: string;
  /** The command's input as the product built it (before any emulator workaround). */
  readonly input: Readonly<Record<string, unknown>>;
}

export class OperationLog {
  readonly #operations: RecordedOperation[] = [];

  /** Records every command `client` sends as an operation of `service`. */
  attach<Input extends object, Output extends object>(
    service: string,
    client: { middlewareStack: MiddlewareStack<Input, Output> },
  ): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        this.#operations.push({
          service,
          operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
          input: structuredClone(Object.fromEntries(Object.entries(args.input))),
        });
        return next(args);
      },
      { step: 'initialize', name: 'recordEmulatedOperation', priority: 'high' },
    );
  }

  /** Every operation recorded since `since` (an earlier `size`). */
  since(since = 0): readonly RecordedOperation[] {
    return this.#operations.slice(since);
  }

  get size(): number {
    return this.#operations.length;
  }

  /** Inputs of the calls of one operation, from `since` on. */
  inputsOf(operation: string, since = 0): readonly Readonly<Record<string, unknown>>[] {
    return this.since(since)
      .filter((recorded) => recorded.operation === operation)
      .map((recorded) => recorded.input);
  }

  /** `service operation` → number of calls, sorted by name. */
  counts(since = 0): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { service, operation } of this.since(since)) {
      const key = `${service} ${operation}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  }
}
