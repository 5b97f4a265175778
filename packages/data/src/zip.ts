/**
 * The one zip reader of medslim (PKWARE APPNOTE 6.3): the central directory (with zip64 as numpy.savez writes
 * it), stored and deflated members, and inflation bounded by what each member declares. Used by `.npz`
 * datasets (npz.ts) and by multi-file model uploads (`readZipBounded`: a model and its external data in one
 * .zip). Reads headers without inflating anything, so sizes are checked before memory is spent.
 */
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { zipSync, type Zippable } from 'fflate';
import { DataError } from './errors.ts';

/** One member of a zip archive, from its central directory entry and local header. */
export interface ZipEntry {
  /** The member's name as stored ('/'-separated; directories end in '/'). */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** Uncompressed size the archive declares. */
  size: number;
  /** Offset of the member's (compressed) bytes. */
  dataStart: number;
}

/** True when `bytes` start with a zip signature (a local file header, or the end record of an empty archive). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/**
 * The members of a zip archive (end of central directory, zip64 locator and extra fields). Reads only
 * headers; inflates nothing.
 * @throws Error naming what is malformed (no end record, a missing entry or local header, an encrypted member).
 */
export function zipEntries(bytes: Uint8Array): ZipEntry[] {
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

/** A member's compressed bytes. @throws Error for an unsupported method or a member cut short. */
function compressedBytes(bytes: Uint8Array, e: ZipEntry): Uint8Array {
  if (e.method !== 0 && e.method !== 8) throw new Error(`member '${e.name}' uses compression method ${e.method}; only stored and deflated members are read`);
  const compressed = bytes.subarray(e.dataStart, e.dataStart + e.compressedSize);
  if (compressed.length !== e.compressedSize) throw new Error(`member '${e.name}' is cut short`);
  return compressed;
}

/**
 * The first bytes of a member without inflating the rest: a stored member's bytes, or what its first 512
 * compressed bytes inflate to (at most 512 × 1032 bytes, deflate's largest ratio) — enough for a file header.
 * @throws Error for an unsupported method, a member cut short or a damaged deflate stream.
 */
export function inflatePrefix(bytes: Uint8Array, e: ZipEntry): Uint8Array {
  const compressed = compressedBytes(bytes, e);
  if (e.method === 0) return compressed;
  try {
    return inflateRawSync(compressed.subarray(0, 512), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
  } catch (cause) {
    throw new Error(`member '${e.name}': its deflate stream is damaged (${(cause as Error).message})`, { cause });
  }
}

/**
 * A member's bytes, inflated with the size it declares as a hard limit (zlib `maxOutputLength`), so a member
 * that inflates past what it declares stops there. A stored member is a view of `bytes` (no copy).
 * @throws Error for an unsupported method, a member cut short, one that inflates past its declared size, or a
 *   damaged deflate stream — each naming the member.
 */
export function inflateMember(bytes: Uint8Array, e: ZipEntry): Uint8Array {
  const compressed = compressedBytes(bytes, e);
  if (e.method === 0) return compressed;
  try {
    return inflateRawSync(compressed, { maxOutputLength: Math.max(1, e.size) });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`member '${e.name}' inflates past the ${e.size} bytes it declares`, { cause });
    throw new Error(`member '${e.name}': ${(cause as Error).message}`, { cause });
  }
}

/** Options of {@link readZipBounded}. */
export interface ReadZipOptions {
  /** Names the archive in messages (e.g. the upload's file name). */
  name: string;
  /** Most bytes all members together may inflate to. */
  maxBytes: number;
  /** Most members (default 64). */
  maxMembers?: number;
}

/**
 * Every file member of a zip archive (directories and macOS `__MACOSX/` resource forks skipped), with the
 * zip-bomb guard of `.npz` datasets: before a member is inflated, the size the directory declares must fit in
 * what is left of `maxBytes`, and inflating stops at that declared size. Memory: at most `maxBytes` plus the
 * archive. Member names are returned as stored; the caller checks them (e.g. for '..').
 * @throws DataError 'NOT_ZIP' (no zip signature), 'ZIP_CORRUPT' (malformed directory, unsupported method,
 *   a member inflating past its declared size), 'ZIP_TOO_LARGE' (too many members, or members declaring more
 *   than `maxBytes` together; the message names the member).
 */
export function readZipBounded(bytes: Uint8Array, o: ReadZipOptions): { name: string; bytes: Uint8Array }[] {
  if (!isZip(bytes)) throw new DataError('NOT_ZIP', `'${o.name}' is not a zip archive (${bytes.length} bytes, no zip signature); zip the files with e.g. 'zip model.zip model.onnx model.onnx.data'`);
  const corrupt = (cause: unknown) => new DataError('ZIP_CORRUPT', `'${o.name}' is a damaged zip archive (${(cause as Error).message}); zip the files again`, { cause });
  let entries: ZipEntry[];
  try {
    entries = zipEntries(bytes);
  } catch (cause) {
    throw corrupt(cause);
  }
  const files = entries.filter((e) => !e.name.endsWith('/') && !e.name.startsWith('__MACOSX/'));
  const maxMembers = o.maxMembers ?? 64;
  if (files.length > maxMembers) throw new DataError('ZIP_TOO_LARGE', `'${o.name}' holds ${files.length} files; at most ${maxMembers} are read — zip only the model and its data files`);
  const out: { name: string; bytes: Uint8Array }[] = [];
  let used = 0;
  for (const e of files) {
    const left = o.maxBytes - used;
    if (e.size > left) {
      throw new DataError('ZIP_TOO_LARGE', `'${o.name}': member '${e.name}' declares ${e.size} bytes, more than the ${o.maxBytes} bytes the archive may hold once inflated (${left} left for this member); upload a smaller model`);
    }
    let data: Uint8Array;
    try {
      data = inflateMember(bytes, e);
    } catch (cause) {
      throw corrupt(cause);
    }
    used += data.length;
    out.push({ name: e.name, bytes: data });
  }
  return out;
}

/**
 * A zip archive of `files` (name → bytes, names as given, in this order), stored or deflated (level 6), with a
 * fixed timestamp: identical inputs give identical bytes.
 */
export function writeZip(files: Record<string, Uint8Array>, opts: { compress?: boolean } = {}): Uint8Array {
  const z: Zippable = {};
  for (const [name, bytes] of Object.entries(files)) z[name] = [bytes, { level: opts.compress ? 6 : 0 }];
  return zipSync(z, { mtime: new Date(2000, 0, 1) });
}
