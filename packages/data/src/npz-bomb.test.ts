/**
 * Issue 14, item 3: an .npz zip bomb (a ~1.5 MB archive whose member inflates to 1.5 GiB) is refused
 * before it is inflated — by the size the zip directory declares, by the shape × dtype the member's .npy
 * header declares, or, when both lie, by the inflater's hard limit — with a DataError naming the member,
 * in well under a second and without the process's memory growing by the bomb's size.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.ts';
import { writeNpy } from './npy.ts';
import { loadNpz, writeNpz } from './npz.ts';

const MiB = 1024 * 1024;
const BOMB_BYTES = 1536 * MiB;

/** A .npy v1.0 header for `shape` of uint8 (padded to 64 bytes as numpy.save does). */
function npyHeader(shape: number[]): Uint8Array {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(Buffer.from(dict.padEnd(total - 11, ' ') + '\n', 'latin1'), 10);
  return out;
}

/** A raw deflate stream of `header` followed by `zeroMiB` MiB of zeros, built from one compressed MiB repeated. */
function deflatedBomb(header: Uint8Array, zeroMiB: number): Uint8Array {
  const flush = { finishFlush: constants.Z_SYNC_FLUSH, level: 9 };
  const parts: Uint8Array[] = [deflateRawSync(header, flush)];
  const mib = deflateRawSync(new Uint8Array(MiB), flush); // non-final blocks ending byte-aligned: safe to repeat
  for (let i = 0; i < zeroMiB; i++) parts.push(mib);
  parts.push(Uint8Array.from([0x03, 0x00])); // a final, empty fixed-Huffman block
  return Buffer.concat(parts);
}

/** A little-endian record of `size` bytes with each field [offset, bytes (2 or 4), value] written (zip's header layout). */
function record(size: number, fields: [number, 2 | 4, number][]): Buffer {
  const b = Buffer.alloc(size);
  for (const [offset, bytes, value] of fields) {
    if (bytes === 2) b.writeUInt16LE(value, offset);
    else b.writeUInt32LE(value, offset);
  }
  return b;
}

/** A zip archive of one deflated member whose directory entry declares `declaredSize` (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16). */
function zipOf(name: string, deflated: Uint8Array, declaredSize: number): Uint8Array {
  const fname = Buffer.from(name);
  const DEFLATE = 8;
  const local = record(30, [[0, 4, 0x04034b50], [4, 2, 20], [8, 2, DEFLATE], [18, 4, deflated.length], [22, 4, declaredSize], [26, 2, fname.length]]);
  const central = record(46, [
    [0, 4, 0x02014b50], [4, 2, 20], [6, 2, 20], [10, 2, DEFLATE], [20, 4, deflated.length], [24, 4, declaredSize], [28, 2, fname.length], [42, 4, 0],
  ]);
  const cdOffset = 30 + fname.length + deflated.length;
  const eocd = record(22, [[0, 4, 0x06054b50], [8, 2, 1], [10, 2, 1], [12, 4, 46 + fname.length], [16, 4, cdOffset]]);
  return Buffer.concat([local, fname, deflated, central, fname, eocd]);
}

/**
 * Loads `bytes` and returns the refusal and the RSS growth. The growth (< 500 MiB against the 1.5 GiB the
 * member would inflate to) shows the bomb was not inflated; how fast the refusal is, bench/security-rss.ts says.
 */
function refusal(bytes: Uint8Array): { error: DataError; rssGrowth: number } {
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  try {
    loadNpz(bytes, 'bomb.npz');
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return { error: e as DataError, rssGrowth: process.memoryUsage().rss - rss0 };
  }
  throw new Error('the bomb was loaded');
}

describe('npz zip bombs (issue 14, item 3)', () => {
  const header = npyHeader([BOMB_BYTES / 1024, 32, 32]);
  const stream = deflatedBomb(header, BOMB_BYTES / MiB);

  it('the attack stream is ~1.5 MB; the same construction at 16 MiB inflates to exactly header + 16 MiB', () => {
    expect(stream.length).toBeLessThan(3 * MiB);
    const small = inflateRawSync(deflatedBomb(header, 16));
    expect(small.length).toBe(header.length + 16 * MiB);
    expect(Buffer.compare(small.subarray(0, header.length), header)).toBe(0);
  });

  it('a member whose zip entry declares 1.5 GiB is refused before inflating, naming the member', () => {
    const r = refusal(zipOf('train_images.npy', stream, header.length + BOMB_BYTES));
    expect(r.error.code).toBe('NPZ_TOO_LARGE');
    expect(r.error.message).toMatch(/member 'train_images\.npy' declares \d+ bytes in the zip directory/);
    expect(r.rssGrowth).toBeLessThan(500 * MiB);
  });

  it('a directory that lies (1 KB) is caught by the .npy header: shape (1572864, 32, 32) of uint8 is over the cap', () => {
    const r = refusal(zipOf('train_images.npy', stream, 1024));
    expect(r.error.code).toBe('NPZ_TOO_LARGE');
    expect(r.error.message).toMatch(/member 'train_images\.npy' declares shape \(1572864, 32, 32\) of uint8/);
    expect(r.rssGrowth).toBeLessThan(500 * MiB);
  });

  it('when directory and header both lie, inflation stops at the declared size', () => {
    const small = npyHeader([10, 28, 28]);
    const r = refusal(zipOf('train_images.npy', deflatedBomb(small, BOMB_BYTES / MiB), small.length + 7840));
    expect(r.error.code).toBe('NPZ_CORRUPT');
    expect(r.error.message).toMatch(/member 'train_images\.npy' inflates past the \d+ bytes it declares/);
    expect(r.rssGrowth).toBeLessThan(500 * MiB);
  });

  it('the cap counts all members together, and a caller may lower it', () => {
    const arr = { dtype: 'uint8' as const, shape: [1000], data: new Uint8Array(1000) };
    const npz = writeNpz({ a: arr, b: arr }, { compress: true });
    expect(Object.keys(loadNpz(npz, { maxBytes: 4096 }))).toEqual(['a', 'b']);
    expect(() => loadNpz(npz, { name: 'two.npz', maxBytes: 1500 })).toThrow(/'two\.npz': member 'b\.npy' declares/);
    expect(writeNpy(arr).length).toBe(1128); // 128-byte header + 1000 bytes: what each member counts
  });
});
