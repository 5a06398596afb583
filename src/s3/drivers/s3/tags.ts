import { DeleteObjectTaggingCommand, GetObjectTaggingCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OpContext } from '../../../model/object-store.js';
import type { Tags } from '../../../model/tags.js';
import { mapS3Error } from '../../map-error.js';

/** An object's tags on an S3 backend (Get/Put/DeleteObjectTagging). */
export async function getTags(client: S3Client, ctx: OpContext, bucket: string, key: string): Promise<Tags> {
  try {
    const out = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
    return Object.fromEntries((out.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch (err) {
    throw mapS3Error(err, { bucket, key });
  }
}

export async function putTags(client: S3Client, ctx: OpContext, bucket: string, key: string, tags: Tags): Promise<void> {
  try {
    const TagSet = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet } }), { abortSignal: ctx.signal });
  } catch (err) {
    throw mapS3Error(err, { bucket, key });
  }
}

export async function deleteTags(client: S3Client, ctx: OpContext, bucket: string, key: string): Promise<void> {
  try {
    await client.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
  } catch (err) {
    throw mapS3Error(err, { bucket, key });
  }
}
