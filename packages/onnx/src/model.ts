import { readFileSync } from 'node:fs';
import { OnnxError } from './errors.ts';
import protobuf from 'protobufjs/minimal.js';
import { onnx, type ModelProto } from './proto.ts';
import { externalDataFiles, hasExternalData, inlineExternalDataBeside } from './external.ts';

/** ModelProto's field numbers and wire types (onnx.proto): 0 varint, 2 length-delimited. */
const MODEL_FIELDS = new Map([[1, 0], [2, 2], [3, 2], [4, 2], [5, 0], [6, 2], [7, 2], [8, 2], [14, 2], [20, 2], [25, 2], [26, 2]]);

/**
 * True when the top-level fields read before the bytes run out are all ModelProto fields with the right
 * wire type — a ModelProto cut short, as opposed to some other file that protobuf also fails on.
 */
function startsLikeModelProto(bytes: Uint8Array): boolean {
  const reader = protobuf.Reader.create(bytes);
  let fields = 0;
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (MODEL_FIELDS.get(tag >>> 3) !== (tag & 7)) return false;
      reader.skipType(tag & 7);
      fields++;
    }
  } catch {
    return fields > 0 || bytes[0] === 0x08;
  }
  return fields > 0;
}

/**
 * Decodes an ONNX ModelProto from bytes or a file path. Read from a path, tensors kept in external data files
 * (`model.onnx.data`, location relative to the model's folder) are read into the model, so it is self-contained;
 * from bytes they are an EXTERNAL_DATA error naming the files, unless `opts.keepExternalData` (then resolve them
 * with `inlineExternalData`, e.g. from the other files of an upload).
 * @throws OnnxError NOT_ONNX when the bytes are not a protobuf ModelProto with a graph and an opset
 *   (e.g. a PNG or a text file), TRUNCATED when the protobuf ends early (an interrupted download/upload),
 *   EXTERNAL_DATA when an external data file next to the model is missing, or bytes refer to data files (naming them).
 * Spec: onnx.proto ModelProto; ONNX IR (docs/IR.md).
 */
export function readModel(source: string | Uint8Array, what = typeof source === 'string' ? source : 'model bytes', opts: ReadModelOptions = {}): ModelProto {
  const bytes = typeof source === 'string' ? readFileSync(source) : source;
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if (/index out of range/i.test(msg) && startsLikeModelProto(bytes)) {
      throw new OnnxError('TRUNCATED', `${what} is a truncated ONNX file (${bytes.byteLength} bytes; protobuf ended early: ${msg}); upload or copy the whole file again`);
    }
    throw new OnnxError('NOT_ONNX', `${what} is not an ONNX model (protobuf decode failed: ${msg}); pass a .onnx file exported with torch.onnx.export or tf2onnx`);
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0 || !model.opsetImport || model.opsetImport.length === 0 || !graph.output?.length) {
    throw new OnnxError('NOT_ONNX', `${what} is not an ONNX model (no graph nodes, outputs or opset import found); pass a .onnx file exported with torch.onnx.export or tf2onnx`);
  }
  if (hasExternalData(model)) {
    if (typeof source === 'string') inlineExternalDataBeside(model, source);
    else if (!opts.keepExternalData) {
      const files = externalDataFiles(model).map((f) => `'${f}'`).join(', ');
      throw new OnnxError('EXTERNAL_DATA', `${what} keeps its weights in external data file(s) ${files || '(no location)'}, which are not part of it; pass the model by its path with the file(s) beside it, or upload the .onnx together with them (multipart field 'files' repeated, or one .zip holding all of them), or save the model with all tensors inside the .onnx file (onnx.save_model(m, path, save_as_external_data=False))`);
    }
  }
  return model;
}

/** Options of {@link readModel}. */
export interface ReadModelOptions {
  /**
   * Decoding bytes, leave tensors that point to external data files as they are (to resolve them with
   * `inlineExternalData`) instead of throwing EXTERNAL_DATA. Ignored for a path (the files beside it are read).
   */
  keepExternalData?: boolean;
}

/**
 * The bytes of the model file at `path` as one self-contained model: the file itself when it holds all its
 * tensors, else the model re-encoded with its external data files (beside it) read in. Works from any working
 * directory: locations are resolved against the model's folder.
 * @throws OnnxError as {@link readModel}; node's ENOENT when `path` itself does not exist.
 */
export function readModelBytes(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  const model = readModel(bytes, path, { keepExternalData: true });
  if (!hasExternalData(model)) return bytes;
  inlineExternalDataBeside(model, path);
  return writeModel(model);
}

/** Encodes a ModelProto to bytes (protobuf wire format). */
export function writeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** The model's metadata_props as a plain record. */
export function getMetadata(model: ModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) out[p.key] = p.value ?? '';
  return out;
}

/** Sets (or replaces) metadata_props entries; other entries are kept. */
export function setMetadata(model: ModelProto, entries: Record<string, string>): void {
  const props = (model.metadataProps ?? []).filter((p) => !(p.key! in entries));
  for (const [key, value] of Object.entries(entries)) props.push({ key, value });
  model.metadataProps = props;
}

/** The opset version of the default ('' or 'ai.onnx') domain. */
export function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? Number(entry.version ?? 0) : 0;
}
