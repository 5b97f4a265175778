// Entry of medslim's worker threads: the project runs TypeScript through tsx, which a worker does not inherit,
// so this plain-JS file registers tsx in the worker and then loads the TypeScript module named by workerData.entry.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
