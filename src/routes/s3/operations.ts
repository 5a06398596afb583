import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { errors } from '../../errors.js';
import { isHeaderValue } from '../../lib/media-type.js';
import { conditionsOf, sendObject, type ObjectFace } from '../objects.js';
import { CONTENT_HEADERS, type ContentHeaders } from '../../s3/object-store.js';
import { parseRange } from '../../s3/ranges.js';
import { MAX_LIST_LIMIT } from '../../services/buckets.js';
import type { RequestContext } from '../../services/context.js';
import { checkedBody } from '../../s3/protocol/payload.js';
import { S3Error, s3 } from './errors.js';
import { parseXmlStream, xmlDocument, type XmlShape, type XmlTree } from './xml.js';
import type { Query } from '../../s3/protocol/sigv4.js';

/** Subresources S3 has that the door does not serve: 501 NotImplemented, never a listing or a write. */
const UNSUPPORTED = new Set([
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold', 'lifecycle', 'logging',
  'metadataConfiguration', 'metrics', 'notification', 'object-lock', 'ownershipControls', 'policy', 'policyStatus', 'publicAccessBlock', 'replication',
  'requestPayment', 'restore', 'retention', 'select', 'session', 'tagging', 'torrent', 'versioning', 'website', 'renameObject',
]);
/**
 * The XML documents the door takes, and their bounds: the largest valid one fits (1000 objects of
 * 1024-byte keys; 10,000 parts with every checksum element), and so does escaping; the element budget
 * is the most a valid document has, so a body of a million empty elements is refused at once.
 */
const XML_SHAPES = {
  createBucket: { root: 'CreateBucketConfiguration', maxBytes: 64 * 1024, maxElements: 64, repeated: {} },
  delete: { root: 'Delete', maxBytes: 4 * 1024 * 1024, maxElements: 1000 * 8 + 16, repeated: { Object: 1000 } },
  complete: { root: 'CompleteMultipartUpload', maxBytes: 4 * 1024 * 1024, maxElements: 10_000 * 10 + 16, repeated: { Part: 10_000 } },
} satisfies Record<string, XmlShape>;
const META = 'x-amz-meta-';
/** The response-* query overrides of GetObject/HeadObject and the header each sets. */
const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * Request headers that ask S3 for something the door does not do: accepting them would store an
 * object without the encryption, lock, tags, ACL or storage class the client asked for.
 */
function refuseUnsupported(request: FastifyRequest): void {
  const h = request.headers;
  const refuse = (what: string) => {
    throw s3.notImplemented(what);
  };
  if (Object.keys(h).some((n) => n.startsWith('x-amz-server-side-encryption'))) refuse('Server-side encryption headers (x-amz-server-side-encryption*)');
  if (Object.keys(h).some((n) => n.startsWith('x-amz-object-lock') || n === 'x-amz-bucket-object-lock-enabled')) refuse('Object Lock (x-amz-object-lock-*)');
  if (Object.keys(h).some((n) => n.startsWith('x-amz-grant-'))) refuse('ACL grants (x-amz-grant-*)');
  if (h['x-amz-tagging'] !== undefined || h['x-amz-tagging-directive'] === 'REPLACE') refuse('Object tagging (x-amz-tagging)');
  if (h['x-amz-website-redirect-location'] !== undefined) refuse('x-amz-website-redirect-location');
  const acl = header(request, 'x-amz-acl');
  if (acl !== undefined && acl !== 'private' && acl !== 'bucket-owner-full-control') refuse(`The canned ACL '${acl.slice(0, 40)}' (only private)`);
  const storageClass = header(request, 'x-amz-storage-class');
  if (storageClass !== undefined && storageClass !== 'STANDARD') refuse(`The storage class '${storageClass.slice(0, 40)}' (only STANDARD)`);
}

const one = (v: string | string[] | null | undefined): string | undefined => (Array.isArray(v) ? v[0] : (v ?? undefined));

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function has(request: FastifyRequest, name: string): boolean {
  return request.s3.query[name] !== undefined;
}

function q(request: FastifyRequest, name: string): string | undefined {
  return one(request.s3.query[name]);
}

function sendXml(reply: FastifyReply, root: string, content: XmlTree, status = 200) {
  return reply.code(status).type('application/xml').send(xmlDocument(root, content));
}

/** A whole number query parameter within bounds, or InvalidArgument naming it. */
function intParam(request: FastifyRequest, name: string, def: number, min: number, max: number): number {
  const raw = q(request, name);
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw s3.invalidArgument(`${name} must be a whole number from ${min} to ${max}`, name, raw.slice(0, 64));
  }
  return Math.min(n, max);
}

function metadataOf(request: FastifyRequest): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith(META) && name.length > META.length) meta[name.slice(META.length)] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return meta;
}

/**
 * x-amz-copy-source: `bucket/key` or `/bucket/key`, percent-encoded, optionally `?versionId=`. Encoding
 * that is not valid (a lone `%`) is refused here: radosgw 16.2 aborts on it, taking every tenant of the
 * backend down with it.
 */
export function parseCopySource(value: string): { bucket: string; key: string } {
  let raw = value.startsWith('/') ? value.slice(1) : value;
  const q = raw.indexOf('?');
  if (q >= 0) {
    if (!/^versionId=(null)?$/.test(raw.slice(q + 1))) throw s3.notImplemented('Copying a version other than the current one (versionId)');
    raw = raw.slice(0, q);
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) throw s3.invalidArgument('Invalid copy source encoding: x-amz-copy-source must be percent-encoded (a % not followed by two hex digits is not)', 'x-amz-copy-source', value.slice(0, 256));
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw s3.invalidArgument('Invalid copy source encoding: x-amz-copy-source is not valid percent-encoded UTF-8', 'x-amz-copy-source', value.slice(0, 256));
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw s3.invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', value.slice(0, 256));
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** The XML document of a request, verified like any body and parsed as it streams within its shape's bounds. */
async function readXml(request: FastifyRequest, reply: FastifyReply, shape: XmlShape): Promise<Record<string, unknown> | undefined> {
  return parseXmlStream(bodyOf(request, reply).body as AsyncIterable<Buffer>, shape);
}

const etagOf = (etag: string) => `"${etag}"`;
/** `"abc"` or `abc` as the service's bare ETag. */
const bareEtag = (etag: unknown) => String(etag ?? '').trim().replace(/^"|"$/g, '');

/** The door's object headers: S3's names, and the response-* overrides the request asked for. */
function face(request: FastifyRequest): ObjectFace {
  const overrides: Record<string, string> = {};
  for (const [param, name] of Object.entries(OVERRIDES)) {
    const v = q(request, param);
    if (v === undefined) continue;
    if (!isHeaderValue(v)) throw s3.invalidArgument(`${param} must be a valid HTTP header value: no control characters (CR, LF, NUL) and no character above U+00FF`, param);
    overrides[name] = v;
  }
  return { metaPrefix: META, downloadActive: false, overrides };
}

/** Names of the operations the door serves, and what the rest is called in metrics and logs. */
export type OperationName =
  | 'ListBuckets' | 'CreateBucket' | 'HeadBucket' | 'DeleteBucket' | 'GetBucketLocation' | 'GetBucketVersioning'
  | 'ListObjects' | 'ListObjectsV2' | 'ListObjectVersions' | 'GetObject' | 'HeadObject' | 'PutObject' | 'DeleteObject' | 'DeleteObjects' | 'CopyObject'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'ListParts' | 'ListMultipartUploads'
  | 'NotImplemented' | 'MethodNotAllowed';

/** Which S3 operation a request is, from its method, address, query and x-amz-copy-source (S3's own dispatch). */
export function operationOf(method: string, bucket: string | undefined, key: string | undefined, query: Query, copySource: boolean): OperationName {
  const has = (name: string) => query[name] !== undefined;
  if (Object.keys(query).some((name) => UNSUPPORTED.has(name) && !(name === 'versioning' && method === 'GET' && key === undefined))) return 'NotImplemented';
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : 'MethodNotAllowed';
  if (key === undefined) {
    switch (method) {
      case 'GET':
        if (has('location')) return 'GetBucketLocation';
        if (has('uploads')) return 'ListMultipartUploads';
        if (has('versioning')) return 'GetBucketVersioning';
        if (has('versions')) return 'ListObjectVersions';
        return has('list-type') ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'PUT':
        return 'CreateBucket';
      case 'DELETE':
        return 'DeleteBucket';
      case 'POST':
        return has('delete') ? 'DeleteObjects' : 'NotImplemented';
    }
    return 'MethodNotAllowed';
  }
  switch (method) {
    case 'GET':
      return has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'PUT':
      if (has('uploadId') || has('partNumber')) return copySource ? 'UploadPartCopy' : 'UploadPart';
      return copySource ? 'CopyObject' : 'PutObject';
    case 'DELETE':
      return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      return has('uploadId') ? 'CompleteMultipartUpload' : 'NotImplemented';
  }
  return 'MethodNotAllowed';
}

/** One S3 request, after its signature and tenant are known: the operation the door named, then the service call. */
export async function operations(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { bucket: b, key: k, operation } = request.s3;
  const ctx = request.ctx;
  const method = request.method;
  if (operation === 'MethodNotAllowed') throw new S3Error('MethodNotAllowed', `The specified method ${method} is not allowed against this resource.`, 405);
  if (operation === 'NotImplemented') {
    const sub = Object.keys(request.s3.query).find((name) => UNSUPPORTED.has(name));
    throw s3.notImplemented(sub ? `The ?${sub} subresource` : `${method} with these parameters`);
  }
  const version = q(request, 'versionId');
  if (version !== undefined && version !== 'null') throw s3.notImplemented('Object versions (versionId)');
  if (method === 'PUT' || method === 'POST') refuseUnsupported(request);
  const bucket = b!;
  const key = k!;
  switch (operation) {
    case 'ListBuckets':
      return listBuckets(app, ctx, reply);
    case 'GetBucketLocation': {
      if (!(await app.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
      const region = app.config.s3Door.region;
      return reply.type('application/xml').send(xmlDocument('LocationConstraint', region === 'us-east-1' ? '' : region));
    }
    case 'GetBucketVersioning':
      // Never enabled: the gateway keeps one version of each object, and says so as S3 does for such a bucket.
      if (!(await app.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
      return sendXml(reply, 'VersioningConfiguration', {});
    case 'ListMultipartUploads':
      return listUploads(app, request, reply, bucket);
    case 'ListObjectsV2':
      return listV2(app, request, reply, bucket);
    case 'ListObjects':
      return listV1(app, request, reply, bucket);
    case 'ListObjectVersions':
      return listVersions(app, request, reply, bucket);
    case 'HeadBucket':
      if (!(await app.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
      return reply.header('x-amz-bucket-region', app.config.s3Door.region).code(200).send();
    case 'CreateBucket':
      return createBucket(app, request, reply, bucket);
    case 'DeleteBucket':
      await app.buckets.delete(ctx, bucket, false);
      return reply.code(204).send();
    case 'DeleteObjects':
      return deleteObjects(app, request, reply, bucket);
    case 'ListParts':
      return listParts(app, request, reply, bucket, key);
    case 'GetObject':
    case 'HeadObject': {
      const partNumber = has(request, 'partNumber') ? partNumberOf(request) : undefined;
      const range = header(request, 'range');
      if (partNumber !== undefined && range !== undefined) throw s3.invalidRequest('Cannot specify both Range header and partNumber query parameter');
      const conditions = conditionsOf(request);
      // Checked before the object is opened: a refusal after would leave its body (a file, a pool
      // socket) open.
      const headers = face(request);
      const res =
        operation === 'GetObject'
          ? await app.objects.get(ctx, bucket, key, { range: parseRange(range), partNumber, conditions })
          : await app.objects.head(ctx, bucket, key, conditions, partNumber);
      return sendObject(reply, res, headers);
    }
    case 'UploadPart':
    case 'UploadPartCopy':
      return uploadPart(app, request, reply, bucket, key);
    case 'CopyObject':
      return copyObject(app, request, reply, bucket, key, header(request, 'x-amz-copy-source')!);
    case 'PutObject':
      return putObject(app, request, reply, bucket, key);
    case 'AbortMultipartUpload':
      await app.multipart.abort(ctx, bucket, key, q(request, 'uploadId')!);
      return reply.code(204).send();
    case 'DeleteObject':
      await app.objects.delete(ctx, bucket, key);
      return reply.code(204).send();
    case 'CreateMultipartUpload':
      return createUpload(app, request, reply, bucket, key);
    case 'CompleteMultipartUpload':
      return completeUpload(app, request, reply, bucket, key);
  }
}

async function listBuckets(app: FastifyInstance, ctx: RequestContext, reply: FastifyReply) {
  const buckets = await app.buckets.list(ctx);
  return sendXml(reply, 'ListAllMyBucketsResult', {
    Owner: { ID: ctx.tenant.id, DisplayName: ctx.tenant.id },
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: b.createdAt ?? new Date(0) })) },
  });
}

async function createBucket(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string) {
  const conf = await readXml(request, reply, XML_SHAPES.createBucket);
  if (conf) {
    const location = typeof conf.LocationConstraint === 'string' ? conf.LocationConstraint : '';
    const region = app.config.s3Door.region;
    if (location && location !== region && !(region === 'us-east-1' && location === 'US')) {
      throw new S3Error('IllegalLocationConstraintException', `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to (${region}).`, 400);
    }
  }
  const outcome = await app.buckets.create(request.ctx, bucket);
  if (outcome === 'exists') throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: bucket });
  return reply.header('location', `/${bucket}`).code(200).send();
}

/** Keys and prefixes as the client asked: percent-encoded with encoding-type=url. */
function encoder(request: FastifyRequest): (s: string) => string {
  const type = q(request, 'encoding-type');
  if (type !== undefined && type !== 'url') throw s3.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', type.slice(0, 64));
  return type === 'url' ? (s) => encodeURIComponent(s).replace(/%2F/g, '/') : (s) => s;
}

function listOptions(request: FastifyRequest) {
  const delimiter = q(request, 'delimiter') || undefined;
  return { prefix: q(request, 'prefix') || undefined, delimiter, limit: intParam(request, 'max-keys', MAX_LIST_LIMIT, 0, MAX_LIST_LIMIT) };
}

/**
 * A marker or start-after that names a common prefix the client was given (`photos/`) means "after
 * everything under it", as S3 reads it: listing after the prefix itself would return it again.
 */
function after(marker: string | undefined, delimiter: string | undefined): string | undefined {
  if (!marker) return undefined;
  return delimiter && marker.endsWith(delimiter) ? marker + '\u{10FFFF}' : marker;
}

async function listV2(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string) {
  if (q(request, 'list-type') !== '2') throw s3.invalidArgument('list-type must be 2', 'list-type');
  const enc = encoder(request);
  const opts = listOptions(request);
  const token = q(request, 'continuation-token');
  const startAfter = q(request, 'start-after');
  const fetchOwner = q(request, 'fetch-owner') === 'true';
  const page =
    opts.limit === 0
      ? { objects: [], prefixes: [], nextCursor: null }
      : await app.buckets.listObjects(request.ctx, bucket, { ...opts, cursor: token || undefined, startAfter: after(startAfter, opts.delimiter) });
  if (opts.limit === 0 && !(await app.buckets.exists(request.ctx, bucket))) throw new errors.BucketNotFound(bucket);
  const owner = { ID: request.ctx.tenant.id, DisplayName: request.ctx.tenant.id };
  return sendXml(reply, 'ListBucketResult', {
    Name: bucket,
    Prefix: enc(opts.prefix ?? ''),
    ...(startAfter !== undefined && { StartAfter: enc(startAfter) }),
    ...(token !== undefined && { ContinuationToken: token }),
    ...(page.nextCursor && { NextContinuationToken: page.nextCursor }),
    KeyCount: page.objects.length + page.prefixes.length,
    MaxKeys: opts.limit,
    ...(opts.delimiter !== undefined && { Delimiter: enc(opts.delimiter) }),
    ...(q(request, 'encoding-type') && { EncodingType: 'url' }),
    IsTruncated: page.nextCursor !== null,
    Contents: page.objects.map((o) => ({ Key: enc(o.key), LastModified: o.lastModified, ETag: etagOf(o.etag), Size: o.size, ...(fetchOwner && { Owner: owner }), StorageClass: 'STANDARD' })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

/**
 * One page of a marker-style listing (ListObjects V1, ListObjectVersions): the keys after the marker,
 * and where the next page starts, the last key or prefix of this one, whichever sorts last.
 */
async function markerPage(app: FastifyInstance, request: FastifyRequest, bucket: string, marker: string | undefined) {
  const opts = listOptions(request);
  const page =
    opts.limit === 0 ? { objects: [], prefixes: [], nextCursor: null } : await app.buckets.listObjects(request.ctx, bucket, { ...opts, startAfter: after(marker, opts.delimiter) });
  if (opts.limit === 0 && !(await app.buckets.exists(request.ctx, bucket))) throw new errors.BucketNotFound(bucket);
  const lastKey = page.objects.at(-1)?.key;
  const lastPrefix = page.prefixes.at(-1);
  const last = lastKey !== undefined && lastPrefix !== undefined ? (lastKey > lastPrefix ? lastKey : lastPrefix) : (lastKey ?? lastPrefix);
  const truncated = page.nextCursor !== null;
  return { opts, page, truncated, next: truncated ? last : undefined, owner: { ID: request.ctx.tenant.id, DisplayName: request.ctx.tenant.id } };
}

async function listV1(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string) {
  const enc = encoder(request);
  const marker = q(request, 'marker');
  const { opts, page, truncated, next, owner } = await markerPage(app, request, bucket, marker);
  return sendXml(reply, 'ListBucketResult', {
    Name: bucket,
    Prefix: enc(opts.prefix ?? ''),
    Marker: enc(marker ?? ''),
    ...(next !== undefined && { NextMarker: enc(next) }),
    MaxKeys: opts.limit,
    ...(opts.delimiter !== undefined && { Delimiter: enc(opts.delimiter) }),
    ...(q(request, 'encoding-type') && { EncodingType: 'url' }),
    IsTruncated: truncated,
    Contents: page.objects.map((o) => ({ Key: enc(o.key), LastModified: o.lastModified, ETag: etagOf(o.etag), Size: o.size, Owner: owner, StorageClass: 'STANDARD' })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

/**
 * ListObjectVersions of a bucket that never had versioning (the gateway keeps one version of each
 * object): every object is its own latest version, `null`, as S3 lists an unversioned bucket. Clients
 * that empty a bucket by its versions (S3 conformance suites, backup tools) work as against S3.
 */
async function listVersions(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string) {
  const enc = encoder(request);
  const keyMarker = q(request, 'key-marker') || undefined;
  const versionMarker = q(request, 'version-id-marker') || undefined;
  if (versionMarker !== undefined && versionMarker !== 'null') throw s3.invalidArgument('Invalid version id specified', 'version-id-marker', versionMarker.slice(0, 64));
  const { opts, page, truncated, next, owner } = await markerPage(app, request, bucket, keyMarker);
  return sendXml(reply, 'ListVersionsResult', {
    Name: bucket,
    Prefix: enc(opts.prefix ?? ''),
    KeyMarker: enc(keyMarker ?? ''),
    VersionIdMarker: versionMarker ?? '',
    ...(next !== undefined && { NextKeyMarker: enc(next), NextVersionIdMarker: 'null' }),
    MaxKeys: opts.limit,
    ...(opts.delimiter !== undefined && { Delimiter: enc(opts.delimiter) }),
    ...(q(request, 'encoding-type') && { EncodingType: 'url' }),
    IsTruncated: truncated,
    Version: page.objects.map((o) => ({ Key: enc(o.key), VersionId: 'null', IsLatest: true, LastModified: o.lastModified, ETag: etagOf(o.etag), Size: o.size, Owner: owner, StorageClass: 'STANDARD' })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}

/** The object's body as it must be stored, and what to echo back (x-amz-checksum-*). */
function bodyOf(request: FastifyRequest, reply: FastifyReply): { body: Readable; contentLength: number | undefined; checksums: () => Record<string, string> } {
  const checked = checkedBody(request.raw, request.headers, request.s3.auth.payload, request.s3.auth.chain);
  // Expect: 100-continue is answered only now, once the signature, the tenant's admission and the
  // request's headers have passed: a refused upload's body is never sent (door.ts holds Node's own 100).
  if (/100-continue/i.test(header(request, 'expect') ?? '') && !reply.raw.headersSent) reply.raw.writeContinue();
  return checked;
}

function contentTypeOf(request: FastifyRequest): string | undefined {
  return header(request, 'content-type') || undefined;
}

/** The content headers to keep with the object; aws-chunked is how the body travelled, not what it is. */
function contentHeadersOf(request: FastifyRequest): ContentHeaders | undefined {
  let out: ContentHeaders | undefined;
  for (const [field, name] of Object.entries(CONTENT_HEADERS) as [keyof ContentHeaders, string][]) {
    let value = header(request, name);
    if (field === 'contentEncoding' && value !== undefined) value = value.split(',').map((s) => s.trim()).filter((s) => s && s.toLowerCase() !== 'aws-chunked').join(', ');
    if (value) (out ??= {})[field] = value;
  }
  return out;
}

async function putObject(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string, key: string) {
  const { body, contentLength, checksums } = bodyOf(request, reply);
  if (contentLength === undefined) throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  const stored = await app.objects.put(request.ctx, bucket, key, {
    body,
    contentLength,
    contentType: contentTypeOf(request),
    metadata: metadataOf(request),
    headers: contentHeadersOf(request),
    ifNoneMatch: header(request, 'if-none-match'),
    ifMatch: header(request, 'if-match'),
  });
  for (const [name, value] of Object.entries(checksums())) reply.header(name, value);
  return reply.header('etag', etagOf(stored.etag)).code(200).send();
}

async function copyObject(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string, key: string, sourceHeader: string) {
  const source = parseCopySource(sourceHeader);
  const directive = (header(request, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') throw s3.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive.slice(0, 32));
  if (directive === 'COPY' && source.bucket === bucket && source.key === key) {
    throw s3.invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  const replace = directive === 'REPLACE' ? { contentType: contentTypeOf(request) ?? 'binary/octet-stream', metadata: metadataOf(request), headers: contentHeadersOf(request) } : undefined;
  const out = await app.objects.copy(request.ctx, source, { bucket, key }, false, { replace, conditions: conditionsOf(request, 'x-amz-copy-source-') });
  return sendXml(reply, 'CopyObjectResult', { LastModified: out.lastModified ?? new Date(), ETag: etagOf(out.etag) });
}

async function deleteObjects(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string) {
  const doc = await readXml(request, reply, XML_SHAPES.delete);
  if (!doc) throw s3.malformedXml();
  const objects = Array.isArray(doc.Object) ? (doc.Object as Record<string, unknown>[]) : [];
  if (objects.length === 0 || objects.length > 1000) throw s3.malformedXml();
  const keys = objects.map((o) => (typeof o?.Key === 'string' ? o.Key : ''));
  if (keys.some((k) => k === '')) throw s3.malformedXml();
  // Each object has one version, null: another version id names nothing to delete.
  const versioned = objects.filter((o) => o.VersionId !== undefined && String(o.VersionId) !== 'null').map((o) => String(o.Key));
  if (versioned.length > 0) throw s3.notImplemented(`Deleting a version other than null (${versioned[0].slice(0, 100)})`);
  const quiet = String(doc.Quiet ?? '').trim() === 'true';
  const res = await app.objects.deleteMany(request.ctx, bucket, keys);
  // S3 reports every key asked for; a key given twice is one deletion, reported as asked.
  const failed = new Map(res.errors.map((e) => [e.key, e]));
  return sendXml(reply, 'DeleteResult', {
    Deleted: quiet ? undefined : keys.filter((k, i) => !failed.has(k) && keys.indexOf(k) === i).map((Key) => ({ Key })),
    Error: res.errors.map((e) => ({ Key: e.key, Code: e.code.startsWith('S3GATE_') ? 'InternalError' : e.code, Message: e.message })),
  });
}

async function createUpload(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string, key: string) {
  const { uploadId } = await app.multipart.create(request.ctx, bucket, key, { contentType: contentTypeOf(request), metadata: metadataOf(request), headers: contentHeadersOf(request) });
  const algorithm = header(request, 'x-amz-checksum-algorithm');
  if (algorithm) reply.header('x-amz-checksum-algorithm', algorithm);
  return sendXml(reply, 'InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId });
}

function partNumberOf(request: FastifyRequest): number {
  const raw = q(request, 'partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 10_000) throw s3.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw.slice(0, 32));
  return n;
}

async function uploadPart(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string, key: string) {
  const uploadId = q(request, 'uploadId');
  if (!uploadId) throw s3.invalidArgument('UploadPart needs uploadId and partNumber', 'uploadId');
  const partNumber = partNumberOf(request);
  const sourceHeader = header(request, 'x-amz-copy-source');
  if (sourceHeader !== undefined) {
    const source = parseCopySource(sourceHeader);
    const rangeHeader = header(request, 'x-amz-copy-source-range');
    let range: { start: number; end: number } | undefined;
    if (rangeHeader !== undefined) {
      const m = /^bytes=(\d{1,15})-(\d{1,15})$/.exec(rangeHeader);
      if (!m || Number(m[1]) > Number(m[2])) throw s3.invalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', 'x-amz-copy-source-range', rangeHeader.slice(0, 64));
      range = { start: Number(m[1]), end: Number(m[2]) };
    }
    const out = await app.multipart.copyPart(request.ctx, bucket, key, uploadId, partNumber, source, { range, conditions: conditionsOf(request, 'x-amz-copy-source-') });
    return sendXml(reply, 'CopyPartResult', { LastModified: out.lastModified, ETag: etagOf(out.etag) });
  }
  const { body, contentLength, checksums } = bodyOf(request, reply);
  if (contentLength === undefined) throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  const out = await app.multipart.uploadPart(request.ctx, bucket, key, uploadId, partNumber, body, contentLength);
  for (const [name, value] of Object.entries(checksums())) reply.header(name, value);
  return reply.header('etag', etagOf(out.etag)).code(200).send();
}

async function completeUpload(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string, key: string) {
  const uploadId = q(request, 'uploadId')!;
  const doc = await readXml(request, reply, XML_SHAPES.complete);
  if (!doc) throw s3.malformedXml();
  const rawParts = Array.isArray(doc.Part) ? (doc.Part as Record<string, unknown>[]) : [];
  if (rawParts.length === 0) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema: it lists no Part', 400);
  const parts = rawParts.map((p) => {
    const n = Number(p?.PartNumber);
    if (!Number.isInteger(n) || n < 1 || n > 10_000 || p?.ETag === undefined) throw s3.malformedXml();
    return { partNumber: n, etag: bareEtag(p.ETag) };
  });
  const out = await app.multipart.complete(request.ctx, bucket, key, uploadId, parts);
  return sendXml(reply, 'CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etagOf(out.etag) });
}

async function listParts(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string, key: string) {
  const uploadId = q(request, 'uploadId')!;
  const limit = intParam(request, 'max-parts', 1000, 0, 1000);
  const marker = intParam(request, 'part-number-marker', 0, 0, 10_000);
  const page = await app.multipart.listParts(request.ctx, bucket, key, uploadId, { marker, limit });
  const owner = { ID: request.ctx.tenant.id, DisplayName: request.ctx.tenant.id };
  return sendXml(reply, 'ListPartsResult', {
    Bucket: bucket,
    Key: key,
    UploadId: uploadId,
    Initiator: owner,
    Owner: owner,
    StorageClass: 'STANDARD',
    PartNumberMarker: marker,
    ...(page.truncated && { NextPartNumberMarker: page.parts.at(-1)?.partNumber }),
    MaxParts: limit,
    IsTruncated: page.truncated,
    Part: page.parts.map((p) => ({ PartNumber: p.partNumber, LastModified: p.lastModified, ETag: etagOf(p.etag), Size: p.size })),
  });
}

async function listUploads(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, bucket: string) {
  const enc = encoder(request);
  const limit = intParam(request, 'max-uploads', 1000, 0, 1000);
  const prefix = q(request, 'prefix') || undefined;
  const delimiter = q(request, 'delimiter') || undefined;
  const keyMarker = q(request, 'key-marker') || undefined;
  const uploadIdMarker = q(request, 'upload-id-marker') || undefined;
  const page = await app.multipart.listUploads(request.ctx, bucket, { prefix, delimiter, keyMarker, uploadIdMarker, limit });
  const owner = { ID: request.ctx.tenant.id, DisplayName: request.ctx.tenant.id };
  return sendXml(reply, 'ListMultipartUploadsResult', {
    Bucket: bucket,
    KeyMarker: enc(keyMarker ?? ''),
    UploadIdMarker: uploadIdMarker ?? '',
    ...(page.truncated && { NextKeyMarker: enc(page.nextKeyMarker ?? ''), NextUploadIdMarker: page.nextUploadIdMarker ?? '' }),
    ...(delimiter !== undefined && { Delimiter: enc(delimiter) }),
    Prefix: enc(prefix ?? ''),
    MaxUploads: limit,
    IsTruncated: page.truncated,
    Upload: page.uploads.map((u) => ({ Key: enc(u.key), UploadId: u.uploadId, Initiator: owner, Owner: owner, StorageClass: 'STANDARD', Initiated: u.initiated })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}
