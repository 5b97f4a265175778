/**
 * Start-up time of `medslim --help`: the built CLI (packages/cli/dist, `npm run build`) against the
 * same command compiled from its TypeScript sources by tsx, and against `node -e 0` (Node's own
 * start-up) — all measured in this run, alternating, so a busy machine slows each alike.
 * Target: < 0.3 s wall on an idle machine (Node alone is ~0.04 s there).
 *
 *   npm run bench:cli [-- --runs 15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const runs = Number(values.runs ?? 15);
if (!existsSync(join(ROOT, 'packages/cli/dist/medslim.mjs'))) throw new Error('no build: run npm run build first');

const commands: Record<string, string[]> = {
  'node -e 0': ['-e', '0'],
  'medslim --help (build)': [join(ROOT, 'packages/cli/bin/medslim.js'), '--help'],
  'medslim --help (sources via tsx)': [
    '--input-type=module',
    '-e',
    "const { register } = await import('tsx/esm/api'); register(); const { main } = await import('./packages/cli/src/main.ts'); process.exitCode = await main(['--help']);",
  ],
};

const wall: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    wall[name].push(performance.now() - t0);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const base = median(wall['node -e 0']);
for (const [name, v] of Object.entries(wall)) {
  const m = median(v);
  console.log(`${name.padEnd(34)} median ${m.toFixed(0).padStart(5)} ms   min ${Math.min(...v).toFixed(0).padStart(5)} ms   over node ${(m - base).toFixed(0).padStart(5)} ms`);
}
const built = median(wall['medslim --help (build)']);
const source = median(wall['medslim --help (sources via tsx)']);
console.log(`build vs sources: ${(source / built).toFixed(1)}× faster; --help ${built < 300 ? 'meets' : 'misses'} the 0.3 s target here (load average ${loadavg()[0].toFixed(1)})`);
