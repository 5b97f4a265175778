/**
 * How the inference function's bundle is made, shared by `sst.config.ts` (its `hook.postbuild`)
 * and `scripts/lambda-bundle-size` (which builds the same bundle locally and measures it).
 *
 * SST bundles the handler with esbuild and leaves the native packages external. Instead of SST's
 * `nodejs.install` (an `npm install` of whatever version is newest: the handler's package.json does
 * not name onnxruntime-node or sharp), the postbuild copies them, and everything they need, from
 * this repository's node_modules at the versions package-lock.json pins, keeping only packages
 * for Lambda's platform (linux, x64, glibc). Then it prunes onnxruntime-node, which ships every
 * platform's binaries (288 MB unpacked; linux/x64 alone 45 MB), down to linux/x64 without the
 * CUDA/TensorRT execution providers (CPU inference only; Lambda has no GPU).
 *
 * Only `node:` built-ins here: sst.config.ts imports this module.
 */
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Lambda's limit on a function's unzipped code (with layers): 250 MB, as AWS counts it (262,144,000 bytes). */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 262_144_000;

/** A Lambda platform in npm's terms (`os`, `cpu`, `libc` of package.json). */
export interface NpmPlatform {
  os: string;
  cpu: string;
  libc: 'glibc' | 'musl';
}

/** Lambda x86_64 (Amazon Linux 2023, glibc). */
export const LAMBDA_X64: NpmPlatform = { os: 'linux', cpu: 'x64', libc: 'glibc' };

/**
 * The inference function's build, in SST `nodejs` terms (the deploy passes `INFER_NODEJS` to
 * `sst.aws.Function`; the size script builds with the same esbuild options).
 */
export const INFER_BUNDLE = {
  /** The handler (SST form: file without extension, then the export). */
  handler: 'functions/infer/src/lambda.handler',
  /** Packages left out of the esbuild bundle and copied into node_modules instead. */
  externals: ['onnxruntime-node', 'sharp'] as const,
  platform: LAMBDA_X64,
};

/**
 * The API function's build: pure JavaScript, nothing external. It queues jobs and never runs them,
 * so neither the job runtime nor tfjs, the distiller or onnxruntime-node may end up in it
 * (`FORBIDDEN_IN_LAMBDA`; scripts/lambda-bundle-size fails a bundle that carries one).
 */
export const API_BUNDLE = {
  handler: 'functions/api/src/lambda.handler',
  externals: [] as const,
  platform: LAMBDA_X64,
};

/**
 * Code no Lambda bundle may carry, as esbuild input paths: training (tfjs, the distiller) and the
 * job runtime belong in the GPU worker image; a match means an import chain pulls them in.
 */
export const FORBIDDEN_IN_LAMBDA: readonly { what: string; path: RegExp }[] = [
  { what: 'tfjs', path: /(^|\/)node_modules\/@tensorflow\// },
  { what: 'the distiller (packages/distill)', path: /(^|\/)packages\/distill\// },
  { what: 'the pipeline (packages/pipeline)', path: /(^|\/)packages\/pipeline\// },
  { what: 'the job worker (packages/jobs/src/worker.ts)', path: /(^|\/)packages\/jobs\/src\/worker\.ts$/ },
];

/** `nodejs` options for `sst.aws.Function` (ESM, minified, no source maps, the natives external). */
export const INFER_NODEJS = {
  format: 'esm' as const,
  minify: true,
  sourcemap: false,
  esbuild: { external: [...INFER_BUNDLE.externals] },
};

/** One package copied into the bundle. */
export interface CopiedPackage {
  /** Path in package-lock.json and under the bundle, e.g. `node_modules/@img/sharp-linux-x64`. */
  path: string;
  name: string;
  version: string;
  /** The external that pulled it in first (onnxruntime-node, sharp). */
  via: string;
}

interface LockEntry {
  version?: string;
  link?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** Thrown when the bundle cannot be made as specified; the message says how to fix it. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}

/**
 * Copy `externals` and their dependency closure from `root`/node_modules into `dir`/node_modules,
 * following package-lock.json (Node's resolution over lockfile paths; optional dependencies only
 * when their os/cpu/libc fit `platform`). Symlinks are copied as files.
 * @throws BundleError when a needed package is missing on disk (e.g. sharp's linux binaries on a Mac).
 */
export function copyExternals(dir: string, opts: { root: string; externals: readonly string[]; platform: NpmPlatform }): CopiedPackage[] {
  const lock = readLock(opts.root);
  const copied = new Map<string, CopiedPackage>();
  const missing: string[] = [];

  const visit = (path: string, via: string) => {
    if (copied.has(path)) return;
    const entry = lock[path]!;
    const name = packageName(path);
    copied.set(path, { path, name, version: entry.version ?? '?', via });
    const deps: [string, boolean][] = [
      ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
      ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [n, entry.peerDependenciesMeta?.[n]?.optional === true]),
    ];
    for (const [dep, optional] of deps) {
      const at = resolveInLock(lock, path, dep);
      if (at === undefined) {
        if (!optional) throw new BundleError(`${name}@${entry.version} needs ${dep}, which package-lock.json does not have; run npm install`);
        continue;
      }
      if (!fitsPlatform(lock[at]!, opts.platform)) continue;
      visit(at, via);
    }
  };

  for (const ext of opts.externals) {
    const at = `node_modules/${ext}`;
    if (!lock[at]) throw new BundleError(`${ext} is not in package-lock.json at ${at}; it must be installed at the repository root`);
    const nested = Object.keys(lock).filter((p) => p.endsWith(`/node_modules/${ext}`) && !p.startsWith('node_modules/'));
    if (nested.length) throw new BundleError(`${ext} is installed more than once (${[at, ...nested].join(', ')}); the bundle would not know which one the code imports`);
    visit(at, ext);
  }

  for (const pkg of copied.values()) {
    const from = join(opts.root, pkg.path);
    if (!existsSync(join(from, 'package.json'))) missing.push(`${pkg.name}@${pkg.version}`);
  }
  if (missing.length) {
    const p = opts.platform;
    throw new BundleError(
      `not installed in ${join(opts.root, 'node_modules')}: ${missing.join(', ')}. ` +
        `This machine's npm install skipped the ${p.os}/${p.cpu} (${p.libc}) packages Lambda needs; deploy from Linux x64 (e.g. CI) or run ` +
        `\`npm install --no-save --os=${p.os} --cpu=${p.cpu} --libc=${p.libc} ${missing.join(' ')}\` first.`,
    );
  }

  for (const pkg of copied.values()) {
    // Only this package's own files: nested node_modules are copied as packages of their own, when needed.
    cpSync(join(opts.root, pkg.path), join(dir, pkg.path), {
      recursive: true,
      dereference: true,
      filter: (src) => !relative(join(opts.root, pkg.path), src).split(sep).includes('node_modules'),
    });
  }
  return [...copied.values()];
}

/** One file removed by `pruneForLambda`. */
export interface PrunedFile {
  path: string;
  bytes: number;
  reason: string;
}

/**
 * Delete what Lambda cannot use from every onnxruntime-node under `dir`: the binaries of other
 * platforms (`bin/napi-v*\/{darwin,win32}/…`, `linux/arm64` on x64) and the CUDA / TensorRT (and
 * any other optional) execution-provider libraries, `libonnxruntime_providers_*.so`. The CPU
 * provider is inside libonnxruntime.so itself.
 * @returns the files removed. @throws BundleError when no binary for the platform is left.
 */
export function pruneForLambda(dir: string, platform: NpmPlatform = LAMBDA_X64): PrunedFile[] {
  const removed: PrunedFile[] = [];
  const remove = (path: string, reason: string) => {
    for (const f of listFiles(path)) removed.push({ path: relative(dir, f.path), bytes: f.bytes, reason });
    rmSync(path, { recursive: true, force: true });
  };
  const packages = findPackages(join(dir, 'node_modules'), 'onnxruntime-node');
  for (const pkg of packages) {
    const bin = join(pkg, 'bin');
    if (!existsSync(bin)) continue;
    let kept = 0;
    for (const napi of readdirSync(bin).filter((d) => d.startsWith('napi-v'))) {
      for (const os of readdirSync(join(bin, napi))) {
        for (const cpu of readdirSync(join(bin, napi, os))) {
          const here = join(bin, napi, os, cpu);
          if (os !== platform.os || cpu !== platform.cpu) {
            remove(here, `${os}/${cpu} binaries`);
            continue;
          }
          for (const f of readdirSync(here)) {
            const m = /^libonnxruntime_providers_([a-z0-9]+)\.so/.exec(f);
            if (m) remove(join(here, f), `${m[1] === 'shared' ? 'CUDA/TensorRT provider bridge' : `${m[1].toUpperCase()} execution provider`}`);
          }
          if (readdirSync(here).some((f) => f.endsWith('.node'))) kept++;
        }
        if (readdirSync(join(bin, napi, os)).length === 0) rmSync(join(bin, napi, os), { recursive: true });
      }
    }
    if (kept === 0) throw new BundleError(`${relative(dir, pkg)} has no ${platform.os}/${platform.cpu} binding left under bin/; the bundle would not load`);
  }
  return removed;
}

/**
 * The inference function's `hook.postbuild`: copy the externals into the bundle SST built in
 * `dir`, then prune them. Returns what it did (the size script prints it).
 */
export function prepareInferenceBundle(dir: string, opts: { root: string }): { packages: CopiedPackage[]; pruned: PrunedFile[] } {
  const packages = copyExternals(dir, { root: opts.root, externals: INFER_BUNDLE.externals, platform: INFER_BUNDLE.platform });
  const pruned = pruneForLambda(dir, INFER_BUNDLE.platform);
  return { packages, pruned };
}

/** Sum of the sizes of the regular files under `path` (what Lambda counts as unzipped size). */
export function unzippedBytes(path: string): number {
  return listFiles(path).reduce((sum, f) => sum + f.bytes, 0);
}

/** Every regular file under `path` (or `path` itself), with its size; symlinks are not followed. */
export function listFiles(path: string): { path: string; bytes: number }[] {
  if (!existsSync(path)) return [];
  const st = lstatSync(path);
  if (st.isFile()) return [{ path, bytes: st.size }];
  if (!st.isDirectory()) return [];
  return readdirSync(path).flatMap((name) => listFiles(join(path, name)));
}

function readLock(root: string): Record<string, LockEntry> {
  const file = join(root, 'package-lock.json');
  if (!existsSync(file)) throw new BundleError(`${file} not found: the bundle takes its package versions from the lockfile`);
  const lock = JSON.parse(readFileSync(file, 'utf8')) as { lockfileVersion?: number; packages?: Record<string, LockEntry> };
  if (!lock.packages) throw new BundleError(`${file} has no "packages" (lockfileVersion ${lock.lockfileVersion}); npm 7 or later writes it`);
  return lock.packages;
}

/** The package name at a lockfile path (`node_modules/a/node_modules/@s/b` → `@s/b`). */
function packageName(path: string): string {
  const i = path.lastIndexOf('node_modules/');
  return path.slice(i + 'node_modules/'.length);
}

/** Node's resolution of `name` from the package at `from`, over lockfile paths. */
function resolveInLock(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base}/node_modules/${name}`;
    if (lock[candidate] && !lock[candidate]!.link) return candidate;
    const i = base.lastIndexOf('/node_modules/');
    if (i < 0) break;
    base = base.slice(0, i);
  }
  const top = `node_modules/${name}`;
  return lock[top] && !lock[top]!.link ? top : undefined;
}

/** npm's os/cpu/libc check (a leading `!` excludes). */
function fitsPlatform(entry: LockEntry, p: NpmPlatform): boolean {
  const ok = (list: string[] | undefined, value: string) => {
    if (!list || list.length === 0) return true;
    if (list.includes(`!${value}`)) return false;
    const positives = list.filter((v) => !v.startsWith('!'));
    return positives.length === 0 || positives.includes(value);
  };
  return ok(entry.os, p.os) && ok(entry.cpu, p.cpu) && ok(entry.libc, p.libc);
}

/** Directories of packages named `name` anywhere under `nodeModules`. */
function findPackages(nodeModules: string, name: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const p = join(dir, entry);
      if (!statSync(p).isDirectory()) continue;
      if (entry.startsWith('@')) {
        walk(p);
        continue;
      }
      if (entry === name && existsSync(join(p, 'package.json'))) found.push(p);
      if (existsSync(join(p, 'node_modules'))) walk(join(p, 'node_modules'));
    }
  };
  walk(nodeModules);
  return found;
}
