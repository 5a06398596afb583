import type { FastifyRequest } from 'fastify';
import { errors } from '../../errors.js';
import { MAX_LIST_LIMIT } from '../../services/buckets.js';
import { s3 } from '../errors.js';
import { etagOf, intParam, q, sendXml, type DoorServices, type S3Call } from '../request.js';

/** Keys and prefixes as the client asked: percent-encoded with encoding-type=url. */
export function encoder(request: FastifyRequest): (s: string) => string {
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

export async function listV2({ services, request, reply, ctx, bucket }: S3Call) {
  if (q(request, 'list-type') !== '2') throw s3.invalidArgument('list-type must be 2', 'list-type');
  const enc = encoder(request);
  const opts = listOptions(request);
  const token = q(request, 'continuation-token');
  const startAfter = q(request, 'start-after');
  const fetchOwner = q(request, 'fetch-owner') === 'true';
  const page =
    opts.limit === 0
      ? { objects: [], prefixes: [], nextCursor: null }
      : await services.buckets.listObjects(ctx, bucket, { ...opts, cursor: token || undefined, startAfter: after(startAfter, opts.delimiter) });
  if (opts.limit === 0 && !(await services.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
  const owner = { ID: ctx.tenant.id, DisplayName: ctx.tenant.id };
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
async function markerPage(services: DoorServices, request: FastifyRequest, bucket: string, marker: string | undefined) {
  const opts = listOptions(request);
  const page = opts.limit === 0 ? { objects: [], prefixes: [], nextCursor: null } : await services.buckets.listObjects(request.ctx, bucket, { ...opts, startAfter: after(marker, opts.delimiter) });
  if (opts.limit === 0 && !(await services.buckets.exists(request.ctx, bucket))) throw new errors.BucketNotFound(bucket);
  const lastKey = page.objects.at(-1)?.key;
  const lastPrefix = page.prefixes.at(-1);
  const last = lastKey !== undefined && lastPrefix !== undefined ? (lastKey > lastPrefix ? lastKey : lastPrefix) : (lastKey ?? lastPrefix);
  const truncated = page.nextCursor !== null;
  return { opts, page, truncated, next: truncated ? last : undefined, owner: { ID: request.ctx.tenant.id, DisplayName: request.ctx.tenant.id } };
}

export async function listV1({ services, request, reply, bucket }: S3Call) {
  const enc = encoder(request);
  const marker = q(request, 'marker');
  const { opts, page, truncated, next, owner } = await markerPage(services, request, bucket, marker);
  return sendXml(reply, 'ListBucketResult', {
    Name: bucket,
    // V1 answers the prefix as asked, even with encoding-type=url (S3 and RGW do, and botocore does not decode it).
    Prefix: opts.prefix ?? '',
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
export async function listVersions({ services, request, reply, bucket }: S3Call) {
  const enc = encoder(request);
  const keyMarker = q(request, 'key-marker') || undefined;
  const versionMarker = q(request, 'version-id-marker') || undefined;
  if (versionMarker !== undefined && versionMarker !== 'null') throw s3.invalidArgument('Invalid version id specified', 'version-id-marker', versionMarker.slice(0, 64));
  const { opts, page, truncated, next, owner } = await markerPage(services, request, bucket, keyMarker);
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
    Version: page.objects.map((o) => ({
      Key: enc(o.key),
      VersionId: 'null',
      IsLatest: true,
      LastModified: o.lastModified,
      ETag: etagOf(o.etag),
      Size: o.size,
      Owner: owner,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
  });
}
