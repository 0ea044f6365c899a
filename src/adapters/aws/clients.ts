// One SDK client per region and factory, kept for the life of the module: a
// Lambda container reuses its clients across invocations.
const caches = new WeakMap<(region: string) => unknown, Map<string, unknown>>();

/** What wraps each client made from now on (src/runtime/tracing.ts: X-Ray subsegments of every call). */
let instrument: (<C>(client: C) => C) | undefined;

export function instrumentClients(wrap: (<C>(client: C) => C) | undefined): void {
  instrument = wrap;
}

/** The client, wrapped as every client made now is. */
export function instrumented<C>(client: C): C {
  return instrument === undefined ? client : instrument(client);
}

export function clientForRegion<C>(factory: (region: string) => C, region: string): C {
  let clients = caches.get(factory);
  if (clients === undefined) {
    clients = new Map();
    caches.set(factory, clients);
  }
  let client = clients.get(region) as C | undefined;
  if (client === undefined) {
    client = instrumented(factory(region));
    clients.set(region, client);
  }
  return client;
}
