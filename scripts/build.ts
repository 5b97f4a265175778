/**
 * Build the medslim CLI once into JavaScript: packages/cli/dist/, run by `packages/cli/bin/medslim.js`
 * (and so by `npm run demo`, `medslim serve`'s worker processes and the worker image) instead of
 * compiling TypeScript through tsx at every start.
 *
 *   npm run build            (also run by `npm ci` / `npm install`, the root `prepare` script)
 *
 * esbuild bundles the CLI's sources and every @medslim/* package it reaches into ESM with code
 * splitting: each command is a chunk loaded when it runs, so `medslim --help` loads no tfjs,
 * onnxruntime or AWS SDK. Third-party packages stay external (resolved from node_modules at run
 * time), unless the importing package holds its own version of it (then it is bundled). Outputs:
 * - `medslim.mjs`: `main` of packages/cli/src/main.ts;
 * - `entry.mjs`: the job thread (packages/jobs/src/thread/job-thread.ts) — the name run-in-thread.ts
 *   starts next to itself, as `src/thread/entry.mjs` is in the sources;
 * - `train-worker.mjs`, `teacher-worker.mjs`: the data-parallel training and online-teacher threads
 *   (packages/distill/src/parallel/*-thread.ts), found next to their starters the same way;
 * - `build-info.json`: when the build started and the sources it read. The bin runs the build only
 *   when no source is newer, else the sources through tsx — an edit never runs stale code.
 *
 * `--if-available` (the `prepare` script): when esbuild is not installed (`npm ci --omit=dev`), say so
 * and exit 0; medslim then runs from its sources. Exit 1 when the build fails.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'packages/cli/dist');

/** Where Node would resolve `specifier` from a file in `dir`, or null when it cannot (ESM-only exports, absent). */
function resolvedFrom(dir: string, specifier: string): string | null {
  try {
    return createRequire(join(dir, 'noop.js')).resolve(specifier);
  } catch {
    return null;
  }
}

/**
 * Third-party imports stay external: only our own packages (@medslim/*) and relative files are bundled —
 * except a dependency that the importing package has in a version of its own (npm nests it, e.g.
 * packages/api/node_modules/busboy 1.x while the root holds s3rver's busboy 0.3): from dist/ Node would find
 * the root's other version, so that one is bundled from where its importer resolves it.
 */
const externalDependencies = {
  name: 'external-dependencies',
  setup(build: { onResolve: (o: { filter: RegExp }, f: (a: { path: string; resolveDir: string }) => { path: string; external: boolean } | undefined) => void }) {
    build.onResolve({ filter: /^[^./]/ }, (a) => {
      if (a.path.startsWith('@medslim/') || a.path.startsWith('node:')) return a.path.startsWith('node:') ? { path: a.path, external: true } : undefined;
      const fromImporter = resolvedFrom(a.resolveDir, a.path);
      const fromDist = resolvedFrom(OUT, a.path); // where the bin runs the build from, whatever outDir is
      return fromImporter !== null && fromImporter !== fromDist ? undefined : { path: a.path, external: true };
    });
  },
};

/**
 * Build into `outDir` (default packages/cli/dist, emptied first).
 * @returns the number of source files read and the output bytes.
 */
export async function buildCli(esbuild: typeof import('esbuild'), outDir = OUT): Promise<{ inputs: number; bytes: number }> {
  const startedAt = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      medslim: 'packages/cli/src/main.ts',
      entry: 'packages/jobs/src/thread/job-thread.ts',
      // Training threads (packages/distill/src/parallel): started by name next to the chunk that starts them.
      'train-worker': 'packages/distill/src/parallel/train-thread.ts',
      'teacher-worker': 'packages/distill/src/parallel/teacher-thread.ts',
    },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    // Chunks sit beside the entries: run-in-thread.ts finds entry.mjs next to its own file.
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    plugins: [externalDependencies],
    // A bundled CommonJS dependency (see externalDependencies) requires Node built-ins: give ESM chunks a `require`.
    banner: { js: "import { createRequire as __medslimRequire } from 'node:module'; const require = __medslimRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  writeFileSync(join(outDir, 'build-info.json'), JSON.stringify({ startedAt, inputs }, null, 1) + '\n');
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return { inputs: inputs.length, bytes };
}

async function main(argv: string[]): Promise<number> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    if (!argv.includes('--if-available')) throw e;
    process.stdout.write('medslim build: esbuild is not installed (npm ci --omit=dev?); skipped — medslim runs from its TypeScript sources through tsx\n');
    return 0;
  }
  const t0 = performance.now();
  const { inputs, bytes } = await buildCli(esbuild);
  process.stdout.write(`medslim build: ${inputs} sources → packages/cli/dist (${(bytes / 1024).toFixed(0)} KiB with source maps) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      process.stderr.write(`medslim build: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
