import type { FastifyRequest } from 'fastify';
import type { ForwardResult } from '../../model/object-store.js';
import type { ForwardedEvent } from '../../services/forward.js';
import { S3Error } from '../errors.js';
import { bareEtag, bodyOf, one, type S3Call } from '../request.js';

/**
 * What the door carries to a tenant's S3 backend as it is rather than model (S3 backends only): the
 * subresources below, any request naming a versionId, the version listings, and writes with headers
 * the gateway does not model (ACLs, encryption, object lock, tags, storage class). `notification` and
 * `cors` stay the gateway's: one wires the bucket's native events, the other answers browsers at the door.
 */
export const FORWARDED_SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'logging',
  'metrics',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'tagging',
  'versioning',
  'website',
]);

/** Authentication's query parameters (SigV4 and SigV2): the backend gets a signature of its own. */
const AUTH_QUERY = /^(X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token|Content-Sha256)|AWSAccessKeyId|Signature|Expires)$/;

/** Request headers that are this hop's (connection, signature, body framing), not the operation's. */
const HOP_REQUEST = new Set([
  'host',
  'authorization',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'expect',
  'content-length',
  'accept-encoding',
  'date',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-security-token',
  'x-amz-decoded-content-length',
  'x-amz-trailer',
  'x-amz-sdk-checksum-algorithm',
]);

/** Answer headers that are the backend's hop or identity (the door gives its own), or that would act on the door's origin. */
const HOP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'server', 'x-amz-request-id', 'x-amz-id-2', 'set-cookie', 'strict-transport-security', 'alt-svc']);

/** The S3 name of a forwarded subresource operation, for metrics and logs (GetObjectTagging, PutBucketAcl). */
export function forwardedName(method: string, key: string | undefined, sub: string | undefined, native: string): string {
  if (!sub) return native;
  const verb = method === 'DELETE' ? 'Delete' : method === 'PUT' ? 'Put' : method === 'POST' ? 'Post' : 'Get';
  const pascal = sub.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
  return `${verb}${key ? 'Object' : 'Bucket'}${pascal}`;
}

const header = (res: ForwardResult, name: string) => one(res.headers[name]);

/** The event a forwarded request's success means, in S3's names; a versioned bucket's carries the version. */
function eventOf(request: FastifyRequest, key: string, sub: string | undefined, contentLength: number | undefined): ForwardedEvent | undefined {
  if (!key) return undefined;
  const method = request.method;
  const version = (res: ForwardResult) => header(res, 'x-amz-version-id') ?? one(request.s3.query.versionId);
  const withVersion = (res: ForwardResult) => (version(res) ? { versionId: version(res) } : {});
  if (sub === 'tagging' && (method === 'PUT' || method === 'DELETE')) return (res) => ({ type: method === 'PUT' ? 's3:ObjectTagging:Put' : 's3:ObjectTagging:Delete', ...withVersion(res) });
  if (sub === 'acl' && method === 'PUT') return (res) => ({ type: 's3:ObjectAcl:Put', ...withVersion(res) });
  if (sub !== undefined) return undefined;
  if (method === 'DELETE')
    return (res) => ({ type: header(res, 'x-amz-delete-marker') === 'true' && !request.s3.query.versionId ? 's3:ObjectRemoved:DeleteMarkerCreated' : 's3:ObjectRemoved:Delete', ...withVersion(res) });
  if (method === 'PUT') {
    const type = request.headers['x-amz-copy-source'] !== undefined ? 's3:ObjectCreated:Copy' : 's3:ObjectCreated:Put';
    return (res) => ({ type, etag: bareEtag(header(res, 'etag')), ...(type === 's3:ObjectCreated:Put' && contentLength !== undefined && { size: contentLength }), ...withVersion(res) });
  }
  return undefined;
}

/**
 * A backend's refusal as the door's own error document: its Code and Message (or one saying whose it
 * is), with the door's RequestId and Resource like every other error, and its x-amz-* headers.
 */
async function backendError(res: ForwardResult, method: string): Promise<S3Error> {
  let text = '';
  if (method !== 'HEAD') {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      if (text.length < 64 * 1024) text += chunk.toString('utf8');
    }
  } else res.body.resume();
  const entities: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]?.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => entities[e]);
  const code = field('Code') || (res.status === 404 ? 'NotFound' : res.status === 403 ? 'AccessDenied' : 'InvalidRequest');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (name.startsWith('x-amz-') && !HOP_RESPONSE.has(name) && typeof value === 'string') headers[name] = value;
  return new S3Error(code, field('Message') || `The tenant's S3 backend refused the request (${code})`, res.status, {}, headers);
}

/** Carries the request to the tenant's S3 backend and streams its answer back, status and headers as they are. */
export async function forward({ services, request, reply, ctx, bucket, key }: S3Call, sub: string | undefined) {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.s3.query)) {
    const v = one(value);
    if (v !== undefined && !AUTH_QUERY.test(name)) query[name] = v;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_REQUEST.has(name) || name.startsWith('x-amz-checksum-')) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const encoding = headers['content-encoding']
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s && s.toLowerCase() !== 'aws-chunked')
    .join(', ');
  if (encoding) headers['content-encoding'] = encoding;
  else delete headers['content-encoding'];
  let body: ReturnType<typeof bodyOf> | undefined;
  if (request.method === 'PUT' || request.method === 'POST') {
    body = bodyOf(request, reply);
    if (body.contentLength === undefined) throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
    headers['content-length'] = String(body.contentLength);
  }
  const res = await services.forward.forward(
    ctx,
    { operation: request.s3.operation, method: request.method, bucket, key, query, headers, body: body?.body, contentLength: body?.contentLength },
    eventOf(request, key, sub, body?.contentLength),
  );
  if (res.status >= 400) throw await backendError(res, request.method);
  reply.code(res.status);
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !HOP_RESPONSE.has(name)) reply.header(name, value);
  if (request.method === 'HEAD' || res.status === 204 || res.status === 304) {
    res.body.resume();
    return reply.send();
  }
  return reply.send(res.body);
}
