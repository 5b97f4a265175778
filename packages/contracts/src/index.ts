/**
 * @medslim/contracts — the one schema of each document that crosses a boundary.
 *
 * Every package, function and the console import these schemas (or types inferred from them);
 * validators, OpenAPI documents and the console's client are derived from them, never written
 * again by hand. This package depends on zod alone so that any bundle (and the browser) may import it.
 * Schemas that become named OpenAPI components carry `.meta({ id })`.
 */
/** Names, roles, actors, the error body. */
export * from './common.ts';
/** report.json: stages, test metrics, the clinical safety gate. */
export * from './reports.ts';
/** Registry documents (keys, uploads, models, versions, aliases, audit) and the requests about them. */
export * from './registry.ts';
/** The job document, its events, and POST /v1/jobs. */
export * from './jobs.ts';
/** Job specs and options with their bounds and documented defaults; the job-type table. */
export * from './job-options.ts';
/** Serving: predict request/response, metrics with cost, health. */
export * from './serving.ts';
/** The model interface: input, class-score output and kind, preprocessing contract, where each came from. */
export * from './model-interface.ts';
