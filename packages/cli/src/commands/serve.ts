import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp, startServer } from '@medslim/api';
import { FsBlobStore, Registry } from '@medslim/registry';
import { LocalProcessRunner } from '@medslim/worker';
import { UsageError } from '../errors.ts';

export const serveUsage = `usage: medslim serve [--port 8787] [--host 127.0.0.1] [--data-dir .medslim] [options]

Start the medslim API (http://<host>:<port>/v1, OpenAPI document at /v1/openapi.json) and a worker
process for jobs, with models, uploads and jobs stored under <data-dir>/store. On the first start it
prints an admin API key once; set MEDSLIM_ADMIN_KEY to use a key of your own (scripted set-ups).
Ctrl-C stops both.

options:
  --port <n>                 port to listen on (default 8787; 0 picks a free one)
  --host <addr>              interface to listen on (default 127.0.0.1: this machine only)
  --data-dir <dir>           where the store lives (default .medslim)
  --max-upload-mb <n>        largest upload in MiB (default 512)
  --no-worker                do not start a worker (run 'medslim worker' yourself)`;

/** The `medslim` executable, for starting the worker as a child process. */
const medslimBin = fileURLToPath(new URL('../../bin/medslim.js', import.meta.url));

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** `medslim serve`: API + worker on the filesystem store until SIGINT / SIGTERM. */
export async function serve(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'max-upload-mb': { type: 'string' },
      'no-worker': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    out(serveUsage + '\n');
    return 0;
  }
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer in 0…65535; got '${values.port}'`);
  const maxMb = values['max-upload-mb'] === undefined ? 512 : Number(values['max-upload-mb']);
  if (!(Number.isInteger(maxMb) && maxMb >= 1)) throw new UsageError(`--max-upload-mb must be an integer ≥ 1; got '${values['max-upload-mb']}'`);
  const host = values.host ?? '127.0.0.1';
  const dataDir = resolve(values['data-dir'] ?? '.medslim');

  const store = new FsBlobStore(resolve(dataDir, 'store'));
  const envKey = process.env.MEDSLIM_ADMIN_KEY;
  const admin = await new Registry(store).keys.ensureAdmin(envKey ? { key: envKey } : {});
  const runner = values['no-worker']
    ? undefined
    : new LocalProcessRunner({ command: process.execPath, args: [medslimBin, 'worker', '--data-dir', dataDir], env: process.env });
  runner?.start();
  const app = createApp({ store, runner, maxUploadBytes: maxMb * 1024 * 1024 });
  let server;
  try {
    server = await startServer(app, { port, host });
  } catch (e) {
    await runner?.close();
    throw new UsageError((e as Error).message);
  }
  out(`medslim API listening on ${server.url}/v1 (OpenAPI: ${server.url}/v1/openapi.json)\n`);
  out(`store: ${store.describe()}; worker: ${runner ? `process ${runner.pid}` : "none (run 'medslim worker')"}\n`);
  if (admin.created) {
    out(`\nadmin key (tenant '${admin.tenant}', role admin) — shown once, store it now:\n  ${admin.key}\n\n`);
  } else if (envKey) {
    out(`admin key: the value of MEDSLIM_ADMIN_KEY (tenant '${admin.tenant}')\n`);
  } else {
    out('admin key: created on the first start (set MEDSLIM_ADMIN_KEY to register a key of your own)\n');
  }
  out('Ctrl-C to stop.\n');
  const signal = await waitForSignal();
  out(`\n${signal}: stopping the API and the worker…\n`);
  await server.close();
  await runner?.close();
  return 0;
}
