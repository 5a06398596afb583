import type { Readable } from 'node:stream';
import { errors, limits } from '../errors.js';
import type { TenantPool } from '../s3/client-pool.js';
import type { Conditions, ContentHeaders, PartInfo, UploadInfo, UploadListOptions, UploadRef } from '../model/object-store.js';
import { withStore } from './context.js';
import type { WritePrecondition } from '../model/preconditions.js';
import type { RequestContext } from '../model/context.js';
import type { EventSink } from './events.js';
import type { LimitService } from './limits.js';
import { checkCopySource, guardedUpload } from '../model/upload-guard.js';
import { validateBucketName, validateContentHeaders, validateContentType, validateKey, validateMetadata } from '../model/names.js';

/** S3's largest part. */
const MAX_PART_SIZE = 5 * 1024 ** 3;
/** S3's smallest part (all but the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

function checkTarget(bucket: string, key: string) {
  validateBucketName(bucket);
  validateKey(key);
}

function checkUploadId(uploadId: string) {
  if (!uploadId || uploadId.length > 1024 || /[\u0000-\u001f]/.test(uploadId)) throw new errors.NoSuchUpload(uploadId.slice(0, 64));
}

/**
 * Multipart uploads a client drives part by part (the S3 door). Same pool, upload slots and tenant
 * size limit as a PUT; completing records s3:ObjectCreated:CompleteMultipartUpload before it returns.
 * Each upload the driver starts is recorded for the janitor, which aborts it past the maximum age.
 */
export class MultipartService {
  constructor(
    private readonly pool: TenantPool,
    private readonly events: EventSink,
    private readonly limits: Pick<LimitService, 'upload'>,
  ) {}

  create(ctx: RequestContext, bucket: string, key: string, opts: { contentType?: string; metadata: Record<string, string>; headers?: ContentHeaders }): Promise<{ uploadId: string }> {
    checkTarget(bucket, key);
    validateMetadata(opts.metadata);
    validateContentType(opts.contentType);
    validateContentHeaders(opts.headers);
    return withStore(this.pool, ctx, (s) => s.multipart.create(ctx, bucket, key, opts));
  }

  async uploadPart(ctx: RequestContext, bucket: string, key: string, uploadId: string, partNumber: number, body: Readable, contentLength: number): Promise<{ etag: string }> {
    checkTarget(bucket, key);
    checkUploadId(uploadId);
    const limit = Math.min(ctx.tenant.limits.maxObjectSize, MAX_PART_SIZE);
    if (contentLength > limit) {
      body.destroy();
      throw new errors.PayloadTooLarge(limit === MAX_PART_SIZE ? "S3's limit of 5 GiB for one part" : limits.tenant(limit));
    }
    const ref = { bucket, key, uploadId };
    const { result } = await guardedUpload(ctx, this.limits, body, limit, (counted, signal) =>
      withStore(this.pool, ctx, (s) => s.multipart.uploadPart({ signal, origin: ctx.origin }, ref, partNumber, counted, contentLength)),
    );
    return result;
  }

  copyPart(
    ctx: RequestContext,
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    source: { bucket: string; key: string },
    opts: { range?: { start: number; end: number }; conditions?: Conditions },
  ): Promise<{ etag: string; lastModified: Date }> {
    checkTarget(bucket, key);
    checkTarget(source.bucket, source.key);
    checkUploadId(uploadId);
    if (opts.range && opts.range.end - opts.range.start + 1 > MAX_PART_SIZE) throw new errors.PayloadTooLarge("S3's limit of 5 GiB for one part");
    return withStore(this.pool, ctx, async (s) => {
      await checkCopySource(s, ctx, source, opts.conditions);
      return s.multipart.copyPart(ctx, { bucket, key, uploadId }, partNumber, source, opts);
    });
  }

  async complete(
    ctx: RequestContext,
    bucket: string,
    key: string,
    uploadId: string,
    listed: { partNumber: number; etag: string }[],
    precondition?: WritePrecondition,
  ): Promise<{ etag: string; size?: number; versionId?: string }> {
    checkTarget(bucket, key);
    checkUploadId(uploadId);
    if (listed.length === 0 || listed.length > 10_000) throw new errors.InvalidPartOrder();
    const ref: UploadRef = { bucket, key, uploadId };
    const limit = ctx.tenant.limits.maxObjectSize;
    // Ascending; a part number listed again (a client that sent a part twice and kept both answers) is
    // the later entry, as S3 and RGW read the list.
    const parts: { partNumber: number; etag: string }[] = [];
    for (const p of listed) {
      const last = parts.at(-1);
      if (last && p.partNumber < last.partNumber) throw new errors.InvalidPartOrder();
      if (last?.partNumber === p.partNumber) parts[parts.length - 1] = p;
      else parts.push(p);
    }
    const { etag, size, versionId } = await withStore(this.pool, ctx, async (s) => {
      // The parts are checked here against the backend's own list, for every driver alike: RGW 16
      // answers a misordered list with InvalidPart, and once it has refused a completion for a small
      // part, it refuses every later one for that upload (InvalidPart), so nothing it would refuse is sent.
      const stored = new Map<number, PartInfo>();
      for (let marker = 0; ; ) {
        const page = await s.multipart.listParts(ctx, ref, { marker, limit: 1000 });
        for (const p of page.parts) stored.set(p.partNumber, p);
        if (!page.truncated || page.parts.length === 0) break;
        marker = page.parts.at(-1)!.partNumber;
      }
      let total = 0;
      for (const [i, p] of parts.entries()) {
        const part = stored.get(p.partNumber);
        if (!part || part.etag !== p.etag) throw new errors.InvalidPart(`part ${p.partNumber}`);
        if (i < parts.length - 1 && part.size < MIN_PART_SIZE) throw new errors.PartTooSmall(`part ${p.partNumber} is ${part.size} bytes`);
        total += part.size;
      }
      if (total > limit) throw new errors.PayloadTooLarge(limits.tenant(limit));
      const out = await s.multipart.complete(ctx, ref, parts, precondition);
      const head = await s.headObject(ctx, bucket, key).catch(() => undefined);
      return { etag: out.etag, size: head?.status === 200 ? head.info.size : undefined, versionId: out.versionId };
    });
    const version = versionId ? { versionId } : {};
    await this.events.record(ctx.tenant.id, [{ type: 's3:ObjectCreated:CompleteMultipartUpload', bucket, key, size, etag, source: 'gateway', ...version }]);
    return { etag, size, ...version };
  }

  abort(ctx: RequestContext, bucket: string, key: string, uploadId: string): Promise<void> {
    checkTarget(bucket, key);
    checkUploadId(uploadId);
    return withStore(this.pool, ctx, (s) => s.multipart.abort(ctx, { bucket, key, uploadId }));
  }

  listParts(ctx: RequestContext, bucket: string, key: string, uploadId: string, opts: { marker: number; limit: number }): Promise<{ parts: PartInfo[]; truncated: boolean }> {
    checkTarget(bucket, key);
    checkUploadId(uploadId);
    return withStore(this.pool, ctx, (s) => s.multipart.listParts(ctx, { bucket, key, uploadId }, opts));
  }

  listUploads(
    ctx: RequestContext,
    bucket: string,
    opts: UploadListOptions,
  ): Promise<{ uploads: UploadInfo[]; prefixes: string[]; truncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }> {
    validateBucketName(bucket);
    return withStore(this.pool, ctx, (s) => s.multipart.listUploads(ctx, bucket, opts));
  }
}
