/**
 * S3BlobStore against a real HTTP S3 emulator (s3rver, in process) — no mocks of the SDK client:
 * if the server cannot be reached, these tests fail.
 *
 * Checksums: the clients here keep the SDK defaults (requestChecksumCalculation /
 * responseChecksumValidation = WHEN_SUPPORTED) on purpose, because that is what production uses.
 * It works with s3rver because S3BlobStore only ever hands the SDK Buffers (lib-storage cuts streams
 * into Buffer parts), so the SDK sends CRC32/SHA-256 checksums as plain headers, which s3rver ignores.
 * A *stream* body would make the SDK switch to `aws-chunked` encoding with an `x-amz-checksum-*`
 * trailer, which s3rver cannot parse; with such a server set both options to 'WHEN_REQUIRED'.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { makeS3rverPutsAtomic } from './testing/atomic-puts.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from './blob-store.ts';
import { blobStoreSuite } from './testing/blob-store-suite.ts';
import { createBlobStore } from './index.ts';
import { S3BlobStore } from './s3-store.ts';

const BUCKET = 'medslim-test';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');

let server: S3rver | undefined;
let serverDir: string;
let endpoint: string;
let n = 0;

beforeAll(async () => {
  serverDir = await mkdtemp(path.join(tmpdir(), 'medslim-s3rver-'));
  makeS3rverPutsAtomic();
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: serverDir, configureBuckets: [{ name: BUCKET }] });
  const address = await server.run(); // resolves to the bound address: port 0 → a free port
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await server?.close();
  await rm(serverDir, { recursive: true, force: true });
});

function makeClient(extra: Partial<S3ClientConfig> = {}, url = endpoint): S3Client {
  return new S3Client({ endpoint: url, forcePathStyle: true, region: 'us-east-1', credentials: CREDENTIALS, ...extra });
}

const freshPrefix = () => `t${++n}-${randomBytes(3).toString('hex')}/`;

interface Sent {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
}

/** A client whose every outgoing HTTP request (after signing) is recorded in `sent`. */
function recordingClient(): { client: S3Client; sent: Sent[] } {
  const client = makeClient();
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string> };
      sent.push({ method: req.method, path: req.path, query: { ...req.query }, headers: { ...req.headers } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return { client, sent };
}

blobStoreSuite(
  'S3BlobStore on s3rver',
  async () => {
    const store = new S3BlobStore({ bucket: BUCKET, prefix: freshPrefix(), client: makeClient() });
    return {
      store,
      cleanup: async () => {
        for await (const e of store.list('')) await store.delete(e.key);
      },
    };
  },
  // s3rver accepts If-Match / If-None-Match but does not enforce them (see the header tests below),
  // and lists keys in its directory-walk order rather than S3's UTF-8 byte order.
  { enforcesConditions: false, listsInByteOrder: false },
  { describe, it, expect },
);

describe('S3BlobStore requests', () => {
  it('sends If-None-Match / If-Match (RFC 7232 form) on PutObject, CompleteMultipartUpload and DeleteObject', async () => {
    const { client, sent } = recordingClient();
    const store = new S3BlobStore({ bucket: BUCKET, prefix: freshPrefix(), client });
    const small = Buffer.from('small body');
    const sha = createHash('sha256').update(small).digest();

    const a = await store.put('k', small, { ifNoneMatch: '*', contentType: 'text/plain' });
    const putA = sent.filter((r) => r.method === 'PUT').at(-1)!;
    expect(putA.headers['if-none-match']).toBe('*');
    expect(putA.headers['if-match']).toBeUndefined();
    expect(putA.headers['x-amz-checksum-sha256']).toBe(sha.toString('base64'));
    expect(putA.headers['x-amz-meta-sha256']).toBe(sha.toString('hex'));
    expect(putA.headers['content-type']).toBe('text/plain');

    sent.length = 0;
    const b = await store.put('k', Buffer.from('v2'), { ifMatch: a.etag });
    expect(sent).toHaveLength(1);
    expect(sent[0].headers['if-match']).toBe(`"${a.etag}"`);
    expect(sent[0].headers['if-none-match']).toBeUndefined();

    // A 9 MiB stream goes multipart: the condition travels on CompleteMultipartUpload, and the
    // sha256 metadata is added by a self-copy guarded by the new ETag.
    sent.length = 0;
    const data = randomBytes(9 * 1024 * 1024);
    const c = await store.put('k', Readable.from([data.subarray(0, 5e6), data.subarray(5e6)]), { ifMatch: `"${b.etag}"` });
    const create = sent.find((r) => r.method === 'POST' && 'uploads' in r.query)!;
    const parts = sent.filter((r) => r.method === 'PUT' && r.query['x-id'] === 'UploadPart');
    const complete = sent.find((r) => r.method === 'POST' && 'uploadId' in r.query)!;
    const copy = sent.find((r) => r.method === 'PUT' && r.query['x-id'] === 'CopyObject')!;
    expect(create).toBeDefined();
    expect(parts).toHaveLength(2);
    expect(complete.headers['if-match']).toBe(`"${b.etag}"`);
    expect(copy.headers['x-amz-copy-source-if-match']).toMatch(/^".+"$/);
    expect(copy.headers['if-match']).toBe(copy.headers['x-amz-copy-source-if-match']);
    expect(copy.headers['x-amz-metadata-directive']).toBe('REPLACE');
    expect(copy.headers['x-amz-meta-sha256']).toBe(createHash('sha256').update(data).digest('hex'));
    expect(await store.head('k')).toEqual({ etag: c.etag, bytes: data.byteLength, sha256: c.sha256 });

    sent.length = 0;
    await store.put('fresh', Readable.from([data]), { ifNoneMatch: '*' });
    expect(sent.find((r) => r.method === 'POST' && 'uploadId' in r.query)!.headers['if-none-match']).toBe('*');

    sent.length = 0;
    await store.delete('k', { ifMatch: c.etag });
    expect(sent).toHaveLength(1);
    expect(sent[0].method).toBe('DELETE');
    expect(sent[0].headers['if-match']).toBe(`"${c.etag}"`);
  });

  it('checks a condition with HEAD before starting a multipart upload, and fails fast when it is false', async () => {
    const { client, sent } = recordingClient();
    const store = new S3BlobStore({ bucket: BUCKET, prefix: freshPrefix(), client });
    const first = await store.put('k', Buffer.from('v1'));
    sent.length = 0;
    const big = Readable.from([randomBytes(9 * 1024 * 1024)]);
    const e = await store.put('k', big, { ifNoneMatch: '*' }).catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'StoreError', code: 'PRECONDITION_FAILED' });
    expect(sent.map((r) => r.method)).toEqual(['HEAD']); // no CreateMultipartUpload, no parts
    expect(big.destroyed).toBe(true); // the caller's stream is released
    expect((await store.head('k'))?.etag).toBe(first.etag);
  });

  it('aborts the multipart upload when maxBytes trips mid-stream', async () => {
    const { client, sent } = recordingClient();
    const store = new S3BlobStore({ bucket: BUCKET, prefix: freshPrefix(), client });
    const big = randomBytes(20 * 1024 * 1024);
    const e = await store.put('big', Readable.from([big.subarray(0, 9e6), big.subarray(9e6)]), { maxBytes: 10e6 }).catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'StoreError', code: 'TOO_LARGE', message: expect.stringContaining('10000000') });
    expect(sent.some((r) => r.method === 'POST' && 'uploads' in r.query)).toBe(true);
    expect(sent.some((r) => r.method === 'DELETE' && 'uploadId' in r.query)).toBe(true); // AbortMultipartUpload
    expect(sent.some((r) => r.method === 'POST' && 'uploadId' in r.query)).toBe(false); // never completed
    expect(await store.head('big')).toBeNull();
  });

  it('presigned PUT and GET URLs move real bytes with plain fetch', async () => {
    const store = new S3BlobStore({ bucket: BUCKET, prefix: freshPrefix(), client: makeClient() });
    const bytes = randomBytes(300_000);
    const putUrl = await store.presignPut('uploads/scan.onnx', { expiresInSeconds: 120, contentType: 'application/octet-stream' });
    const q = new URL(putUrl).searchParams;
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Expires')).toBe('120');
    // No checksum of the empty presign-time body baked into the URL (it would not match real bytes).
    expect([...q.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);

    const put = await fetch(putUrl, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(put.status).toBe(200);
    const head = await store.head('uploads/scan.onnx');
    expect(head).toMatchObject({ bytes: bytes.byteLength, etag: createHash('md5').update(bytes).digest('hex') });

    const getUrl = await store.presignGet('uploads/scan.onnx', 120);
    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    // Note: s3rver checks only the access key id of a SigV4 request, not the signature itself, so
    // this proves the URLs are well-formed and usable, not that S3 would accept the signature.
  });

  it('list follows ListObjectsV2 continuation tokens across pages', async () => {
    // s3rver's continuation tokens need DES, only available with OpenSSL's legacy provider,
    // so this server runs in a child process started with --openssl-legacy-provider.
    const dir = await mkdtemp(path.join(tmpdir(), 'medslim-s3rver-child-'));
    const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', path.join(here, 'testing', 's3rver-child.ts'), dir, BUCKET], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const line = out.split('\n')[0];
          if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
        });
        child.on('exit', (code) => reject(new Error(`s3rver child exited with ${code}`)));
      });
      const client = makeClient({}, `http://127.0.0.1:${port}`);
      const listCalls: Record<string, unknown>[] = [];
      client.middlewareStack.add(
        (next) => async (args) => {
          const req = args.request as { query: Record<string, unknown> };
          if (req.query['list-type'] === '2') listCalls.push({ ...req.query });
          return next(args);
        },
        { step: 'finalizeRequest', name: 'recordLists' },
      );
      const store = new S3BlobStore({ bucket: BUCKET, prefix: 'pg/', client, listPageSize: 2 });
      const keys = ['a', 'b/1', 'b/2', 'c', 'd/e/f'];
      for (const k of keys) await store.put(k, Buffer.from(k));
      await new S3BlobStore({ bucket: BUCKET, client }).put('outside-prefix', Buffer.from('x'));
      const listed: string[] = [];
      for await (const e of store.list('')) listed.push(e.key);
      expect(listed).toEqual(keys);
      expect(listCalls).toHaveLength(3);
      expect(listCalls.slice(1).every((q) => typeof q['continuation-token'] === 'string')).toBe(true);
    } finally {
      child.stdin.end();
      child.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('S3BlobStore error mapping', () => {
  it('an unreachable endpoint fails with StoreError IO (no skip, no hang)', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const store = new S3BlobStore({ bucket: BUCKET, client: makeClient({ maxAttempts: 1 }, `http://127.0.0.1:${port}`) });
    for (const call of [() => store.put('k', Buffer.from('x')), () => store.head('k'), () => store.get('k')]) {
      const e = await call().catch((err: unknown) => err);
      expect(e).toBeInstanceOf(StoreError);
      expect(e).toMatchObject({ code: 'IO', message: expect.stringContaining(`s3://${BUCKET}/`) });
    }
  });

  it('maps real S3 error responses: 412 and 409 ConditionalRequestConflict → PRECONDITION_FAILED, NoSuchKey → NOT_FOUND', async () => {
    // A minimal HTTP server answering like S3 does when it enforces conditions, so the SDK parses
    // genuine error responses (s3rver never sends these).
    let reply = { status: 412, code: 'PreconditionFailed' };
    const fake = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(reply.status, { 'content-type': 'application/xml' });
        res.end(
          req.method === 'HEAD'
            ? undefined
            : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${reply.code}</Code><Message>fake</Message><RequestId>1</RequestId></Error>`,
        );
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const store = new S3BlobStore({ bucket: BUCKET, client: makeClient({ maxAttempts: 1 }, url) });
      const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof StoreError ? e.code : String(e)));

      expect(await codeOf(store.put('k', Buffer.from('x'), { ifNoneMatch: '*' }))).toBe('PRECONDITION_FAILED');
      expect(await codeOf(store.delete('k', { ifMatch: 'abc' }))).toBe('PRECONDITION_FAILED');
      reply = { status: 409, code: 'ConditionalRequestConflict' };
      expect(await codeOf(store.put('k', Buffer.from('x'), { ifMatch: 'abc' }))).toBe('PRECONDITION_FAILED');
      reply = { status: 404, code: 'NoSuchKey' };
      expect(await codeOf(store.get('k'))).toBe('NOT_FOUND');
      expect(await codeOf(store.put('k', Buffer.from('x'), { ifMatch: 'abc' }))).toBe('PRECONDITION_FAILED');
      expect(await store.head('k')).toBeNull();
      reply = { status: 404, code: 'NoSuchBucket' };
      expect(await codeOf(store.get('k'))).toBe('IO');
      reply = { status: 500, code: 'InternalError' };
      expect(await codeOf(store.get('k'))).toBe('IO');
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });
});

describe('S3BlobStore construction', () => {
  it('normalises the prefix, validates options and describes itself', async () => {
    const store = new S3BlobStore({ bucket: 'b', prefix: 'prod', client: makeClient() });
    expect(store.prefix).toBe('prod/');
    expect(store.describe()).toBe('s3://b/prod/');
    expect(() => new S3BlobStore({ bucket: '' })).toThrow(TypeError);
    expect(() => new S3BlobStore({ bucket: 'b', prefix: '../x', client: makeClient() })).toThrow(TypeError);
    expect(() => new S3BlobStore({ bucket: 'b', partSizeBytes: 1024, client: makeClient() })).toThrow(TypeError);
    await expect(store.put('x'.repeat(1020), Buffer.from('x'))).rejects.toMatchObject({ code: 'BAD_KEY' }); // prefix + key > 1024
  });

  it('createBlobStore builds a path-style S3BlobStore for a custom endpoint', () => {
    const store = createBlobStore({ kind: 's3', bucket: BUCKET, prefix: 'p/', region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
    expect(store).toBeInstanceOf(S3BlobStore);
    expect(store.describe()).toBe(`s3://${BUCKET}/p/ at http://127.0.0.1:9`);
    expect((store as S3BlobStore).client.config.forcePathStyle).toBe(true);
  });
});
