import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Teacher logits for one split: [N, K] row-major. */
export interface TeacherLogits {
  logits: Float32Array;
  numClasses: number;
}

export interface TeacherSignalOptions {
  /** Teacher ONNX bytes (hashed for the cache key). */
  model: Uint8Array;
  /** Image count per split. */
  splits: Record<string, number>;
  /**
   * Runs the teacher over one split and returns its logits-equivalent class scores [N, K] (for a teacher that
   * outputs probabilities: their log — softmax of them is the teacher's probabilities), reporting progress.
   */
  score: (split: string, onBatch: (done: number, total: number) => void) => Promise<TeacherLogits>;
  /** Cache key parts: the dataset fingerprint and how the teacher is read (its contract, output, kind). */
  datasetSha256: string;
  contract: unknown;
  /** Folder for cached logits (e.g. `.medslim/cache/teacher-logits`); no caching when absent. */
  cacheDir?: string;
  onBatch?: (split: string, done: number, total: number) => void;
}

/** sha256 of the teacher bytes, the dataset fingerprint, how the teacher is read, the split and its image count — the cache key of teacher logits. */
export function teacherCacheKey(teacherSha256: string, datasetSha256: string, contract: unknown, split: string, count: number): string {
  return createHash('sha256').update(JSON.stringify({ teacherSha256, datasetSha256, contract, split, count })).digest('hex').slice(0, 32);
}

/**
 * The teacher's logits on each split, computed once by `score` and kept in a disk cache keyed by (teacher
 * sha256, dataset sha256, how the teacher is read, split) so later jobs skip the work.
 * Cache files are written to a temporary name and renamed (a crash never leaves a half file).
 */
export async function teacherSignal(o: TeacherSignalOptions): Promise<Record<string, TeacherLogits>> {
  const teacherSha = createHash('sha256').update(o.model).digest('hex');
  const out: Record<string, TeacherLogits> = {};
  for (const [split, n] of Object.entries(o.splits)) {
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
    const r = await o.score(split, (done, total) => o.onBatch?.(split, done, total));
    out[split] = r;
    if (file && r.logits.length > 0) {
      mkdirSync(o.cacheDir!, { recursive: true });
      writeFileSync(`${file}.tmp`, r.logits);
      renameSync(`${file}.tmp`, file);
    }
  }
  return out;
}
