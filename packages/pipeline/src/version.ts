import { readFileSync } from 'node:fs';

/** medslim's version (root package.json) and, when run from a git checkout, the commit — the code version recorded in lineage. */
export const medslimVersion: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
})();
