import multipart from '@fastify/multipart';
import { holdContentType, restoreContentType } from '../plugins/any-content-type.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import { responses } from '../schema/common.js';
import { BucketParams, ObjectParams, StoredObject, UploadResult, WriteConditions } from '../schema/objects.js';
import type { ObjectService, Stored } from '../services/objects.js';
import type { RequestContext } from '../model/context.js';
import { requireContentType } from './objects.js';
import type { AppServices } from '../services/index.js';

const tags = ['objects'];
const META_PREFIX = 'x-meta-';

function metadataOf(request: FastifyRequest): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith(META_PREFIX) && name.length > META_PREFIX.length) meta[name.slice(META_PREFIX.length)] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return meta;
}

/** Streams the raw request body into an object (PUT of the REST API and of presigned URLs). */
export async function putRaw(objects: ObjectService, ctx: RequestContext, request: FastifyRequest, bucket: string, key: string): Promise<Stored> {
  const length = request.headers['content-length'];
  return objects.put(ctx, bucket, key, {
    body: request.raw,
    contentType: request.headers['content-type'],
    metadata: metadataOf(request),
    contentLength: length === undefined ? undefined : Number(length),
    precondition: { ifMatch: request.headers['if-match'], ifNoneMatch: request.headers['if-none-match'] },
  });
}

/** busboy's words for a body that is not the multipart/form-data it claims to be. */
const MULTIPART_ERROR = /^Multipart: Boundary not found|Unexpected end of (form|multipart data)|terminated early|Malformed part header|Part terminated/;

/**
 * A form the client sent wrong (no boundary, a boundary the body does not use, a body that ends
 * before its closing delimiter) as a 400 that says so; files stored before the fault stay stored.
 */
function malformedForm(err: unknown, request: FastifyRequest): Error | undefined {
  const e = err as Error & { code?: string; cause?: Error };
  const message = [e?.message, e?.cause?.message].find((m) => m && MULTIPART_ERROR.test(m));
  const endedEarly = e?.code === 'S3GATE_CLIENT_CLOSED' && request.raw.complete;
  if (!message && !endedEarly) return undefined;
  const boundary = /boundary=("?)([^";]+)\1/i.exec(request.headers['content-type'] ?? '')?.[2];
  if (!boundary || message?.startsWith('Multipart: Boundary'))
    return new errors.InvalidUpload('Content-Type multipart/form-data needs a boundary parameter that the body uses (multipart/form-data; boundary=…)');
  return new errors.InvalidUpload(`the multipart body is malformed or ends before its closing delimiter --${boundary}--; the part being sent then was not stored`);
}

/**
 * Uploads. The raw PUT keeps the body a stream (no parser reads it); multipart/form-data is parsed here
 * only, part by part, each file streamed to S3 as it arrives.
 */
export const uploadRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.removeAllContentTypeParsers();
  // Any content type is object bytes: leave the body unread, the handler streams request.raw.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // The per-tenant limit is enforced while streaming (413); the plugin must not cut files short itself.
  await app.register(multipart, { limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 1000, fields: 100, fieldSize: 64 * 1024, parts: 1100 } });

  app.put(
    '/buckets/:bucket/objects/*',
    {
      // The body is the object's bytes, of any Content-Type S3 stores.
      onRequest: holdContentType,
      preValidation: restoreContentType,
      schema: {
        operationId: 'putObject',
        tags,
        summary: 'Stream the raw body into an object; x-meta-* headers become metadata; If-Match / If-None-Match make the write conditional',
        params: ObjectParams,
        headers: WriteConditions,
        response: responses({ 201: StoredObject }),
      },
    },
    async (request, reply) => reply.code(201).send(await putRaw(services.objects, request.ctx, request, request.params.bucket, request.params['*'])),
  );

  app.post(
    '/buckets/:bucket/objects',
    {
      schema: {
        operationId: 'uploadObjects',
        tags,
        summary: 'multipart/form-data: each file is stored at the prefix field + its filename, or at the key field for a single file',
        params: BucketParams,
        response: responses({ 201: UploadResult }),
      },
    },
    async (request, reply) => {
      requireContentType(request, /^multipart\/form-data/i, 'multipart/form-data');
      const { bucket } = request.params;
      const stored: { key: string; etag: string; size: number }[] = [];
      let prefix = '';
      let key: string | undefined;
      try {
        await storeParts();
      } catch (err) {
        throw malformedForm(err, request) ?? err;
      }
      if (stored.length === 0) throw new errors.InvalidUpload('no file part in the form; send at least one file (fields prefix or key go before the files)');
      return reply.code(201).send({ objects: stored });

      async function storeParts() {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            if (part.fieldname === 'prefix') prefix = String(part.value);
            else if (part.fieldname === 'key') key = String(part.value);
            continue;
          }
          if (key !== undefined && stored.length > 0) throw new errors.InvalidUpload('the key field names one file; send a prefix field to upload several');
          if (key === undefined && !part.filename) throw new errors.InvalidUpload(`file part '${part.fieldname}' has no filename; send a key field before it`);
          const res = await services.objects.put(request.ctx, bucket, key ?? prefix + part.filename, { body: part.file, contentType: part.mimetype, eventType: 's3:ObjectCreated:Post' });
          stored.push({ key: res.key, etag: res.etag, size: res.size });
        }
      }
    },
  );
};
