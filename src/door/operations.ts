import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Query } from './protocol/sigv4.js';
import { S3Error, s3 } from './errors.js';
import { createBucket, deleteBucket, getBucketLocation, getBucketVersioning, headBucket, listBuckets } from './handlers/buckets.js';
import { listV1, listV2, listVersions } from './handlers/listing.js';
import { abortUpload, completeUpload, createUpload, listParts, listUploads, uploadPart } from './handlers/multipart.js';
import { copyObject, deleteObject, deleteObjects, putObject, readObject } from './handlers/objects.js';
import { FORWARDED_SUBRESOURCES, forward, forwardedName } from './handlers/forward.js';
import { postObject } from './handlers/post-object.js';
import { deleteBucketCors, getBucketCors, putBucketCors } from './handlers/cors.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './handlers/tagging.js';
import { header, q, unmodelledHeader, type DoorServices, type Handler, type S3Call } from './request.js';

/**
 * Subresources S3 has that the door's own operations do not serve: the backend's on S3 backends
 * (FORWARDED_SUBRESOURCES), 501 NotImplemented otherwise, never a listing or a write. Those listed here
 * are never forwarded: `notification` wires the gateway's own native events.
 */
const UNSUPPORTED = new Set([...FORWARDED_SUBRESOURCES, 'metadataConfiguration', 'notification', 'renameObject', 'select', 'session', 'torrent']);

/**
 * One S3 operation: the method and target it answers (the service, a bucket, an object), the query
 * parameters that name it (any one of them), whether it carries x-amz-copy-source, and its handler.
 * The first entry that matches a request is its operation, as S3 dispatches: a new operation is one
 * entry here and one handler. Subresources of UNSUPPORTED are refused before the table is read.
 */
interface Operation {
  name: string;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  on: 'service' | 'bucket' | 'object';
  query?: readonly string[];
  copySource?: boolean;
  handler: Handler;
}

// prettier-ignore
const OPERATIONS = [
  { name: 'ListBuckets', method: 'GET', on: 'service', handler: listBuckets },
  { name: 'GetBucketLocation', method: 'GET', on: 'bucket', query: ['location'], handler: getBucketLocation },
  { name: 'GetBucketCors', method: 'GET', on: 'bucket', query: ['cors'], handler: getBucketCors },
  { name: 'PutBucketCors', method: 'PUT', on: 'bucket', query: ['cors'], handler: putBucketCors },
  { name: 'DeleteBucketCors', method: 'DELETE', on: 'bucket', query: ['cors'], handler: deleteBucketCors },
  { name: 'ListMultipartUploads', method: 'GET', on: 'bucket', query: ['uploads'], handler: listUploads },
  { name: 'GetBucketVersioning', method: 'GET', on: 'bucket', query: ['versioning'], handler: getBucketVersioning },
  { name: 'ListObjectVersions', method: 'GET', on: 'bucket', query: ['versions'], handler: listVersions },
  { name: 'ListObjectsV2', method: 'GET', on: 'bucket', query: ['list-type'], handler: listV2 },
  { name: 'ListObjects', method: 'GET', on: 'bucket', handler: listV1 },
  { name: 'HeadBucket', method: 'HEAD', on: 'bucket', handler: headBucket },
  { name: 'CreateBucket', method: 'PUT', on: 'bucket', handler: createBucket },
  { name: 'DeleteBucket', method: 'DELETE', on: 'bucket', handler: deleteBucket },
  { name: 'DeleteObjects', method: 'POST', on: 'bucket', query: ['delete'], handler: deleteObjects },
  { name: 'PostObject', method: 'POST', on: 'bucket', handler: (call) => postForm(call) },
  { name: 'ListParts', method: 'GET', on: 'object', query: ['uploadId'], handler: listParts },
  { name: 'GetObjectTagging', method: 'GET', on: 'object', query: ['tagging'], handler: getObjectTagging },
  { name: 'PutObjectTagging', method: 'PUT', on: 'object', query: ['tagging'], handler: putObjectTagging },
  { name: 'DeleteObjectTagging', method: 'DELETE', on: 'object', query: ['tagging'], handler: deleteObjectTagging },
  { name: 'GetObject', method: 'GET', on: 'object', handler: readObject },
  { name: 'HeadObject', method: 'HEAD', on: 'object', handler: readObject },
  { name: 'UploadPartCopy', method: 'PUT', on: 'object', query: ['uploadId', 'partNumber'], copySource: true, handler: uploadPart },
  { name: 'UploadPart', method: 'PUT', on: 'object', query: ['uploadId', 'partNumber'], copySource: false, handler: uploadPart },
  { name: 'CopyObject', method: 'PUT', on: 'object', copySource: true, handler: copyObject },
  { name: 'PutObject', method: 'PUT', on: 'object', handler: putObject },
  { name: 'AbortMultipartUpload', method: 'DELETE', on: 'object', query: ['uploadId'], handler: abortUpload },
  { name: 'DeleteObject', method: 'DELETE', on: 'object', handler: deleteObject },
  { name: 'CreateMultipartUpload', method: 'POST', on: 'object', query: ['uploads'], handler: createUpload },
  { name: 'CompleteMultipartUpload', method: 'POST', on: 'object', query: ['uploadId'], handler: completeUpload },
] as const satisfies readonly Operation[];

/** POST Object: a form upload, authenticated by its handler from the form (index.ts left it unauthenticated). */
function postForm(call: S3Call): Promise<unknown> {
  const auth = call.request.s3.post;
  if (!auth) throw s3.invalidRequest('A POST to a bucket is a form upload: send it as multipart/form-data with a signed policy, and no Authorization header');
  return postObject(call, auth);
}

/** Names of the operations the door serves, and what the rest is called in metrics and logs (a forwarded one by its S3 name). */
export type OperationName = (typeof OPERATIONS)[number]['name'] | 'NotImplemented' | 'MethodNotAllowed' | (string & {});

const HANDLERS = new Map<string, Handler>(OPERATIONS.map((op) => [op.name, op.handler]));

/** Which S3 operation a request is, from its method, address, query and x-amz-copy-source (S3's own dispatch). */
export function operationOf(method: string, bucket: string | undefined, key: string | undefined, query: Query, copySource: boolean): OperationName {
  const on = bucket === undefined ? 'service' : key === undefined ? 'bucket' : 'object';
  const matches = (o: Operation) => o.method === method && o.on === on && (o.copySource === undefined || o.copySource === copySource);
  // A subresource the door serves itself (GetBucketVersioning, object tagging) names its operation; any
  // other subresource S3 has is not the door's own.
  const named = OPERATIONS.find((o: Operation) => matches(o) && o.query?.some((name) => query[name] !== undefined && UNSUPPORTED.has(name)));
  if (named) return named.name;
  if (Object.keys(query).some((name) => UNSUPPORTED.has(name))) return 'NotImplemented';
  const op = OPERATIONS.find((o: Operation) => matches(o) && (o.query === undefined || o.query.some((name) => query[name] !== undefined)));
  if (op) return op.name;
  // A POST S3 has under another name (SelectObjectContent, RestoreObject) is not served; another method is not S3's.
  return method === 'POST' && on !== 'service' ? 'NotImplemented' : 'MethodNotAllowed';
}

/** Operations a tenant on an S3 backend gets from the backend itself: the real versions of a bucket (and their tagging: see forwarded). */
const FORWARDED_OPERATIONS = new Set(['ListObjectVersions', 'GetBucketVersioning']);

/** Whether a request is for the backend as it is (see handlers/forward.ts), and the subresource it names. */
function forwarded(request: FastifyRequest, operation: string): { sub?: string } | undefined {
  const subs = Object.keys(request.s3.query).filter((name) => UNSUPPORTED.has(name));
  const sub = subs.find((s) => FORWARDED_SUBRESOURCES.has(s));
  if (operation === 'NotImplemented') return subs.length > 0 && subs.every((s) => FORWARDED_SUBRESOURCES.has(s)) && request.s3.bucket !== undefined ? { sub } : undefined;
  if (operation === 'MethodNotAllowed') return undefined;
  if (FORWARDED_OPERATIONS.has(operation) || q(request, 'versionId') !== undefined || /[?&]versionId=(?!null$)/.test(header(request, 'x-amz-copy-source') ?? '')) return { sub };
  // On any method: SSE-C reads need their key headers, and the backend refuses what a read may not declare.
  return unmodelledHeader(request, operation) !== undefined ? { sub } : undefined;
}

/** One S3 request, after its signature and tenant are known: the operation the door named, then its handler. */
export async function dispatch(services: DoorServices, region: string, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { bucket, key, operation } = request.s3;
  const method = request.method;
  const call: S3Call = { services, region, request, reply, ctx: request.ctx, bucket: bucket ?? '', key: key ?? '' };
  // A form POST has no tenant yet: its handler finds it in the form.
  const carried = !request.s3.post && request.ctx.tenant.driver === 's3' ? forwarded(request, operation) : undefined;
  if (carried) {
    request.s3.operation = forwardedName(method, key, carried.sub, operation);
    return forward(call, carried.sub);
  }
  if (operation === 'MethodNotAllowed') throw new S3Error('MethodNotAllowed', `The specified method ${method} is not allowed against this resource.`, 405);
  if (operation === 'NotImplemented') {
    const sub = Object.keys(request.s3.query).find((name) => UNSUPPORTED.has(name));
    // What an S3 backend would be given: say so, so the client knows it is this tenant's driver, not the door.
    if (sub && FORWARDED_SUBRESOURCES.has(sub)) throw s3.notImplemented(`The ?${sub} subresource on the disk driver (tenants on an S3 backend have it)`);
    throw s3.notImplemented(sub ? `The ?${sub} subresource` : `${method} with these parameters`);
  }
  const version = q(request, 'versionId');
  if (version !== undefined && version !== 'null') throw s3.notImplemented('Object versions (versionId) on the disk driver, which keeps one version of each object,');
  const unmodelled = method === 'PUT' || method === 'POST' ? unmodelledHeader(request, operation) : undefined;
  if (unmodelled) throw s3.notImplemented(unmodelled);
  return HANDLERS.get(operation)!(call);
}
