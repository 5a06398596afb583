import { parseRange } from '../../s3/ranges.js';
import { parseTagHeader } from '../../model/tags.js';
import { conditionsOf, sendObject } from '../../routes/objects.js';
import { S3Error, s3 } from '../errors.js';
import { bodyOf, contentHeadersOf, contentTypeOf, etagOf, face, has, header, metadataOf, parseCopySource, partNumberOf, preconditionOf, readXml, sendXml, type S3Call } from '../request.js';

const DELETE = { root: 'Delete', maxBytes: 4 * 1024 * 1024, maxElements: 1000 * 8 + 16, repeated: { Object: 1000 } };

/** GetObject and HeadObject. */
export async function readObject({ services, request, reply, ctx, bucket, key }: S3Call) {
  const partNumber = has(request, 'partNumber') ? partNumberOf(request) : undefined;
  const range = header(request, 'range');
  if (partNumber !== undefined && range !== undefined) throw s3.invalidRequest('Cannot specify both Range header and partNumber query parameter');
  const conditions = conditionsOf(request);
  // Checked before the object is opened: a refusal after would leave its body (a file, a pool
  // socket) open.
  const headers = face(request);
  const res =
    request.method === 'GET'
      ? await services.objects.get(ctx, bucket, key, { range: parseRange(range), partNumber, conditions })
      : await services.objects.head(ctx, bucket, key, conditions, partNumber);
  return sendObject(reply, res, headers);
}

export async function putObject({ services, request, reply, ctx, bucket, key }: S3Call) {
  const tagsHeader = header(request, 'x-amz-tagging');
  const tags = tagsHeader === undefined ? undefined : parseTagHeader(tagsHeader);
  const { body, contentLength, checksums } = bodyOf(request, reply);
  if (contentLength === undefined) throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  const stored = await services.objects.put(ctx, bucket, key, {
    body,
    contentLength,
    contentType: contentTypeOf(request),
    metadata: metadataOf(request),
    headers: contentHeadersOf(request),
    precondition: preconditionOf(request),
    tags,
  });
  for (const [name, value] of Object.entries(checksums())) reply.header(name, value);
  if (stored.versionId) reply.header('x-amz-version-id', stored.versionId);
  return reply.header('etag', etagOf(stored.etag)).code(200).send();
}

export async function copyObject({ services, request, reply, ctx, bucket, key }: S3Call) {
  const sourceHeader = header(request, 'x-amz-copy-source')!;
  const source = parseCopySource(sourceHeader);
  const directive = (header(request, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') throw s3.invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive.slice(0, 32));
  if (directive === 'COPY' && source.bucket === bucket && source.key === key) {
    throw s3.invalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const replace = directive === 'REPLACE' ? { contentType: contentTypeOf(request) ?? 'binary/octet-stream', metadata: metadataOf(request), headers: contentHeadersOf(request) } : undefined;
  const out = await services.objects.copy(ctx, source, { bucket, key }, false, { replace, conditions: conditionsOf(request, 'x-amz-copy-source-') });
  return sendXml(reply, 'CopyObjectResult', { LastModified: out.lastModified ?? new Date(), ETag: etagOf(out.etag) });
}

export async function deleteObject({ services, reply, ctx, bucket, key }: S3Call) {
  const out = await services.objects.delete(ctx, bucket, key);
  if (out.deleteMarker) reply.header('x-amz-delete-marker', 'true');
  if (out.versionId) reply.header('x-amz-version-id', out.versionId);
  return reply.code(204).send();
}

export async function deleteObjects({ services, request, reply, ctx, bucket }: S3Call) {
  const doc = await readXml(request, reply, DELETE);
  if (!doc) throw s3.malformedXml();
  const objects = Array.isArray(doc.Object) ? (doc.Object as Record<string, unknown>[]) : [];
  if (objects.length === 0 || objects.length > 1000) throw s3.malformedXml();
  const keys = objects.map((o) => (typeof o?.Key === 'string' ? o.Key : ''));
  if (keys.some((k) => k === '')) throw s3.malformedXml();
  const quiet = String(doc.Quiet ?? '').trim() === 'true';
  // Versions are the backend's (S3 backends): on the disk driver each object has one version, null.
  if (objects.some((o) => o.VersionId !== undefined && (ctx.tenant.driver === 's3' || String(o.VersionId) !== 'null'))) {
    const res = await services.objects.deleteVersions(
      ctx,
      bucket,
      objects.map((o, i) => ({ key: keys[i], ...(o.VersionId !== undefined && { versionId: String(o.VersionId) }) })),
    );
    return sendXml(reply, 'DeleteResult', {
      Deleted: quiet
        ? undefined
        : res.deleted.map((d) => ({
            Key: d.key,
            ...(d.versionId && { VersionId: d.versionId }),
            ...(d.deleteMarker && { DeleteMarker: true }),
            ...(d.deleteMarkerVersionId && { DeleteMarkerVersionId: d.deleteMarkerVersionId }),
          })),
      Error: res.errors.map((e) => ({ Key: e.key, ...(e.versionId && { VersionId: e.versionId }), Code: e.code, Message: e.message })),
    });
  }
  const res = await services.objects.deleteMany(ctx, bucket, keys);
  // S3 reports every key asked for; a key given twice is one deletion, reported as asked.
  const failed = new Map(res.errors.map((e) => [e.key, e]));
  return sendXml(reply, 'DeleteResult', {
    Deleted: quiet ? undefined : keys.filter((k, i) => !failed.has(k) && keys.indexOf(k) === i).map((Key) => ({ Key })),
    Error: res.errors.map((e) => ({ Key: e.key, Code: e.code.startsWith('S3GATE_') ? 'InternalError' : e.code, Message: e.message })),
  });
}
