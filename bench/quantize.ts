/**
 * bench/quantize — FP32 teacher vs its INT8 QDQ model through onnxruntime-node, measured in the same run.
 * Prints batch-1 p50/p95 latency (ms) and batch-64 throughput (images/s) for each, and the ratios.
 * Usage: npm run bench:quantize [-- --threads 1 --model <onnx> --data <npz>]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { contractFromMetadata, loadDataset, sampleIndices, toModelInput } from '@medslim/data';
import { benchmarkLatency } from '@medslim/eval';
import { getMetadata, readModel } from '@medslim/onnx';
import { quantizeStatic } from '@medslim/quantize';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist-resnet18.onnx' },
    data: { type: 'string', default: 'examples/pneumoniamnist/pneumoniamnist.npz' },
    threads: { type: 'string', default: '1' },
    iterations: { type: 'string', default: '200' },
  },
});
const threads = Number(values.threads);
const fp32 = new Uint8Array(readFileSync(values.model!));
const contract = contractFromMetadata(getMetadata(readModel(fp32)))!;
const ds = loadDataset(values.data!);
const train = ds.splits.train!;
const idx = sampleIndices(train.count, 512, 0);
const batches = [];
for (let s = 0; s < idx.length; s += 32) batches.push(toModelInput(train.images, contract, { channels: ds.channels, indices: idx.subarray(s, s + 32) }));
const t0 = performance.now();
const q = await quantizeStatic(fp32, batches);
const quantizeSeconds = (performance.now() - t0) / 1000;

const dims = [1, ds.channels, ds.height, ds.width];
const opts = { inputDims: dims, intraOpNumThreads: threads, iterations: Number(values.iterations), throughputIterations: 10 };
// Interleave the two models twice and keep each one's better run, so neither gets a cold or busy machine alone.
const runs = { fp32: [] as Awaited<ReturnType<typeof benchmarkLatency>>[], int8: [] as Awaited<ReturnType<typeof benchmarkLatency>>[] };
for (let r = 0; r < 2; r++) {
  runs.fp32.push(await benchmarkLatency(fp32, opts));
  runs.int8.push(await benchmarkLatency(q.bytes, opts));
}
const best = (xs: typeof runs.fp32) => ({
  p50: Math.min(...xs.map((x) => x.batch1.p50)),
  p95: Math.min(...xs.map((x) => x.batch1.p95)),
  ips: Math.max(...xs.map((x) => x.throughput.imagesPerSecond)),
});
const f = best(runs.fp32);
const i = best(runs.int8);
console.log(`model: ${values.model} (${fp32.byteLength} bytes) → INT8 ${q.bytes.byteLength} bytes (${(q.bytes.byteLength / fp32.byteLength).toFixed(3)}×), quantized in ${quantizeSeconds.toFixed(1)} s`);
console.log(`onnxruntime-node, intraOpNumThreads=${threads}, batch 1 × ${values.iterations} runs, batch 64 × 10 runs, best of 2 interleaved runs`);
console.log(`fp32: p50 ${f.p50.toFixed(3)} ms  p95 ${f.p95.toFixed(3)} ms  ${f.ips.toFixed(1)} images/s (batch 64)`);
console.log(`int8: p50 ${i.p50.toFixed(3)} ms  p95 ${i.p95.toFixed(3)} ms  ${i.ips.toFixed(1)} images/s (batch 64)`);
console.log(`quantize: fp32_p50_ms=${f.p50.toFixed(3)} int8_p50_ms=${i.p50.toFixed(3)} speedup_p50=${(f.p50 / i.p50).toFixed(2)} fp32_ips=${f.ips.toFixed(1)} int8_ips=${i.ips.toFixed(1)} speedup_ips=${(i.ips / f.ips).toFixed(2)} bytes_ratio=${(q.bytes.byteLength / fp32.byteLength).toFixed(3)}`);
