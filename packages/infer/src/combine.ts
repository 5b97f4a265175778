/** The inference app and the platform API on one port (`medslim serve`): which paths are the inference app's. */

type Fetch = (req: Request, ...rest: never[]) => Response | Promise<Response>;

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
