import { describe, expect, it } from 'vitest';
import { DataError } from './errors.ts';
import { parseNpy, writeNpy } from './npy.ts';
import type { NdArray } from './ndarray.ts';

/** Build a .npy file by hand: magic, version, header length, header text, data. */
function npy(major: 1 | 2 | 3, header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header); // ASCII unless the test adds non-ASCII (v3 only)
  const pre = major === 1 ? 10 : 12;
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true);
  else dv.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(data, pre + h.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function expectDataError(fn: () => unknown, code: string, ...mustMention: RegExp[]): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    const err = e as DataError;
    expect(err.name).toBe('DataError');
    expect(err.code).toBe(code);
    for (const re of mustMention) expect(err.message).toMatch(re);
    return err;
  }
  throw new Error(`expected DataError ${code}, nothing was thrown`);
}

describe('parseNpy', () => {
  it('reads a v1.0 uint8 array with a space-padded header', () => {
    const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(57) + '\n';
    const a = parseNpy(npy(1, header, new Uint8Array([0, 1, 2, 253, 254, 255])));
    expect(a.dtype).toBe('uint8');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Uint8Array)).toEqual([0, 1, 2, 253, 254, 255]);
  });

  it('reads a v1.0 float32 array of shape (3,) with no spaces and no trailing comma', () => {
    const f = new Float32Array([1.5, -2.25, 1e-7]);
    const a = parseNpy(npy(1, "{'descr':'<f4','fortran_order':False,'shape':(3,)}\n", bytesOf(f)));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data as Float32Array)).toEqual(Array.from(f));
  });

  it('reads a v2.0 int64 array (u32 header length), keeping values exact as BigInt64Array', () => {
    const v = new BigInt64Array([0n, 1n, -5n, 9007199254740993n]);
    const a = parseNpy(npy(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }    \n", bytesOf(v)));
    expect(a.dtype).toBe('int64');
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data as BigInt64Array)).toEqual([0n, 1n, -5n, 9007199254740993n]);
  });

  it('reads a v3.0 header as UTF-8 (length counted in bytes, not characters)', () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'note': 'données', }\n";
    expect(new TextEncoder().encode(header).length).toBeGreaterThan(header.length);
    const a = parseNpy(npy(3, header, bytesOf(new Float32Array([3, 4]))));
    expect(a.shape).toEqual([2]);
    expect(Array.from(a.data as Float32Array)).toEqual([3, 4]);
  });

  it('reads the scalar shape () as one element', () => {
    const a = parseNpy(npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", bytesOf(new Float64Array([2.5]))));
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([]);
    expect(a.data).toBeInstanceOf(Float64Array);
    expect(a.data[0]).toBe(2.5);
  });

  it('accepts double quotes, extra whitespace, newlines and Python 2 long suffixes', () => {
    const a = parseNpy(npy(1, '{ "shape" : ( 2L ,  1L , ) ,\n "fortran_order" : False , "descr" : "<i4" , }   \n', bytesOf(new Int32Array([-7, 8]))));
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([2, 1]);
    expect(Array.from(a.data as Int32Array)).toEqual([-7, 8]);
  });

  it('copies data whose offset is not a multiple of the element size', () => {
    // header of odd length → data starts at byte 10 + 51 = 61 (not a multiple of 4)
    const header = "{'descr':'<f4','fortran_order':False,'shape':(2,)}\n";
    const file = npy(1, header, bytesOf(new Float32Array([0.25, -8])));
    expect((10 + header.length) % 4).not.toBe(0);
    expect(Array.from(parseNpy(file).data as Float32Array)).toEqual([0.25, -8]);
    // and when the input itself sits at an odd byteOffset in its buffer
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expect(Array.from(parseNpy(shifted.subarray(1)).data as Float32Array)).toEqual([0.25, -8]);
  });

  it('makes a zero-copy view when aligned', () => {
    const file = writeNpy({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
    const a = parseNpy(file);
    expect(a.data.buffer).toBe(file.buffer);
  });

  it('maps int8, uint16, int16, uint32 and bool', () => {
    const cases: [string, ArrayBufferView, string, number[]][] = [
      ['|i1', new Int8Array([-128, 127]), 'int8', [-128, 127]],
      ['<u2', new Uint16Array([65535, 1]), 'uint16', [65535, 1]],
      ['<i2', new Int16Array([-300, 300]), 'int16', [-300, 300]],
      ['<u4', new Uint32Array([4294967295, 0]), 'uint32', [4294967295, 0]],
      ['|b1', new Uint8Array([1, 0]), 'bool', [1, 0]],
    ];
    for (const [descr, data, dtype, values] of cases) {
      const a = parseNpy(npy(1, `{'descr': '${descr}', 'fortran_order': False, 'shape': (2,), }\n`, bytesOf(data)));
      expect(a.dtype).toBe(dtype);
      expect(Array.from(a.data as Uint8Array)).toEqual(values);
    }
  });

  describe('refuses', () => {
    it('fortran_order True', () => {
      const f = npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", new Uint8Array(16));
      expectDataError(() => parseNpy(f, 'x.npy'), 'NPY_FORTRAN_ORDER', /'x\.npy'/, /Fortran/, /fortran_order: True/, /ascontiguousarray/);
    });

    it('object dtype |O (pickles)', () => {
      const f = npy(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", new Uint8Array(16));
      expectDataError(() => parseNpy(f), 'NPY_OBJECT_DTYPE', /object dtype '\|O'/, /pickle/i);
    });

    it('big-endian dtypes', () => {
      const f = npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", new Uint8Array(8));
      expectDataError(() => parseNpy(f), 'NPY_BIG_ENDIAN', /big-endian dtype '>f4'/, /little-endian/);
    });

    it('but reads 1-byte dtypes written with ">" (byte order is meaningless)', () => {
      const a = parseNpy(npy(1, "{'descr': '>u1', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array([9])));
      expect(a.dtype).toBe('uint8');
    });

    it('truncated data (shorter than product(shape) × itemsize)', () => {
      const f = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }\n", new Uint8Array(40));
      expectDataError(() => parseNpy(f, 'imgs.npy'), 'NPY_TRUNCATED', /'imgs\.npy' is truncated/, /\(3, 4\)/, /needs 48 data bytes but only 40/);
    });

    it('a header longer than the file', () => {
      const f = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n").subarray(0, 30);
      expectDataError(() => parseNpy(f), 'NPY_TRUNCATED', /header declares/);
    });

    it('bad magic', () => {
      const f = new TextEncoder().encode('not a numpy file at all');
      expectDataError(() => parseNpy(f, 'junk.npy'), 'NPY_BAD_MAGIC', /'junk\.npy' is not a NumPy \.npy file/, /magic/);
    });

    it('a zip passed as .npy, with a hint', () => {
      const f = new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
      expectDataError(() => parseNpy(f), 'NPY_BAD_MAGIC', /loadNpz/);
    });

    it('unknown versions', () => {
      const f = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }\n");
      f[6] = 4;
      expectDataError(() => parseNpy(f), 'NPY_BAD_VERSION', /version 4\.0/);
    });

    it('unsupported and structured dtypes', () => {
      expectDataError(() => parseNpy(npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(2))), 'NPY_UNSUPPORTED_DTYPE', /'<f2'/, /'<f4'/);
      expectDataError(
        () => parseNpy(npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", new Uint8Array(4))),
        'NPY_UNSUPPORTED_DTYPE',
        /structured/,
      );
    });

    it('malformed headers, naming the problem', () => {
      expectDataError(() => parseNpy(npy(1, "{'descr': '<f4', 'shape': (1,), }\n", new Uint8Array(4))), 'NPY_BAD_HEADER', /missing the key 'fortran_order'/);
      expectDataError(() => parseNpy(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,\n", new Uint8Array(4))), 'NPY_BAD_HEADER', /invalid \.npy header/);
      expectDataError(() => parseNpy(npy(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }\n")), 'NPY_BAD_HEADER', /'fortran_order' must be True or False/);
      expectDataError(() => parseNpy(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n")), 'NPY_BAD_HEADER', /non-negative/);
      expectDataError(() => parseNpy(npy(1, "__import__('os')\n")), 'NPY_BAD_HEADER', /unexpected '_'/);
    });
  });
});

describe('writeNpy', () => {
  it('writes a v1.0 header padded to 64 bytes and ending in a newline', () => {
    const out = writeNpy({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array([1, 2, 3, 4]) });
    expect(Array.from(out.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = out[8] | (out[9] << 8);
    expect((10 + hlen) % 64).toBe(0);
    const header = new TextDecoder().decode(out.subarray(10, 10 + hlen));
    expect(header.startsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }")).toBe(true);
    expect(header.endsWith(' \n')).toBe(true);
    expect(Array.from(out.subarray(10 + hlen))).toEqual([1, 2, 3, 4]);
  });

  it('round-trips every dtype through parseNpy', () => {
    const arrays: NdArray[] = [
      { dtype: 'uint8', shape: [3], data: new Uint8Array([0, 128, 255]) },
      { dtype: 'float32', shape: [1, 2], data: new Float32Array([0.5, -1]) },
      { dtype: 'float64', shape: [], data: new Float64Array([Math.PI]) },
      { dtype: 'int64', shape: [2], data: new BigInt64Array([-1n, 2n ** 40n]) },
      { dtype: 'uint64', shape: [1], data: new BigUint64Array([2n ** 63n]) },
      { dtype: 'int32', shape: [0, 5], data: new Int32Array(0) },
    ];
    for (const a of arrays) {
      const b = parseNpy(writeNpy(a));
      expect(b.dtype).toBe(a.dtype);
      expect(b.shape).toEqual(a.shape);
      expect(b.data).toEqual(a.data);
    }
  });

  it('writes shape (3,) with the trailing comma and () for scalars', () => {
    const text = (a: NdArray) => new TextDecoder().decode(writeNpy(a).subarray(10, 64));
    expect(text({ dtype: 'int32', shape: [3], data: new Int32Array(3) })).toContain("'shape': (3,)");
    expect(text({ dtype: 'int32', shape: [], data: new Int32Array(1) })).toContain("'shape': ()");
  });

  it('refuses data that does not match the shape or dtype', () => {
    expectDataError(() => writeNpy({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) }), 'BAD_ARRAY', /\(2, 2\) needs 4 elements but data has 3/);
    expectDataError(() => writeNpy({ dtype: 'float32', shape: [1], data: new Float64Array(1) } as unknown as NdArray), 'BAD_ARRAY', /Float32Array/);
  });
});
