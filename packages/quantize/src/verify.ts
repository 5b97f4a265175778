import { readModel } from '@medslim/onnx';
import { optimizeWithOrt } from './optimize.ts';

/** Integer kernels ORT's CPU provider runs for QDQ groups (ONNX and com.microsoft contrib ops). */
export const INTEGER_KERNELS = new Set([
  'QLinearConv', 'ConvInteger', 'QGemm', 'QLinearMatMul', 'MatMulInteger', 'MatMulIntegerToFloat', 'DynamicQuantizeMatMul',
  'QLinearAdd', 'QLinearMul', 'QLinearGlobalAveragePool', 'QLinearAveragePool', 'QLinearConcat', 'QLinearSigmoid',
  'QLinearLeakyRelu', 'QLinearSoftmax', 'QLinearReduceMean', 'NhwcQLinearConv',
]);

export interface KernelCheck {
  /** Integer-kernel nodes in the graph ORT runs at 'all' optimization, by op type. */
  integerKernels: Record<string, number>;
  integerKernelCount: number;
  /** Every op type in that graph with its count. */
  opHistogram: Record<string, number>;
}

/**
 * Verifies a QDQ model: it must load in onnxruntime-node at 'all' optimization, and the optimized graph
 * ORT saves is inspected for integer kernels (QLinearConv, QGemm, …) — proof that the Q/DQ pairs were
 * fused and the model really computes in int8, not float with extra casts.
 * @throws Error from onnxruntime-node when the model does not load.
 */
export async function verifyIntegerKernels(model: Uint8Array): Promise<KernelCheck> {
  const optimized = readModel(await optimizeWithOrt(model, 'all'), 'ORT-optimized model');
  const hist: Record<string, number> = {};
  const ints: Record<string, number> = {};
  let count = 0;
  for (const n of optimized.graph?.node ?? []) {
    const op = n.opType ?? '?';
    hist[op] = (hist[op] ?? 0) + 1;
    if (INTEGER_KERNELS.has(op)) {
      ints[op] = (ints[op] ?? 0) + 1;
      count++;
    }
  }
  return { integerKernels: ints, integerKernelCount: count, opHistogram: hist };
}
