// Drill settings are keyed by database id (drills.databases.<id>). A key that
// names no protected database is a typo or a leftover: the database it was
// meant for is drilled without its assertions, freshness query and targets, a
// weaker drill that would pass without saying so. Where the protected
// databases are known, such a key is an error that names the nearest id: at
// load when the selection is by ids alone, else when drills are planned.

/** Edit distance (insertions, deletions, substitutions), ignoring case as RDS identifiers do. */
function distance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The candidate closest to `name`, the first in order among equals; undefined when there is none. */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(name, candidate);
    if (best === undefined || score < best.distance) best = { candidate, distance: score };
  }
  return best?.candidate;
}

export interface UnknownDrillSettings {
  readonly key: string;
  readonly nearest: string | undefined;
}

/** The keys of drills.databases that name none of the protected databases, in the configuration's order. */
export function unknownDrillSettings(
  keys: Iterable<string>,
  protectedIds: readonly string[],
): UnknownDrillSettings[] {
  const known = new Set(protectedIds);
  return [...keys]
    .filter((key) => !known.has(key))
    .map((key) => ({ key, nearest: nearestName(key, protectedIds) }));
}

/** `(nearest: orders)`, or `(none is protected)`. */
export function nearestClause(unknown: UnknownDrillSettings): string {
  return unknown.nearest === undefined ? '(none is protected)' : `(nearest: ${unknown.nearest})`;
}
