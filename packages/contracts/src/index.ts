/**
 * @medslim/contracts — the one schema of each document that crosses a boundary.
 *
 * Every package, function and the console import these schemas (or types inferred from them);
 * validators, OpenAPI documents and the console's client are derived from them, never written
 * again by hand. This package depends on zod alone so that any bundle may import it.
 */
export {};
