import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { validateStudent, type StudentConfig } from './config.ts';
import { initStudent, restore, snapshot, type StudentParams } from './params.ts';

/**
 * Saves a student (config + every variable, running BatchNorm statistics included) to one file:
 * u32 little-endian header length, JSON header {config, tensors: {name: [offset, length, shape]}}, padding to
 * 4 bytes, then float32 data. Written to a temporary name and renamed (never a half file).
 */
export function saveStudent(path: string, config: StudentConfig, params: StudentParams): void {
  const snap = snapshot(params);
  const tensors: Record<string, [number, number, number[]]> = {};
  let offset = 0;
  for (const [k, v] of snap) { tensors[k] = [offset, v.data.length, v.shape]; offset += v.data.length; }
  const blob = new Float32Array(offset);
  for (const [k, v] of snap) blob.set(v.data, tensors[k][0]);
  const header = Buffer.from(JSON.stringify({ format: 'medslim-student-v1', config, tensors }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, Buffer.concat([len, header, Buffer.alloc((4 - ((4 + header.length) % 4)) % 4), Buffer.from(blob.buffer)]));
  renameSync(`${path}.tmp`, path);
}

/** Loads a student saved by `saveStudent`. @throws Error naming the file when it is not a medslim student file. */
export function loadStudent(path: string): { config: StudentConfig; params: StudentParams } {
  const buf = readFileSync(path);
  const n = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as { format: string; config: StudentConfig; tensors: Record<string, [number, number, number[]]> };
  if (header.format !== 'medslim-student-v1') throw new Error(`${path} is not a medslim student file`);
  const start = 4 + n + ((4 - ((4 + n) % 4)) % 4);
  const blob = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.byteLength));
  const config = validateStudent(header.config);
  const params = initStudent(config, 0);
  restore(params, new Map(Object.entries(header.tensors).map(([k, [o, l, shape]]) => [k, { shape, data: blob.slice(o, o + l) }])));
  return { config, params };
}
