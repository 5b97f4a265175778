import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerWasmTrainingKernels } from './register.ts';
console.log(registerWasmTrainingKernels());
function rnd(shape: number[], seed: number) { let s = seed; const n = shape.reduce((a,b)=>a*b,1); const a = new Float32Array(n); for (let i=0;i<n;i++){ s = (s*1664525+1013904223)>>>0; a[i] = s/2**32*2-1;} return a; }
async function both(name: string, f: () => tf.Tensor) {
  await tf.setBackend('cpu'); const ref = tf.tidy(f); const r = ref.dataSync().slice(); ref.dispose();
  await tf.setBackend('wasm'); const out = tf.tidy(f); const o = out.dataSync(); out.dispose();
  let md = 0, mr = 0; for (let i=0;i<r.length;i++){ md = Math.max(md, Math.abs(r[i]-o[i])); mr = Math.max(mr, Math.abs(r[i])); }
  console.log(name, 'maxdiff', md.toExponential(2), 'maxref', mr.toFixed(3), r.length===o.length);
}
for (const [k, s, pad, N, H, C, Co] of [[3,1,'same',1,5,3,8],[3,2,'same',3,7,8,3],[3,2,'valid',3,7,3,8],[1,1,'valid',3,5,8,3],[1,2,'same',1,7,8,8], [3,2,'valid',2,8,3,4]] as const) {
  const x = rnd([N,H,H,C], 1); const fshape = [k,k,C,Co];
  const info = tf.backend_util.computeConv2DInfo([N,H,H,C], fshape as any, s, 1, pad as any);
  const dy = rnd(info.outShape, 2);
  await both(`dW k${k} s${s} ${pad} N${N} H${H} C${C}->${Co}`, () => tf.engine().runKernel('Conv2DBackpropFilter', {x: tf.tensor(x,[N,H,H,C]), dy: tf.tensor(dy, info.outShape)}, {strides: s, pad, dataFormat: 'NHWC', filterShape: fshape}) as tf.Tensor);
  const dinfo = tf.backend_util.computeConv2DInfo([N,H,H,C], [k,k,C,1], s, 1, pad as any, undefined, true);
  const ddy = rnd(dinfo.outShape, 3); const df = rnd([k,k,C,1], 4);
  await both(`dwX k${k} s${s} ${pad}`, () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', {dy: tf.tensor(ddy, dinfo.outShape), filter: tf.tensor(df,[k,k,C,1])}, {strides: s, pad, dilations: 1, inputShape: [N,H,H,C]}) as tf.Tensor);
  await both(`dwF k${k} s${s} ${pad}`, () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', {x: tf.tensor(x,[N,H,H,C]), dy: tf.tensor(ddy, dinfo.outShape)}, {strides: s, pad, dilations: 1, filterShape: [k,k,C,1]}) as tf.Tensor);
  const wf = rnd(fshape as any, 5);
  await both(`dX k${k} s${s} ${pad}`, () => tf.engine().runKernel('Conv2DBackpropInput', {dy: tf.tensor(dy, info.outShape), filter: tf.tensor(wf, fshape as any)}, {strides: s, pad, dataFormat: 'NHWC', inputShape: [N,H,H,C]}) as tf.Tensor);
}
await both('tile', () => tf.tile(tf.tensor(rnd([1,1,1,8],7),[1,1,1,8]), [3,5,5,1]));
await both('tile2', () => tf.tile(tf.tensor(rnd([4,1],7),[4,1]), [1,6]));
