// Fails fast when npm runs on a Node older than the project needs. The `node`
// devDependency pins Node 24 for npm scripts; `npm ci --ignore-scripts` silently
// drops that pin, and the code relies on Node's built-in TypeScript support.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `restorable needs Node >= 22.18 (24 recommended); this is Node ${process.versions.node}.\n` +
      'Run it through npm (npm start, npm test, npx restorable) after a plain `npm ci`, ' +
      'which installs the pinned Node 24 into node_modules/.bin.',
  );
  process.exit(2);
}
