/**
 * Where this CLI's files are, whether it runs from its TypeScript sources (src/, through tsx) or from
 * the build (dist/, scripts/build.ts): a module's own URL says how deep it sits, so both are found
 * from the package folder instead.
 */
import { fileURLToPath } from 'node:url';

const PACKAGE = '/packages/cli/';
const here = import.meta.url;
/** The @medslim/cli package folder (…/packages/cli/). */
const CLI_ROOT = here.slice(0, here.lastIndexOf(PACKAGE) + PACKAGE.length);

/** The `medslim` executable, for starting the worker as a child process. */
export const medslimBin = fileURLToPath(new URL('bin/medslim.js', CLI_ROOT));

/** The built web console of this checkout (`npm run build -w web`). */
export const defaultConsoleDir = fileURLToPath(new URL('../../web/dist', CLI_ROOT));
