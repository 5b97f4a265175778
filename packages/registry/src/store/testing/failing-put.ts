/**
 * A store whose `put` throws for the keys `fail` picks (a disk or network failure mid-way), every other call
 * passing through to `inner`: for tests of what a failed write leaves behind (test-only; not exported from the
 * package).
 */
import type { BlobStore, PutBody, PutOptions } from '../blob-store.ts';

export function failingPut(inner: BlobStore, fail: (key: string) => boolean): BlobStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'put') {
        return async (key: string, body: PutBody, opts?: PutOptions) => {
          if (fail(key)) throw new Error(`injected failure writing ${key}`);
          return target.put(key, body, opts);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
