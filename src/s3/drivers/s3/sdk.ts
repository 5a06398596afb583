import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { errors } from '../../../errors.js';
import type { Conditions, ObjectInfo, ContentHeaders, DriverHooks, OpContext, UploadRef } from '../../../model/object-store.js';
import { httpStatusOf, mapS3Error, observed } from '../../map-error.js';
import { SDK_CONTENT_HEADERS } from '../../../model/object-store.js';

export interface UploadSettings {
  /** A body of known length up to this goes as one streamed PutObject. */
  multipartThreshold: number;
  /** Parts of a known-length multipart upload, streamed from the body without buffering. */
  streamPartSize: number;
  /** Parts of an unknown-length upload, which lib-storage buffers one by one. */
  partSize: number;
  queueSize: number;
}

/** S3 allows at most 10,000 parts per upload. */
export const MAX_PARTS = 10_000;

/** x-amz-copy-source-if-* as CopyObject and UploadPartCopy fields. */
export function copySourceConditions(c: Conditions | undefined) {
  return { CopySourceIfMatch: c?.ifMatch, CopySourceIfNoneMatch: c?.ifNoneMatch, CopySourceIfModifiedSince: c?.ifModifiedSince, CopySourceIfUnmodifiedSince: c?.ifUnmodifiedSince };
}

export type SdkHeaders = { CacheControl?: string; ContentDisposition?: string; ContentEncoding?: string; ContentLanguage?: string; Expires?: Date };

/** Content headers as SDK command fields (Expires is a date there; one that is not a date is left out). */
export function sdkHeaders(h: ContentHeaders | undefined): SdkHeaders {
  if (!h) return {};
  const out: SdkHeaders = {};
  for (const [field, name] of Object.entries(SDK_CONTENT_HEADERS) as [keyof ContentHeaders, keyof SdkHeaders][]) {
    const value = h[field];
    if (value === undefined) continue;
    if (name === 'Expires') {
      const d = new Date(value);
      if (!Number.isNaN(d.getTime())) out.Expires = d;
    } else out[name] = value;
  }
  return out;
}

/** The multipart errors S3 names, as the gateway's; the rest as any S3 error. */
export function mapMultipartError(err: unknown, ref: UploadRef): Error {
  switch ((err as Error).name) {
    case 'NoSuchUpload':
      return new errors.NoSuchUpload(ref.uploadId, { cause: err });
    case 'InvalidPart':
      return new errors.InvalidPart('the S3 endpoint said so', { cause: err });
    case 'InvalidPartOrder':
      return new errors.InvalidPartOrder({ cause: err });
    case 'EntityTooSmall':
      return new errors.PartTooSmall('the S3 endpoint said so', { cause: err });
  }
  // An upload's own 404 (RGW 16 answers ListParts of a completed upload with NoSuchKey) is its absence.
  if (httpStatusOf(err) === 404 && (err as Error).name !== 'NoSuchBucket') return new errors.NoSuchUpload(ref.uploadId, { cause: err });
  return mapS3Error(err, { bucket: ref.bucket, key: ref.key });
}

/**
 * A backend that ignores partNumber (RGW 16 answers the whole object): an object not uploaded in parts
 * is its own part 1, as S3 says; for any other, the whole object would be a wrong answer, so none is given.
 */
export function wholeAsPart(info: ObjectInfo, partNumber: number, discard: () => void): { start: number; end: number; total: number } {
  const multipart = /-\d+$/.test(info.etag);
  if (multipart || partNumber !== 1) {
    discard();
    throw multipart ? new errors.PartReadUnsupported() : new errors.InvalidPartNumber(partNumber, info.key, 1);
  }
  return { start: 0, end: Math.max(0, info.size - 1), total: info.size };
}

export function rangeOf(contentRange: string | undefined): { start: number; end: number; total: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
  return m ? { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) } : undefined;
}

export const unquote = (etag: string | undefined) => (etag ?? '').replace(/^(W\/)?"|"$/g, '');

/** The current object's ETag, or undefined when the key is absent (for preconditions the backend does not apply). */
export async function currentEtag(client: S3Client, ctx: OpContext, bucket: string, key: string): Promise<string | undefined> {
  try {
    return unquote((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal })).ETag);
  } catch (err) {
    if (httpStatusOf(err) === 404) return undefined;
    throw err;
  }
}

/** S3 wants the copy source URL-encoded, with `/` between segments kept. */
export const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

export function encodeCursor(token: string): string {
  return Buffer.from('s3:' + token).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!raw.startsWith('s3:') || raw.length < 4) throw new errors.InvalidCursor();
  return raw.slice(3);
}

/**
 * One tenant's S3 endpoint: its own S3Client over its own keep-alive agents capped at maxSockets,
 * so a slow tenant can only exhaust its own sockets.
 */

/**
 * The SDK middleware of a tenant's client: each command observed (metrics, spans, the circuit), and the
 * multipart uploads it starts, completes or fails to abort recorded for the janitor.
 */
export function observeAndTrack(hooks: DriverHooks): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    const operation = context.commandName ?? 'unknown';
    const input = args.input as { Bucket?: string; Key?: string; UploadId?: string };
    try {
      const out = await observed(
        hooks,
        operation,
        () => next(args),
        (o) => (o.response as { statusCode?: number }).statusCode,
        { bucket: input.Bucket, key: input.Key },
      );
      const uploadId = (out.output as { UploadId?: string }).UploadId ?? input.UploadId;
      if (operation === 'CreateMultipartUploadCommand' && uploadId) await hooks.multipart?.started(input.Bucket ?? '', input.Key ?? '', uploadId);
      else if ((operation === 'CompleteMultipartUploadCommand' || operation === 'AbortMultipartUploadCommand') && uploadId) await hooks.multipart?.ended(uploadId);
      return out;
    } catch (err) {
      if (operation === 'AbortMultipartUploadCommand' && input.UploadId) {
        // Already gone is what an abort wants; anything else leaves a billable upload to retry.
        if ((err as Error).name === 'NoSuchUpload') await hooks.multipart?.ended(input.UploadId).catch(() => {});
        else await hooks.multipart?.abortFailed(input.UploadId, `${(err as Error).name}: ${(err as Error).message}`).catch(() => {});
      }
      throw err;
    }
  };
}
