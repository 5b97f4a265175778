/** Serve the API on a local port with `@hono/node-server`, optionally with the web console at `/`. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/** Options of `startServer`. */
export interface ServerOptions {
  /** Port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
}

/** A listening server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  port: number;
  /** Stop accepting connections and close open ones (SSE streams included). */
  close(): Promise<void>;
}

/**
 * Listen with `app.fetch` on `host:port`.
 * @throws the listen error (e.g. EADDRINUSE with the port in the message).
 */
export function startServer(app: { fetch: (req: Request, ...rest: never[]) => Response | Promise<Response> }, opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch as (req: Request) => Promise<Response>, port: opts.port ?? 8787, hostname: host }, (info: AddressInfo) => {
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? Object.assign(new Error(`port ${opts.port} on ${host} is already in use; pick another with --port`), { code: e.code }) : e);
    });
  });
}

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
