/**
 * A streaming `multipart/form-data` reader (RFC 7578): yields each part with its headers and a
 * body stream, holding at most one chunk plus one delimiter in memory — so an upload of any size
 * goes straight to the store. A part whose body the consumer does not read is skipped.
 */

/** One part of a multipart body. Read (or ignore) `body` before asking for the next part. */
export interface MultipartPart {
  /** The form field name (`Content-Disposition: form-data; name="…"`). */
  name: string;
  /** The file name, for file fields. */
  filename: string | null;
  contentType: string | null;
  body: AsyncIterable<Uint8Array>;
}

/** A malformed multipart body (answered with 400). */
export class MultipartError extends Error {
  override readonly name = 'MultipartError';
}

/** Limits of `parseMultipart`. */
export interface MultipartLimits {
  /** Largest header block of one part, in bytes. Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Most parts. Default 16. */
  maxParts?: number;
}

/** The boundary of a `multipart/form-data` Content-Type, or null when there is none. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

function param(header: string, key: string): string | null {
  const star = new RegExp(`;\\s*${key}\\*=(?:UTF-8|utf-8)''([^;]+)`).exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain parameter
    }
  }
  const quoted = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  // Backslash escapes (RFC 2616 quoted-string, older curl) and the HTML form encoding's %22 / %0D / %0A.
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1').replace(/%22/g, '"').replace(/%0D/g, '\r').replace(/%0A/g, '\n');
  const plain = new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(header);
  return plain ? plain[1] : null;
}

function toIterator(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
    return: async () => {
      await reader.cancel().catch(() => {});
      return { done: true, value: undefined };
    },
  };
}

/**
 * Parse a multipart body.
 * @throws MultipartError for a missing boundary line, oversized or malformed part headers, too many
 *   parts, or a body that ends before the closing boundary.
 */
export async function* parseMultipart(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
  const maxParts = limits.maxParts ?? 16;
  const it = toIterator(source);
  const dash = Buffer.from(`--${boundary}`);
  const delim = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = Buffer.alloc(0);
  let eof = false;

  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const r = await it.next();
    if (r.done) {
      eof = true;
      return false;
    }
    const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    return true;
  };

  try {
    // Preamble, then the first boundary.
    for (;;) {
      const i = buf.indexOf(dash);
      if (i >= 0) {
        buf = buf.subarray(i + dash.length);
        break;
      }
      if (buf.length > dash.length) buf = buf.subarray(buf.length - dash.length);
      if (!(await more())) throw new MultipartError('the body has no multipart boundary line; send the file with curl -F file=@<path> or as multipart/form-data');
    }
    for (let parts = 0; ; parts++) {
      while (buf.length < 2) if (!(await more())) throw new MultipartError('the multipart body ended after a boundary line');
      if (buf[0] === 0x2d && buf[1] === 0x2d) return; // '--': closing boundary
      let headerEnd: number;
      for (;;) {
        // Transport padding after the boundary, then CRLF, then headers up to an empty line.
        headerEnd = buf.indexOf('\r\n\r\n');
        if (headerEnd >= 0) break;
        if (buf.length > maxHeaderBytes) throw new MultipartError(`a multipart part has more than ${maxHeaderBytes} bytes of headers`);
        if (!(await more())) throw new MultipartError('the multipart body ended inside part headers');
      }
      if (parts >= maxParts) throw new MultipartError(`too many multipart parts (at most ${maxParts})`);
      const lines = buf.subarray(0, headerEnd).toString('utf8').split('\r\n');
      buf = buf.subarray(headerEnd + 4);
      if (lines[0].trim() !== '') throw new MultipartError('malformed multipart boundary line');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const disposition = headers.get('content-disposition') ?? '';
      const name = param(disposition, 'name');
      if (!/^form-data/i.test(disposition) || name === null) throw new MultipartError('a multipart part has no Content-Disposition: form-data; name="…" header');

      let done = false;
      const next = async (): Promise<Uint8Array | null> => {
        for (;;) {
          if (done) return null;
          const i = buf.indexOf(delim);
          if (i >= 0) {
            const out = buf.subarray(0, i);
            buf = buf.subarray(i + delim.length);
            done = true;
            if (out.length > 0) return out;
            return null;
          }
          const keep = delim.length - 1;
          if (buf.length > keep) {
            const out = buf.subarray(0, buf.length - keep);
            buf = buf.subarray(buf.length - keep);
            return out;
          }
          if (!(await more())) throw new MultipartError('the multipart body ended before its closing boundary (truncated upload?)');
        }
      };
      const body: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            const v = await next();
            return v === null ? { done: true, value: undefined } : { done: false, value: v };
          },
        }),
      };
      yield { name, filename: param(disposition, 'filename'), contentType: headers.get('content-type') ?? null, body };
      while ((await next()) !== null); // skip what the consumer did not read
    }
  } finally {
    await it.return?.().catch(() => {});
  }
}
