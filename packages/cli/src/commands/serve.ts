import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApp, withConsole } from '@medslim/api';
import { startServer } from '@medslim/http';
import { loadConfig } from '@medslim/config';
import { combineFetch, connectRegistry, createInferApp } from '@medslim/infer';
import { FsBlobStore, Registry } from '@medslim/registry';
import { LocalProcessRunner } from '@medslim/jobs/runners';
import { UsageError } from '../errors.ts';
import { defaultConsoleDir, medslimBin } from '../paths.ts';
import { commandFlags } from '../options.ts';

export const serveUsage = `usage: medslim serve [--port 8787] [--host 127.0.0.1] [--data-dir .medslim] [options]

Start the medslim API (http://<host>:<port>/v1, OpenAPI document at /v1/openapi.json) and a worker
process for jobs, with models, uploads and jobs stored under <data-dir>/store, and the web console at
http://<host>:<port>/ when it is built (npm run build -w web). On the first start it
prints an admin API key once; set MEDSLIM_ADMIN_KEY to use a key of your own (scripted set-ups).
Ctrl-C stops both.

options:
  --port <n>                 port to listen on (default MEDSLIM_PORT, else 8787; 0 picks a free one)
  --host <addr>              interface to listen on (default MEDSLIM_HOST, else 127.0.0.1: this machine only)
  --data-dir <dir>           where the store lives (default MEDSLIM_DATA_DIR, else .medslim)
  --max-upload-mb <n>        largest upload in MiB (default MEDSLIM_MAX_UPLOAD_BYTES, else 512 MiB)
  --no-worker                do not start a worker (run 'medslim worker' yourself)
  --infer-only               serve only the inference function (POST /v1/models/{name}/predict, metrics)
  --console-dir <dir>        the built web console to serve at / (default: web/dist of this checkout)`;


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
  const values = commandFlags(argv, serveUsage, out, {
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    'max-upload-mb': { type: 'string' },
    'no-worker': { type: 'boolean' },
    'infer-only': { type: 'boolean' },
    'console-dir': { type: 'string' },
  });
  if (!values) return 0;
  // Flags override the configuration @medslim/config reads (MEDSLIM_PORT, MEDSLIM_HOST, MEDSLIM_DATA_DIR,
  // MEDSLIM_MAX_UPLOAD_BYTES, MEDSLIM_ADMIN_KEY); a malformed variable is a ConfigError naming it (exit 2).
  const env = { ...process.env, ...(values['data-dir'] !== undefined ? { MEDSLIM_DATA_DIR: values['data-dir'] } : {}) };
  const config = loadConfig({ ...env, MEDSLIM_STORE: undefined, MEDSLIM_BUCKET: undefined });
  const port = values.port === undefined ? config.api.port : Number(values.port);
  if (values.port?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer in 0…65535; got '${values.port}'`);
  const maxMb = values['max-upload-mb'] === undefined ? undefined : Number(values['max-upload-mb']);
  if (maxMb !== undefined && !(Number.isInteger(maxMb) && maxMb >= 1)) throw new UsageError(`--max-upload-mb must be an integer ≥ 1; got '${values['max-upload-mb']}'`);
  const maxUploadBytes = maxMb === undefined ? config.api.maxUploadBytes : maxMb * 1024 * 1024;
  const host = values.host ?? config.api.host;
  if (config.store.kind !== 'fs') throw new UsageError(`medslim serve keeps its store on this machine; got ${config.store.source} (an S3 bucket)`);
  const dataDir = resolve(config.store.dir, '..');

  const consoleDir = resolve(values['console-dir'] ?? defaultConsoleDir);
  const hasConsole = existsSync(join(consoleDir, 'index.html'));
  if (values['console-dir'] !== undefined && !hasConsole) throw new UsageError(`--console-dir ${consoleDir} has no index.html; build the console with: npm run build -w web`);

  const store = new FsBlobStore(resolve(dataDir, 'store'));
  const envKey = config.api.adminKey;
  const admin = await new Registry(store).keys.ensureAdmin(envKey ? { key: envKey } : {});
  const inferOnly = values['infer-only'] === true;
  // Inference (issue 6) on the same port and keys: POST /v1/models/{name}/predict, GET …/metrics.
  const infer = createInferApp({ ...connectRegistry(new Registry(store)) });
  const runner = values['no-worker'] || inferOnly
    ? undefined
    : new LocalProcessRunner({ command: process.execPath, args: [medslimBin, 'worker', '--data-dir', dataDir], env: process.env });
  runner?.start();
  const app = createApp({ store, runner, maxUploadBytes });
  let server;
  try {
    const fetch = inferOnly ? infer.fetch : combineFetch(app, infer);
    server = await startServer({ fetch: hasConsole && !inferOnly ? withConsole(fetch, consoleDir) : fetch }, { port, host });
  } catch (e) {
    await runner?.close();
    // The key exists now and is never shown again: print it even though this start failed.
    if (admin.created) out(`admin key (tenant '${admin.tenant}', role platform: manages every tenant's keys) — created before the server failed to start, shown once, store it now:\n  ${admin.key}\n`);
    throw new UsageError((e as Error).message);
  }
  out(inferOnly
    ? `medslim inference listening on ${server.url}/v1/models/{name}/predict\n`
    : `medslim API listening on ${server.url}/v1 (OpenAPI: ${server.url}/v1/openapi.json); predictions at ${server.url}/v1/models/{name}/predict\n`);
  out(hasConsole ? `console: ${server.url}/\n` : `console: not built (npm run build -w web, then restart)\n`);
  out(`store: ${store.describe()}; worker: ${runner ? `process ${runner.pid}` : "none (run 'medslim worker')"}\n`);
  if (admin.created) {
    out(`\nadmin key (tenant '${admin.tenant}', role platform: manages every tenant's keys) — shown once, store it now:\n  ${admin.key}\n\n`);
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
