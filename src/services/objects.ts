import { finished, type Readable } from 'node:stream';
import { errors, limits } from '../errors.js';
import type { TenantPool } from '../s3/client-pool.js';
import type {
  Conditions,
  ContentHeaders,
  CopyOptions,
  DeletedVersion,
  DeleteVersionsResult,
  VersionRef,
  ReadOptions,
  DeleteManyResult,
  GetResult,
  HeadResult,
  ObjectRef,
  VersionListOptions,
  VersionPage,
} from '../model/object-store.js';
import { deleteKeys, withStore, type DeleteGuard } from './context.js';
import type { RequestContext } from '../model/context.js';
import { checkCopySource, guardedUpload } from '../model/upload-guard.js';
import type { EventSink } from './events.js';
import type { EventType } from '../model/event.js';
import type { WritePrecondition } from '../model/preconditions.js';
import { type Tags, validateTags } from '../model/tags.js';
import type { LimitService } from './limits.js';
import { validateBucketName, validateContentHeaders, validateContentType, validateKey, validateMetadata } from '../model/names.js';

export const MAX_BATCH_DELETE = 1000;
export const MAX_TEXT_BYTES = 1024 * 1024;

export interface PutInput {
  body: Readable;
  contentType?: string;
  metadata?: Record<string, string>;
  /** Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires to keep with it. */
  headers?: ContentHeaders;
  contentLength?: number;
  /** The write's preconditions (If-Match, If-None-Match), applied by the driver when the object is committed. */
  precondition?: WritePrecondition;
  /** The object's tags, stored with it. */
  tags?: Tags;
  /** s3:ObjectCreated:Post for form uploads; otherwise Put, or CompleteMultipartUpload when sent in parts. */
  eventType?: EventType;
}

export interface Stored {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  /** The version a versioned bucket made (S3 backends). */
  versionId?: string;
}

function checkTarget(bucket: string, key: string) {
  validateBucketName(bucket);
  validateKey(key);
}

/**
 * Object operations. Every change is recorded as an event (with its webhook deliveries) before the
 * call returns: a failure to record fails the call, so no change is acknowledged without its event.
 */
export class ObjectService {
  constructor(
    private readonly pool: TenantPool,
    private readonly events: EventSink,
    private readonly guard: DeleteGuard,
    private readonly limits: Pick<LimitService, 'upload'>,
  ) {}

  /**
   * Streams a body into an object. On a client abort, a body over the limit or a backend error the
   * backend request is aborted, so no object (and no multipart upload) is left behind.
   */
  async put(ctx: RequestContext, bucket: string, key: string, input: PutInput): Promise<Stored> {
    checkTarget(bucket, key);
    const metadata = input.metadata ?? {};
    validateMetadata(metadata);
    validateContentType(input.contentType);
    validateContentHeaders(input.headers);
    if (input.tags) validateTags(input.tags);
    const limit = ctx.tenant.limits.maxObjectSize;
    if (input.contentLength !== undefined && input.contentLength > limit) throw new errors.PayloadTooLarge(limits.tenant(limit));
    const type = input.eventType;
    const stored = await guardedUpload(ctx, this.limits, input.body, limit, (body, signal) =>
      withStore(this.pool, ctx, (s) =>
        s.putObject({ signal }, bucket, key, body, {
          contentType: input.contentType,
          metadata,
          headers: input.headers,
          contentLength: input.contentLength,
          precondition: input.precondition,
          tags: input.tags,
        }),
      ),
    );
    const versionId = stored.result.versionId;
    await this.events.record(ctx.tenant.id, [
      {
        type: type ?? (stored.result.multipart ? 's3:ObjectCreated:CompleteMultipartUpload' : 's3:ObjectCreated:Put'),
        bucket,
        key,
        size: stored.bytes,
        etag: stored.result.etag,
        source: 'gateway',
        ...(versionId && { versionId }),
      },
    ]);
    return { bucket, key, etag: stored.result.etag, size: stored.bytes, ...(versionId && { versionId }) };
  }

  /**
   * The content of a small object as UTF-8 text, read whole (at most maxBytes, so memory stays bounded).
   */
  async text(ctx: RequestContext, bucket: string, key: string, maxBytes: number): Promise<string> {
    if (!Number.isInteger(maxBytes) || maxBytes < 0 || maxBytes > MAX_TEXT_BYTES) throw new errors.Validation(`maxBytes must be from 0 to ${MAX_TEXT_BYTES}; got ${maxBytes}`);
    const res = await this.get(ctx, bucket, key, {});
    if (res.status === 304) throw new errors.Internal();
    if (res.info.size > maxBytes) {
      res.body.destroy();
      throw new errors.TextTooLarge(key, res.info.size, maxBytes);
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      // The object may have grown since its size was read.
      if (bytes > maxBytes) {
        res.body.destroy();
        throw new errors.TextTooLarge(key, bytes, maxBytes);
      }
      chunks.push(chunk);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw new errors.NotText(key);
    }
  }

  /** The pool admission is held until the body has been read or destroyed. */
  async get(ctx: RequestContext, bucket: string, key: string, opts: ReadOptions): Promise<GetResult> {
    checkTarget(bucket, key);
    const lease = this.pool.lease(ctx.tenant);
    try {
      const res = await lease.store.getObject(ctx, bucket, key, opts);
      if (res.status === 304) lease.release();
      else finished(res.body, () => lease.release());
      return res;
    } catch (err) {
      lease.release();
      throw err;
    }
  }

  head(ctx: RequestContext, bucket: string, key: string, conditions?: Conditions, partNumber?: number): Promise<HeadResult> {
    checkTarget(bucket, key);
    return withStore(this.pool, ctx, (s) => s.headObject(ctx, bucket, key, conditions, partNumber));
  }

  /** In a versioned bucket (S3 backends) the delete makes a delete marker: said in the answer and the event. */
  async delete(ctx: RequestContext, bucket: string, key: string): Promise<DeletedVersion> {
    checkTarget(bucket, key);
    const out = (await withStore(this.pool, ctx, (s) => s.deleteObject(ctx, bucket, key))) ?? { deleteMarker: false };
    const type = out.deleteMarker ? 's3:ObjectRemoved:DeleteMarkerCreated' : 's3:ObjectRemoved:Delete';
    await this.events.record(ctx.tenant.id, [{ type, bucket, key, source: 'gateway', ...(out.versionId && { versionId: out.versionId }) }]);
    return out;
  }

  async deleteMany(ctx: RequestContext, bucket: string, keys: string[]): Promise<DeleteManyResult> {
    validateBucketName(bucket);
    if (keys.length > MAX_BATCH_DELETE) throw new errors.TooManyKeys(keys.length);
    for (const key of keys) validateKey(key);
    const unique = [...new Set(keys)];
    const res = await withStore(this.pool, ctx, (s) => this.guard.guarded(ctx.tenant.id, bucket, (oneByOne) => deleteKeys(s, ctx, bucket, unique, oneByOne)));
    await this.events.record(
      ctx.tenant.id,
      res.deleted.map((key) => ({ type: 's3:ObjectRemoved:Delete' as const, bucket, key, source: 'gateway' as const })),
    );
    return res;
  }

  /** An object's tags ({} when it has none). */
  getTags(ctx: RequestContext, bucket: string, key: string): Promise<Tags> {
    checkTarget(bucket, key);
    return withStore(this.pool, ctx, (s) => s.getTags(ctx, bucket, key));
  }

  /** Replaces an object's tags ({} removes them): s3:ObjectTagging:Put, or :Delete. */
  async putTags(ctx: RequestContext, bucket: string, key: string, tags: Tags): Promise<void> {
    checkTarget(bucket, key);
    validateTags(tags);
    const none = Object.keys(tags).length === 0;
    await withStore(this.pool, ctx, (s) => (none ? s.deleteTags(ctx, bucket, key) : s.putTags(ctx, bucket, key, tags)));
    await this.events.record(ctx.tenant.id, [{ type: none ? 's3:ObjectTagging:Delete' : 's3:ObjectTagging:Put', bucket, key, source: 'gateway' }]);
  }

  /** A page of a bucket's versions and delete markers (S3 backends). */
  listVersions(ctx: RequestContext, bucket: string, opts: Omit<VersionListOptions, 'limit'> & { limit?: number }): Promise<VersionPage> {
    validateBucketName(bucket);
    const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 1000);
    return withStore(this.pool, ctx, (s) => {
      if (!s.listVersions) throw new errors.NeedsS3Backend('Listing object versions');
      return s.listVersions(ctx, bucket, { ...opts, limit });
    });
  }

  /** Deletes one version (or delete marker) of an object; `null` on the disk driver is the object itself. */
  async deleteVersion(ctx: RequestContext, bucket: string, key: string, versionId: string): Promise<void> {
    checkTarget(bucket, key);
    if (versionId === 'null' && ctx.tenant.driver === 'disk') return void (await this.delete(ctx, bucket, key));
    const res = await this.deleteVersions(ctx, bucket, [{ key, versionId }]);
    const failed = res.errors[0];
    if (failed?.code === 'NoSuchVersion') throw new errors.VersionNotFound(versionId, key);
    if (failed) throw new errors.UpstreamError(`could not delete version '${versionId}' of '${key}': ${failed.code}`);
  }

  /** DeleteObjects naming versions: S3 backends only; each version deleted (or marker made) is an event with its versionId. */
  async deleteVersions(ctx: RequestContext, bucket: string, objects: VersionRef[]): Promise<DeleteVersionsResult> {
    validateBucketName(bucket);
    if (objects.length > MAX_BATCH_DELETE) throw new errors.TooManyKeys(objects.length);
    for (const o of objects) validateKey(o.key);
    const res = await withStore(this.pool, ctx, (s) => {
      const remove = s.deleteVersions?.bind(s);
      if (!remove) throw new errors.NeedsS3Backend('Deleting object versions');
      return this.guard.guarded(ctx.tenant.id, bucket, (oneByOne) => remove(ctx, bucket, objects, oneByOne));
    });
    await this.events.record(
      ctx.tenant.id,
      res.deleted.map((d) => {
        const versionId = d.versionId ?? d.deleteMarkerVersionId;
        const type = d.deleteMarker && !d.versionId ? ('s3:ObjectRemoved:DeleteMarkerCreated' as const) : ('s3:ObjectRemoved:Delete' as const);
        return { type, bucket, key: d.key, source: 'gateway' as const, ...(versionId && { versionId }) };
      }),
    );
    return res;
  }

  /** Copies within the tenant; move deletes the source once the copy is stored. */
  async copy(ctx: RequestContext, source: ObjectRef, destination: ObjectRef, move: boolean, opts: CopyOptions = {}): Promise<{ bucket: string; key: string; etag: string; lastModified?: Date }> {
    checkTarget(source.bucket, source.key);
    checkTarget(destination.bucket, destination.key);
    if (opts.replace) {
      validateMetadata(opts.replace.metadata);
      validateContentType(opts.replace.contentType);
      validateContentHeaders(opts.replace.headers);
    }
    const moved = move && !(source.bucket === destination.bucket && source.key === destination.key);
    const { etag, size, lastModified } = await withStore(this.pool, ctx, async (s) => {
      await checkCopySource(s, ctx, source, opts.conditions);
      const out = await s.copyObject(ctx, source, destination, opts);
      if (moved) await s.deleteObject(ctx, source.bucket, source.key);
      // CopyObject does not report the size; the event carries it, so ask within the same admission.
      const head = await s.headObject(ctx, destination.bucket, destination.key).catch(() => undefined);
      return { etag: out.etag, size: head?.status === 200 ? head.info.size : undefined, lastModified: out.lastModified ?? head?.info.lastModified };
    });
    await this.events.record(ctx.tenant.id, [
      { type: 's3:ObjectCreated:Copy', bucket: destination.bucket, key: destination.key, etag, size, source: 'gateway' },
      ...(moved ? [{ type: 's3:ObjectRemoved:Delete' as const, bucket: source.bucket, key: source.key, source: 'gateway' as const }] : []),
    ]);
    return { bucket: destination.bucket, key: destination.key, etag, lastModified };
  }
}
