/**
 * A streaming `multipart/form-data` reader (RFC 7578) on busboy: yields each part with its headers and
 * a body stream, so an upload of any size goes straight to the store. A part whose body the consumer
 * does not read is skipped.
 */
import type { Readable } from 'node:stream';
import busboy from 'busboy';

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
  /** Most parts. Default 16. */
  maxParts?: number;
}

/** The boundary of a `multipart/form-data` Content-Type, or null when there is none. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/**
 * Parse a multipart body with busboy (a kept library: RFC 7578, part headers limited to 16 KiB however
 * they are chunked, backpressure). Parts come in order; a file part's `body` streams (read it, or it is
 * skipped when the next part is asked for); a plain field's body is its value.
 * @param contentType the request's Content-Type (`multipart/form-data; boundary=…`)
 * @throws MultipartError for a missing boundary, oversized or malformed part headers, too many parts, or
 *   a body that ends before the closing boundary — also from inside a part's `body`.
 */
export async function* parseMultipart(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  contentType: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart> {
  const maxParts = limits.maxParts ?? 16;
  const queue: (MultipartPart | null)[] = [];
  let failure: MultipartError | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const fail = (why: string) => {
    failure ??= new MultipartError(describe(why));
    notify();
  };
  let bb: ReturnType<typeof busboy>;
  try {
    bb = busboy({ headers: { 'content-type': contentType }, preservePath: true, limits: { parts: maxParts, fieldSize: 64 * 1024, headerPairs: 100 } });
  } catch (e) {
    throw new MultipartError(describe((e as Error).message));
  }
  bb.on('file', (name: string, stream: Readable, info: { filename?: string; mimeType?: string }) => {
    stream.on('error', (e: Error) => fail(e.message));
    const body: AsyncIterable<Uint8Array> = {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const chunk of stream) yield chunk as Uint8Array;
        } catch (e) {
          throw failure ?? new MultipartError(describe((e as Error).message));
        }
        if (failure) throw failure;
      },
    };
    queue.push({ name, filename: formDecode(info.filename), contentType: info.mimeType ?? null, body, ...{ stream } });
    notify();
  });
  bb.on('field', (name: string, value: string, info: { valueTruncated?: boolean; mimeType?: string }) => {
    if (info.valueTruncated) return fail(`multipart field '${name}' is larger than 64 KiB; only 'file' may be large`);
    queue.push({ name, filename: null, contentType: info.mimeType ?? null, body: once(Buffer.from(value)) });
    notify();
  });
  bb.on('partsLimit', () => fail(`too many multipart parts (at most ${maxParts})`));
  bb.on('error', (e: Error) => fail(e.message));
  bb.on('close', () => {
    queue.push(null);
    notify();
  });
  const iterable = Symbol.asyncIterator in source ? (source as AsyncIterable<Uint8Array>) : readable(source as ReadableStream<Uint8Array>);
  // Set when the consumer stops before the end (it threw, e.g. refusing a part): the rest of the body is not read.
  let stopped = false;
  const feeding = (async () => {
    for await (const chunk of iterable) {
      if (failure || stopped) break;
      if (!bb.write(chunk)) await new Promise<void>((r) => bb.once('drain', r).once('error', r).once('close', r));
    }
    if (!stopped) bb.end();
  })().catch((e: unknown) => fail((e as Error).message));
  let finished = false;
  try {
    for (;;) {
      while (queue.length === 0 && !failure) await new Promise<void>((r) => (wake = r));
      if (failure) throw failure;
      const part = queue.shift()!;
      if (part === null) {
        finished = true;
        return;
      }
      const { stream, ...visible } = part as MultipartPart & { stream?: Readable };
      yield visible;
      stream?.resume(); // what the consumer did not read is skipped
    }
  } finally {
    if (!finished && !failure) {
      // The consumer left early: stop parsing (a writer waiting for 'drain' is released by 'close') instead of
      // waiting for a body nobody reads.
      stopped = true;
      bb.removeAllListeners('close');
      bb.on('error', () => {});
      bb.destroy();
    } else {
      if (!failure) await feeding;
      bb.removeAllListeners('close');
    }
  }
}

/** A file name as browsers and undici encode it in a form (%22, %0D, %0A for '"', CR, LF). */
function formDecode(name: string | undefined): string | null {
  return name === undefined ? null : name.replace(/%22/g, '"').replace(/%0D/g, '\r').replace(/%0A/g, '\n');
}

async function* once(chunk: Uint8Array): AsyncIterable<Uint8Array> {
  yield chunk;
}

/** busboy's messages, said for a client. */
function describe(why: string): string {
  if (/unexpected end of (form|file)/i.test(why)) return 'the multipart body ended before its closing boundary (truncated upload?)';
  if (/malformed part header/i.test(why)) return 'malformed part headers (each part\'s headers must be under 16 KiB)';
  if (/boundary/i.test(why)) return 'the Content-Type has no usable multipart boundary';
  return why;
}

function readable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const reader = stream.getReader();
      try {
        for (;;) {
          const r = await reader.read();
          if (r.done) return;
          yield r.value;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
    },
  };
}
