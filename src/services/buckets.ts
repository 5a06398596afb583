import { errors } from '../errors.js';
import type { TenantPool } from '../s3/client-pool.js';
import type { BucketInfo, ListResult } from '../model/object-store.js';
import { deleteKeys, withStore, type DeleteGuard } from './context.js';
import type { RequestContext } from '../model/context.js';
import type { EventSink } from './events.js';
import { validateBucketName } from '../model/names.js';

export const MAX_LIST_LIMIT = 1000;

export class BucketService {
  constructor(
    private readonly pool: TenantPool,
    private readonly events: EventSink,
    private readonly guard: DeleteGuard,
    /** Removes the native notification wiring of a bucket (its topic and entry). */
    private readonly unwire: (ctx: RequestContext, bucket: string) => Promise<void> = async () => {},
    /** Forgets what the gateway keeps of a deleted bucket (its CORS configuration). */
    private readonly forget: (tenantId: string, bucket: string) => Promise<void> = async () => {},
  ) {}

  list(ctx: RequestContext): Promise<BucketInfo[]> {
    return withStore(this.pool, ctx, (s) => s.listBuckets(ctx));
  }

  create(ctx: RequestContext, bucket: string): Promise<'created' | 'exists'> {
    validateBucketName(bucket);
    return withStore(this.pool, ctx, (s) => s.createBucket(ctx, bucket));
  }

  /** Another tenant's bucket answers false, exactly like an absent one. */
  exists(ctx: RequestContext, bucket: string): Promise<boolean> {
    validateBucketName(bucket);
    return withStore(this.pool, ctx, (s) => s.bucketExists(ctx, bucket));
  }

  /** With force, deletes every object (and unfinished upload) first, one batch of 1000 at a time. */
  async delete(ctx: RequestContext, bucket: string, force: boolean): Promise<void> {
    validateBucketName(bucket);
    const wired = await this.guard.wired(ctx.tenant.id, bucket);
    if (wired) {
      // A deleted bucket's topic and record would outlive it, and a bucket created again with the
      // name would inherit them: the wiring goes first, once the bucket is sure to go.
      if (!force && (await withStore(this.pool, ctx, (s) => s.listObjects(ctx, bucket, { limit: 1 }))).objects.length > 0) throw new errors.BucketNotEmpty(bucket);
      await this.unwire(ctx, bucket);
    }
    return withStore(this.pool, ctx, async (s) => {
      if (force) {
        for (;;) {
          const page = await s.listObjects(ctx, bucket, { limit: MAX_LIST_LIMIT });
          if (page.objects.length === 0) break;
          const keys = page.objects.map((o) => o.key);
          const res = await this.guard.guarded(ctx.tenant.id, bucket, (oneByOne) => deleteKeys(s, ctx, bucket, keys, oneByOne || wired));
          if (res.errors.length > 0) {
            // A key written or deleted by another request meanwhile can fail in a batch (RGW answers
            // UnknownError): those keys get one more try, one by one, before the delete gives up.
            const again = await deleteKeys(
              s,
              ctx,
              bucket,
              res.errors.map((e) => e.key),
              true,
            );
            res.deleted.push(...again.deleted);
            res.errors = again.errors;
          }
          await this.events.record(
            ctx.tenant.id,
            res.deleted.map((key) => ({ type: 's3:ObjectRemoved:Delete' as const, bucket, key, source: 'gateway' as const })),
          );
          if (res.errors.length > 0) {
            throw new errors.UpstreamError(`could not delete '${res.errors[0].key}': ${res.errors[0].code}`);
          }
        }
      }
      await s.deleteBucket(ctx, bucket, { abortUploads: force });
      await this.forget(ctx.tenant.id, bucket);
    });
  }

  listObjects(ctx: RequestContext, bucket: string, opts: { prefix?: string; delimiter?: string; limit?: number; cursor?: string; startAfter?: string }): Promise<ListResult> {
    validateBucketName(bucket);
    const limit = Math.min(Math.max(opts.limit ?? MAX_LIST_LIMIT, 1), MAX_LIST_LIMIT);
    return withStore(this.pool, ctx, (s) => s.listObjects(ctx, bucket, { ...opts, limit }));
  }
}
