import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundaryOf, MultipartError, parseMultipart } from './multipart.ts';

/** Split `buf` into chunks of `size` bytes (a boundary may straddle chunks). */
async function* chunks(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function collect(body: Buffer, boundary: string, chunk: number) {
  const out: { name: string; filename: string | null; contentType: string | null; data: Buffer }[] = [];
  for await (const p of parseMultipart(chunks(body, chunk), `multipart/form-data; boundary=${boundary}`)) {
    const parts: Buffer[] = [];
    for await (const c of p.body) parts.push(Buffer.from(c));
    out.push({ name: p.name, filename: p.filename, contentType: p.contentType, data: Buffer.concat(parts) });
  }
  return out;
}

describe('parseMultipart', () => {
  it('streams what FormData produces, for any chunking, including bytes that look like a boundary', async () => {
    const file = Buffer.concat([randomBytes(70_000), Buffer.from('\r\n--not-the-boundary\r\n'), randomBytes(5)]);
    const form = new FormData();
    form.append('note', 'hello');
    form.append('file', new Blob([file], { type: 'application/octet-stream' }), 'teacher "v2".onnx');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const boundary = boundaryOf(req.headers.get('content-type')!)!;
    const body = Buffer.from(await req.arrayBuffer());
    for (const size of [1, 7, 64, 4096, body.length]) {
      const parts = await collect(body, boundary, size);
      expect(parts.map((p) => p.name)).toEqual(['note', 'file']);
      expect(parts[0].data.toString()).toBe('hello');
      expect(parts[1].filename).toBe('teacher "v2".onnx');
      expect(parts[1].contentType).toBe('application/octet-stream');
      expect(parts[1].data.equals(file)).toBe(true);
    }
  });

  it('a consumer that stops early (refusing a part) is not left waiting for a body nobody reads', async () => {
    const form = new FormData();
    form.append('file', new Blob([randomBytes(10)]), 'a.onnx');
    form.append('files', new Blob([randomBytes(4 << 20)]), 'b.data'); // far more than the parser buffers
    const req = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await req.arrayBuffer());
    const t0 = Date.now();
    const refuse = async () => {
      for await (const p of parseMultipart(chunks(body, 16_384), req.headers.get('content-type')!)) {
        if (p.name === 'files') throw new Error('refused');
        for await (const _ of p.body) { /* read it */ }
      }
    };
    await expect(refuse()).rejects.toThrow('refused');
    expect(Date.now() - t0).toBeLessThan(5_000); // hung forever before (a writer waiting for 'drain')
  });

  it('skips a part the consumer does not read', async () => {
    const body = Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nAAAA\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nFFF\r\n--b--\r\n');
    const names: string[] = [];
    let file = '';
    for await (const p of parseMultipart(chunks(body, 3), 'multipart/form-data; boundary=b')) {
      names.push(p.name);
      if (p.name === 'file') for await (const c of p.body) file += Buffer.from(c).toString();
    }
    expect(names).toEqual(['a', 'file']);
    expect(file).toBe('FFF');
  });

  it.each([
    ['no boundary line', 'just some bytes', /ended before its closing boundary/],
    ['truncated body', '--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nhalf a fi', /ended before its closing boundary/],
    ['headers cut off', '--b\r\nContent-Disposition: form-data; name="file"', /ended before its closing boundary/],
    ['17 KiB of part headers in one chunk', `--b\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nX-Pad: ${'p'.repeat(17 * 1024)}\r\n\r\nx\r\n--b--\r\n`, /malformed part headers/],
  ])('rejects a body with %s', async (_what, text, message) => {
    for (const chunk of [4, 1 << 20]) {
      // 1 MiB chunks: the whole body, headers included, arrives at once (issue 14, item 13)
      const err = await collect(Buffer.from(text), 'b', chunk).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MultipartError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('reads the boundary parameter, quoted or not', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc123')).toBe('----abc123');
    expect(boundaryOf('multipart/form-data; charset=utf-8; boundary="x y"')).toBe('x y');
    expect(boundaryOf('multipart/form-data')).toBeNull();
  });
});
