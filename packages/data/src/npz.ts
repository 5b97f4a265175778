/**
 * Read and write `.npz` archives: a zip file whose entries `key.npy` are
 * arrays in the NumPy NEP-1 .npy format (what numpy.savez /
 * numpy.savez_compressed produce).
 */
import { readFileSync } from 'node:fs';
import { DataError, formatShape } from './errors.ts';
import type { NdArray } from './ndarray.ts';
import { parseNpy, readNpyPreamble, writeNpy } from './npy.ts';
import { inflateMember, inflatePrefix, isZip, writeZip, zipEntries, type ZipEntry } from './zip.ts';

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

/** Most bytes the `.npy` members of one `.npz` may hold once inflated (384 MiB), unless `loadNpz` is given another bound. */
export const DEFAULT_MAX_NPZ_BYTES = 384 * 1024 * 1024;

/** Options of {@link loadNpz}. */
export interface LoadNpzOptions {
  /** Names the archive in messages (e.g. the file path). */
  name?: string;
  /** Most bytes all `.npy` members together may inflate to (default `DEFAULT_MAX_NPZ_BYTES`). */
  maxBytes?: number;
}

/**
 * Load every array in a `.npz` archive.
 *
 * Entries are stored or deflated (both supported); entry `train_images.npy`
 * becomes key `train_images`. Entries not ending in `.npy` (and directories)
 * are ignored (never inflated). Each array keeps its stored shape and dtype (see
 * {@link parseNpy}); nothing is converted.
 *
 * Zip bombs: before a member is inflated, its declared size (zip central directory) and the size its
 * `.npy` header declares (shape × dtype, read from the first inflated bytes only) must fit in what is left
 * of `maxBytes`; the member is then inflated with its declared size as a hard limit (zlib
 * `maxOutputLength`), so a member that inflates past what it declares stops there. Memory is bounded by
 * `maxBytes` plus the archive itself.
 *
 * @param source a file path, or the archive bytes
 * @param opts a name for messages (or pass it as a string), `maxBytes`
 * @returns arrays by key (a null-prototype object)
 * @throws DataError 'FILE_READ_FAILED' (path unreadable), 'NOT_NPZ' (not a zip
 *   archive), 'NPZ_CORRUPT' (zip cannot be decompressed, or a member inflates past its declared size),
 *   'NPZ_TOO_LARGE' (a member, by its zip entry or its .npy header, would pass `maxBytes`; the message
 *   names the member), or any parseNpy error for a bad entry (the message names the entry).
 */
export function loadNpz(source: string | Uint8Array, opts: LoadNpzOptions | string = {}): Record<string, NdArray> {
  const o = typeof opts === 'string' ? { name: opts } : opts;
  const label = o.name ?? (typeof source === 'string' ? source : 'npz bytes');
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_NPZ_BYTES;
  const bytes = typeof source === 'string' ? readFileBytes(source) : source;
  if (!isZip(bytes)) {
    const hint =
      bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e
        ? 'it is a single .npy array; save the dataset with numpy.savez(path, train_images=..., ...)'
        : 'save the dataset with numpy.savez or numpy.savez_compressed';
    throw new DataError('NOT_NPZ', `'${label}' is not an .npz file (a zip archive of .npy arrays; ${bytes.length} bytes, no zip signature): ${hint}.`);
  }
  const corrupt = (why: string, cause?: unknown) => new DataError('NPZ_CORRUPT', `'${label}' is a damaged zip archive (${why}). Re-download or re-save it with numpy.savez.`, { cause });
  const tooLarge = (entry: string, what: string, left: number) =>
    new DataError(
      'NPZ_TOO_LARGE',
      `'${label}': member '${entry}' ${what}, more than the ${maxBytes} bytes a dataset may hold once inflated (${left} left for this member). Use a smaller dataset (fewer or smaller images), or raise the limit.`,
    );
  let entries: ZipEntry[];
  try {
    entries = zipEntries(bytes);
  } catch (cause) {
    throw corrupt((cause as Error).message, cause);
  }
  const out = Object.create(null) as Record<string, NdArray>;
  let used = 0;
  for (const e of entries) {
    if (!e.name.endsWith('.npy')) continue;
    const left = maxBytes - used;
    if (e.size > left) throw tooLarge(e.name, `declares ${e.size} bytes in the zip directory`, left);
    // The .npy header from the first bytes only: shape × dtype must fit before anything more is inflated.
    let head: Uint8Array;
    try {
      head = inflatePrefix(bytes, e);
    } catch (cause) {
      throw corrupt((cause as Error).message, cause);
    }
    const pre = readNpyPreamble(head, `${label}:${e.name}`);
    if (pre.dataStart + pre.nbytes > left) {
      throw tooLarge(e.name, `declares shape ${formatShape(pre.shape)} of ${pre.dtype} (${pre.dataStart + pre.nbytes} bytes)`, left);
    }
    let data: Uint8Array;
    try {
      data = inflateMember(bytes, e);
    } catch (cause) {
      throw corrupt((cause as Error).message, cause);
    }
    used += Math.max(data.length, pre.dataStart + pre.nbytes);
    out[e.name.slice(0, -4)] = parseNpy(data, `${label}:${e.name}`);
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
  return writeZip(Object.fromEntries(Object.entries(arrays).map(([key, arr]) => [`${key}.npy`, writeNpy(arr)])), opts);
}
