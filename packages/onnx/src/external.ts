/**
 * Tensors whose data lives outside the .onnx file (ONNX "external data": `model.onnx` + `model.onnx.data`, what
 * `onnx.save_model(..., save_as_external_data=True)` and exports over 2 GB produce). medslim reads them into the
 * model (`raw_data`), so everything downstream — onnxruntime sessions from bytes, quantization, the student and
 * INT8 files — works on one self-contained model.
 * Spec: https://onnx.ai/onnx/repo-docs/ExternalData.html (keys `location` relative to the model's folder,
 * optional `offset` and `length` in bytes; `checksum` is not verified).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, posix, sep } from 'node:path';
import { OnnxError } from './errors.ts';
import { onnx, type GraphProto, type ModelProto, type TensorProto } from './proto.ts';
import { readModel, writeModel } from './model.ts';
import type { IAttributeProto, ISparseTensorProto } from './schema/onnx-types.ts';

/**
 * Where external data comes from: the model's folder (a path), or a lookup by `location` (e.g. the other files of
 * a multi-file or zip upload) that returns the file's bytes, or undefined when there is no such file.
 */
export type ExternalDataSource = string | ((location: string) => Uint8Array | undefined);

function isExternal(t: TensorProto): boolean {
  return t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0;
}

/** Every TensorProto in the model: initializers, sparse initializers, Constant/attribute tensors, subgraphs, functions. */
function* tensors(model: ModelProto): Generator<TensorProto> {
  function* sparse(s: ISparseTensorProto | null | undefined): Generator<TensorProto> {
    if (s?.values) yield s.values;
    if (s?.indices) yield s.indices;
  }
  function* attrs(list: IAttributeProto[] | null | undefined): Generator<TensorProto> {
    for (const a of list ?? []) {
      if (a.t) yield a.t;
      for (const t of a.tensors ?? []) yield t;
      yield* sparse(a.sparseTensor);
      for (const s of a.sparseTensors ?? []) yield* sparse(s);
      if (a.g) yield* graph(a.g);
      for (const g of a.graphs ?? []) yield* graph(g);
    }
  }
  function* graph(g: GraphProto): Generator<TensorProto> {
    for (const t of g.initializer ?? []) yield t;
    for (const s of g.sparseInitializer ?? []) yield* sparse(s);
    for (const n of g.node ?? []) yield* attrs(n.attribute);
  }
  if (model.graph) yield* graph(model.graph);
  for (const f of model.functions ?? []) for (const n of f.node ?? []) yield* attrs(n.attribute);
  for (const ti of model.trainingInfo ?? []) {
    if (ti.initialization) yield* graph(ti.initialization);
    if (ti.algorithm) yield* graph(ti.algorithm);
  }
}

/** True when any tensor of the model keeps its data in an external file. */
export function hasExternalData(model: ModelProto): boolean {
  for (const t of tensors(model)) if (isExternal(t)) return true;
  return false;
}

/** The distinct external-data `location`s the model refers to, in first-use order. */
export function externalDataFiles(model: ModelProto): string[] {
  const out = new Set<string>();
  for (const t of tensors(model)) {
    if (!isExternal(t)) continue;
    const loc = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (loc) out.add(loc);
  }
  return [...out];
}

/**
 * A `location` as a safe relative path: normalised, '/'-separated, not absolute and not leaving the model's folder.
 * @throws OnnxError EXTERNAL_DATA naming the tensor and the location otherwise
 */
export function externalLocation(location: string, tensor: string): string {
  const norm = relativePath(location);
  if (norm === null) {
    throw new OnnxError('EXTERNAL_DATA', `tensor '${tensor}' has external data location '${location}', which is not a path inside the model's folder; external data files must sit beside the model (or below it) and be named relatively`);
  }
  return norm;
}

/** `p` as a normalised '/'-separated relative path without './', or null when it is empty, absolute, has a drive letter or leaves its folder ('..'). */
function relativePath(p: string): string | null {
  const norm = normalize(p.replaceAll('\\', '/')).split(sep).join('/');
  if (p === '' || p.includes('\0') || isAbsolute(p) || p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p) || norm === '..' || norm.startsWith('../') || norm === '.') return null;
  return norm.replace(/^\.\//, '');
}

/**
 * Reads every external tensor's bytes into its `raw_data` and removes the external references, in place, so the
 * model encodes to one self-contained file.
 * @param model a decoded ModelProto (changed in place)
 * @param source the model's folder, or a lookup by location (see {@link ExternalDataSource})
 * @param what how to name the model in messages (its path or upload name)
 * @returns the locations read (empty when the model had no external data)
 * @throws OnnxError EXTERNAL_DATA when a data file is missing (naming it and where it was looked for), a location
 *   leaves the model's folder, or offset/length fall outside the file. (Whether the byte count fits the tensor's
 *   dims is checked where the tensor is read, by tensorToArray: BAD_TENSOR.)
 */
export function inlineExternalData(model: ModelProto, source: ExternalDataSource, what = 'the model'): string[] {
  const files = new Map<string, Uint8Array>();
  const load = (loc: string, tensor: string): Uint8Array => {
    const cached = files.get(loc);
    if (cached) return cached;
    let bytes: Uint8Array | undefined;
    if (typeof source === 'string') {
      const path = join(source, loc);
      if (existsSync(path) && statSync(path).isFile()) bytes = readFileSync(path);
      if (!bytes) {
        throw new OnnxError('EXTERNAL_DATA', `${what} keeps tensor '${tensor}' in the external data file '${loc}', which is missing: expected it at ${path} (beside the model); copy '${loc}' next to the .onnx file, or re-save the model with all tensors inside it (onnx.save_model(m, path, save_as_external_data=False))`);
      }
    } else {
      bytes = source(loc);
      if (!bytes) {
        throw new OnnxError('EXTERNAL_DATA', `${what} keeps tensor '${tensor}' in the external data file '${loc}', which was not uploaded with it; upload '${loc}' together with the .onnx file (multipart form with both files, or one zip holding both), or re-save the model with all tensors inside it`);
      }
    }
    files.set(loc, bytes);
    return bytes;
  };
  for (const t of tensors(model)) {
    if (!isExternal(t)) continue;
    const name = t.name ?? '<unnamed>';
    const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const rawLoc = entries.get('location');
    if (rawLoc === undefined) {
      throw new OnnxError('EXTERNAL_DATA', `${what}: tensor '${name}' is marked as external data but has no 'location'; re-export the model`);
    }
    const loc = externalLocation(rawLoc, name);
    const file = load(loc, name);
    const offset = entries.has('offset') ? Number(entries.get('offset')) : 0;
    const length = entries.has('length') ? Number(entries.get('length')) : file.byteLength - offset;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > file.byteLength) {
      throw new OnnxError('EXTERNAL_DATA', `${what}: tensor '${name}' reads bytes [${entries.get('offset') ?? 0}, +${entries.get('length') ?? 'rest'}) of '${loc}', which has ${file.byteLength} bytes; the data file does not belong to this model or is truncated — copy it again`);
    }
    t.rawData = file.slice(offset, offset + length);
    delete t.externalData;
    delete t.dataLocation;
  }
  return [...files.keys()];
}

/** {@link inlineExternalData} from the folder of the model file at `path`. */
export function inlineExternalDataBeside(model: ModelProto, path: string): string[] {
  return inlineExternalData(model, dirname(path), path);
}

/** One file of a model sent as several files: its name as sent (a relative path; folders allowed) and its bytes. */
export interface ModelFile {
  name: string;
  bytes: Uint8Array;
}

/** A model assembled from several files (see {@link modelFromFiles}). */
export interface AssembledModel {
  /** The self-contained model: the .onnx file's own bytes when it refers to no external data, else re-encoded with the data read in. */
  bytes: Uint8Array;
  /** The .onnx file's name (as sent, normalised). */
  file: string;
  /** The external data files read into the model, by their names in the upload. */
  inlined: string[];
}

/**
 * A model sent as several files — a multi-file upload, or the members of one .zip — as one self-contained model:
 * the one `.onnx` file among them, with every tensor kept in an external data file (`location` relative to the
 * .onnx file's folder inside the upload) read in from the other files.
 * @param files the files as sent; names are relative paths ('model/model.onnx', 'model.onnx.data')
 * @param what how to name the upload in messages
 * @throws OnnxError BAD_BUNDLE when a name is empty, absolute or leaves the upload ('..'), two files share a
 *   name, there is not exactly one .onnx file, or a file is not external data of the model (nothing is dropped silently); EXTERNAL_DATA when a data file the model names was not sent
 *   (naming it) or does not hold the bytes a tensor reads; NOT_ONNX / TRUNCATED for a broken .onnx file.
 */
export function modelFromFiles(files: readonly ModelFile[], what = 'the upload'): AssembledModel {
  const byName = new Map<string, Uint8Array>();
  for (const f of files) {
    const name = relativePath(f.name);
    if (name === null) {
      throw new OnnxError('BAD_BUNDLE', `${what}: file name '${f.name.slice(0, 200)}' is not a relative path inside the upload (absolute, empty or with '..'); name the files as they sit beside each other, e.g. model.onnx and model.onnx.data`);
    }
    if (byName.has(name)) throw new OnnxError('BAD_BUNDLE', `${what} has two files named '${name}'; send each file once`);
    byName.set(name, f.bytes);
  }
  const models = [...byName.keys()].filter((n) => n.toLowerCase().endsWith('.onnx'));
  if (models.length !== 1) {
    throw new OnnxError('BAD_BUNDLE', `${what} has ${models.length === 0 ? 'no .onnx file' : `${models.length} .onnx files (${models.map((n) => `'${n}'`).join(', ')})`} among ${[...byName.keys()].map((n) => `'${n}'`).join(', ') || 'no files'}; send exactly one model (.onnx) with its external data files`);
  }
  const file = models[0];
  const bytes = byName.get(file)!;
  const model = readModel(bytes, `${what}: ${file}`, { keepExternalData: true });
  const folder = posix.dirname(file);
  const inlined = hasExternalData(model)
    ? inlineExternalData(model, (loc) => byName.get(folder === '.' ? loc : posix.join(folder, loc)), `${what}: ${file}`).map((loc) => (folder === '.' ? loc : posix.join(folder, loc)))
    : [];
  const unused = [...byName.keys()].filter((n) => n !== file && !inlined.includes(n));
  if (unused.length > 0) {
    throw new OnnxError('BAD_BUNDLE', `${what}: ${unused.map((n) => `'${n}'`).join(', ')} ${unused.length === 1 ? 'is' : 'are'} not external data of ${file}${inlined.length ? ` (it reads ${inlined.map((n) => `'${n}'`).join(', ')})` : ' (it keeps all its tensors inside)'}; send only the model and the data files it names`);
  }
  return { bytes: inlined.length > 0 ? writeModel(model) : bytes, file, inlined };
}
