// Entry of the job thread: medslim runs its TypeScript sources through tsx (no build step), and a
// worker thread starts without the parent's loader, so register it here first.
import { register } from 'tsx/esm/api';

register();
await import('./job-thread.ts');
