/** @medslim/http — HTTP plumbing shared by the API (packages/api) and the inference app (packages/infer). */
/** Listen with an app's `fetch` on host:port (`@hono/node-server`, keep-alive), keep-alive 65 s. */
export { startServer, type RunningServer, type ServerOptions } from './server.ts';
/** `Authorization: Bearer <key>` → the caller on the context, or the app's 401. */
export { bearerAuth, type BearerAuthOptions } from './bearer-auth.ts';
