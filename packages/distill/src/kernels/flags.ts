/**
 * Runtime switches for medslim's optional wasm fast paths (read on every
 * call, so benchmarks and tests can flip them without re-registering). The
 * three missing gradient kernels are not optional: without them wasm cannot
 * train at all.
 */
export interface WasmFastPathFlags {
  /** `Tile` of a broadcastable tensor as a K=1 ones-matmul (BatchNorm gradient). */
  tile: boolean;
  /** 1×1 stride-1 `Conv2DBackpropInput` as one matmul. */
  conv2dBackpropInput1x1: boolean;
  /** ReLU6 gradient as one fused pass instead of five tfjs ops. */
  relu6Grad: boolean;
}

export const wasmFastPaths: WasmFastPathFlags = { tile: true, conv2dBackpropInput1x1: true, relu6Grad: true };

/** Sets some fast-path flags; returns the previous values (to restore). */
export function setWasmFastPaths(flags: Partial<WasmFastPathFlags>): WasmFastPathFlags {
  const prev = { ...wasmFastPaths };
  Object.assign(wasmFastPaths, flags);
  return prev;
}
