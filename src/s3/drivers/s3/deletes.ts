import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
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
export async function deleteVersions(client: S3Client, ctx: OpContext, bucket: string, objects: VersionRef[]): Promise<DeleteVersionsResult> {
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
