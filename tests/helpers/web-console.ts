/**
 * Helpers of the web console's browser test: build the console when its sources changed, start
 * `medslim serve` as a child process on a free port, and a tiny API client for the test's own
 * calls (the same key the browser uses).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './fixtures.ts';

export const webDir = path.join(repoRoot, 'web');
const viteBin = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
const medslimBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'medslim.js');

function newestMtime(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Run a command to completion; rejects with its output when it fails. */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}

/**
 * `vite build` of the console into `outDir` (default web/dist) unless it is newer than every source.
 * @param development React's development build (it logs key and state warnings to the console)
 * @returns whether it built
 */
export async function buildConsole(opts: { outDir?: string; development?: boolean } = {}): Promise<boolean> {
  const outDir = opts.outDir ?? path.join(webDir, 'dist');
  const built = path.join(outDir, 'index.html');
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) => path.join(webDir, f));
  if (!opts.development && existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newestMtime))) return false;
  const env = { ...process.env, NODE_ENV: opts.development ? 'development' : 'production' };
  const args = [viteBin, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn', ...(opts.development ? ['--mode', 'development'] : [])];
  await run(process.execPath, args, { cwd: webDir, env });
  return true;
}

/** A running `medslim serve`. */
export interface Served {
  base: string;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Start `medslim serve --port 0` with `MEDSLIM_ADMIN_KEY=key`; resolves once it listens and has said so. */
export function serve(dataDir: string, key: string, extra: string[] = []): Promise<Served> {
  // The server is a plain Node process, not part of the test runner: drop vitest's markers, which
  // packages/distill reads to decide how to load tfjs-core's gradients (inherited, they break compress jobs).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'VITE_NODE'));
  const proc = spawn(process.execPath, [medslimBin, 'serve', '--port', '0', '--data-dir', dataDir, ...extra], {
    cwd: repoRoot,
    env: { ...env, MEDSLIM_ADMIN_KEY: key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stop = () =>
    new Promise<void>((done) => {
      if (proc.exitCode !== null) return done();
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      proc.once('exit', () => {
        clearTimeout(t);
        done();
      });
      proc.kill('SIGINT');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`medslim serve did not start in 60 s:\n${out}`)), 60_000);
    const on = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)\/v1/.exec(out);
      if (m && out.includes('Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve({ base: m[1], proc, output: () => out, stop });
      }
    };
    proc.stdout!.on('data', on);
    proc.stderr!.on('data', (d: Buffer) => (out += d));
    proc.once('exit', (code) => reject(new Error(`medslim serve exited ${code}:\n${out}`)));
  });
}

/** The test's own API calls. */
export function client(base: string, key: string) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked by the test
  return async (p: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...init.headers };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${base}/v1${p}`, { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    const text = await r.text();
    return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: r.headers };
  };
}
