import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { InputContract } from '@medslim/data';

/** Teacher logits for one split: [N, K] row-major. */
export interface TeacherLogits {
  logits: Float32Array;
  numClasses: number;
}

export interface TeacherSignalOptions {
  /** Teacher ONNX bytes. */
  model: Uint8Array;
  /** Images per split, already in the teacher's contract: NCHW float32 [N, C, H, W]. */
  splits: Record<string, { data: Float32Array; dims: readonly number[] }>;
  /** Cache key parts: the dataset fingerprint and the contract used to preprocess. */
  datasetSha256: string;
  contract: InputContract;
  /** Folder for cached logits (e.g. `.medslim/cache/teacher-logits`); no caching when absent. */
  cacheDir?: string;
  batchSize?: number;
  onBatch?: (split: string, done: number, total: number) => void;
}

/** sha256 of the teacher bytes, the dataset fingerprint, the preprocessing, the split and its image count — the cache key of teacher logits. */
export function teacherCacheKey(teacherSha256: string, datasetSha256: string, contract: InputContract, split: string, count: number): string {
  return createHash('sha256').update(JSON.stringify({ teacherSha256, datasetSha256, contract, split, count })).digest('hex').slice(0, 32);
}

/**
 * Runs the teacher once over each split through onnxruntime-node and returns its logits, reading and writing a
 * disk cache keyed by (teacher sha256, dataset sha256, preprocessing, split) so later jobs skip the work.
 * Cache files are written to a temporary name and renamed (a crash never leaves a half file).
 */
export async function teacherSignal(o: TeacherSignalOptions): Promise<Record<string, TeacherLogits>> {
  const teacherSha = createHash('sha256').update(o.model).digest('hex');
  const out: Record<string, TeacherLogits> = {};
  let session: ort.InferenceSession | null = null;
  try {
    for (const [split, x] of Object.entries(o.splits)) {
      const n = x.dims[0];
      const key = teacherCacheKey(teacherSha, o.datasetSha256, o.contract, split, n);
      const file = o.cacheDir ? join(o.cacheDir, `${key}.f32`) : null;
      if (file && existsSync(file)) {
        const buf = readFileSync(file);
        const logits = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
        if (n > 0 && logits.length % n === 0) {
          out[split] = { logits, numClasses: logits.length / n };
          continue;
        }
      }
      session ??= await ort.InferenceSession.create(o.model, { graphOptimizationLevel: 'all' });
      const inputName = session.inputNames[0];
      const outputName = session.outputNames[0];
      const bs = o.batchSize ?? 128;
      const per = x.dims.slice(1).reduce((a, b) => a * b, 1);
      let logits: Float32Array | null = null;
      let k = 0;
      for (let s = 0; s < n; s += bs) {
        const m = Math.min(bs, n - s);
        const r = await session.run({ [inputName]: new ort.Tensor('float32', x.data.subarray(s * per, (s + m) * per), [m, ...x.dims.slice(1)]) });
        const y = r[outputName];
        k = y.dims[1] as number;
        logits ??= new Float32Array(n * k);
        logits.set(y.data as Float32Array, s * k);
        o.onBatch?.(split, Math.min(n, s + m), n);
      }
      out[split] = { logits: logits ?? new Float32Array(0), numClasses: k };
      if (file && logits) {
        mkdirSync(o.cacheDir!, { recursive: true });
        writeFileSync(`${file}.tmp`, logits);
        renameSync(`${file}.tmp`, file);
      }
    }
  } finally {
    await session?.release();
  }
  return out;
}
