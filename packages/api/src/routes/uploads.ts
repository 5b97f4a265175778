/**
 * Uploads: POST /uploads (multipart, streamed to the store with a size limit), POST /uploads/presign
 * (+ /uploads/{id}/complete) for direct-to-store uploads, GET /uploads, GET /uploads/{id}.
 */
import { z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { actorOf, principalOf } from '../middleware/auth/index.ts';
import { PresignedSchema, PresignSchema, UploadSchema } from '@medslim/contracts';
import type { ModelFile } from '@medslim/onnx';
import { boundaryOf, MultipartError, parseMultipart } from '../uploads/multipart.ts';
import { assembleModelUpload, isZipPart, MAX_MODEL_FILES, readPart } from '../uploads/model-files.ts';
import type { RouteModule } from './common.ts';
import { json, jsonBody, routesFor } from './define.ts';

/** Bytes a multipart envelope may add around the file (boundaries, part headers, small fields). */
const MULTIPART_OVERHEAD = 64 * 1024;
/** Largest non-file field read from a multipart body. */
const MAX_FIELD_BYTES = 8 * 1024;

const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'up_mcx3f2k1a9f3c2b7d10' }) });

const route = routesFor('uploads');

const upload = route('post', '/uploads', {
  summary: 'Upload a teacher model or dataset (multipart field `file`, streamed to the store), or a model with external data (field `files` repeated, or one .zip in `file`)',
  description:
    'One file in field `file` (a .onnx teacher or an .npz dataset) streams to the store as it is. A model whose weights live in external data files ' +
    '(`model.onnx` + `model.onnx.data`) is sent as field `files` once per file, or as one `.zip` in field `file`: its external data are read into the ' +
    'model and one self-contained .onnx is stored (a missing data file → 400 `EXTERNAL_DATA` naming it; names with `..` or absolute paths, ' +
    'several .onnx files or files the model does not use → 400 `BAD_BUNDLE`; a zip whose members declare or inflate past the upload limit → 413 `ZIP_TOO_LARGE`).',
  role: 'deployer',
  request: {
    body: {
      required: true,
      // A plain OpenAPI schema (not zod): the body is streamed by the handler, never buffered by a validator.
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: {
              file: { type: 'string', format: 'binary', description: 'A .onnx model, an .npz dataset, or a .zip of a model and its external data files' },
              files: { type: 'array', items: { type: 'string', format: 'binary' }, description: "A model's .onnx file and its external data files, one part each" },
            },
          },
        },
      },
    },
  },
  responses: { 201: json('Stored and hashed', UploadSchema) },
  errors: [400, 413, 415],
});
const presign = route('post', '/uploads/presign', {
  summary: 'Get a URL to PUT a large file straight to the store (S3); then POST /uploads/{id}/complete',
  role: 'deployer',
  request: { body: jsonBody(PresignSchema, false) },
  responses: { 201: json('Presigned URL', PresignedSchema) },
  errors: [400, 501],
});
const complete = route('post', '/uploads/{id}/complete', {
  summary: 'Finish a presigned upload: hash the stored bytes and make the upload usable',
  role: 'deployer',
  request: { params: IdParam },
  responses: { 200: json('Ready', UploadSchema) },
  errors: [409, 413],
});
const list = route('get', '/uploads', {
  summary: "List the tenant's uploads, newest first",
  responses: { 200: json('Uploads', z.object({ uploads: z.array(UploadSchema) })) },
});
const get = route('get', '/uploads/{id}', {
  summary: 'One upload',
  request: { params: IdParam },
  responses: { 200: json('The upload', UploadSchema) },
});

export const uploadRoutes: RouteModule = (app, { registry, maxUploadBytes }) => {
  app.openapi(upload, async (c) => {
    const p = principalOf(c);
    const contentType = c.req.header('content-type') ?? '';
    if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `uploads must be multipart/form-data with the file in field 'file' (got ${contentType ? `'${contentType}'` : 'no Content-Type'}); e.g. curl -F file=@teacher.onnx`);
    }
    const boundary = boundaryOf(contentType);
    if (!boundary) throw new ApiError(400, 'BAD_REQUEST', 'multipart/form-data Content-Type has no boundary parameter');
    const length = Number(c.req.header('content-length'));
    if (Number.isFinite(length) && length > maxUploadBytes + MULTIPART_OVERHEAD) {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `upload of ${length} bytes exceeds the limit of ${maxUploadBytes} bytes (${(maxUploadBytes / 2 ** 20).toFixed(0)} MiB); nothing was stored`);
    }
    const body = c.req.raw.body;
    if (!body) throw new ApiError(400, 'BAD_REQUEST', "empty body: send the file in multipart field 'file'");
    let record = null;
    // A model in several files (field 'files' repeated) or in one .zip is read into memory (bounded by the
    // upload limit) and stored as one self-contained .onnx; a single 'file' streams to the store as it is.
    const files: ModelFile[] = [];
    let zip: { bytes: Uint8Array; name: string } | null = null;
    let buffered = 0;
    const readBounded = async (body: AsyncIterable<Uint8Array>, what: string) => {
      const bytes = await readPart(body, maxUploadBytes - buffered, what);
      buffered += bytes.byteLength;
      return bytes;
    };
    try {
      for await (const part of parseMultipart(body, contentType, { maxParts: MAX_MODEL_FILES + 4 })) {
        if ((part.name === 'file' && (record !== null || files.length > 0 || zip !== null)) || (part.name === 'files' && (record !== null || zip !== null))) {
          throw new ApiError(400, 'BAD_REQUEST', "send one file in field 'file' (a model, a dataset or a .zip of a model and its data files), or a model's files in field 'files' repeated — not both, and 'file' once");
        }
        if (part.name === 'file' && isZipPart(part.filename, part.contentType)) {
          zip = { bytes: await readBounded(part.body, `zip '${part.filename ?? 'file'}'`), name: part.filename ?? 'upload.zip' };
          continue;
        }
        if (part.name === 'file') {
          record = await registry.uploads.put(p.tenant, part.body, { filename: part.filename, contentType: part.contentType, createdBy: actorOf(p) });
          continue;
        }
        if (part.name === 'files') {
          if (part.filename === null) throw new ApiError(400, 'BAD_REQUEST', "each part of field 'files' must be a file with its name (-F files=@model.onnx -F files=@model.onnx.data)");
          if (files.length >= MAX_MODEL_FILES) throw new ApiError(400, 'BAD_REQUEST', `at most ${MAX_MODEL_FILES} files in field 'files': a model and its external data files`);
          files.push({ name: part.filename, bytes: await readBounded(part.body, 'the uploaded files') });
          continue;
        }
        if (part.filename !== null) {
          throw new ApiError(400, 'BAD_REQUEST', `send the file in multipart field 'file' (got a file in field '${part.name}'): -F file=@<path>, or a model's files as -F files=@model.onnx -F files=@model.onnx.data`);
        }
        let size = 0;
        for await (const chunk of part.body) {
          size += chunk.byteLength;
          if (size > MAX_FIELD_BYTES) throw new ApiError(400, 'BAD_REQUEST', `multipart field '${part.name}' is larger than ${MAX_FIELD_BYTES} bytes; only 'file' may be large`);
        }
      }
    } catch (e) {
      // A truncated or malformed body is the client's (400), also when the store saw it first while streaming.
      const m = e instanceof MultipartError ? e : (e as { cause?: unknown })?.cause instanceof MultipartError ? ((e as { cause: MultipartError }).cause) : null;
      if (m) throw new ApiError(400, 'BAD_REQUEST', `malformed multipart body: ${m.message}`);
      throw e;
    }
    if (!record && (files.length > 0 || zip)) {
      const m = assembleModelUpload(zip ? { zip: zip.bytes, name: zip.name } : { files }, maxUploadBytes);
      files.length = 0;
      zip = null;
      record = await registry.uploads.put(p.tenant, m.bytes, { filename: m.filename, contentType: 'application/octet-stream', createdBy: actorOf(p) });
    }
    if (!record) throw new ApiError(400, 'BAD_REQUEST', "multipart field 'file' is missing: send the file as -F file=@<path> (or a model's files as -F files=@model.onnx -F files=@model.onnx.data)");
    return c.json(record, 201);
  });

  app.openapi(presign, async (c) => {
    const p = principalOf(c);
    const body = c.req.valid('json');
    const expiresInSeconds = body.expiresInSeconds ?? 3600;
    const r = await registry.uploads.presign(p.tenant, { filename: body.filename ?? null, createdBy: actorOf(p), expiresInSeconds });
    if (!r) {
      throw new ApiError(501, 'NOT_IMPLEMENTED', "presigned uploads need an S3 store; this server keeps blobs on its own disk — use POST /v1/uploads (multipart) instead");
    }
    return c.json({ id: r.record.id, url: r.url, method: 'PUT' as const, expiresInSeconds }, 201);
  });

  app.openapi(complete, async (c) => {
    const p = principalOf(c);
    return c.json(await registry.uploads.complete(p.tenant, c.req.valid('param').id), 200);
  });

  app.openapi(list, async (c) => c.json({ uploads: await registry.uploads.list(principalOf(c).tenant) }, 200));

  app.openapi(get, async (c) => c.json(await registry.uploads.get(principalOf(c).tenant, c.req.valid('param').id), 200));
};
