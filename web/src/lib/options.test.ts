import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.ts';

describe('advanced job options', () => {
  it('reads a JSON object, or nothing from an empty field', () => {
    expect(parseOptions('  ')).toBeUndefined();
    expect(parseOptions('{"distill": {"epochs": 1}}')).toEqual({ distill: { epochs: 1 } });
  });
  it('names what is wrong', () => {
    expect(() => parseOptions('{"seed": 1,')).toThrow(/not valid JSON/);
    expect(() => parseOptions('[1]')).toThrow(/must be a JSON object/);
    expect(() => parseOptions('null')).toThrow(/must be a JSON object/);
  });
});
