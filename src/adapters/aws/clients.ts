// One SDK client per region and factory, kept for the life of the module: a
// Lambda container reuses its clients across invocations.
const caches = new WeakMap<(region: string) => unknown, Map<string, unknown>>();

export function clientForRegion<C>(factory: (region: string) => C, region: string): C {
  let clients = caches.get(factory);
  if (clients === undefined) {
    clients = new Map();
    caches.set(factory, clients);
  }
  let client = clients.get(region) as C | undefined;
  if (client === undefined) {
    client = factory(region);
    clients.set(region, client);
  }
  return client;
}
