import { resolve } from 'node:path';
import { readSstLinks, storeConfig } from '@medslim/config';
import { createBlobStore, isId, parseStoreUrl } from '@medslim/registry';
import type { WorkerMessage } from '@medslim/jobs';
import { Worker } from '@medslim/jobs';
import { UsageError } from '../errors.ts';
import { commandFlags } from '../options.ts';

export const workerUsage = `usage: medslim worker [--data-dir .medslim] [--once | --job <id>] [--store <url>]

Run queued jobs (quantize) from the store: claim one at a time, report progress, register the
result as a new model version. On start it marks jobs left running by a crashed worker as failed.
'medslim serve' starts one for you; run more on other machines against the same S3 store.

options:
  --data-dir <dir>   local store under <dir>/store
  --store <url>      another store: s3://bucket/prefix?region=… or fs:<dir>
                     (neither flag: MEDSLIM_STORE, MEDSLIM_BUCKET, the SST link Store, MEDSLIM_DATA_DIR, else .medslim)
  --once             run what is queued now, then exit
  --job <id>         run exactly this job, then exit (AWS Batch)
  --lease-seconds <n> heartbeat lease (default 30): a job not heartbeated this long counts as abandoned`;

/** `medslim worker`: polls until SIGINT / SIGTERM (or, as a child of `medslim serve`, until told to stop). */
export async function worker(argv: string[], out: (s: string) => void): Promise<number> {
  const values = commandFlags(argv, workerUsage, out, {
    'data-dir': { type: 'string' },
    store: { type: 'string' },
    once: { type: 'boolean' },
    job: { type: 'string' },
    'lease-seconds': { type: 'string' },
  });
  if (!values) return 0;
  if (values.once && values.job) throw new UsageError('pass either --once or --job, not both');
  if (values.job !== undefined && !isId('job', values.job)) throw new UsageError(`--job must be a job id like job_…; got '${values.job}'`);
  const lease = values['lease-seconds'] === undefined ? 30 : Number(values['lease-seconds']);
  if (!(Number.isInteger(lease) && lease >= 2)) throw new UsageError(`--lease-seconds must be an integer ≥ 2; got '${values['lease-seconds']}'`);
  // Flags first, then the environment as @medslim/config reads it (the worker image gets MEDSLIM_STORE).
  const url = values.store ?? (values['data-dir'] !== undefined ? `fs:${resolve(values['data-dir'], 'store')}` : storeConfig(process.env, readSstLinks(process.env)).url);
  let store;
  try {
    store = createBlobStore(parseStoreUrl(url));
  } catch (e) {
    throw new UsageError(`--store: ${(e as Error).message}`);
  }
  const w = new Worker({ store, leaseMs: lease * 1000 });

  if (values.job) {
    const job = await w.runJob(values.job);
    out(`job ${job.id}: ${job.status}${job.result ? ` → ${job.result.model} v${job.result.version}` : ''}${job.error ? ` [${job.error.code}] ${job.error.message}` : ''}\n`);
    return job.status === 'succeeded' ? 0 : 1;
  }
  await w.recover();
  if (values.once) {
    let n = 0;
    while (await w.runOnce()) n++;
    out(`ran ${n} job${n === 1 ? '' : 's'}\n`);
    return 0;
  }

  w.start();
  process.stderr.write(`medslim worker: ${w.id} polling ${store.describe()}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (process.send) {
      process.on('message', (m: WorkerMessage) => {
        if (m?.type === 'wake') w.kick();
        else if (m?.type === 'cancel') w.notifyCancel(m.id);
        else if (m?.type === 'stop') stop();
      });
      process.once('disconnect', stop); // the server is gone: do not outlive it
    }
  });
  await w.stop();
  process.disconnect?.();
  return 0;
}
