/** @medslim/cli — the `medslim` command. */
export { main } from './main.ts';
