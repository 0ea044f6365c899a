#!/usr/bin/env node
// The `restorable` command. In a checkout it runs the TypeScript sources, which
// Node strips of their types. Node refuses to do that under node_modules, so
// the package ships no sources: installed, the command runs their JavaScript
// build, dist/cli/restorable.js (scripts/build-cli.ts; `npm pack` builds it).
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
let entry;
if (existsSync(sources)) {
  await import('../scripts/require-node.js');
  entry = sources;
} else {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 22) {
    console.error(`restorable needs Node >= 22 (24 recommended); this is Node ${process.versions.node}.`);
    process.exit(2);
  }
  // Stack traces of an installed command then name the TypeScript sources.
  process.setSourceMapsEnabled(true);
  entry = new URL('../dist/cli/restorable.js', import.meta.url);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
