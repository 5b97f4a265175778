/**
 * `application/json` bodies → the model's float input. The body is
 * `{"inputs": <nested array>}` or `{"inputs": {"shape": [...], "data": [...flat...]}}`, already in
 * the model's float contract and layout (e.g. NCHW [N, C, H, W] of normalized values). A nested
 * array of the model's rank minus one (one example, e.g. [C, H, W]) is read as a batch of one.
 * Parsed once with `JSON.parse` and copied straight into one Float32Array.
 */
import { jsonTooDeep } from '@medslim/registry';
import { ServingError } from '../errors.ts';
import type { ModelInfo } from '../model-info.ts';
import type { DecodedInput } from './pixels.ts';

const AXES = { NCHW: ['batch', 'channels', 'height', 'width'], NHWC: ['batch', 'height', 'width', 'channels'] } as const;

const invalid = (message: string) => new ServingError('INVALID_INPUT', message);
/** Deepest nesting a prediction body may have: an input of rank ≤ 8 inside {"inputs": …}, with room to spare. */
const MAX_INPUT_DEPTH = 16;

/**
 * Parse and check a JSON tensor request against the model's input.
 * @param maxBatch largest N accepted
 * @throws ServingError 'MALFORMED_JSON', 'INVALID_INPUT' (structure, ragged arrays, non-numbers,
 *   non-finite values — NaN/±Infinity or values that overflow float32 —, wrong rank, shape or
 *   channel count; messages give the expected and the received dims, never values),
 *   'BATCH_TOO_LARGE'.
 */
export function decodeJson(body: string, info: ModelInfo, maxBatch: number): DecodedInput {
  // Checked before parsing: a body of millions of '[' would otherwise cost seconds of event loop.
  if (jsonTooDeep(body, MAX_INPUT_DEPTH)) {
    throw invalid(`the JSON body nests deeper than ${MAX_INPUT_DEPTH} levels; send {"inputs": [N, ${expectedText(info)}]} (depth ${info.inputDims.length + 1}) or {"inputs": {"shape": [...], "data": [...]}}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    // V8's message quotes the body; say where instead.
    const at = /position (\d+)/.exec((cause as Error).message)?.[1];
    const nonFinite = /\b(NaN|-?Infinity)\b/.test(body) ? ' JSON has no NaN or Infinity: every input value must be a finite number.' : '';
    throw new ServingError('MALFORMED_JSON', `the request body is not valid JSON${at ? ` (error at byte ${at})` : ''}.${nonFinite} Send {"inputs": [[[[…]]]]} with Content-Type: application/json.`, { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('inputs' in parsed)) {
    throw invalid(`the JSON body must be an object {"inputs": …} holding a nested array [N, ${expectedText(info)}] or {"shape": [...], "data": [...]}`);
  }
  const extra = Object.keys(parsed).filter((k) => k !== 'inputs');
  if (extra.length) throw invalid(`unknown key(s) ${extra.map((k) => `'${k}'`).join(', ')} in the JSON body; only 'inputs' is read`);
  const inputs = (parsed as { inputs: unknown }).inputs;
  if (Array.isArray(inputs)) return fromNested(inputs, info, maxBatch, body.length);
  if (inputs !== null && typeof inputs === 'object') return fromFlat(inputs as Record<string, unknown>, info, maxBatch);
  throw invalid(`'inputs' must be a nested array [N, ${expectedText(info)}] or {"shape": [...], "data": [...]}; got ${inputs === null ? 'null' : typeof inputs}`);
}

function expectedText(info: ModelInfo): string {
  const names = AXES[info.contract.layout];
  return info.inputDims
    .slice(1)
    .map((d, i) => (d > 0 ? String(d) : names[i + 1].toUpperCase()))
    .join(', ');
}

/** Check dims [N, …] against the model; returns the element count. */
function checkDims(dims: number[], info: ModelInfo, maxBatch: number): number {
  const rank = info.inputDims.length;
  const names = AXES[info.contract.layout];
  if (dims.length !== rank) {
    throw invalid(`inputs have shape [${dims.join(', ')}] (rank ${dims.length}) but the model takes rank ${rank}: [N, ${expectedText(info)}] in ${info.contract.layout}`);
  }
  for (let i = 1; i < rank; i++) {
    const want = info.inputDims[i];
    if (!(Number.isSafeInteger(dims[i]) && dims[i] >= 1)) throw invalid(`inputs ${names[i]} = ${dims[i]}; every dimension must be an integer ≥ 1`);
    if (want > 0 && dims[i] !== want) {
      const what = names[i] === 'channels' ? `${dims[i]} channels but the model takes ${want}` : `${names[i]} ${dims[i]} but the model takes ${want}`;
      throw invalid(`inputs have ${what}: send [N, ${expectedText(info)}] (got [${dims.join(', ')}])`);
    }
  }
  const n = dims[0];
  if (!(Number.isSafeInteger(n) && n >= 1)) throw invalid(`inputs have batch size ${n}; send at least one example`);
  if (n > maxBatch) throw new ServingError('BATCH_TOO_LARGE', `inputs hold ${n} examples, more than the maximum batch of ${maxBatch}; split them into requests of at most ${maxBatch}`);
  if (info.batch > 0 && n !== info.batch) throw invalid(`inputs hold ${n} examples but the model has a fixed batch size of ${info.batch}`);
  return dims.reduce((a, b) => a * b, 1);
}

function fromNested(inputs: unknown[], info: ModelInfo, maxBatch: number, bodyLength: number): DecodedInput {
  // Shape from the first element along each axis; every sub-array is checked against it while copying.
  const dims: number[] = [];
  let x: unknown = inputs;
  while (Array.isArray(x)) {
    dims.push(x.length);
    if (x.length === 0) break;
    x = x[0];
  }
  const single = dims.length === info.inputDims.length - 1;
  if (single) dims.unshift(1);
  const count = checkDims(dims, info, maxBatch);
  // Each value takes at least two bytes of JSON ("0,"): a larger claimed shape is ragged (and must not allocate).
  if (count > bodyLength / 2) throw invalid(`inputs have shape [${dims.join(', ')}] (${count} values) but the body holds far fewer; every sub-array must have the same length`);
  const out = new Float32Array(count);
  const rank = dims.length;
  const names = AXES[info.contract.layout];
  const path: number[] = []; // indices of the sub-array being copied, for messages only
  const where = () => (single ? path.slice(1) : path).map((i) => `[${i}]`).join('');
  let o = 0;
  const walk = (a: unknown, axis: number): void => {
    if (!Array.isArray(a) || a.length !== dims[axis]) {
      throw invalid(`inputs${where()} ${Array.isArray(a) ? `has ${a.length} elements` : 'is not an array'}; expected ${dims[axis]} along ${names[axis]} (shape [${dims.join(', ')}])`);
    }
    if (axis === rank - 1) {
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (typeof v !== 'number') throw invalid(`inputs${where()}[${i}] is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}; expected a number`);
        out[o] = v;
        if (out[o] - out[o] !== 0) throw invalid(`inputs${where()}[${i}] is not a finite float32 (NaN, ±Infinity or beyond ±3.4e38); every value must be finite`);
        o++;
      }
      return;
    }
    for (let i = 0; i < a.length; i++) {
      path.push(i);
      walk(a[i], axis + 1);
      path.pop();
    }
  };
  walk(single ? [inputs] : inputs, 0);
  return { data: out, dims };
}

function fromFlat(o: Record<string, unknown>, info: ModelInfo, maxBatch: number): DecodedInput {
  const { shape, data } = o;
  const extra = Object.keys(o).filter((k) => k !== 'shape' && k !== 'data');
  if (extra.length) throw invalid(`unknown key(s) ${extra.map((k) => `'${k}'`).join(', ')} in 'inputs'; give {"shape": [...], "data": [...]}`);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d))) {
    throw invalid(`inputs.shape must be an array of integers, e.g. [1, ${expectedText(info)}]`);
  }
  if (!Array.isArray(data)) throw invalid('inputs.data must be a flat array of numbers in row-major (C) order');
  const dims = shape as number[];
  const count = checkDims(dims, info, maxBatch);
  if (data.length !== count) throw invalid(`inputs.data has ${data.length} values but shape [${dims.join(', ')}] needs ${count}`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = data[i];
    if (typeof v !== 'number') throw invalid(`inputs.data[${i}] is ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}; expected a number`);
    out[i] = v;
    if (out[i] - out[i] !== 0) throw invalid(`inputs.data[${i}] is not a finite float32 (NaN, ±Infinity or beyond ±3.4e38); every value must be finite`);
  }
  return { data: out, dims };
}
