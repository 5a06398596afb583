import { AsyncLocalStorage } from 'node:async_hooks';
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { Server, type ServerOptions } from '@tus/server';
import { DataStore, Metadata, Upload, type Lock, type Locker } from '@tus/utils';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { NodeRequest } from 'srvx/node';
import { errors, isGatewayError, limits, logLevelOf, toApiError, type GatewayError } from '../errors.js';
import { responses } from '../schema/common.js';
import { bindTenant, requireTenant } from '../plugins/auth.js';
import type { RequestContext } from '../model/context.js';
import { startErrorAnswer } from '../plugins/http.js';
import type { Services } from '../services/index.js';
import type { TusService } from '../services/tus.js';
import { CHECKSUM_ALGORITHMS, type Lease, type TusTarget, type TusUpload } from '../services/tus-upload.js';
import type { AppServices } from '../services/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What a presigned tus URL grants: one target (and, for an upload URL, one upload). */
    tusGrant?: Grant;
  }
}

interface Grant {
  bucket: string;
  key: string;
  contentType?: string;
  /** A creation URL's nonce and expiry: the one upload it may create is recorded under it. */
  creation?: { nonce: string; expiresAt: string };
}

/** One tus request as the store sees it: the Fastify request's context, and the leases it holds. */
interface Call {
  request: FastifyRequest;
  ctx: RequestContext;
  leases: Map<string, Lease>;
  /** The gateway error an answer is made from (its headers go with it). */
  error?: GatewayError;
  /** What the store threw, logged whole when it is the gateway's own fault. */
  cause?: unknown;
  /** The upload this request created (its URL is made from it). */
  created?: TusUpload;
}

const calls = new AsyncLocalStorage<Call>();

function call(): Call {
  const c = calls.getStore();
  if (!c) throw new Error('tus store used outside a request');
  return c;
}

/** The headers a browser may read from the gateway's answers (tus's own, and the API's). */
export const EXPOSED_HEADERS = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Expires',
  'Tus-Resumable',
  'Tus-Version',
  'Tus-Extension',
  'Tus-Max-Size',
  'Tus-Checksum-Algorithm',
  'ETag',
  'Content-Range',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
  'X-Request-Id',
];

/** Where an upload goes, from Upload-Metadata (the keys Uppy and tus-js-client send) and a presigned grant. */
export function targetOf(meta: Record<string, string | null> | undefined, grant: Grant | undefined): TusTarget {
  const m = meta ?? {};
  const text = (name: string) => (typeof m[name] === 'string' && m[name] !== '' ? m[name]! : undefined);
  const bucket = text('bucket') ?? grant?.bucket;
  if (!bucket) throw new errors.TusInvalid('Upload-Metadata needs a bucket (base64 of the bucket name), or use a presigned tus URL');
  const key = text('key') ?? grant?.key ?? (text('filename') && (text('prefix') ?? '') + text('filename'));
  if (!key) throw new errors.TusInvalid('Upload-Metadata needs a key, or a filename (under an optional prefix)');
  let contentType = text('contentType') ?? text('filetype') ?? text('type');
  if (grant) {
    if (bucket !== grant.bucket || key !== grant.key) throw new errors.PresignInvalid(`it is for ${grant.bucket}/${grant.key}, not ${bucket}/${key}`);
    if (grant.contentType) {
      if (contentType !== undefined && contentType !== grant.contentType) throw new errors.PresignInvalid(`it requires contentType ${grant.contentType}`);
      contentType = grant.contentType;
    }
  }
  const ifNoneMatch = m.ifNoneMatch;
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') throw new errors.PreconditionUnsupported(`ifNoneMatch in Upload-Metadata takes only * (store only if the key is absent); got '${ifNoneMatch}'`);
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(m)) if (name.startsWith('meta-') && name.length > 5) metadata[name.slice(5).toLowerCase()] = value ?? '';
  return { bucket, key, contentType, metadata, createOnly: ifNoneMatch === '*', tusMetadata: m };
}

function uploadOf(up: TusUpload): Upload {
  return new Upload({ id: up.id, size: up.size, offset: up.offset, metadata: up.metadata, creation_date: up.createdAt });
}

/** The tus DataStore on the gateway's services: every call runs as the request's tenant (see Call). */
class GatewayStore extends DataStore {
  constructor(private readonly tus: TusService) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration', 'checksum'];
  }

  override async create(upload: Upload): Promise<Upload> {
    const c = call();
    const lease = c.leases.get(upload.id);
    if (!lease) throw new Error('created without its lease');
    const grant = c.request.tusGrant;
    c.created = await this.tus.create(c.ctx, upload.id, upload.size ?? NaN, targetOf(upload.metadata, grant), { presigned: Boolean(grant), lease, creation: grant?.creation });
    return uploadOf(c.created);
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const c = call();
    const lease = c.leases.get(id);
    if (!lease) throw new Error('written without its lease');
    const h = c.request.headers;
    const length = h['content-length'] === undefined ? undefined : Number(h['content-length']);
    return this.tus.write(c.ctx, id, lease, offset, stream, { contentLength: length, checksum: checksumOf(h['upload-checksum']) });
  }

  override async getUpload(id: string): Promise<Upload> {
    const c = call();
    const row = await this.tus.find(c.ctx, id);
    const grant = c.request.tusGrant;
    if (grant && (row.bucket !== grant.bucket || row.key !== grant.key)) throw new errors.UploadNotFound(id);
    return uploadOf(row);
  }

  override async remove(id: string): Promise<void> {
    await this.tus.terminate(call().ctx, id);
  }

  override getExpiration(): number {
    return this.tus.expiresMs;
  }

  override deleteExpired(): Promise<number> {
    return this.tus.sweep();
  }
}

/** Upload-Checksum: `<algorithm> <base64 digest>`, an algorithm of CHECKSUM_ALGORITHMS. */
function checksumOf(header: string | string[] | undefined): { algorithm: string; digest: Buffer } | undefined {
  if (header === undefined) return undefined;
  const m = /^([a-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/i.exec(String(header).trim());
  if (!m) throw new errors.TusInvalid('Upload-Checksum must be `<algorithm> <base64 digest>`, e.g. `sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=`');
  const algorithm = m[1].toLowerCase();
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm))
    throw new errors.TusInvalid(`Upload-Checksum algorithm '${m[1]}' is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}`);
  return { algorithm, digest: Buffer.from(m[2], 'base64') };
}

/** Leases from the service, one per upload and request; a HEAD reads without one. */
function lockerFor(tus: TusService): Locker {
  return {
    newLock(id: string): Lock {
      let lease: Lease | undefined;
      return {
        async lock() {
          lease = await tus.lock(id);
          call().leases.set(id, lease);
        },
        async unlock() {
          await lease?.release();
        },
      };
    },
  };
}

const READ_ONLY: Locker = { newLock: () => ({ lock: async () => {}, unlock: async () => {} }) };

/** tus's own refusals (a status and a line of text) as the API's errors. */
function fromTus(status: number, body: string, request: FastifyRequest): GatewayError {
  if (status === 412 || /^Invalid .*tus-resumable/i.test(body)) return new errors.TusVersion();
  if (/content-type/i.test(body)) return new errors.UnsupportedMediaType(request.headers['content-type'] ?? '(none)', 'application/offset+octet-stream with a PATCH');
  if (/^Upload-Offset header required/.test(body)) return new errors.TusInvalid('PATCH needs Upload-Offset: the offset to write at (HEAD tells it)');
  if (/^Invalid /.test(body)) return new errors.TusInvalid(`these headers are not valid tus 1.0: ${body.slice(8).trim()}`);
  if (/^Upload-Length or Upload-Defer-Length/.test(body)) return new errors.TusInvalid('POST needs Upload-Length: the size of the upload in bytes (Upload-Defer-Length is not supported)');
  if (/^Upload-Metadata is invalid/.test(body)) return new errors.TusInvalid(body);
  switch (status) {
    case 404:
      return new errors.UploadNotFound(request.url.split('?')[0].split('/').pop() ?? '');
    case 409:
      return new errors.OffsetConflict(`${request.headers['upload-offset']} sent`);
    case 410:
      return new errors.UploadExpired();
    case 413:
      return /^Maximum size/.test(body) ? new errors.PayloadTooLarge(limits.tenant(request.ctx.tenant.limits.maxObjectSize)) : new errors.PayloadTooLarge('the Upload-Length of the upload');
    case 501:
      return new errors.TusUnsupported(body.trim());
  }
  if (/^Request aborted/.test(body)) return new errors.ClientClosed();
  return new errors.Internal();
}

/** tus's server on the gateway's store: its locks, limits, URLs and errors are the gateway's. */
function tusServer(tus: TusService, defaultMaxSize: number): Server {
  const options: ServerOptions & { datastore: DataStore } = {
    path: '/v1/uploads',
    datastore: new GatewayStore(tus),
    locker: (req) => (req.method === 'HEAD' ? READ_ONLY : lockerFor(tus)),
    maxSize: () => calls.getStore()?.ctx?.tenant.limits.maxObjectSize ?? defaultMaxSize,
    generateUrl: (_req, { id }) => {
      const { ctx, created } = call();
      if (created?.id !== id) throw new Error('the URL of an upload this request did not create');
      return tus.uploadUrl(ctx, created);
    },
    getFileIdFromRequest: (req) => /^\/v1\/uploads\/([0-9a-f]{32})$/.exec(new URL(req.url).pathname)?.[1],
    // CORS is the app's (S3GATE_CORS_ORIGINS, for every route alike): tus adds none of its own.
    allowedOrigins: () => false,
    onResponseError: (_req, err) => {
      if (!(err instanceof Error)) return undefined;
      const c = call();
      const apiError = isGatewayError(err) ? err : toApiError(err as never, undefined);
      c.error = apiError;
      c.cause = err;
      return { status_code: apiError.statusCode, body: '' };
    },
  };
  return new Server(options);
}

/** An API key, or a presigned tus URL checked by the presign service; then the tenant's admission. */
function authorizer(services: Pick<Services, 'presign' | 'limits'>) {
  return async function authorize(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.method === 'OPTIONS') return;
    if (request.headers.authorization !== undefined) return requireTenant(request, reply);
    const q = request.query as Record<string, string | undefined>;
    if (q.signature === undefined) throw new errors.Unauthorized('Send your API key as Authorization: Bearer <apiKey>, or use a presigned tus URL (POST /v1/presign with method TUS)');
    if (q.method !== 'TUS') throw new errors.PresignInvalid(`it was signed for ${q.method}, not TUS`);
    const upload = (request.params as { id?: string }).id;
    const grant: Grant = { bucket: q.bucket ?? '', key: q.key ?? '', contentType: q.contentType };
    const tenant = await services.presign.verify({ tenant: q.tenant ?? '', method: 'TUS', ...grant, expires: Number(q.expires), upload, nonce: q.nonce }, q.signature);
    if (upload === undefined) {
      // A creation URL made before creation URLs had a nonce could create any number of uploads.
      if (!q.nonce) throw new errors.PresignInvalid('it was made by an earlier release and could create more than one upload; ask for a new one');
      grant.creation = { nonce: q.nonce, expiresAt: new Date(Number(q.expires) * 1000).toISOString() };
    }
    bindTenant(request, reply, tenant);
    request.tusGrant = grant;
    const { headers } = await services.limits.admit(tenant);
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  };
}

/** One tus request: a repeated presigned creation answered here, the rest by tus's server, its errors in the API's shape. */
function handler(tus: TusService, server: Server) {
  return async function handle(request: FastifyRequest, reply: FastifyReply) {
    // Every upload's length is known at creation (no creation-defer-length): it can never change.
    if (request.method === 'PATCH' && request.headers['upload-length'] !== undefined) {
      throw new errors.TusInvalid(`Upload-Length is fixed when the upload is created and cannot change; send PATCH without it (got ${String(request.headers['upload-length']).slice(0, 20)})`);
    }
    // A presigned creation URL creates one upload: asked again (a client retrying a lost answer), it
    // answers that upload, at its offset; the body of the repeat, if any, is not read.
    const creation = request.method === 'POST' ? request.tusGrant?.creation : undefined;
    if (creation) {
      const existing = await tus.createdWith(request.ctx, creation.nonce);
      if (existing) {
        // A repeat that names another target is refused as any creation through this URL would be.
        let meta: Record<string, string | null>;
        try {
          const header = request.headers['upload-metadata'];
          meta = header === undefined ? {} : Metadata.parse(String(header));
        } catch {
          throw new errors.TusInvalid('Upload-Metadata is invalid: comma-separated `name base64(value)` pairs');
        }
        targetOf(meta, request.tusGrant);
        if (!request.raw.complete) reply.header('connection', 'close');
        reply.header('tus-resumable', '1.0.0').header('location', tus.uploadUrl(request.ctx, existing)).header('upload-offset', String(existing.offset));
        if (!existing.done) reply.header('upload-expires', new Date(existing.expiresAt).toUTCString());
        return reply.code(201).send();
      }
    }
    // OPTIONS has no tenant: tus's handler asks the store nothing then.
    const c: Call = { request, ctx: request.ctx as RequestContext, leases: new Map() };
    const res = await calls.run(c, () => server.handleWeb(new NodeRequest({ req: request.raw, res: reply.raw })));
    const cors: string[] = [];
    res.headers.forEach((_value, name) => name.startsWith('access-control-') && cors.push(name));
    for (const name of cors) res.headers.delete(name);
    if (request.method === 'OPTIONS') res.headers.set('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
    if (res.status < 400) {
      if (res.status === 201 || res.status === 204 || request.method === 'HEAD') res.headers.delete('content-type');
      return reply.send(res);
    }
    const err = c.error ?? fromTus(res.status, await res.text(), request);
    res.headers.forEach((value, name) => /^(tus-|upload-)/i.test(name) && reply.header(name, value));
    if (err.code === 'S3GATE_TUS_VERSION') reply.header('tus-version', '1.0.0');
    return startErrorAnswer(request, reply, { code: err.code, status: err.statusCode, message: err.message, headers: err.headers, level: logLevelOf(err), cause: c.cause ?? err })
      .type('application/json; charset=utf-8')
      .send({ statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode] ?? (err.statusCode === 460 ? 'Checksum Mismatch' : 'Error'), message: err.message });
  };
}

/**
 * tus 1.0 (creation, creation-with-upload, termination, expiration, checksum) at /v1/uploads, served
 * by the tus project's server on the gateway's own store: an API key or a presigned tus URL (POST
 * /v1/presign, method TUS) names the tenant; errors are the API's, in its JSON shape.
 */
export const tusRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const tus = services.tus;
  const server = tusServer(tus, app.config.limits.maxObjectSize);
  const handle = handler(tus, server);
  app.removeAllContentTypeParsers();
  // The body is the upload's bytes, read by tus's handlers from the request stream.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.addHook('onRequest', authorizer(services));

  const tags = ['resumable uploads'];
  const tusHeaders = { 'tus-resumable': { type: 'string', enum: ['1.0.0'] } };
  const described = (description: string, headers: Record<string, unknown> = {}) => Type.Unsafe<unknown>({ description, headers: { ...tusHeaders, ...headers } });
  const security: Record<string, string[]>[] = [{ apiKey: [] }, {}];
  const params = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'The upload id: the last segment of its URL' }) });
  const route = (method: 'POST' | 'OPTIONS' | 'HEAD' | 'PATCH' | 'DELETE', url: string, schema: Record<string, unknown>) =>
    app.route({ method, url, schema: { tags, security, ...(url.includes(':id') && { params }), ...schema }, handler: handle });

  route('OPTIONS', '/uploads', {
    operationId: 'tusOptions',
    summary: "tus discovery: the protocol version, extensions, checksum algorithms and this tenant's largest upload (no credentials needed)",
    response: responses({
      204: described('What the server supports', {
        'tus-version': { type: 'string', enum: ['1.0.0'] },
        'tus-extension': { type: 'string', enum: ['creation,creation-with-upload,termination,expiration,checksum'] },
        'tus-checksum-algorithm': { type: 'string', enum: [CHECKSUM_ALGORITHMS.join(',')] },
        'tus-max-size': { type: 'integer', description: 'limits.maxObjectSize of S3GATE_MAX_OBJECT_SIZE' },
      }),
    }),
  });
  route('POST', '/uploads', {
    operationId: 'tusCreate',
    summary: 'tus creation (and creation-with-upload): start a resumable upload of Upload-Length bytes',
    description: [
      'Send `Tus-Resumable: 1.0.0`, `Upload-Length` and `Upload-Metadata` (comma-separated `name base64(value)` pairs):',
      '`bucket`, `key` (or `filename` under an optional `prefix`), `contentType` (or `filetype`, or `type`, as Uppy sends),',
      '`ifNoneMatch` (`*`: store only if the key is absent; checked at creation and at completion) and `meta-NAME` for each user metadata entry.',
      'With an API key (Authorization: Bearer) or a presigned URL (POST /v1/presign with method TUS: it fixes bucket and key).',
      'A body with `Content-Type: application/offset+octet-stream` is the first bytes (creation-with-upload).',
      "The upload is one S3 multipart upload in the tenant's bucket, through its pool, upload slots and limits; it expires (and is aborted) after S3GATE_MULTIPART_MAX_AGE_HOURS.",
    ].join(' '),
    response: responses({
      201: described('Created: Location is the upload URL (signed for this upload alone when created through a presigned URL)', {
        location: { type: 'string' },
        'upload-offset': { type: 'integer', description: 'With a body: the bytes stored' },
        'upload-expires': { type: 'string', description: 'RFC 9110 date after which the unfinished upload is removed' },
      }),
    }),
  });
  route('OPTIONS', '/uploads/:id', { operationId: 'tusUploadOptions', summary: 'tus discovery at an upload URL', response: responses({ 204: described('As OPTIONS /v1/uploads') }) });
  route('HEAD', '/uploads/:id', {
    operationId: 'tusOffset',
    summary: "The upload's offset: where to resume. Any gateway process answers it from the state store; it never waits for a writer",
    response: responses({
      200: described('The upload', {
        'upload-offset': { type: 'integer' },
        'upload-length': { type: 'integer' },
        'upload-metadata': { type: 'string' },
        'cache-control': { type: 'string', enum: ['no-store'] },
      }),
    }),
  });
  route('PATCH', '/uploads/:id', {
    operationId: 'tusAppend',
    summary: 'Append bytes at Upload-Offset (Content-Type: application/offset+octet-stream); the last byte completes the object',
    description: [
      'Only one request writes an upload at a time, across processes: another gets 423 S3GATE_UPLOAD_LOCKED (a writer whose process died frees it after S3GATE_TUS_LOCK_TTL_MS).',
      'A wrong offset gets 409, bytes past Upload-Length 413, an Upload-Length header 400 (the length is fixed at creation), an expired upload 410.',
      '`Upload-Checksum: sha1|sha256|md5 <base64>` stores nothing unless the whole body matches (460 S3GATE_CHECKSUM_MISMATCH).',
      'Without one, every stored part counts when the connection drops, and so do bytes held past the last part.',
      'Completion records s3:ObjectCreated:CompleteMultipartUpload once.',
    ].join(' '),
    response: responses({ 204: described('Stored', { 'upload-offset': { type: 'integer' }, 'upload-expires': { type: 'string', description: 'While unfinished' } }) }),
  });
  route('DELETE', '/uploads/:id', {
    operationId: 'tusTerminate',
    summary: 'tus termination: abort the multipart upload in S3 and forget the upload; its URL answers 404 afterwards',
    response: responses({ 204: described('Terminated') }),
  });
};
