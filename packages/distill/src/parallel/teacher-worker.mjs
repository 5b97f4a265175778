// Entry of the online teacher's thread (online-teacher.ts); see train-worker.mjs.
import { register } from 'tsx/esm/api';

register();
await import('./teacher-thread.ts');
