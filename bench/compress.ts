/**
 * bench/compress — the `standard` compress job on PneumoniaMNIST with the shared ResNet-18 teacher: per-stage
 * seconds, bytes and test AUC. Stages already finished in --out are reused (their recorded seconds are printed).
 * Usage: npm run bench:compress [-- --preset standard --out bench/out/compress-standard]
 */
import { parseArgs } from 'node:util';
import { runCompressJob } from '@medslim/pipeline';

const { values } = parseArgs({ options: { preset: { type: 'string', default: 'standard' }, out: { type: 'string', default: 'bench/out/compress-standard' }, teacher: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' }, data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' } } });
const t0 = performance.now();
const r = await runCompressJob({ spec: { teacher: values.teacher!, dataset: values.data!, preset: values.preset as 'quick' | 'standard' }, outDir: values.out!, log: (m) => console.error(m) });
const secs = r.report.stageSeconds as Record<string, number>;
console.log(`preset ${values.preset}; cached stages: ${r.cachedStages.join(', ') || 'none'}; wall ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.log('stage     seconds      bytes   params  test AUC  accuracy');
for (const s of r.report.stages) {
  const sec = s.name === 'student' ? secs.distill : s.name === 'pruned' ? secs.sensitivity + secs.prune : s.name === 'int8' ? secs.quantize : 0;
  console.log(`${s.name.padEnd(8)} ${sec.toFixed(1).padStart(8)} ${String(s.bytes).padStart(10)} ${String(s.params).padStart(8)}  ${s.test.auc.toFixed(4)}   ${(s.test.accuracy * 100).toFixed(2)} %`);
}
const gate = r.report.gate as { passed: boolean };
const [t, , , q] = r.report.stages;
console.log(`compress: preset=${values.preset} int8_bytes=${q.bytes} teacher_bytes=${t.bytes} bytes_ratio=${(q.bytes / t.bytes).toFixed(5)} int8_auc=${q.test.auc.toFixed(4)} teacher_auc=${t.test.auc.toFixed(4)} gate=${gate.passed ? 'pass' : 'fail'}`);
