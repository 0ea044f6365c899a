// A test file's own copy of a shared local cloud (seeded-clouds.global-setup.ts).
import { cp } from 'node:fs/promises';
import { inject } from 'vitest';

/** Copies the shared cloud `which` to `stateDir`, for this file alone. */
export async function copyOfSeededCloud(which: 'seeded' | 'backedUp', stateDir: string): Promise<string> {
  await cp(inject('seededClouds')[which], stateDir, { recursive: true });
  return stateDir;
}
