import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OpContext, VersionListOptions, VersionPage } from '../../../model/object-store.js';
import { mapS3Error } from '../../map-error.js';
import { unquote } from './sdk.js';

/** A page of a bucket's versions and delete markers, in S3's order (key, then newest first). */
export async function listVersions(client: S3Client, ctx: OpContext, bucket: string, opts: VersionListOptions): Promise<VersionPage> {
  try {
    const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: opts.prefix, KeyMarker: opts.keyMarker, VersionIdMarker: opts.versionIdMarker, MaxKeys: opts.limit }), {
      abortSignal: ctx.signal,
    });
    const versions = [
      ...(out.Versions ?? []).map((v) => ({
        key: v.Key ?? '',
        versionId: v.VersionId ?? 'null',
        isLatest: v.IsLatest ?? false,
        deleteMarker: false,
        size: v.Size ?? 0,
        etag: unquote(v.ETag),
        lastModified: v.LastModified ?? new Date(0),
      })),
      ...(out.DeleteMarkers ?? []).map((m) => ({
        key: m.Key ?? '',
        versionId: m.VersionId ?? 'null',
        isLatest: m.IsLatest ?? false,
        deleteMarker: true,
        size: 0,
        etag: '',
        lastModified: m.LastModified ?? new Date(0),
      })),
    ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.lastModified.getTime() - a.lastModified.getTime()));
    return {
      versions,
      truncated: out.IsTruncated ?? false,
      ...(out.NextKeyMarker && { nextKeyMarker: out.NextKeyMarker }),
      ...(out.NextVersionIdMarker && { nextVersionIdMarker: out.NextVersionIdMarker }),
    };
  } catch (err) {
    throw mapS3Error(err, { bucket });
  }
}
