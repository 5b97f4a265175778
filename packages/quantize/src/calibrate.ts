import * as ort from 'onnxruntime-node';
import { addGraphOutputs, readModel, writeModel } from '@medslim/onnx';
import type { Calibrator } from './config.ts';
import { QuantizeError } from './errors.ts';
import { accumulate, entropyRange, percentileRange, type Histogram } from './histogram.ts';

/**
 * One calibration batch in the model's input contract and element type: e.g. float32 NCHW `[n, C, H, W]`, or
 * raw uint8 pixels for a model that normalises inside its graph (its activations after the Cast are what get
 * calibrated). `type` defaults to float32; float16 data is carried as Uint16Array bits, int64 as BigInt64Array.
 */
export interface CalibrationBatch {
  data: Float32Array | Float64Array | Uint16Array | Uint8Array | Int32Array | BigInt64Array;
  dims: readonly number[];
  type?: 'float32' | 'float16' | 'float64' | 'uint8' | 'int32' | 'int64';
}

export interface CalibrationOptions {
  method: Calibrator;
  percentile: number;
  histogramBins: number;
  entropyQuantizedBins: number;
  /** Called after each batch of each pass (pass 1: min/max; pass 2: histograms). */
  onBatch?: (pass: 1 | 2, done: number, total: number) => void;
}

/** Observed and chosen ranges of one tensor. */
export interface TensorRange {
  /** Range used for quantization. */
  min: number;
  max: number;
  /** Raw minimum and maximum seen over the calibration set. */
  observedMin: number;
  observedMax: number;
}

/**
 * Runs the calibration batches through the model with every tensor in `tensors` exposed as an extra graph
 * output and returns each tensor's range. minmax needs one pass; percentile and entropy a second pass that
 * fills a histogram per tensor over the range seen in the first (ORT's HistogramCalibrater collects in one
 * pass and re-bins as the range grows; two passes give the same estimator with fixed bins).
 * @throws QuantizeError EMPTY_CALIBRATION when there is no batch, BAD_RANGE when a tensor holds NaN/Inf.
 */
export async function calibrate(
  modelBytes: Uint8Array,
  tensors: readonly string[],
  batches: readonly CalibrationBatch[],
  opts: CalibrationOptions,
): Promise<Map<string, TensorRange>> {
  const model = readModel(modelBytes);
  addGraphOutputs(model, tensors);
  const inputName = model.graph!.input!.find((i) => !(model.graph!.initializer ?? []).some((t) => t.name === i.name))!.name!;
  const session = await ort.InferenceSession.create(writeModel(model), { graphOptimizationLevel: 'disabled' });
  const fetches = [...tensors];
  const total = batches.length;
  if (total === 0) throw new QuantizeError('EMPTY_CALIBRATION', 'the calibration split has no images; use a dataset whose train split is not empty or set a calibration size > 0');
  const run = async (b: CalibrationBatch) => session.run({ [inputName]: new ort.Tensor(b.type ?? 'float32', b.data as never, [...b.dims]) }, fetches);
  try {
    const lo = new Map<string, number>(tensors.map((t) => [t, Infinity]));
    const hi = new Map<string, number>(tensors.map((t) => [t, -Infinity]));
    let done = 0;
    for (const b of batches) {
      const out = await run(b);
      for (const t of tensors) {
        const v = out[t].data as Float32Array;
        let mn = lo.get(t)!;
        let mx = hi.get(t)!;
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          // NaN compares false with everything, so a min/max scan alone would pass it unseen.
          if (!Number.isFinite(x)) {
            throw new QuantizeError('BAD_RANGE', `tensor '${t}' took the value ${x} on calibration batch ${done + 1} of ${total} (element ${i}); a quantization range cannot hold NaN or ±Infinity — check the input data (NaN pixels?) and the model (overflow in this layer)`);
          }
          if (x < mn) mn = x;
          if (x > mx) mx = x;
        }
        lo.set(t, mn);
        hi.set(t, mx);
      }
      opts.onBatch?.(1, ++done, total);
    }
    for (const t of tensors) {
      if (!Number.isFinite(lo.get(t)!) || !Number.isFinite(hi.get(t)!)) {
        throw new QuantizeError('BAD_RANGE', `tensor '${t}' took a non-finite value during calibration (min ${lo.get(t)}, max ${hi.get(t)}); check the input data and the model`);
      }
    }
    const ranges = new Map<string, TensorRange>();
    if (opts.method === 'minmax') {
      for (const t of tensors) ranges.set(t, { min: lo.get(t)!, max: hi.get(t)!, observedMin: lo.get(t)!, observedMax: hi.get(t)! });
      return ranges;
    }
    const hists = new Map<string, Histogram>();
    for (const t of tensors) {
      const mn = lo.get(t)!;
      const mx = hi.get(t)!;
      // Entropy on a signed tensor searches windows symmetric around 0, so its histogram must be too.
      const a = Math.max(Math.abs(mn), Math.abs(mx));
      const [hlo, hhi] = mn >= 0 ? [0, mx] : opts.method === 'entropy' ? [-a, a] : [mn, mx];
      hists.set(t, { counts: new Float64Array(opts.histogramBins), lo: hlo, hi: hhi, skipZeros: opts.method === 'entropy' });
    }
    done = 0;
    for (const b of batches) {
      const out = await run(b);
      for (const t of tensors) accumulate(hists.get(t)!, out[t].data as Float32Array);
      opts.onBatch?.(2, ++done, total);
    }
    for (const t of tensors) {
      const h = hists.get(t)!;
      const [min, max] = opts.method === 'percentile' ? percentileRange(h, opts.percentile) : entropyRange(h, opts.entropyQuantizedBins);
      ranges.set(t, { min, max, observedMin: lo.get(t)!, observedMax: hi.get(t)! });
    }
    return ranges;
  } finally {
    await session.release();
  }
}
