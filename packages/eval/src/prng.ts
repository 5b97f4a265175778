/**
 * Small seeded pseudo-random number generator for reproducible bootstrap
 * resampling and benchmark inputs.
 */

/**
 * mulberry32 — a 32-bit-state PRNG by Tommy Ettinger (public domain), as
 * popularised in bryc's "JavaScript PRNGs" collection
 * (https://github.com/bryc/code/blob/master/jshash/PRNGs.md#mulberry32).
 * Period 2^32; fast and good enough for resampling, NOT cryptographic.
 *
 * @param seed any number; it is truncated to an unsigned 32-bit integer (`seed >>> 0`),
 *   so seeds that agree modulo 2^32 give the same stream.
 * @returns a function returning the next uniform float in [0, 1) on each call
 *   (multiples of 2^-32). Same seed → identical sequence.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
