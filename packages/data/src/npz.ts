/**
 * Read and write `.npz` archives: a zip file whose entries `key.npy` are
 * arrays in the NumPy NEP-1 .npy format (what numpy.savez /
 * numpy.savez_compressed produce).
 */
import { readFileSync } from 'node:fs';
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { zipSync, type Zippable } from 'fflate';
import { DataError, formatShape } from './errors.ts';
import type { NdArray } from './ndarray.ts';
import { parseNpy, readNpyPreamble, writeNpy } from './npy.ts';

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
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
  if (!isZip) {
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
    entries = centralDirectory(bytes);
  } catch (cause) {
    throw corrupt((cause as Error).message, cause);
  }
  const out = Object.create(null) as Record<string, NdArray>;
  let used = 0;
  for (const e of entries) {
    if (!e.name.endsWith('.npy')) continue;
    const left = maxBytes - used;
    if (e.size > left) throw tooLarge(e.name, `declares ${e.size} bytes in the zip directory`, left);
    if (e.method !== 0 && e.method !== 8) throw corrupt(`member '${e.name}' uses compression method ${e.method}; only stored and deflated members are read`);
    const compressed = bytes.subarray(e.dataStart, e.dataStart + e.compressedSize);
    if (compressed.length !== e.compressedSize) throw corrupt(`member '${e.name}' is cut short`);
    // The .npy header from the first bytes only: shape × dtype must fit before anything more is inflated.
    const head = e.method === 0 ? compressed : inflatePrefix(compressed);
    const pre = readNpyPreamble(head, `${label}:${e.name}`);
    if (pre.dataStart + pre.nbytes > left) {
      throw tooLarge(e.name, `declares shape ${formatShape(pre.shape)} of ${pre.dtype} (${pre.dataStart + pre.nbytes} bytes)`, left);
    }
    let data: Uint8Array;
    if (e.method === 0) data = compressed;
    else {
      try {
        data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, e.size) });
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw corrupt(`member '${e.name}' inflates past the ${e.size} bytes it declares`, cause);
        throw corrupt(`member '${e.name}': ${(cause as Error).message}`, cause);
      }
    }
    used += Math.max(data.length, pre.dataStart + pre.nbytes);
    out[e.name.slice(0, -4)] = parseNpy(data, `${label}:${e.name}`);
  }
  return out;
}

/** One member of a zip archive, from its central directory entry and local header. */
interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** Uncompressed size the archive declares. */
  size: number;
  /** Offset of the member's (compressed) bytes. */
  dataStart: number;
}

/**
 * The members of a zip archive (PKWARE APPNOTE 6.3: end of central directory, zip64 locator and extra
 * fields as numpy.savez writes them). Reads only headers; inflates nothing.
 * @throws Error naming what is malformed.
 */
function centralDirectory(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number) => Number(view.getBigUint64(o, true));
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (u32(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('no end of central directory record');
  let count = u16(eocd + 10);
  let offset = u32(eocd + 16);
  if ((count === 0xffff || offset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const z = u64(eocd - 12);
    if (z + 56 > bytes.length || u32(z) !== 0x06064b50) throw new Error('bad zip64 end of central directory');
    count = u64(z + 32);
    offset = u64(z + 48);
  }
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > bytes.length || u32(offset) !== 0x02014b50) throw new Error(`central directory entry ${i} is missing`);
    const flags = u16(offset + 8);
    const method = u16(offset + 10);
    let compressedSize = u32(offset + 20);
    let size = u32(offset + 24);
    const nameLen = u16(offset + 28);
    const extraLen = u16(offset + 30);
    const commentLen = u16(offset + 32);
    let local = u32(offset + 42);
    const name = new TextDecoder().decode(bytes.subarray(offset + 46, offset + 46 + nameLen));
    // zip64 extra field (id 1): the 64-bit values of the fields that are 0xFFFFFFFF, in this order.
    for (let x = offset + 46 + nameLen; x + 4 <= offset + 46 + nameLen + extraLen; ) {
      const id = u16(x);
      const len = u16(x + 2);
      if (id === 1) {
        let p = x + 4;
        if (size === 0xffffffff) (size = u64(p)), (p += 8);
        if (compressedSize === 0xffffffff) (compressedSize = u64(p)), (p += 8);
        if (local === 0xffffffff) local = u64(p);
      }
      x += 4 + len;
    }
    if (flags & 1) throw new Error(`member '${name}' is encrypted`);
    if (local + 30 > bytes.length || u32(local) !== 0x04034b50) throw new Error(`member '${name}' has no local header`);
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    entries.push({ name, method, compressedSize, size, dataStart });
    offset += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * What the first 512 compressed bytes of a deflated member inflate to (at most 512 × 1032 bytes, deflate's
 * largest ratio): enough for any .npy header numpy writes.
 */
function inflatePrefix(compressed: Uint8Array): Uint8Array {
  try {
    return inflateRawSync(compressed.subarray(0, 512), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
  } catch (cause) {
    throw new DataError('NPZ_CORRUPT', `a member's deflate stream is damaged (${(cause as Error).message}). Re-save the archive with numpy.savez.`, { cause });
  }
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
