/**
 * Limits on what a client can make a server do, shared by the API and the inference function:
 * how deeply a JSON body may nest (checked by a linear scan before `JSON.parse`, so a body of millions
 * of `[` costs a few milliseconds, not seconds) and how long an error message may be.
 */

/** Deepest JSON nesting an API request body may have (arrays and objects). */
export const MAX_JSON_DEPTH = 64;
/** Longest error message sent to a client, in characters (the body stays well under 4 KB). */
export const MAX_ERROR_MESSAGE = 1000;

/**
 * True when `text` nests arrays/objects deeper than `maxDepth` — by counting brackets outside strings,
 * without parsing. Stops at the first level past the limit. Malformed JSON is left to `JSON.parse`.
 */
export function jsonTooDeep(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** `message`, cut to `max` characters (with '…') so no error body grows with the input that caused it. */
export function clipMessage(message: string, max: number = MAX_ERROR_MESSAGE): string {
  return message.length > max ? `${message.slice(0, max - 1)}…` : message;
}
