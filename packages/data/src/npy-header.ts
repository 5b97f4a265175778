/**
 * The header of a .npy file (NumPy NEP-1 format): a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 28, 28), }`.
 *
 * This is a small, safe parser for the literal subset NumPy writes — strings,
 * integers (including Python 2 `3L`), `True`/`False`/`None`, tuples, lists and
 * dicts — tolerant of extra whitespace, trailing commas and padding. It never
 * evaluates code.
 */
import { DataError } from './errors.ts';

/** A parsed Python literal. Tuples and lists both become arrays. */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** The three fields NEP-1 requires in every header. */
export interface NpyHeader {
  /** Dtype descriptor, e.g. `'<f4'`, `'|u1'`; a list for structured dtypes. */
  descr: PyValue;
  /** True when the data is stored column-major (Fortran order). */
  fortranOrder: boolean;
  /** Dimensions; `[]` for a scalar. */
  shape: number[];
}

/**
 * Parse a .npy header dict (NumPy NEP-1 format).
 * @param text header text, already decoded (latin-1 for v1/v2, UTF-8 for v3)
 * @param name array name used in error messages
 * @throws DataError 'NPY_BAD_HEADER' when the text is not a dict literal, a
 *   required key (`descr`, `fortran_order`, `shape`) is missing, or a value has
 *   the wrong type.
 */
export function parseNpyHeader(text: string, name: string): NpyHeader {
  const value = new LiteralParser(text, name).parseTop();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badHeader(name, text, 'the header must be a dict literal');
  }
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!Object.hasOwn(value, key)) throw badHeader(name, text, `the header is missing the key '${key}'`);
  }
  const fortran = value['fortran_order'];
  if (typeof fortran !== 'boolean') throw badHeader(name, text, `'fortran_order' must be True or False`);
  const shape = value['shape'];
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw badHeader(name, text, `'shape' must be a tuple of non-negative integers`);
  }
  return { descr: value['descr'], fortranOrder: fortran, shape: shape as number[] };
}

function badHeader(name: string, text: string, why: string): DataError {
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new DataError('NPY_BAD_HEADER', `'${name}': invalid .npy header: ${why}. Header was: ${JSON.stringify(shown.trimEnd())}. Re-save the array with numpy.save.`);
}

class LiteralParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly name: string,
  ) {}

  parseTop(): PyValue {
    const v = this.value();
    this.ws();
    if (this.pos !== this.text.length) this.fail(`unexpected '${this.text[this.pos]}' after the dict`);
    return v;
  }

  private fail(why: string): never {
    throw badHeader(this.name, this.text, `${why} at character ${this.pos}`);
  }

  private ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of header');
    if (c === '{') return this.dict();
    if (c === '(') return this.seq(')');
    if (c === '[') return this.seq(']');
    if (c === "'" || c === '"') return this.str();
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.int();
    const m = /^(True|False|None)\b/.exec(this.text.slice(this.pos, this.pos + 6));
    if (m) {
      this.pos += m[1].length;
      return m[1] === 'True' ? true : m[1] === 'False' ? false : null;
    }
    this.fail(`unexpected '${c}'`);
  }

  private dict(): { [key: string]: PyValue } {
    this.pos++; // {
    const out: { [key: string]: PyValue } = Object.create(null) as { [key: string]: PyValue };
    for (;;) {
      this.ws();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      this.ws();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after key '${key}'`);
      this.pos++;
      out[key] = this.value();
      this.ws();
      const sep = this.text[this.pos];
      if (sep === ',') this.pos++;
      else if (sep !== '}') this.fail("expected ',' or '}'");
    }
  }

  private seq(close: ')' | ']'): PyValue[] {
    this.pos++; // ( or [
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.ws();
      const sep = this.text[this.pos];
      if (sep === ',') this.pos++;
      else if (sep !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  private str(): string {
    const quote = this.text[this.pos++];
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.text[this.pos++];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
      } else {
        out += c;
      }
    }
    this.fail('unterminated string');
  }

  private int(): number {
    const m = /^[+-]?\d+L?/.exec(this.text.slice(this.pos));
    if (!m) this.fail('malformed number');
    this.pos += m[0].length;
    const n = Number(m[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) this.fail(`integer ${m[0]} is too large`);
    return n;
  }
}
