/**
 * The console's API operation table (web/src/lib/operations.gen.ts) is what scripts/gen-console-client.ts
 * generates from the API's OpenAPI document today: a route changed in the API without regenerating fails here
 * (and a console call of a route that no longer exists fails web's type check).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiDocument, generate, OPERATIONS_FILE } from '../scripts/gen-console-client.ts';

describe("console's generated API client", () => {
  it('operations.gen.ts is up to date with the API document (run npx tsx scripts/gen-console-client.ts)', async () => {
    expect(readFileSync(OPERATIONS_FILE, 'utf8')).toBe(await generate());
  });

  it('has one entry per operation of the document', async () => {
    const doc = await apiDocument();
    const keys = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    const text = readFileSync(OPERATIONS_FILE, 'utf8');
    const entries = [...text.matchAll(/^ {2}"([A-Z]+ \/[^"]+)": \{/gm)].map((m) => m[1]);
    expect(entries).toEqual(keys);
    expect(entries).toContain('GET /v1/models/{name}/versions/{v}');
  });
});
