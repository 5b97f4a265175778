// Entry of a data-parallel training thread (pool.ts): medslim runs its TypeScript sources through tsx, and a
// worker thread starts without the parent's loader, so register it first. The CLI build (scripts/build.ts)
// bundles train-thread.ts under this file's name next to the chunk that starts it.
import { register } from 'tsx/esm/api';

register();
await import('./train-thread.ts');
