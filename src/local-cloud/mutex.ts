// A minimal in-process mutex: callers of `run` execute one at a time, in the
// order they called. The local cloud keeps one per region so that quota checks
// and the file writes they guard do not interleave between concurrent calls.
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(critical: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    const { promise: done, resolve: release } = Promise.withResolvers<void>();
    this.#tail = previous.then(() => done);
    await previous;
    try {
      return await critical();
    } finally {
      release();
    }
  }
}
