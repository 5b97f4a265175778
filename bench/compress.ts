/**
 * bench/compress — the `standard` compress job on PneumoniaMNIST with the shared ResNet-18 teacher: per-stage
 * seconds, wall time, the search's per-candidate table (validation gate, test confirmation) and the choice. Stages already finished in --out are reused (their recorded seconds are printed).
 * Usage: npm run bench:compress [-- --preset standard --out bench/out/compress-standard]
 *   [--distill '{"mixup":1,"maxShift":2}'] (distill options of the spec over the preset's, e.g. function matching) [--seed 0]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { candidateTableText, runCompressJob, type Candidate } from '@medslim/pipeline';

const { values } = parseArgs({ options: { preset: { type: 'string', default: 'standard' }, out: { type: 'string', default: 'bench/out/compress-standard' }, teacher: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' }, data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' }, distill: { type: 'string', default: '{}' }, seed: { type: 'string', default: '0' } } });
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const load0 = loadavg();
const r = await runCompressJob({ spec: { teacher: values.teacher!, dataset: values.data!, preset: values.preset as 'quick' | 'standard', seed: Number(values.seed), distill: JSON.parse(values.distill!) }, outDir: values.out!, log: (m) => console.error(m) });
const secs = r.report.stageSeconds as Record<string, number>;
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6; // this process; training worker threads count here too
console.log(`preset ${values.preset}, distill ${values.distill}, seed ${values.seed}; cached stages: ${r.cachedStages.join(', ') || 'none'}; wall ${wall.toFixed(0)} s (${(wall / 60).toFixed(1)} min); process CPU ${cpuSeconds.toFixed(0)} s; load average at start ${load0.map((x) => x.toFixed(2)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; stage seconds ${JSON.stringify(Object.fromEntries(Object.entries(secs).map(([k, v]) => [k, Math.round(v)])))}`);
const search = r.report.search as { candidates: Candidate[]; chosen: string; reason: string };
for (const line of candidateTableText(search.candidates, search.chosen)) console.log(line);
console.log(`chosen: ${search.chosen} — ${search.reason}`);
const gate = r.report.gate as { passed: boolean };
const t = r.report.stages[0], q = r.report.stages.find((s) => s.name === search.chosen)!;
console.log(`compress: preset=${values.preset} chosen=${search.chosen} bytes=${q.bytes} teacher_bytes=${t.bytes} bytes_ratio=${(q.bytes / t.bytes).toFixed(5)} test_auc=${q.test.auc.toFixed(4)} teacher_auc=${t.test.auc.toFixed(4)} test_gate=${gate.passed ? 'pass' : 'fail'} wall_min=${(wall / 60).toFixed(1)}`);
