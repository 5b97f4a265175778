/**
 * The model input contract: how raw pixels become the float tensor a model
 * expects. For pixel p in channel c:
 *
 *   value = ((p × scale) − mean[c]) / std[c]
 *
 * laid out as NCHW or NHWC. It travels with a model as ONNX metadata under
 * `medslim.preprocess`.
 */
import { DataError } from './errors.ts';

/** Tensor layout: NCHW (channels first, PyTorch) or NHWC (channels last, TF/Keras). */
export type Layout = 'NCHW' | 'NHWC';

/** How to turn pixels into model input. */
export interface InputContract {
  /** Layout of the model's input tensor. */
  layout: Layout;
  /** Multiplier applied to raw pixels first (1/255 maps uint8 0–255 to 0–1). Finite, > 0. */
  scale: number;
  /** Per-channel mean subtracted after scaling; length 1 (all channels) or C. */
  mean: number[];
  /** Per-channel std divided by after subtracting the mean; each > 0; length 1 or C. */
  std: number[];
}

/** Metadata key holding the contract JSON. */
export const PREPROCESS_METADATA_KEY = 'medslim.preprocess';
/** Metadata key holding comma-separated class names. */
export const LABELS_METADATA_KEY = 'medslim.labels';

/** An example contract for messages (MedMNIST-style (x/255 − 0.5)/0.5). Never used as a default: a model without a contract is read by @medslim/intake (flags, metadata, graph, evidence) or refused. */
const EXAMPLE_CONTRACT = '{"layout":"NCHW","scale":0.00392156862745098,"mean":[0.5],"std":[0.5]}';

const KEYS = ['layout', 'scale', 'mean', 'std'] as const;

/**
 * Parse and validate an input contract.
 *
 * Requires exactly the keys `layout` ('NCHW' | 'NHWC'), `scale` (finite, > 0),
 * `mean` (finite numbers) and `std` (finite, > 0); `mean` and `std` each have
 * length ≥ 1 (a bare number is read as a one-element list), and if both are
 * longer than 1 they have the same length. Whether
 * the lengths fit the model's channel count C (1 or C) is checked by
 * `toModelInput`.
 *
 * @param input JSON text or an already-parsed object
 * @param source where it came from, for messages (default 'input contract')
 * @returns a fresh, validated copy
 * @throws DataError 'BAD_CONTRACT' naming the bad field and the value found.
 */
export function parseContract(input: string | object, source = 'input contract'): InputContract {
  let obj: unknown = input;
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input);
    } catch (cause) {
      throw new DataError('BAD_CONTRACT', `${source} is not valid JSON (${(cause as Error).message}); expected e.g. ${EXAMPLE_CONTRACT}.`, { cause });
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new DataError('BAD_CONTRACT', `${source} must be a JSON object with keys ${KEYS.join(', ')}; got ${Array.isArray(obj) ? 'an array' : String(obj)}.`);
  }
  const o = obj as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length) {
    throw new DataError('BAD_CONTRACT', `${source} has unknown key(s) ${unknown.map((k) => `'${k}'`).join(', ')}; allowed keys are ${KEYS.join(', ')}.`);
  }
  const missing = KEYS.filter((k) => o[k] === undefined);
  if (missing.length) {
    throw new DataError('BAD_CONTRACT', `${source} is missing ${missing.map((k) => `'${k}'`).join(', ')}; a contract needs all of ${KEYS.join(', ')}.`);
  }
  if (o.layout !== 'NCHW' && o.layout !== 'NHWC') {
    throw new DataError('BAD_CONTRACT', `${source}: 'layout' must be "NCHW" or "NHWC"; got ${JSON.stringify(o.layout)}.`);
  }
  if (typeof o.scale !== 'number' || !Number.isFinite(o.scale) || o.scale <= 0) {
    throw new DataError('BAD_CONTRACT', `${source}: 'scale' must be a finite number > 0 (e.g. 1/255 = 0.00392156862745098 for uint8 pixels); got ${JSON.stringify(o.scale)}.`);
  }
  const mean = numberList(o.mean, 'mean', source, false);
  const std = numberList(o.std, 'std', source, true);
  if (mean.length > 1 && std.length > 1 && mean.length !== std.length) {
    throw new DataError('BAD_CONTRACT', `${source}: 'mean' has ${mean.length} values but 'std' has ${std.length}; give one value per channel for both, or a single value.`);
  }
  return { layout: o.layout, scale: o.scale, mean, std };
}

function numberList(v: unknown, field: string, source: string, positive: boolean): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    throw new DataError('BAD_CONTRACT', `${source}: '${field}' must be a non-empty array of numbers (one per channel, or one for all); got ${JSON.stringify(v)}.`);
  }
  list.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || (positive && x <= 0)) {
      throw new DataError('BAD_CONTRACT', `${source}: '${field}[${i}]' must be a finite number${positive ? ' > 0' : ''}; got ${JSON.stringify(x)}.`);
    }
  });
  return [...(list as number[])];
}

/**
 * Read the input contract from model metadata (ONNX `metadata_props`) `medslim.preprocess` (contract JSON,
 * e.g. `{"layout":"NCHW","scale":0.00392156862745098,"mean":[0.5],"std":[0.5]}`).
 * @returns the contract, or undefined when the key is absent — there is no default: a caller without a
 *   contract resolves one through @medslim/intake (flags, graph, evidence) or refuses.
 * @throws DataError 'BAD_CONTRACT' if the metadata value is invalid.
 */
export function contractFromMetadata(metadata: Readonly<Record<string, string>>): InputContract | undefined {
  const raw = Object.hasOwn(metadata, PREPROCESS_METADATA_KEY) ? metadata[PREPROCESS_METADATA_KEY] : undefined;
  return raw === undefined ? undefined : parseContract(raw, `model metadata '${PREPROCESS_METADATA_KEY}'`);
}

/**
 * Read class names from model metadata `medslim.labels` (comma-separated,
 * whitespace around names trimmed), e.g. `"normal,pneumonia"` → `['normal', 'pneumonia']`.
 * @returns the names in class-index order, or undefined when the key is absent or blank
 * @throws DataError 'BAD_METADATA' if a name is empty (e.g. `"a,,b"`).
 */
export function labelsFromMetadata(metadata: Readonly<Record<string, string>>): string[] | undefined {
  const raw = Object.hasOwn(metadata, LABELS_METADATA_KEY) ? metadata[LABELS_METADATA_KEY] : undefined;
  if (raw === undefined || raw.trim() === '') return undefined;
  const names = raw.split(',').map((s) => s.trim());
  const empty = names.findIndex((s) => s === '');
  if (empty >= 0) {
    throw new DataError('BAD_METADATA', `model metadata '${LABELS_METADATA_KEY}' has an empty class name at position ${empty} (${JSON.stringify(raw)}); write comma-separated names like "normal,pneumonia".`);
  }
  return names;
}

/**
 * Serialize a contract as the JSON stored under `medslim.preprocess`, with keys
 * in the fixed order layout, scale, mean, std.
 * @throws DataError 'BAD_CONTRACT' if the contract is invalid.
 */
export function contractToMetadata(c: InputContract): string {
  const v = parseContract(c);
  return JSON.stringify({ layout: v.layout, scale: v.scale, mean: v.mean, std: v.std });
}
