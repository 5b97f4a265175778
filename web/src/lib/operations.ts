/**
 * Typed requests by operation (`'GET /v1/models/{name}'`): the table is generated from the API's OpenAPI
 * document (operations.gen.ts, scripts/gen-console-client.ts), so a call names a route the API serves, with
 * the path parameters, query, body and response its schemas say.
 */
import type { OperationKey, Operations } from './operations.gen.ts';

export type { OperationKey, Operations } from './operations.gen.ts';

type Has<T> = [T] extends [never] ? false : true;
/** What a call of operation `K` takes besides the key: path parameters, query and body where the route has them. */
export type OperationArgs<K extends OperationKey> = { signal?: AbortSignal; headers?: Record<string, string> } & (Has<Operations[K]['path']> extends true ? { path: Operations[K]['path'] } : { path?: undefined }) &
  (Has<Operations[K]['query']> extends true ? { query?: Operations[K]['query'] } : { query?: undefined }) &
  (Has<Operations[K]['body']> extends true ? { body: Operations[K]['body'] } : { body?: undefined });

/** The JSON an operation answers with (`never` for downloads, streams and text). */
export type OperationResponse<K extends OperationKey> = Operations[K]['response'];

/**
 * Method and origin-relative URL of an operation: `{name}`-style segments filled in (URL-encoded), query
 * parameters that are set appended in their given order.
 * @throws Error naming the parameter when a path parameter is missing
 */
export function operationUrl(key: OperationKey, path?: Record<string, string | number>, query?: Record<string, string | number | undefined>): { method: string; url: string } {
  const space = key.indexOf(' ');
  const method = key.slice(0, space);
  const filled = key.slice(space + 1).replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = path?.[name];
    if (v === undefined) throw new Error(`${key}: path parameter '${name}' missing`);
    return encodeURIComponent(String(v));
  });
  const q = Object.entries(query ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return { method, url: q.length ? `${filled}?${q.join('&')}` : filled };
}
