/** Hono context variables of the inference app. */
import type { Context } from 'hono';

/** The caller, as the `authenticate` dependency answers for a bearer key. */
export interface Caller {
  tenant: string;
  role: string;
}

/** Checks a bearer key: the caller it belongs to, or null for an unknown key. */
export type Authenticate = (bearer: string) => Promise<Caller | null>;

export interface InferEnv {
  Variables: {
    /** Set by the auth middleware. */
    caller: Caller;
    /** `performance.now()` when the request reached the app. */
    startedAt: number;
  };
}

export type InferContext = Context<InferEnv>;
