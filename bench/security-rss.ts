/**
 * Issue 14's memory targets, measured (run with `node --expose-gc --import tsx bench/security-rss.ts`):
 * 1. an .npz zip bomb (a ~1.5 MB archive whose member inflates to 1.5 GiB) refused by `loadNpz` — RSS growth;
 * 2. 5,000 predictions to random 8 KB model names over HTTP against an inference server in this process — RSS
 *    growth after GC. Prints each figure; the targets are +≤ 500 MB and +≤ 15 MB.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { loadNpz } from '@medslim/data';
import { startServer } from '@medslim/http';
import { connectRegistry, createInferApp } from '@medslim/infer';
import { FsBlobStore, Registry } from '@medslim/registry';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/security-rss.ts');
const MiB = 2 ** 20;
const rss = () => {
  gc();
  return process.memoryUsage().rss;
};

// 1. Zip bomb: header declares (1572864, 32, 32) uint8, the zip directory declares 1.5 GiB.
const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (1572864, 32, 32), }";
const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
const header = Buffer.alloc(total);
header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
header.writeUInt16LE(total - 10, 8);
header.write(dict.padEnd(total - 11, ' ') + '\n', 10, 'latin1');
const flush = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
const mib = deflateRawSync(Buffer.alloc(MiB), flush);
const stream = Buffer.concat([deflateRawSync(header, flush), ...Array.from({ length: 1536 }, () => mib), Buffer.from([3, 0])]);
const name = Buffer.from('train_images.npy');
const local = Buffer.alloc(30);
local.writeUInt32LE(0x04034b50, 0);
local.writeUInt16LE(8, 8);
local.writeUInt32LE(stream.length, 18);
local.writeUInt32LE(1024, 22); // the directory lies: the header check must catch it
local.writeUInt16LE(name.length, 26);
const central = Buffer.alloc(46);
central.writeUInt32LE(0x02014b50, 0);
central.writeUInt16LE(8, 10);
central.writeUInt32LE(stream.length, 20);
central.writeUInt32LE(1024, 24);
central.writeUInt16LE(name.length, 28);
const eocd = Buffer.alloc(22);
eocd.writeUInt32LE(0x06054b50, 0);
eocd.writeUInt16LE(1, 8);
eocd.writeUInt16LE(1, 10);
eocd.writeUInt32LE(46 + name.length, 12);
eocd.writeUInt32LE(30 + name.length + stream.length, 16);
const bomb = Buffer.concat([local, name, stream, central, name, eocd]);
const before = rss();
let t0 = performance.now();
try {
  loadNpz(bomb, 'bomb.npz');
  console.log('zip bomb: LOADED (bad)');
} catch (e) {
  console.log(`zip bomb (${(bomb.length / MiB).toFixed(2)} MB archive, member inflates to 1.5 GiB): refused in ${(performance.now() - t0).toFixed(0)} ms, ${(e as { code?: string }).code}; RSS +${((rss() - before) / MiB).toFixed(1)} MB`);
}

// 2. 5,000 random 8 KB names over HTTP.
const dir = await mkdtemp(path.join(tmpdir(), 'medslim-bench-sec-'));
const reg = new Registry(new FsBlobStore(path.join(dir, 'store'), { fsync: false }));
const { key } = await reg.keys.create({ tenant: 'hosp-a', role: 'reader', by: null });
const app = createInferApp({ ...connectRegistry(reg), log: () => {} });
const server = await startServer(app, { port: 0 });
const body = JSON.stringify({ inputs: [[[0]]] });
const send = (model: string) => fetch(`${server.url}/v1/models/${model}/predict`, { method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }).then((r) => r.text().then(() => r.status));
for (let i = 0; i < 200; i++) await send(randomBytes(4096).toString('hex')); // warm up
const heap = () => process.memoryUsage().heapUsed;
/** Baseline in the same run: the same number of 404s for one short unknown name (client and server in this process). */
for (const [label, nameOf] of [
  ['one unknown short name (baseline)', () => 'unknown-model'],
  ['random 8 KB names', () => randomBytes(4096).toString('hex')],
] as const) {
  const r0 = rss();
  const h0 = heap();
  t0 = performance.now();
  const statuses = new Map<number, number>();
  for (let i = 0; i < 5000; i++) {
    const s = await send(nameOf());
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const r1 = rss();
  console.log(`5,000 predictions, ${label}: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s; after GC RSS +${((r1 - r0) / MiB).toFixed(1)} MB, JS heap +${((heap() - h0) / MiB).toFixed(1)} MB`);
}
await server.close();
await rm(dir, { recursive: true, force: true });
