/**
 * The online teacher's thread (online-teacher.ts): one onnxruntime-node session; each request carries NHWC
 * images [n, H, W, C] (transferred, not copied), which it transposes to the teacher's NCHW and runs as one batch.
 * Messages in: { id, x, n } and { close: true }; out: { ready: true }, { id, logits } or { id, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const { model, height: h, width: w, channels: c, intraOpNumThreads } = workerData as { model: Uint8Array; height: number; width: number; channels: number; intraOpNumThreads: number };
const port = parentPort!;
try {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads, interOpNumThreads: 1 });
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  port.on('message', async (msg: { id: number; x: Float32Array; n: number } | { close: true }) => {
    if ('close' in msg) { await session.release(); port.close(); return; }
    try {
      const { x, n } = msg;
      const nchw = new Float32Array(n * c * h * w);
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) nchw[((i * c + ch) * h * w) + p] = x[(i * h * w + p) * c + ch];
      }
      const r = await session.run({ [inputName]: new ort.Tensor('float32', nchw, [n, c, h, w]) });
      const logits = Float32Array.from(r[outputName].data as Float32Array);
      port.postMessage({ id: msg.id, logits }, [logits.buffer]);
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
