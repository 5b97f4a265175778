import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { setWasmFastPaths } from './flags.ts';
import { setupBackends, tf } from './test-utils.ts';

beforeAll(async () => {
  await setupBackends();
  await tf.setBackend('wasm');
});

const backend = () => tf.backend() as unknown as BackendWasm;

describe('Identity / same-dtype Cast share the buffer on wasm', () => {
  it('clone and cast to the same dtype add a reference instead of copying; the values outlive the original', () => {
    const x = tf.tensor([1.5, -2, 3], [3]);
    const c = tf.clone(x);
    const f = tf.cast(x, 'float32');
    expect(c.dataId).toBe(x.dataId);
    expect(f.dataId).toBe(x.dataId);
    expect(backend().refCount(x.dataId)).toBe(3);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    c.dispose();
    expect(Array.from(f.dataSync())).toEqual([1.5, -2, 3]);
    f.dispose();
  });

  it('a real cast still converts (float32 → int32 truncates toward zero, as wasm does)', () => {
    const x = tf.tensor([1.5, -2.7, 3], [3]);
    const i = tf.cast(x, 'int32');
    expect(i.dataId).not.toBe(x.dataId);
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([x, i]);
  });

  it('with the fast path off, Identity copies (wasm\'s own kernel)', () => {
    const prev = setWasmFastPaths({ shareBuffers: false });
    try {
      const x = tf.tensor([4, 5], [2]);
      const c = tf.clone(x);
      expect(c.dataId).not.toBe(x.dataId);
      expect(Array.from(c.dataSync())).toEqual([4, 5]);
      tf.dispose([x, c]);
    } finally {
      setWasmFastPaths(prev);
    }
  });
});
