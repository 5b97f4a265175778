/**
 * The online teacher's thread (online-teacher.ts): one onnxruntime-node session; each request carries NHWC
 * images [n, H, W, C] in the training contract (transferred, not copied), which go through the teacher's
 * interface (@medslim/intake valueFeeds → runFeed → canonicalScores) as in every other teacher pass.
 * Messages in: { id, x, n } and { close: true }; out: { ready: true }, { id, logits } or { id, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { InputContract, ModelInterface } from '@medslim/contracts';
import { canonicalScores, createSession, runFeed, valueFeeds } from '@medslim/intake';

const { model, iface, contract, intraOpNumThreads } = workerData as { model: Uint8Array; iface: ModelInterface; contract: InputContract; intraOpNumThreads: number };
const port = parentPort!;
const what = 'the online teacher';
try {
  const session = await createSession(model, what, { intraOpNumThreads, interOpNumThreads: 1 });
  port.on('message', async (msg: { id: number; x: Float32Array; n: number } | { close: true }) => {
    if ('close' in msg) { await session.release(); port.close(); return; }
    try {
      const { x, n } = msg;
      let logits: Float32Array<ArrayBuffer> | null = null;
      let done = 0;
      for (const f of valueFeeds(iface, x, n, contract)) {
        const r = canonicalScores(await runFeed(session, iface, f, what), f.count, iface.output.kind, what, done);
        logits ??= new Float32Array(n * r.k);
        logits.set(r.logits, done * r.k);
        done += f.count;
      }
      const out = logits ?? new Float32Array(0);
      port.postMessage({ id: msg.id, logits: out }, [out.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
