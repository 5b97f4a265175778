/**
 * The CLI ships JavaScript (scripts/build.ts): built here into a temporary folder, the entry must
 * load no heavy dependency for `--help` (static imports reach only our own small chunks), the job
 * thread's entry must sit next to the code that starts it, and a command loaded on demand must run
 * with its third-party dependencies resolved from node_modules.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../scripts/build.ts';
import { repoRoot } from './helpers/fixtures.ts';

const run = promisify(execFile);
// Built under the repository (not /tmp) so that external packages resolve from its node_modules.
const out = mkdtempSync(join(repoRoot, 'packages/cli/.build-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every file an ES module loads before it runs: its static `import … from "./x.mjs"` closure. */
function staticClosure(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const code = readFileSync(join(out, file), 'utf8');
  const specifiers = [...code.matchAll(/^(?:import|export)\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gms)].map((m) => m[1] ?? m[2]);
  seen.set(file, specifiers);
  for (const s of specifiers) if (s.startsWith('./')) staticClosure(s.slice(2), seen);
  return seen;
}

/** Run `main(args)` of the built entry in a child process from the repository root. */
function runBuilt(args: string[]) {
  const script = `const { main } = await import(${JSON.stringify(join(out, 'medslim.mjs'))}); process.exitCode = await main(${JSON.stringify(args)});`;
  return run(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot });
}

describe('scripts/build.ts (the CLI as JavaScript)', () => {
  let built: { inputs: number; bytes: number };
  beforeAll(async () => {
    built = await buildCli(esbuild, out);
  }, 120_000);

  it('records the sources it read, so the bin can tell a stale build', () => {
    const info = JSON.parse(readFileSync(join(out, 'build-info.json'), 'utf8')) as { startedAt: number; inputs: string[] };
    expect(info.inputs.length).toBe(built.inputs);
    expect(info.inputs).toContain('packages/cli/src/main.ts');
    expect(info.inputs).toContain('packages/jobs/src/thread/job-thread.ts');
    expect(info.inputs.every((f) => existsSync(join(repoRoot, f)))).toBe(true);
    // Dependencies stay external, except one a package holds in its own version (npm nests it under that package):
    // from dist/ Node would load the root's other version (s3rver's busboy 0.3 instead of the API's busboy 1.6,
    // whose 'file' event has another signature: every upload lost its filename).
    const bundled = info.inputs.filter((f) => f.includes('node_modules'));
    expect(bundled.every((f) => /^packages\/[^/]+\/node_modules\//.test(f)), bundled.join(', ')).toBe(true);
    if (existsSync(join(repoRoot, 'packages/api/node_modules/busboy'))) expect(bundled).toContain('packages/api/node_modules/busboy/lib/index.js');
  });

  it('--help loads only our own code: no tfjs, onnxruntime, sharp or AWS SDK before a command runs', async () => {
    const closure = staticClosure('medslim.mjs');
    const externals = [...closure.values()].flat().filter((s) => !s.startsWith('./'));
    expect(externals.filter((s) => !s.startsWith('node:'))).toEqual([]);
    const { stdout } = await runBuilt(['--help']);
    expect(stdout).toMatch(/^medslim — make hospital image classifiers small/);
    expect(stdout).toMatch(/^ {2}compress +the main job/m);
  });

  it('puts the job thread entry next to the code that starts it', () => {
    const files = readdirSync(out).filter((f) => f.endsWith('.mjs'));
    const starter = files.find((f) => readFileSync(join(out, f), 'utf8').includes('new URL("./entry.mjs", import.meta.url)'));
    expect(starter, 'no built file starts ./entry.mjs').toBeDefined();
    expect(existsSync(join(out, 'entry.mjs'))).toBe(true);
  });

  it('runs a command loaded on demand: inspect reads the embedded teacher', async () => {
    const { stdout } = await runBuilt(['inspect', join(repoRoot, 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx')]);
    expect(stdout).toMatch(/^IR version 7, opset ai\.onnx 13/m);
    expect(stdout).toMatch(/^ {2}input: float32 \[N, 1, 28, 28\]$/m);
  });
});
