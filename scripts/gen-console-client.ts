/**
 * Generates the console's API operation table (web/src/lib/operations.gen.ts) from the API's OpenAPI
 * document — itself generated from the @medslim/contracts schemas — so every call the console makes names
 * a route the API serves, with its path parameters, query, request body and response typed from the same
 * schemas. A route renamed, removed or retyped in the API breaks `npm run typecheck` of web/ until this
 * is re-run; tests/console-client.test.ts fails while the committed file differs from what this prints.
 *
 *   npx tsx scripts/gen-console-client.ts          # rewrite web/src/lib/operations.gen.ts
 *   npx tsx scripts/gen-console-client.ts --check  # exit 1 when the committed file is out of date
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as contracts from '@medslim/contracts';
import { createApp } from '@medslim/api';
import { FsBlobStore } from '@medslim/registry';

export const OPERATIONS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'src', 'lib', 'operations.gen.ts');

/** A JSON schema as the OpenAPI 3.0 document writes it (the parts the generator reads). */
interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: boolean | Schema;
}
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/** The API's OpenAPI document, as the app serves it. */
export async function apiDocument(): Promise<{ paths: Record<string, Record<string, Operation>> }> {
  const dir = mkdtempSync(join(tmpdir(), 'medslim-openapi-'));
  try {
    const app = createApp({ store: new FsBlobStore(dir, { fsync: false }), log: () => {} });
    return (await (await app.request('/v1/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let byId: Map<string, string> | undefined;
/** The exported @medslim/contracts schema of each OpenAPI component id (`.meta({ id })`), by export name. */
function schemaById(): Map<string, string> {
  if (!byId) {
    byId = new Map();
    for (const [name, value] of Object.entries(contracts)) {
      const id = (value as { meta?: () => { id?: string } | undefined }).meta?.()?.id;
      if (typeof id === 'string' && !byId.has(id)) byId.set(id, name);
    }
  }
  return byId;
}

/** TypeScript for a schema; `$ref`s become the contracts schema's output (or input, for request bodies) type. */
function tsType(s: Schema | undefined, side: 'Out' | 'In'): string {
  if (!s) return 'unknown';
  let t: string;
  if (s.$ref) {
    const id = s.$ref.replace('#/components/schemas/', '');
    const schema = schemaById().get(id);
    if (!schema) throw new Error(`component '${id}' is no exported schema of @medslim/contracts (.meta({ id: '${id}' }))`);
    t = `${side}<typeof C.${schema}>`;
  } else if (s.anyOf || s.oneOf) {
    t = (s.anyOf ?? s.oneOf)!.map((x) => tsType(x, side)).join(' | ');
  } else if (s.enum) {
    t = s.enum.map((v) => JSON.stringify(v)).join(' | ');
  } else if (s.type === 'array') {
    t = `Array<${tsType(s.items, side)}>`;
  } else if (s.type === 'object' || s.properties) {
    const req = new Set(s.required ?? []);
    const fields = Object.entries(s.properties ?? {}).map(([k, v]) => `${JSON.stringify(k)}${req.has(k) ? '' : '?'}: ${tsType(v, side)}`);
    t = fields.length ? `{ ${fields.join('; ')} }` : 'Record<string, unknown>';
  } else if (s.type === 'integer' || s.type === 'number') {
    t = 'number';
  } else if (s.type === 'string' || s.type === 'boolean') {
    t = s.type;
  } else {
    t = 'unknown';
  }
  return s.nullable ? `${t} | null` : t;
}

/** The generated module's text. */
export async function generate(): Promise<string> {
  const doc = await apiDocument();
  const lines: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters ?? [];
      const group = (where: string) => {
        const ps = params.filter((p) => p.in === where);
        return ps.length ? `{ ${ps.map((p) => `${p.name}${p.required ? '' : '?'}: ${p.in === 'path' ? 'string | number' : tsType(p.schema, 'In')}`).join('; ')} }` : 'never';
      };
      const body = op.requestBody?.content?.['application/json']?.schema;
      const ok = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      const json = ok.map(([, r]) => r.content?.['application/json']?.schema).filter((x): x is Schema => x !== undefined);
      const response = json.length ? [...new Set(json.map((x) => tsType(x, 'Out')))].join(' | ') : 'never';
      lines.push(`  ${JSON.stringify(`${method.toUpperCase()} ${path}`)}: { path: ${group('path')}; query: ${group('query')}; body: ${body ? tsType(body, 'In') : 'never'}; response: ${response} };`);
    }
  }
  return `// GENERATED by scripts/gen-console-client.ts from the API's OpenAPI document (itself generated from
// @medslim/contracts). Do not edit: run \`npx tsx scripts/gen-console-client.ts\` after changing a route.
import type * as C from '@medslim/contracts';

/** A zod schema's output type (what the API answers) and input type (what a request may send). */
type Out<S> = S extends { _zod: { output: infer O } } ? O : never;
type In<S> = S extends { _zod: { input: infer I } } ? I : never;

/** Every operation of the API by \`METHOD /path\`: its path parameters, query, JSON body and JSON response. */
export interface Operations {
${lines.join('\n')}
}

export type OperationKey = keyof Operations;
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generate();
  if (process.argv.includes('--check')) {
    const current = readFileSync(OPERATIONS_FILE, 'utf8');
    if (current !== text) {
      console.error(`${OPERATIONS_FILE} is out of date: run npx tsx scripts/gen-console-client.ts`);
      process.exit(1);
    }
    console.log(`${OPERATIONS_FILE} is up to date`);
  } else {
    writeFileSync(OPERATIONS_FILE, text);
    console.log(`wrote ${OPERATIONS_FILE}`);
  }
}
