#!/usr/bin/env node
// The `medslim` command. It runs the build (packages/cli/dist, `npm run build`, which `npm ci` runs)
// when the build exists and no source it was made from has changed since; otherwise it runs the
// TypeScript sources through tsx's loader (development: an edit takes effect without a rebuild).
import { readFileSync, statSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const root = new URL('../../../', dist);

/** True when dist/ was built after the last change to every source it was built from. */
function buildIsFresh() {
  let info;
  try {
    info = JSON.parse(readFileSync(new URL('build-info.json', dist), 'utf8'));
  } catch {
    return false;
  }
  try {
    return info.inputs.every((f) => statSync(new URL(f, root)).mtimeMs <= info.startedAt);
  } catch {
    return false; // a source was removed or renamed: the build is older than the checkout
  }
}

let main;
if (buildIsFresh()) {
  ({ main } = await import(new URL('medslim.mjs', dist).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
