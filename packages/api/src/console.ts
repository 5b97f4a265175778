/** The web console in front of the API on one local port (`medslim serve`; the server is @medslim/http's `startServer`). */
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

type Fetch = (req: Request) => Response | Promise<Response>;

/** Paths the API owns; everything else may be the console. */
const API_PATH = /^\/v1(?:\/|$)/;
/** A last path segment with an extension (a missing file, not a page: 404 rather than index.html). */
const FILE_LIKE = /\/[^/]*\.[a-z0-9]+$/i;

/**
 * Serve the built web console (`web/dist`) behind `api`: `/v1/…` and every method but GET/HEAD go
 * to `api`; other GETs too, and only what `api` answers 404 (e.g. not the inference app's
 * /healthz) gets the console's files, or index.html for a page path (SPA fallback). Hashed assets
 * are cached for a year, index.html is revalidated.
 * @example startServer({ fetch: withConsole(app.fetch, 'web/dist') }, { port: 8787 })
 */
export function withConsole(api: (req: Request) => Response | Promise<Response>, dir: string): Fetch {
  const cache = (path: string, c: { header: (k: string, v: string) => void }) =>
    c.header('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
  const site = new Hono();
  // Relative ./assets/… URLs of a deep link (/a/b) resolve to /a/assets/…: serve them from /assets.
  site.use('*', serveStatic({ root: dir, rewriteRequestPath: (p) => p.replace(/^.*(\/assets\/[^/]+)$/, '$1'), onFound: cache }));
  site.get('*', (c, next) => (FILE_LIKE.test(c.req.path) ? c.json({ error: { code: 'NOT_FOUND', message: `no file ${c.req.path} in the console` } }, 404) : next()));
  site.get('*', serveStatic({ root: dir, path: 'index.html', onFound: cache }));
  return async (req) => {
    const { pathname } = new URL(req.url);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATH.test(pathname)) return api(req);
    const res = await api(req);
    if (res.status !== 404) return res;
    await res.body?.cancel();
    return site.fetch(req);
  };
}
