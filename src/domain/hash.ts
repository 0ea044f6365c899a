// A short, stable fingerprint of a string, for names that must be unique but
// cannot hold the whole string (RDS identifiers are short). Not a security
// measure: nothing relies on it being hard to forge.

/** FNV-1a, 32 bits, as 8 hex digits: short, stable, and pure. */
export function fnv1a(value: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(value)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
