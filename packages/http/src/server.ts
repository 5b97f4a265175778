/**
 * Serve a Hono app (or any `fetch`) locally with `@hono/node-server`: the API and the inference app
 * together (`medslim serve`), the inference app alone (`--infer-only`), tests and benchmarks.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

type Fetch = (req: Request, ...rest: never[]) => Response | Promise<Response>;

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
 * Listen with `app.fetch` on `host:port`. Keep-alive connections stay open 65 s idle (longer than
 * typical load balancer idle timeouts).
 * @throws the listen error (EADDRINUSE with the port in the message and the fix).
 */
export function startServer(app: { fetch: Fetch }, opts: ServerOptions = {}): Promise<RunningServer> {
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
            server.closeAllConnections?.();
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
