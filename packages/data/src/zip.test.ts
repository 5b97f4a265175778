/**
 * The one zip reader outside .npz datasets (multi-file model uploads): members come back as stored; sizes are
 * bounded by what the directory declares before anything is inflated, and a member inflating past its
 * declaration stops there (the same guard as the .npz zip bomb, npz-bomb.test.ts).
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../../tests/helpers/thrown.ts';
import { DataError } from './errors.ts';
import { readZipBounded, zipEntries } from './zip.ts';

const enc = (s: string) => new TextEncoder().encode(s);
/** `CODE: message` of the DataError `fn` throws. */
function code(fn: () => unknown): string {
  const e = thrownBy(DataError, fn);
  return `${e.code}: ${e.message}`;
}

describe('readZipBounded', () => {
  const zeros = new Uint8Array(100_000);
  const archive = zipSync({ 'm/model.onnx': [enc('onnx bytes'), { level: 0 }], 'm/model.onnx.data': [zeros, { level: 9 }], 'm/': new Uint8Array(0), '__MACOSX/m/._model.onnx': enc('fork') });

  it('returns the file members with their bytes (stored and deflated), skipping folders and macOS forks', () => {
    const files = readZipBounded(archive, { name: 'model.zip', maxBytes: 1 << 20 });
    expect(files.map((f) => f.name)).toEqual(['m/model.onnx', 'm/model.onnx.data']);
    expect(new TextDecoder().decode(files[0].bytes)).toBe('onnx bytes');
    expect(files[1].bytes.length).toBe(100_000);
    expect(files[1].bytes.every((b) => b === 0)).toBe(true);
  });

  it('refuses members that declare more than the limit together, before inflating them', () => {
    expect(code(() => readZipBounded(archive, { name: 'model.zip', maxBytes: 50_000 }))).toMatch(/^ZIP_TOO_LARGE: 'model.zip': member 'm\/model.onnx.data' declares 100000 bytes, more than the 50000 bytes/);
    expect(code(() => readZipBounded(archive, { name: 'model.zip', maxBytes: 1 << 20, maxMembers: 1 }))).toMatch(/^ZIP_TOO_LARGE: 'model.zip' holds 2 files; at most 1/);
  });

  it('stops a member that inflates past the size it declares (a lying directory)', () => {
    const lying = archive.slice();
    const view = new DataView(lying.buffer);
    const e = zipEntries(lying).find((x) => x.name === 'm/model.onnx.data')!;
    // Patch the central directory's uncompressed size of that member to 1,000 bytes.
    for (let o = 0; o + 46 < lying.length; o++) {
      if (view.getUint32(o, true) === 0x02014b50 && new TextDecoder().decode(lying.subarray(o + 46, o + 46 + e.name.length)) === e.name) view.setUint32(o + 24, 1000, true);
    }
    expect(code(() => readZipBounded(lying, { name: 'model.zip', maxBytes: 1 << 20 }))).toMatch(/^ZIP_CORRUPT: 'model.zip' is a damaged zip archive \(member 'm\/model.onnx.data' inflates past the 1000 bytes it declares\)/);
  });

  it('names a file that is not a zip, and a damaged one', () => {
    expect(code(() => readZipBounded(enc('not a zip at all'), { name: 'x.zip', maxBytes: 100 }))).toMatch(/^NOT_ZIP: 'x.zip' is not a zip archive/);
    expect(code(() => readZipBounded(archive.subarray(0, archive.length - 30), { name: 'x.zip', maxBytes: 1 << 20 }))).toMatch(/^ZIP_CORRUPT/);
  });
});
