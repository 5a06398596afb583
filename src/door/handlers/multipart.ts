import { S3Error, s3 } from '../errors.js';
import { conditionsOf } from '../../routes/objects.js';
import {
  bareEtag,
  bodyOf,
  contentHeadersOf,
  contentTypeOf,
  etagOf,
  header,
  intParam,
  metadataOf,
  parseCopySource,
  partNumberOf,
  preconditionOf,
  q,
  readXml,
  sendXml,
  type S3Call,
} from '../request.js';
import { encoder } from './listing.js';

const COMPLETE = { root: 'CompleteMultipartUpload', maxBytes: 4 * 1024 * 1024, maxElements: 10_000 * 10 + 16, repeated: { Part: 10_000 } };

export async function createUpload({ services, request, reply, ctx, bucket, key }: S3Call) {
  const { uploadId } = await services.multipart.create(ctx, bucket, key, { contentType: contentTypeOf(request), metadata: metadataOf(request), headers: contentHeadersOf(request) });
  const algorithm = header(request, 'x-amz-checksum-algorithm');
  if (algorithm) reply.header('x-amz-checksum-algorithm', algorithm);
  return sendXml(reply, 'InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId });
}

export async function uploadPart({ services, request, reply, ctx, bucket, key }: S3Call) {
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
      if (!m || Number(m[1]) > Number(m[2]))
        throw s3.invalidArgument(
          'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
          'x-amz-copy-source-range',
          rangeHeader.slice(0, 64),
        );
      range = { start: Number(m[1]), end: Number(m[2]) };
    }
    const out = await services.multipart.copyPart(ctx, bucket, key, uploadId, partNumber, source, { range, conditions: conditionsOf(request, 'x-amz-copy-source-') });
    return sendXml(reply, 'CopyPartResult', { LastModified: out.lastModified, ETag: etagOf(out.etag) });
  }
  const { body, contentLength, checksums } = bodyOf(request, reply);
  if (contentLength === undefined) throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  const out = await services.multipart.uploadPart(ctx, bucket, key, uploadId, partNumber, body, contentLength);
  for (const [name, value] of Object.entries(checksums())) reply.header(name, value);
  return reply.header('etag', etagOf(out.etag)).code(200).send();
}

export async function completeUpload({ services, request, reply, ctx, bucket, key }: S3Call) {
  const uploadId = q(request, 'uploadId')!;
  const doc = await readXml(request, reply, COMPLETE);
  if (!doc) throw s3.malformedXml();
  const rawParts = Array.isArray(doc.Part) ? (doc.Part as Record<string, unknown>[]) : [];
  if (rawParts.length === 0) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema: it lists no Part', 400);
  const parts = rawParts.map((p) => {
    const n = Number(p?.PartNumber);
    if (!Number.isInteger(n) || n < 1 || n > 10_000 || p?.ETag === undefined) throw s3.malformedXml();
    return { partNumber: n, etag: bareEtag(p.ETag) };
  });
  const out = await services.multipart.complete(ctx, bucket, key, uploadId, parts, preconditionOf(request));
  if (out.versionId) reply.header('x-amz-version-id', out.versionId);
  return sendXml(reply, 'CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etagOf(out.etag) });
}

export async function abortUpload({ services, request, reply, ctx, bucket, key }: S3Call) {
  await services.multipart.abort(ctx, bucket, key, q(request, 'uploadId')!);
  return reply.code(204).send();
}

export async function listParts({ services, request, reply, ctx, bucket, key }: S3Call) {
  const uploadId = q(request, 'uploadId')!;
  const limit = intParam(request, 'max-parts', 1000, 0, 1000);
  const marker = intParam(request, 'part-number-marker', 0, 0, 10_000);
  const page = await services.multipart.listParts(ctx, bucket, key, uploadId, { marker, limit });
  const owner = { ID: ctx.tenant.id, DisplayName: ctx.tenant.id };
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

export async function listUploads({ services, request, reply, ctx, bucket }: S3Call) {
  const enc = encoder(request);
  const limit = intParam(request, 'max-uploads', 1000, 0, 1000);
  const prefix = q(request, 'prefix') || undefined;
  const delimiter = q(request, 'delimiter') || undefined;
  const keyMarker = q(request, 'key-marker') || undefined;
  const uploadIdMarker = q(request, 'upload-id-marker') || undefined;
  const page = await services.multipart.listUploads(ctx, bucket, { prefix, delimiter, keyMarker, uploadIdMarker, limit });
  const owner = { ID: ctx.tenant.id, DisplayName: ctx.tenant.id };
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
