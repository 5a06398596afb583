import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { errors } from '../../../errors.js';
import type { OpContext, MultipartStore } from '../../../model/object-store.js';
import { checkWrite, conditional, forBackend } from '../../../model/preconditions.js';
import { take } from '../../../lib/take.js';
import { httpStatusOf, mapS3Error } from '../../map-error.js';

import { copySource, copySourceConditions, currentEtag, mapMultipartError, sdkHeaders, type SdkHeaders, type UploadSettings, unquote } from './sdk.js';

/**
 * A body of known length: each part is the next byte-exact slice of the body, streamed as it arrives,
 * so memory stays flat at any size. Parts go one after another (the body is one stream anyway).
 */
export async function streamedMultipart(
  client: S3Client,
  ctx: OpContext,
  partSize: number,
  params: { Bucket: string; Key: string; Body: Readable; ContentType?: string; Metadata: Record<string, string> } & SdkHeaders,
  length: number,
): Promise<string> {
  const { Body: body, ...target } = params;
  const { UploadId } = await client.send(new CreateMultipartUploadCommand(target), { abortSignal: ctx.signal });
  const ref = { Bucket: target.Bucket, Key: target.Key, UploadId };
  try {
    const parts: { ETag?: string; PartNumber: number }[] = [];
    for (let offset = 0, PartNumber = 1; offset < length; offset += partSize, PartNumber++) {
      const size = Math.min(partSize, length - offset);
      // The SDK pipes a body without listening for its errors: a failing slice (the client went away,
      // the body ended early) must abort the part's request itself.
      const partAbort = new AbortController();
      const slice = take(body, size).on('error', (err) => partAbort.abort(err));
      const onAbort = () => partAbort.abort(ctx.signal?.reason);
      if (ctx.signal?.aborted) onAbort();
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const out = await client.send(new UploadPartCommand({ ...ref, PartNumber, Body: slice, ContentLength: size }), { abortSignal: partAbort.signal });
        parts.push({ ETag: out.ETag, PartNumber });
      } finally {
        ctx.signal?.removeEventListener('abort', onAbort);
      }
    }
    const done = await client.send(new CompleteMultipartUploadCommand({ ...ref, MultipartUpload: { Parts: parts } }), { abortSignal: ctx.signal });
    return unquote(done.ETag);
  } catch (err) {
    // Abort even when the client has gone: the upload must not linger (its signal is already aborted).
    await client.send(new AbortMultipartUploadCommand(ref)).catch(() => {});
    throw err;
  }
}

/** A body of unknown length: lib-storage cuts it into parts, buffering each (partSize × (queueSize + 1)). */
export async function bufferedMultipart(
  client: S3Client,
  ctx: OpContext,
  upload: UploadSettings,
  params: { Bucket: string; Key: string; Body: Readable; ContentType?: string; Metadata: Record<string, string> } & SdkHeaders,
): Promise<string> {
  // Loaded on first use: only chunked uploads need it (it costs the idle process about 10 MB).
  const { Upload } = await import('@aws-sdk/lib-storage');
  const uploader = new Upload({ client, params, partSize: upload.partSize, queueSize: upload.queueSize, leavePartsOnError: false });
  const abort = () => void uploader.abort().catch(() => {});
  ctx.signal?.addEventListener('abort', abort, { once: true });
  try {
    return unquote((await uploader.done()).ETag);
  } finally {
    ctx.signal?.removeEventListener('abort', abort);
  }
}

/** Client-driven multipart uploads (the S3 door), one SDK call each; the driver's middleware records them for the janitor. */
export function sdkMultipart(client: () => S3Client): MultipartStore {
  return {
    create: async (ctx, bucket, key, opts) => {
      try {
        const out = await client().send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: opts.contentType, Metadata: opts.metadata, ...sdkHeaders(opts.headers) }), {
          abortSignal: ctx.signal,
        });
        return { uploadId: out.UploadId ?? '' };
      } catch (err) {
        throw mapS3Error(err, { bucket, key });
      }
    },
    uploadPart: async (ctx, ref, partNumber, body, contentLength) => {
      // As in #streamedMultipart: a failing body (a check, the client gone) aborts the part's request.
      const partAbort = new AbortController();
      body.on('error', (err) => partAbort.abort(err));
      const onAbort = () => partAbort.abort(ctx.signal?.reason);
      if (ctx.signal?.aborted) onAbort();
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const out = await client().send(new UploadPartCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: ref.uploadId, PartNumber: partNumber, Body: body, ContentLength: contentLength }), {
          abortSignal: partAbort.signal,
        });
        return { etag: unquote(out.ETag) };
      } catch (err) {
        throw mapMultipartError(err, ref);
      } finally {
        ctx.signal?.removeEventListener('abort', onAbort);
      }
    },
    copyPart: async (ctx, ref, partNumber, source, opts) => {
      try {
        const out = await client().send(
          new UploadPartCopyCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            UploadId: ref.uploadId,
            PartNumber: partNumber,
            CopySource: copySource(source.bucket, source.key),
            CopySourceRange: opts.range && `bytes=${opts.range.start}-${opts.range.end}`,
            ...copySourceConditions(opts.conditions),
          }),
          { abortSignal: ctx.signal },
        );
        return { etag: unquote(out.CopyPartResult?.ETag), lastModified: out.CopyPartResult?.LastModified ?? new Date() };
      } catch (err) {
        if ((err as Error).name === 'NoSuchKey') throw new errors.ObjectNotFound(source.key, source.bucket, { cause: err });
        if (httpStatusOf(err) === 416 || (err as Error).name === 'InvalidRange') throw new errors.RangeNotSatisfiable(`bytes=${opts.range?.start}-${opts.range?.end}`, 0, { cause: err });
        throw mapMultipartError(err, ref);
      }
    },
    complete: async (ctx, ref, parts, precondition) => {
      // RGW 16 does not apply a completion's conditions; they are checked first (a writer in between can race) and sent too.
      if (conditional(precondition)) checkWrite(precondition, ref.bucket, ref.key, await currentEtag(client(), ctx, ref.bucket, ref.key));
      try {
        const out = await client().send(
          new CompleteMultipartUploadCommand({
            Bucket: ref.bucket,
            Key: ref.key,
            UploadId: ref.uploadId,
            IfMatch: forBackend(precondition)?.ifMatch,
            IfNoneMatch: forBackend(precondition)?.ifNoneMatch,
            MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"` })) },
          }),
          { abortSignal: ctx.signal },
        );
        const etag = unquote(out.ETag);
        const version = out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {};
        if (etag) return { etag, ...version };
        const head = await client().send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: ctx.signal });
        return { etag: unquote(head.ETag), ...version };
      } catch (err) {
        throw mapMultipartError(err, ref);
      }
    },
    abort: async (ctx, ref) => {
      try {
        await client().send(new AbortMultipartUploadCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: ref.uploadId }), { abortSignal: ctx.signal });
      } catch (err) {
        throw mapMultipartError(err, ref);
      }
    },
    listParts: async (ctx, ref, opts) => {
      try {
        const out = await client().send(
          new ListPartsCommand({ Bucket: ref.bucket, Key: ref.key, UploadId: ref.uploadId, PartNumberMarker: opts.marker ? String(opts.marker) : undefined, MaxParts: opts.limit }),
          { abortSignal: ctx.signal },
        );
        return {
          parts: (out.Parts ?? []).map((p) => ({ partNumber: p.PartNumber ?? 0, etag: unquote(p.ETag), size: p.Size ?? 0, lastModified: p.LastModified ?? new Date(0) })),
          truncated: out.IsTruncated ?? false,
        };
      } catch (err) {
        throw mapMultipartError(err, ref);
      }
    },
    listUploads: async (ctx, bucket, opts) => {
      try {
        const out = await client().send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: opts.prefix, Delimiter: opts.delimiter, KeyMarker: opts.keyMarker, UploadIdMarker: opts.uploadIdMarker, MaxUploads: opts.limit }),
          { abortSignal: ctx.signal },
        );
        return {
          uploads: (out.Uploads ?? []).map((u) => ({ key: u.Key ?? '', uploadId: u.UploadId ?? '', initiated: u.Initiated ?? new Date(0) })),
          prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
          truncated: out.IsTruncated ?? false,
          nextKeyMarker: out.NextKeyMarker,
          nextUploadIdMarker: out.NextUploadIdMarker,
        };
      } catch (err) {
        throw mapS3Error(err, { bucket });
      }
    },
  };
}
