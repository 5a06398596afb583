import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isHeaderValue } from '../lib/media-type.js';
import type { RequestContext } from '../model/context.js';
import type { WritePrecondition } from '../model/preconditions.js';
import { CONTENT_HEADERS, type ContentHeaders } from '../model/object-store.js';
import type { ObjectFace } from '../routes/objects.js';
import type { Services } from '../services/index.js';
import { s3 } from './errors.js';
import { checkedBody } from './protocol/payload.js';
import { parseXmlStream, xmlDocument, type XmlShape, type XmlTree } from './xml.js';

/** The services the door's operations call. */
export type DoorServices = Pick<Services, 'buckets' | 'objects' | 'multipart' | 'forward' | 'cors'>;

/** One S3 request as its handler gets it: the services, the door's region, the request and its target. */
export interface S3Call {
  services: DoorServices;
  region: string;
  request: FastifyRequest;
  reply: FastifyReply;
  ctx: RequestContext;
  /** Decoded; '' for the service (ListBuckets). */
  bucket: string;
  /** Decoded; '' for a bucket operation. */
  key: string;
}

export type Handler = (call: S3Call) => Promise<unknown>;

export const META = 'x-amz-meta-';

/** The response-* query overrides of GetObject/HeadObject and the header each sets. */
export const OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

export const one = (v: string | string[] | null | undefined): string | undefined => (Array.isArray(v) ? v[0] : (v ?? undefined));

/**
 * A request header that asks S3 for something the door's own operations do not do (encryption, object
 * lock, tags, an ACL, a storage class): what it asks for, or undefined. On an S3 backend such a request is
 * forwarded as it is; on the disk driver it is refused, rather than stored without what the client asked.
 */
export function unmodelledHeader(request: FastifyRequest, operation: string): string | undefined {
  const h = request.headers;
  const names = Object.keys(h);
  if (names.some((n) => n.startsWith('x-amz-server-side-encryption'))) return 'Server-side encryption headers (x-amz-server-side-encryption*)';
  if (names.some((n) => n.startsWith('x-amz-object-lock') || n === 'x-amz-bucket-object-lock-enabled')) return 'Object Lock (x-amz-object-lock-*)';
  if (names.some((n) => n.startsWith('x-amz-grant-'))) return 'ACL grants (x-amz-grant-*)';
  // PutObject stores its tags itself; a copy's or an upload's are the backend's (or refused).
  if ((h['x-amz-tagging'] !== undefined && operation !== 'PutObject') || h['x-amz-tagging-directive'] === 'REPLACE') return 'Object tagging (x-amz-tagging) on a copy or a multipart upload';
  if (h['x-amz-website-redirect-location'] !== undefined) return 'x-amz-website-redirect-location';
  const acl = header(request, 'x-amz-acl');
  if (acl !== undefined && acl !== 'private' && acl !== 'bucket-owner-full-control') return `The canned ACL '${acl.slice(0, 40)}' (only private)`;
  const storageClass = header(request, 'x-amz-storage-class');
  if (storageClass !== undefined && storageClass !== 'STANDARD') return `The storage class '${storageClass.slice(0, 40)}' (only STANDARD)`;
  return undefined;
}

export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function has(request: FastifyRequest, name: string): boolean {
  return request.s3.query[name] !== undefined;
}

export function q(request: FastifyRequest, name: string): string | undefined {
  return one(request.s3.query[name]);
}

export function sendXml(reply: FastifyReply, root: string, content: XmlTree, status = 200) {
  return reply.code(status).type('application/xml').send(xmlDocument(root, content));
}

/** A whole number query parameter within bounds, or InvalidArgument naming it. */
export function intParam(request: FastifyRequest, name: string, def: number, min: number, max: number): number {
  const raw = q(request, name);
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw s3.invalidArgument(`${name} must be a whole number from ${min} to ${max}`, name, raw.slice(0, 64));
  }
  return Math.min(n, max);
}

export function metadataOf(request: FastifyRequest): Record<string, string> {
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
  if (/%(?![0-9A-Fa-f]{2})/.test(raw))
    throw s3.invalidArgument('Invalid copy source encoding: x-amz-copy-source must be percent-encoded (a % not followed by two hex digits is not)', 'x-amz-copy-source', value.slice(0, 256));
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
export async function readXml(request: FastifyRequest, reply: FastifyReply, shape: XmlShape): Promise<Record<string, unknown> | undefined> {
  return parseXmlStream(bodyOf(request, reply).body as AsyncIterable<Buffer>, shape);
}

export const etagOf = (etag: string) => `"${etag}"`;

/** `"abc"` or `abc` as the service's bare ETag. */
export const bareEtag = (etag: unknown) =>
  String(etag ?? '')
    .trim()
    .replace(/^"|"$/g, '');

/** The door's object headers: S3's names, and the response-* overrides the request asked for. */
export function face(request: FastifyRequest): ObjectFace {
  const overrides: Record<string, string> = {};
  for (const [param, name] of Object.entries(OVERRIDES)) {
    const v = q(request, param);
    if (v === undefined) continue;
    if (!isHeaderValue(v)) throw s3.invalidArgument(`${param} must be a valid HTTP header value: no control characters (CR, LF, NUL) and no character above U+00FF`, param);
    overrides[name] = v;
  }
  return { metaPrefix: META, downloadActive: false, overrides, s3Headers: true };
}

/** The object's body as it must be stored, and what to echo back (x-amz-checksum-*). */
export function bodyOf(request: FastifyRequest, reply: FastifyReply): { body: Readable; contentLength: number | undefined; checksums: () => Record<string, string> } {
  const checked = checkedBody(request.raw, request.headers, request.s3.auth.payload, request.s3.auth.chain);
  // Expect: 100-continue is answered only now, once the signature, the tenant's admission and the
  // request's headers have passed: a refused upload's body is never sent (door.ts holds Node's own 100).
  if (/100-continue/i.test(header(request, 'expect') ?? '') && !reply.raw.headersSent) reply.raw.writeContinue();
  return checked;
}

/** If-Match / If-None-Match of a write (PutObject, CompleteMultipartUpload). */
export function preconditionOf(request: FastifyRequest): WritePrecondition | undefined {
  const ifMatch = header(request, 'if-match');
  const ifNoneMatch = header(request, 'if-none-match');
  return ifMatch === undefined && ifNoneMatch === undefined ? undefined : { ifMatch, ifNoneMatch };
}

export function contentTypeOf(request: FastifyRequest): string | undefined {
  return header(request, 'content-type') || undefined;
}

/** The content headers to keep with the object; aws-chunked is how the body travelled, not what it is. */
export function contentHeadersOf(request: FastifyRequest): ContentHeaders | undefined {
  let out: ContentHeaders | undefined;
  for (const [field, name] of Object.entries(CONTENT_HEADERS) as [keyof ContentHeaders, string][]) {
    let value = header(request, name);
    if (field === 'contentEncoding' && value !== undefined)
      value = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s && s.toLowerCase() !== 'aws-chunked')
        .join(', ');
    if (value) (out ??= {})[field] = value;
  }
  return out;
}

export function partNumberOf(request: FastifyRequest): number {
  const raw = q(request, 'partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 10_000) throw s3.invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw.slice(0, 32));
  return n;
}
