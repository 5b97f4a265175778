import pkg from '../../../package.json' with { type: 'json' };

/** medslim's version (the root package.json's, inlined by the build) — the code version recorded in lineage. */
export const medslimVersion: string = pkg.version;
