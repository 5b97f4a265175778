/**
 * Read and write `.npz` archives: a zip file whose entries `key.npy` are
 * arrays in the NumPy NEP-1 .npy format (what numpy.savez /
 * numpy.savez_compressed produce).
 */
import { readFileSync } from 'node:fs';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { DataError } from './errors.ts';
import type { NdArray } from './ndarray.ts';
import { parseNpy, writeNpy } from './npy.ts';

/**
 * Read a file into memory, turning file-system failures into a DataError.
 * @throws DataError 'FILE_READ_FAILED' naming the path and the OS reason.
 */
export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a directory' : String((cause as Error).message);
    throw new DataError('FILE_READ_FAILED', `cannot read '${path}': ${why}. Check the path passed for the dataset.`, { cause });
  }
}

/**
 * Load every array in a `.npz` archive.
 *
 * Entries are stored or deflated (both supported); entry `train_images.npy`
 * becomes key `train_images`. Entries not ending in `.npy` (and directories)
 * are ignored. Each array keeps its stored shape and dtype (see
 * {@link parseNpy}); nothing is converted.
 *
 * @param source a file path, or the archive bytes
 * @returns arrays by key (a null-prototype object)
 * @throws DataError 'FILE_READ_FAILED' (path unreadable), 'NOT_NPZ' (not a zip
 *   archive), 'NPZ_CORRUPT' (zip cannot be decompressed), or any parseNpy error
 *   for a bad entry (the message names the entry). `name` (e.g. the file path) names bytes in messages.
 */
export function loadNpz(source: string | Uint8Array, name?: string): Record<string, NdArray> {
  const label = name ?? (typeof source === 'string' ? source : 'npz bytes');
  const bytes = typeof source === 'string' ? readFileBytes(source) : source;
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
  if (!isZip) {
    const hint =
      bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e
        ? 'it is a single .npy array; save the dataset with numpy.savez(path, train_images=..., ...)'
        : 'save the dataset with numpy.savez or numpy.savez_compressed';
    throw new DataError('NOT_NPZ', `'${label}' is not an .npz file (a zip archive of .npy arrays; ${bytes.length} bytes, no zip signature): ${hint}.`);
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (cause) {
    throw new DataError('NPZ_CORRUPT', `'${label}' is a damaged zip archive (${(cause as Error).message}). Re-download or re-save it with numpy.savez.`, { cause });
  }
  const out = Object.create(null) as Record<string, NdArray>;
  for (const [entry, data] of Object.entries(entries)) {
    if (!entry.endsWith('.npy')) continue;
    out[entry.slice(0, -4)] = parseNpy(data, `${label}:${entry}`);
  }
  return out;
}

/**
 * Build a `.npz` archive (zip of NumPy NEP-1 .npy entries named `key.npy`),
 * readable by numpy.load and {@link loadNpz}.
 *
 * @param arrays arrays by key; each is written with {@link writeNpy} (v1.0 header, C order)
 * @param opts.compress deflate entries like numpy.savez_compressed (default
 *   false: stored, like numpy.savez)
 * @returns the archive bytes
 * @throws DataError 'BAD_ARRAY' if an array's data does not match its dtype/shape.
 */
export function writeNpz(arrays: Record<string, NdArray>, opts: { compress?: boolean } = {}): Uint8Array {
  const files: Zippable = {};
  for (const [key, arr] of Object.entries(arrays)) {
    files[`${key}.npy`] = [writeNpy(arr), { level: opts.compress ? 6 : 0 }];
  }
  return zipSync(files, { mtime: new Date(2000, 0, 1) /* fixed: identical inputs give identical bytes */ });
}
