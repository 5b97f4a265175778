import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

/**
 * Lets ONNX Runtime optimize a model and returns the optimized model's bytes (ORT's
 * `optimizedModelFilePath`). At 'basic' this folds BatchNormalization into Conv, folds constants and
 * removes redundant nodes while keeping only standard ONNX ops — the pre-processing step of ORT's
 * `quantize_static` (quant_pre_process). At 'all' the saved graph shows the kernels ORT will really run.
 */
export async function optimizeWithOrt(model: Uint8Array, level: 'basic' | 'extended' | 'all'): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'medslim-opt-'));
  const path = join(dir, `optimized-${level}.onnx`);
  try {
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: level, optimizedModelFilePath: path, intraOpNumThreads: 1, // ORT warns that an 'all'-level model is tied to this CPU; we only read it, never ship it.
      logSeverityLevel: 3 });
    await session.release();
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
