/**
 * Build a function's bundle the way `sst deploy` does and check it fits Lambda:
 * 1. esbuild bundles the handler with SST's options for Node (ESM, the createRequire banner, minified);
 *    the inference function (functions/infer/src/lambda.ts) with `INFER_NODEJS` from
 *    infra/lambda-bundle.ts (onnxruntime-node and sharp external), the API (functions/api/src/lambda.ts)
 *    with nothing external;
 * 2. inference only: `prepareInferenceBundle` — the very function sst.config.ts runs as
 *    `hook.postbuild` — copies the externals from node_modules at the lockfile's versions and prunes
 *    onnxruntime-node to linux/x64;
 * 3. the unzipped size (sum of file sizes) is printed with a breakdown, and the bundled code is checked
 *    for what no Lambda may carry (`FORBIDDEN_IN_LAMBDA`: tfjs, the distiller, the pipeline, the worker).
 *
 *   scripts/lambda-bundle-size [--function infer|api] [--out <dir>] [--limit-mb 250] [--json]
 *
 * --function picks the bundle (default infer); --out keeps the bundle in <dir> (default: a temporary
 * directory, removed afterwards); --json prints one JSON object instead of the table.
 * Exit codes: 0 fits, 1 too large or carrying forbidden code, 2 error.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { API_BUNDLE, FORBIDDEN_IN_LAMBDA, INFER_BUNDLE, INFER_NODEJS, LAMBDA_UNZIPPED_LIMIT_BYTES, listFiles, prepareInferenceBundle, unzippedBytes } from '../infra/lambda-bundle.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
/** SST always leaves these out of the bundle (pkg/runtime/node/build.go `forceExternal`). */
const SST_FORCE_EXTERNAL = ['sharp', 'pg-native'];

/** The two functions this script can build: their handler, externals and what the verdict calls them. */
const FUNCTIONS = {
  infer: { label: 'inference', bundle: INFER_BUNDLE, minify: INFER_NODEJS.minify, sourcemap: INFER_NODEJS.sourcemap },
  api: { label: 'api', bundle: API_BUNDLE, minify: true, sourcemap: false },
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

/** The bundle's size, part by part. */
export interface BundleReport {
  function: FunctionName;
  handler: string;
  /** npm packages whose code esbuild put into the bundle (not the copied externals), sorted. */
  bundledPackages: string[];
  /** What `FORBIDDEN_IN_LAMBDA` found in the bundled code, with the first input that matched. */
  forbidden: { what: string; input: string }[];
  platform: string;
  bytes: number;
  limitBytes: number;
  fits: boolean;
  parts: { name: string; bytes: number; packages: string[] }[];
  prunedBytes: number;
  pruned: { reason: string; bytes: number; files: number }[];
  cudaProvidersInNodeModules: string[];
}

/**
 * esbuild with the options SST's Node runtime uses for a deploy (see the file comment).
 * @returns the input paths esbuild bundled (relative to the repository root).
 */
export async function bundleHandler(out: string, fn: FunctionName = 'infer'): Promise<string[]> {
  const { bundle, minify, sourcemap } = FUNCTIONS[fn];
  const parsed = parse(bundle.handler);
  const file = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'].map((ext) => join(ROOT, parsed.dir, parsed.name + ext)).find((f) => existsSync(f));
  if (!file) throw new Error(`handler ${bundle.handler}: no file ${parsed.dir}/${parsed.name}.{ts,js,mjs,…}`);
  const result = await esbuild.build({
    entryPoints: [file],
    outfile: join(out, `${parsed.name}.mjs`),
    platform: 'node',
    format: INFER_NODEJS.format,
    target: 'esnext',
    mainFields: ['module', 'main'],
    bundle: true,
    keepNames: true,
    minify,
    sourcemap,
    metafile: true,
    absWorkingDir: ROOT,
    external: [...SST_FORCE_EXTERNAL, ...bundle.externals],
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __filename = topLevelFileUrlToPath(import.meta.url)`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      ].join('\n'),
    },
    logLevel: 'silent',
  });
  if (result.errors.length) throw new Error(result.errors.map((e) => e.text).join('\n'));
  return Object.keys(result.metafile.inputs);
}

/** The npm package an esbuild input path belongs to (`node_modules/@scope/name/…` → `@scope/name`), or null for our own code. */
function packageOf(input: string): string | null {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*\/node_modules\/)/.exec(input);
  return m ? m[1] : null;
}

/** Build `fn` into `out` and measure. */
export async function measureBundle(out: string, fn: FunctionName = 'infer', limitBytes = LAMBDA_UNZIPPED_LIMIT_BYTES): Promise<BundleReport> {
  const inputs = await bundleHandler(out, fn);
  const { bundle } = FUNCTIONS[fn];
  const { packages, pruned } = fn === 'infer' ? prepareInferenceBundle(out, { root: ROOT }) : { packages: [], pruned: [] };
  const bundledPackages = [...new Set(inputs.map(packageOf).filter((p): p is string => p !== null))].sort();
  const forbidden = FORBIDDEN_IN_LAMBDA.flatMap(({ what, path }) => {
    const hit = inputs.find((i) => path.test(i));
    return hit ? [{ what, input: hit }] : [];
  });

  const ownBytes = (path: string) =>
    listFiles(join(out, path))
      .filter((f) => !f.path.slice(join(out, path).length).includes('/node_modules/'))
      .reduce((s, f) => s + f.bytes, 0);
  const code = listFiles(out).filter((f) => !f.path.slice(out.length).startsWith('/node_modules/'));
  const parts: BundleReport['parts'] = [{ name: 'code', bytes: code.reduce((s, f) => s + f.bytes, 0), packages: code.map((f) => f.path.slice(out.length + 1)) }];
  for (const ext of bundle.externals) {
    const mine = packages.filter((p) => p.via === ext);
    parts.push({ name: ext, bytes: mine.reduce((s, p) => s + ownBytes(p.path), 0), packages: mine.map((p) => `${p.name}@${p.version}`) });
  }

  const byReason = new Map<string, { bytes: number; files: number }>();
  for (const f of pruned) {
    const r = byReason.get(f.reason) ?? { bytes: 0, files: 0 };
    byReason.set(f.reason, { bytes: r.bytes + f.bytes, files: r.files + 1 });
  }
  const bytes = unzippedBytes(out);
  return {
    function: fn,
    handler: bundle.handler,
    bundledPackages,
    forbidden,
    platform: `${bundle.platform.os}/${bundle.platform.cpu}`,
    bytes,
    limitBytes,
    fits: bytes <= limitBytes && forbidden.length === 0,
    parts,
    prunedBytes: pruned.reduce((s, f) => s + f.bytes, 0),
    pruned: [...byReason].map(([reason, r]) => ({ reason, ...r })),
    cudaProvidersInNodeModules: fn === 'infer' ? cudaProviders() : [],
  };
}

/** CUDA/TensorRT provider libraries in the repository's own onnxruntime-node (absent when its download was skipped). */
function cudaProviders(): string[] {
  const bin = join(ROOT, 'node_modules/onnxruntime-node/bin');
  if (!existsSync(bin)) return [];
  return listFiles(bin)
    .filter((f) => /libonnxruntime_providers_(cuda|tensorrt|shared)\.so/.test(f.path))
    .map((f) => `${f.path.slice(ROOT.length + 1)} (${mb(f.bytes)})`);
}

const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MB`;

/** The human-readable report; its last line is the verdict the test and CI parse. */
export function formatReport(r: BundleReport): string {
  const lines = [`${r.handler} for Lambda ${r.platform}, built as sst deploy builds it:`];
  for (const p of r.parts) {
    const what = p.name === 'code' ? p.packages.join(', ') : `${p.packages.length} packages: ${p.packages.join(', ')}`;
    lines.push(`  ${p.name.padEnd(18)} ${mb(p.bytes).padStart(9)}  ${what}`);
  }
  lines.push(`  ${'bundled packages'.padEnd(18)} ${String(r.bundledPackages.length).padStart(9)}  ${r.bundledPackages.join(', ')}`);
  lines.push(
    r.forbidden.length
      ? `  FORBIDDEN in a Lambda bundle: ${r.forbidden.map((f) => `${f.what} (${f.input})`).join(', ')}`
      : `  tfjs, distiller, pipeline, worker: none bundled`,
  );
  if (r.function !== 'infer') {
    lines.push(`${FUNCTIONS[r.function].label} bundle: ${mb(r.bytes)} unzipped (limit ${Math.round(r.limitBytes / MiB)} MB): ${r.fits ? 'ok' : r.forbidden.length ? 'CARRIES FORBIDDEN CODE' : 'TOO LARGE'}`);
    return lines.join('\n');
  }
  lines.push(`  ${'pruned (not sent)'.padEnd(18)} ${mb(r.prunedBytes).padStart(9)}  ${r.pruned.map((p) => `${p.reason} ${mb(p.bytes)}`).join(', ') || 'nothing'}`);
  lines.push(
    r.cudaProvidersInNodeModules.length
      ? `  CUDA/TensorRT providers in node_modules: ${r.cudaProvidersInNodeModules.join(', ')} — pruned above`
      : `  CUDA/TensorRT providers: not in node_modules here (their download is skipped: .npmrc ignore-scripts=true,\n` +
          `  or ONNXRUNTIME_NODE_INSTALL=skip); on a machine that downloaded them the pruning deletes them too`,
  );
  lines.push(`inference bundle: ${mb(r.bytes)} unzipped (limit ${Math.round(r.limitBytes / MiB)} MB): ${r.fits ? 'ok' : r.forbidden.length ? 'CARRIES FORBIDDEN CODE' : 'TOO LARGE'}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { function: { type: 'string' }, out: { type: 'string' }, 'limit-mb': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: scripts/lambda-bundle-size [--function infer|api] [--out <dir>] [--limit-mb 250] [--json]\n');
    return 0;
  }
  const fn = values.function ?? 'infer';
  if (!(fn in FUNCTIONS)) throw new Error(`--function must be infer or api (got '${fn}')`);
  const limitMb = values['limit-mb'] === undefined ? LAMBDA_UNZIPPED_LIMIT_BYTES / MiB : Number(values['limit-mb']);
  if (!(limitMb > 0)) throw new Error(`--limit-mb must be a positive number of MB (got '${values['limit-mb']}')`);
  let out: string;
  if (values.out) {
    out = resolve(values.out);
    if (existsSync(out) && readdirSync(out).length) throw new Error(`--out ${out} is not empty`);
    mkdirSync(out, { recursive: true });
  } else {
    out = mkdtempSync(join(tmpdir(), `medslim-${fn}-bundle-`));
  }
  try {
    const report = await measureBundle(out, fn as FunctionName, Math.round(limitMb * MiB));
    process.stdout.write((values.json ? JSON.stringify(report) : formatReport(report)) + '\n');
    return report.fits ? 0 : 1;
  } finally {
    if (!values.out) rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      process.stderr.write(`lambda-bundle-size: ${e.message}\n`);
      process.exitCode = 2;
    },
  );
}
