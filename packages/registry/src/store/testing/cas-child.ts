/**
 * Child process used by fs-store.test.ts to race conditional writes across processes.
 * Run as `node --import tsx cas-child.ts <mode> <root> <key> [...]`. It prints `ready`, waits for a
 * line on stdin (the start signal, so all children race at once), does its work and prints one JSON line.
 *
 *   once <root> <key> <etag> <id>   one put(key, "writer <id>", { ifMatch: etag })
 *   counter <root> <key> <n>        n compare-and-swap increments of a decimal counter
 */
import { once } from 'node:events';
import { FsBlobStore } from '../fs-store.ts';
import { StoreError } from '../blob-store.ts';

const [mode, root, key, arg1, arg2] = process.argv.slice(2);
const store = new FsBlobStore(root);

async function runOnce(): Promise<unknown> {
  try {
    const r = await store.put(key, Buffer.from(`writer ${arg2}`), { ifMatch: arg1 });
    return { id: arg2, ok: true, etag: r.etag };
  } catch (e) {
    return { id: arg2, ok: false, code: StoreError.is(e) ? e.code : String(e) };
  }
}

async function runCounter(): Promise<unknown> {
  const n = Number(arg1);
  let retries = 0;
  for (let done = 0; done < n; ) {
    const cur = await store.get(key);
    const value = Number(Buffer.from(cur.body).toString());
    try {
      await store.put(key, Buffer.from(String(value + 1)), { ifMatch: cur.etag });
      done++;
    } catch (e) {
      if (!StoreError.is(e, 'PRECONDITION_FAILED')) throw e;
      retries++;
    }
  }
  return { ok: n, retries };
}

process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.pause();
const result = mode === 'once' ? await runOnce() : await runCounter();
process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
