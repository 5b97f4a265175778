/** The job form's advanced-options field. */

/**
 * Parse the advanced-options field: empty → undefined; otherwise a JSON object.
 * @throws Error naming the problem (not JSON, not an object)
 */
export function parseOptions(text: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`advanced options are not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('advanced options must be a JSON object, e.g. {"seed": 1}');
  return v as Record<string, unknown>;
}
