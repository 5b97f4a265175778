/** The Hono environment of the API: what middleware puts on the context. */
import type { Principal, Registry } from '@medslim/registry';

export interface AppEnv {
  Variables: {
    /** The authenticated caller (set by the auth middleware). */
    principal: Principal;
    /** The registry on the app's store. */
    registry: Registry;
  };
}
