import { DeleteObjectCommand, DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DeleteManyResult, DeleteVersionsResult, OpContext, VersionRef } from '../../../model/object-store.js';
import { mapS3Error } from '../../map-error.js';

/** DeleteObjects of keys (their current versions). */
export async function deleteObjects(client: S3Client, ctx: OpContext, bucket: string, keys: string[]): Promise<DeleteManyResult> {
  if (keys.length === 0) return { deleted: [], errors: [] };
  try {
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: false } }), { abortSignal: ctx.signal });
    return {
      deleted: (out.Deleted ?? []).map((d) => d.Key ?? ''),
      errors: (out.Errors ?? []).map((e) => ({ key: e.Key ?? '', code: e.Code ?? 'Unknown', message: e.Message ?? '' })),
    };
  } catch (err) {
    throw mapS3Error(err, { bucket });
  }
}

/** DeleteObjects naming versions: what was deleted, and the delete markers a versioned bucket made. */
export async function deleteVersions(client: S3Client, ctx: OpContext, bucket: string, objects: VersionRef[], oneByOne = false): Promise<DeleteVersionsResult> {
  // radosgw 16.2 aborts on a batch delete in a bucket with notifications (RGWDeleteMultiObj ->
  // publish_reserve), taking every tenant down: such a bucket's versions go one request each.
  if (oneByOne) {
    const out: DeleteVersionsResult = { deleted: [], errors: [] };
    for (const o of objects) {
      try {
        const res = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.key, VersionId: o.versionId }), { abortSignal: ctx.signal });
        out.deleted.push({ ...o, ...(res.DeleteMarker && { deleteMarker: true }), ...(res.DeleteMarker && res.VersionId && { deleteMarkerVersionId: res.VersionId }) });
      } catch (err) {
        const e = err as Error & { $metadata?: unknown };
        if (!e.$metadata) throw mapS3Error(err, { bucket, key: o.key });
        out.errors.push({ ...o, code: e.name, message: e.message });
      }
    }
    return out;
  }
  try {
    const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects.map((o) => ({ Key: o.key, VersionId: o.versionId })), Quiet: false } }), {
      abortSignal: ctx.signal,
    });
    return {
      deleted: (out.Deleted ?? []).map((d) => ({
        key: d.Key ?? '',
        ...(d.VersionId && { versionId: d.VersionId }),
        ...(d.DeleteMarker && { deleteMarker: true }),
        ...(d.DeleteMarkerVersionId && { deleteMarkerVersionId: d.DeleteMarkerVersionId }),
      })),
      errors: (out.Errors ?? []).map((e) => ({ key: e.Key ?? '', ...(e.VersionId && { versionId: e.VersionId }), code: e.Code ?? 'Unknown', message: e.Message ?? '' })),
    };
  } catch (err) {
    throw mapS3Error(err, { bucket });
  }
}
