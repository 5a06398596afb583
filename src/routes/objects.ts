import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import { isHeaderValue, mediaEssence } from '../lib/media-type.js';
import { CONTENT_HEADERS, type Conditions, type ContentHeaders, type GetResult, type HeadResult } from '../model/object-store.js';
import { parseRange } from '../s3/ranges.js';
import { Empty, described, responses } from '../schema/common.js';
import { BucketParams, CopyBody, CopyResult, DeleteManyBody, DeleteManyResult, ObjectParams, PresignBody, PresignResult, VersionQuery, objectHeaders } from '../schema/objects.js';
import type { AppServices } from '../services/index.js';

const tags = ['objects'];
const META_PREFIX = 'x-meta-';

function httpDate(value: string | string[] | undefined): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * The conditional request headers (RFC 9110 §13), or S3's copy-source ones with prefix
 * `x-amz-copy-source-`; unparsable dates are ignored, as the RFC says.
 */
export function conditionsOf(request: FastifyRequest, prefix = ''): Conditions {
  const h = request.headers;
  const str = (name: string) => {
    const v = h[prefix + name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  return {
    ifMatch: str('if-match'),
    ifNoneMatch: str('if-none-match'),
    ifModifiedSince: httpDate(h[prefix + 'if-modified-since']),
    ifUnmodifiedSince: httpDate(h[prefix + 'if-unmodified-since']),
  };
}

/** Types a browser shows without running anything of the tenant's; every other type is served as a download. */
const PASSIVE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'text/plain', 'text/csv', 'application/json', 'application/octet-stream']);

/**
 * Whether a Content-Type is passive, judged on the media type a browser would take from it (its
 * parsed essence). Anything that is not one clear type (a list: `image/png; charset=x, text/html`,
 * which Chromium renders as HTML; no type at all) counts as active.
 */
function isPassive(contentType: string): boolean {
  const essence = mediaEssence(contentType);
  return essence !== undefined && (PASSIVE_TYPES.has(essence) || /^(video|audio)\//.test(essence));
}

/**
 * Tenant content is served on the gateway's own origin, beside the API and GraphiQL: it must never
 * run as one of the gateway's pages. A sandboxing CSP gives any document an opaque origin with no
 * scripts, nosniff stops a browser from guessing a runnable type, and active types (HTML, SVG, XML,
 * scripts, PDF…) are downloads, not pages.
 */
function contentSafety(reply: FastifyReply, contentType: string, downloadActive: boolean) {
  reply.header('content-security-policy', "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'");
  reply.header('x-content-type-options', 'nosniff');
  if (downloadActive && !isPassive(contentType)) reply.header('content-disposition', 'attachment');
}

/** How a face names object headers: the REST API's, or the S3 door's (its own origin, S3's names). */
export interface ObjectFace {
  metaPrefix: string;
  /** Active types as downloads (the API's origin); the S3 door leaves Content-Disposition to the client. */
  downloadActive: boolean;
  /** Headers set last (the S3 door's response-* overrides). */
  overrides?: Record<string, string>;
  /** Pass on what an S3 backend says of the object in x-amz-* headers (the S3 door). */
  s3Headers?: boolean;
}

const REST_FACE: ObjectFace = { metaPrefix: META_PREFIX, downloadActive: true };

/** Writes an object's headers (and body for GET) to the reply. */
export function sendObject(reply: FastifyReply, res: GetResult | HeadResult, face: ObjectFace = REST_FACE) {
  reply.header('etag', `"${res.info.etag}"`);
  reply.header('last-modified', res.info.lastModified.toUTCString());
  reply.header('accept-ranges', 'bytes');
  if (res.status === 304) return reply.code(304).send();
  const info = res.info;
  // A type stored before entries were checked (or by another client of the backend) that HTTP cannot
  // carry is served as bytes, never as a 500 on every read of the object.
  const contentType = isHeaderValue(info.contentType) ? info.contentType : 'application/octet-stream';
  reply.header('content-type', contentType);
  for (const [field, value] of Object.entries(info.headers ?? {})) if (value !== undefined && isHeaderValue(value)) reply.header(CONTENT_HEADERS[field as keyof ContentHeaders], value);
  contentSafety(reply, contentType, face.downloadActive);
  for (const [name, value] of Object.entries(info.metadata)) if (isHeaderValue(value)) reply.header(face.metaPrefix + name, value);
  if (face.s3Headers) for (const [name, value] of Object.entries(info.s3Headers ?? {})) if (isHeaderValue(value)) reply.header(name, value);
  for (const [name, value] of Object.entries(face.overrides ?? {})) reply.header(name, value);
  if (res.partsCount !== undefined) reply.header('x-amz-mp-parts-count', res.partsCount);
  if (res.status === 206 && res.range) reply.header('content-range', `bytes ${res.range.start}-${res.range.end}/${res.range.total}`);
  if ('body' in res) {
    reply.header('content-length', res.contentLength);
    // Fastify destroys the stream when the client goes away, which releases the S3 socket at once.
    return reply.code(res.status).send(res.body);
  }
  reply.header('content-length', res.range ? res.range.end - res.range.start + 1 : info.size);
  return reply.code(res.status).send();
}

const objectBody = { headers: objectHeaders, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } };
const objectResponse = described({ description: 'The object', ...objectBody });
const notModified = described({ description: 'Not modified' });

/** Object reads, deletes, batch delete, copy and presign (JSON bodies only). */
export const objectRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.get(
    '/buckets/:bucket/objects/*',
    {
      schema: {
        operationId: 'getObject',
        tags,
        summary: 'Stream an object (or one version of it); Range → 206, If-None-Match → 304, If-Match mismatch → 412',
        params: ObjectParams,
        querystring: VersionQuery,
        response: responses({ 200: objectResponse, 206: described({ description: 'Part of the object', ...objectBody }), 304: notModified }),
      },
    },
    async (request, reply) => {
      const res = await services.objects.get(request.ctx, request.params.bucket, request.params['*'], {
        range: parseRange(request.headers.range),
        conditions: conditionsOf(request),
        versionId: request.query.versionId,
      });
      return sendObject(reply, res);
    },
  );

  app.head(
    '/buckets/:bucket/objects/*',
    {
      schema: {
        operationId: 'headObject',
        tags,
        summary: 'The same headers as GET, no body',
        params: ObjectParams,
        response: responses({ 200: described({ description: 'The object exists', headers: objectHeaders }), 304: notModified }),
      },
    },
    async (request, reply) => sendObject(reply, await services.objects.head(request.ctx, request.params.bucket, request.params['*'], conditionsOf(request))),
  );

  app.delete(
    '/buckets/:bucket/objects/*',
    {
      schema: {
        operationId: 'deleteObject',
        tags,
        summary: '204, also when the key is absent; with versionId, that version (or delete marker) only (S3 backends)',
        params: ObjectParams,
        querystring: VersionQuery,
        response: responses({ 204: Empty }),
      },
    },
    async (request, reply) => {
      const { bucket, '*': key } = request.params;
      if (request.query.versionId !== undefined) await services.objects.deleteVersion(request.ctx, bucket, key, request.query.versionId);
      else await services.objects.delete(request.ctx, bucket, key);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/buckets/:bucket/delete',
    {
      schema: {
        operationId: 'deleteObjects',
        tags,
        summary: 'Delete up to 1000 keys in one call',
        params: BucketParams,
        body: DeleteManyBody,
        response: responses({ 200: DeleteManyResult }),
      },
    },
    async (request) => services.objects.deleteMany(request.ctx, request.params.bucket, request.body.keys),
  );

  app.post(
    '/copy',
    { schema: { operationId: 'copyObject', tags, summary: 'Copy (or move) an object within the tenant', body: CopyBody, response: responses({ 201: CopyResult }) } },
    async (request, reply) => {
      const { source, destination, move = false } = request.body;
      return reply.code(201).send(await services.objects.copy(request.ctx, source, destination, move));
    },
  );

  app.post(
    '/presign',
    {
      schema: {
        operationId: 'presign',
        tags,
        summary: 'A presigned GET or PUT URL; for S3 tenants it points at their S3 endpoint, so bytes bypass the gateway',
        body: PresignBody,
        response: responses({ 200: PresignResult }),
      },
    },
    async (request) => services.presign.presign(request.ctx, request.body),
  );
};

/** Rejects a request whose body is not what the route takes. */
export function requireContentType(request: FastifyRequest, accepted: RegExp, expected: string) {
  const type = request.headers['content-type'] ?? '';
  if (!accepted.test(type)) throw new errors.UnsupportedMediaType(type || '(none)', expected);
}
