/**
 * Serve the inference app locally with `@hono/node-server` (HTTP/1.1 keep-alive), alone
 * (`medslim serve --infer-only`) or together with the platform API on one port (`medslim serve`).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

type Fetch = (req: Request, ...rest: never[]) => Response | Promise<Response>;

/** A listening server. */
export interface RunningInferServer {
  /** Base URL, e.g. `http://127.0.0.1:8788`. */
  url: string;
  port: number;
  /** Stop accepting connections and close open ones. */
  close(): Promise<void>;
}

/** Paths the inference app answers (everything else goes to the API when combined). */
const INFER_PATH = /^\/v1\/models\/[^/]+\/(?:predict|metrics|versions\/[^/]+\/metrics)\/?$|^\/healthz$|^\/v1\/inference\/(?:openapi\.json|status)$/;

/** True for paths the inference app serves. */
export function isInferPath(pathname: string): boolean {
  return INFER_PATH.test(pathname);
}

/**
 * One fetch for API + inference on one port: predict, metrics and /healthz go to `infer`, the rest
 * to `api` (the API has no routes at those paths).
 */
export function combineFetch(api: { fetch: Fetch }, infer: { fetch: Fetch }): (req: Request, ...rest: unknown[]) => Response | Promise<Response> {
  return (req, ...rest) => {
    const url = req.url;
    const start = url.indexOf('/', url.indexOf('//') + 2);
    const q = url.indexOf('?', start);
    const path = start < 0 ? '/' : url.slice(start, q < 0 ? undefined : q);
    // Forward the server's bindings (e.g. node-server's { incoming, outgoing }) unchanged.
    return (isInferPath(path) ? infer : api).fetch(req, ...(rest as never[]));
  };
}

/**
 * Listen on `host:port` (default 127.0.0.1:8788; port 0 picks a free one). Keep-alive connections
 * stay open 65 s idle (longer than typical load balancer idle timeouts).
 * @throws the listen error (EADDRINUSE with the port in the message).
 */
export function startInferServer(app: { fetch: Fetch }, opts: { port?: number; host?: string } = {}): Promise<RunningInferServer> {
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch as (req: Request) => Promise<Response>, port: opts.port ?? 8788, hostname: host }, (info: AddressInfo) => {
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as Server).closeAllConnections?.();
          }),
      });
    }) as Server;
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? Object.assign(new Error(`port ${opts.port} on ${host} is already in use; pick another with --port`), { code: e.code }) : e);
    });
  });
}
