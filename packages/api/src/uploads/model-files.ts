/**
 * A model uploaded as several files — multipart field `files` repeated (`model.onnx` + `model.onnx.data`), or
 * one `.zip` holding them — becomes one self-contained `.onnx` before it is stored, so every job and the
 * serving path read one file. The zip reader is @medslim/data's (the `.npz` zip-bomb guard); the assembly is
 * @medslim/onnx's `modelFromFiles`.
 */
import { DataError, readZipBounded } from '@medslim/data';
import { modelFromFiles, OnnxError, type ModelFile } from '@medslim/onnx';
import { ApiError } from '../errors.ts';

/** Most files in one multi-file model upload (or members in its zip). */
export const MAX_MODEL_FILES = 16;

/** True when a multipart file part is a zip archive (by name or declared type). */
export function isZipPart(filename: string | null, contentType: string | null): boolean {
  return /\.zip$/i.test(filename ?? '') || /^application\/(x-)?zip(-compressed)?$/i.test(contentType ?? '');
}

/**
 * Read a part's body into memory, at most `limit` bytes.
 * @throws ApiError 413 PAYLOAD_TOO_LARGE past `limit` (naming it)
 */
export async function readPart(body: AsyncIterable<Uint8Array>, limit: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `${what}: the files of one model upload may hold ${limit} bytes together (${(limit / 2 ** 20).toFixed(0)} MiB); nothing was stored`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The self-contained model of a multi-file or zip upload.
 * @param source the files as sent (multipart `files` parts), or one zip archive with its name
 * @param maxBytes most bytes the files (or the zip's members, once inflated) may hold together
 * @returns the model's bytes and its file name (the `.onnx` file's base name)
 * @throws ApiError 400 EXTERNAL_DATA (a data file the model names is missing — named — or does not fit),
 *   400 BAD_BUNDLE (names with '..' or absolute, not exactly one .onnx, files the model does not use),
 *   400 NOT_ONNX / TRUNCATED, 400 ZIP_CORRUPT / NOT_ZIP, 413 ZIP_TOO_LARGE (declared or inflated sizes past
 *   `maxBytes`, or more than MAX_MODEL_FILES members).
 */
export function assembleModelUpload(source: { files: ModelFile[] } | { zip: Uint8Array; name: string }, maxBytes: number): { bytes: Uint8Array; filename: string } {
  try {
    const files = 'zip' in source ? readZipBounded(source.zip, { name: source.name, maxBytes, maxMembers: MAX_MODEL_FILES }) : source.files;
    const what = 'zip' in source ? `zip '${source.name}'` : 'the uploaded files';
    const m = modelFromFiles(files, what);
    return { bytes: m.bytes, filename: m.file.split('/').pop()! };
  } catch (e) {
    if (e instanceof DataError) throw new ApiError(e.code === 'ZIP_TOO_LARGE' ? 413 : 400, e.code, e.message);
    if (e instanceof OnnxError) throw new ApiError(400, e.code, e.message);
    throw e;
  }
}
