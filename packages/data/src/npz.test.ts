import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { writeNpy } from './npy.ts';
import { loadNpz, writeNpz } from './npz.ts';
import { errorOf } from './test-utils.ts';

const arrays = {
  images: { dtype: 'uint8' as const, shape: [2, 2, 2], data: new Uint8Array([0, 51, 102, 153, 204, 255, 1, 2]) },
  labels: { dtype: 'int64' as const, shape: [2, 1], data: new BigInt64Array([0n, 1n]) },
  weights: { dtype: 'float32' as const, shape: [3], data: new Float32Array([0.5, 1.5, -2]) },
};

describe('npz', () => {
  it('round-trips writeNpz → loadNpz with stored entries', () => {
    const back = loadNpz(writeNpz(arrays));
    expect(Object.keys(back).sort()).toEqual(['images', 'labels', 'weights']);
    expect(back.images).toEqual(arrays.images);
    expect(back.labels).toEqual(arrays.labels);
    expect(back.weights).toEqual(arrays.weights);
  });

  it('round-trips deflated entries, which are smaller for compressible data', () => {
    const big = { zeros: { dtype: 'uint8' as const, shape: [100, 100], data: new Uint8Array(10_000) } };
    const stored = writeNpz(big);
    const deflated = writeNpz(big, { compress: true });
    expect(deflated.length).toBeLessThan(stored.length / 10);
    expect(loadNpz(deflated).zeros).toEqual(big.zeros);
    expect(loadNpz(writeNpz(arrays, { compress: true })).weights).toEqual(arrays.weights);
  });

  it('is deterministic (identical input → identical bytes)', () => {
    expect(writeNpz(arrays)).toEqual(writeNpz(arrays));
  });

  it('loads from a path and ignores entries that are not .npy', () => {
    const zip = zipSync({ 'a.npy': writeNpy(arrays.weights), 'README.txt': strToU8('hello'), 'dir/': {} });
    const path = join(mkdtempSync(join(tmpdir(), 'medslim-npz-')), 'x.npz');
    writeFileSync(path, zip);
    expect(Object.keys(loadNpz(path))).toEqual(['a']);
  });

  it("rejects files that are not zips with 'NOT_NPZ'", () => {
    const err = errorOf(() => loadNpz(new TextEncoder().encode('hello, this is text')));
    expect(err.code).toBe('NOT_NPZ');
    expect(err.message).toMatch(/not an \.npz file/);
    expect(err.message).toMatch(/numpy\.savez/);
    const npyErr = errorOf(() => loadNpz(writeNpy(arrays.weights)));
    expect(npyErr.code).toBe('NOT_NPZ');
    expect(npyErr.message).toMatch(/single \.npy array/);
  });

  it('reports a damaged zip as NPZ_CORRUPT and a bad entry by name', () => {
    const zip = writeNpz(arrays);
    expect(errorOf(() => loadNpz(zip.subarray(0, zip.length - 30))).code).toBe('NPZ_CORRUPT');
    const bad = zipSync({ 'x.npy': strToU8('garbage') });
    const err = errorOf(() => loadNpz(bad));
    expect(err.code).toBe('NPY_BAD_MAGIC');
    expect(err.message).toContain('x.npy');
  });

  it('reports a missing file as FILE_READ_FAILED naming the path', () => {
    const err = errorOf(() => loadNpz('/nonexistent/dir/data.npz'));
    expect(err.code).toBe('FILE_READ_FAILED');
    expect(err.message).toContain('/nonexistent/dir/data.npz');
    expect(err.message).toMatch(/does not exist/);
  });
});
