import type { Kysely } from 'kysely';
import { errors } from '../errors.js';
import type { TenantPool } from '../s3/client-pool.js';
import type { Database } from '../store/schema.js';
import { withStore, type DeleteGuard } from './context.js';
import type { RequestContext } from '../model/context.js';
import type { IngestService } from './ingest.js';
import { validateBucketName } from '../model/names.js';

export interface NotificationState {
  bucket: string;
  enabled: boolean;
  topicArn: string | null;
}

/**
 * Native notifications of a tenant's buckets, pointed at its ingest URL.
 *
 * RGW 16.2 aborts (taking every tenant on it down) on a batch delete (DeleteObjects) in a bucket with a
 * notification, also when the notification lands while the batch runs. So a bucket's wiring is recorded
 * before it is sent to the backend, batch deletes in the bucket then go one by one, and the wiring
 * waits until the batches this process already started have finished (guarded()).
 */
export class NotificationService implements DeleteGuard {
  /** tenant/bucket → batch deletes running in this process. */
  readonly #batches = new Map<string, number>();
  readonly #drained = new Map<string, (() => void)[]>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly pool: TenantPool,
    private readonly ingest: IngestService,
  ) {}

  /**
   * Removes every native notification the gateway wired for a tenant (topic and bucket entry), as far
   * as its backend lets it; what could not be removed is reported, not thrown.
   */
  async unwireAll(ctx: RequestContext): Promise<{ removed: string[]; failed: { bucket: string; error: string }[] }> {
    const rows = await this.db.selectFrom('bucket_notifications').selectAll().where('tenant_id', '=', ctx.tenant.id).execute();
    const report = { removed: [] as string[], failed: [] as { bucket: string; error: string }[] };
    for (const row of rows) {
      try {
        await withStore(this.pool, ctx, async (s) => {
          if (!s.notifications) throw new Error('this backend has no notification API');
          // '' : its wiring never reached the backend.
          if (row.topic_arn) await s.notifications.disable(ctx, row.bucket, row.topic_arn);
        });
        report.removed.push(row.bucket);
      } catch (err) {
        report.failed.push({ bucket: row.bucket, error: `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}` });
      }
    }
    return report;
  }

  /**
   * Runs a delete in the bucket: fn(true) (one key at a time) when the bucket is wired or being wired;
   * otherwise fn(false), counted as a running batch first, so a wiring that starts meanwhile waits for it.
   */
  async guarded<T>(tenantId: string, bucket: string, fn: (oneByOne: boolean) => Promise<T>): Promise<T> {
    const k = `${tenantId}/${bucket}`;
    this.#batches.set(k, (this.#batches.get(k) ?? 0) + 1);
    try {
      return await fn(await this.wired(tenantId, bucket));
    } finally {
      const left = this.#batches.get(k)! - 1;
      if (left > 0) this.#batches.set(k, left);
      else {
        this.#batches.delete(k);
        for (const wake of this.#drained.get(k) ?? []) wake();
        this.#drained.delete(k);
      }
    }
  }

  /** Resolves once no batch delete of this process runs in the bucket. */
  #drain(tenantId: string, bucket: string): Promise<void> {
    const k = `${tenantId}/${bucket}`;
    if (!this.#batches.has(k)) return Promise.resolve();
    return new Promise((resolve) => this.#drained.set(k, [...(this.#drained.get(k) ?? []), resolve]));
  }

  /** Whether the gateway wired this bucket, or is wiring it (RGW 16 aborts on a batch delete in such a bucket). */
  async wired(tenantId: string, bucket: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('bucket_notifications').select('bucket').where('tenant_id', '=', tenantId).where('bucket', '=', bucket).executeTakeFirst());
  }

  async get(ctx: RequestContext, bucket: string): Promise<NotificationState> {
    validateBucketName(bucket);
    if (!(await withStore(this.pool, ctx, (s) => s.bucketExists(ctx, bucket)))) throw new errors.BucketNotFound(bucket);
    const row = await this.db.selectFrom('bucket_notifications').selectAll().where('tenant_id', '=', ctx.tenant.id).where('bucket', '=', bucket).executeTakeFirst();
    return { bucket, enabled: Boolean(row), topicArn: row?.topic_arn || null };
  }

  /**
   * enabled: creates the topic (pushing to the tenant's ingest URL under the gateway's public URL) and
   * the bucket's notification entry; false removes both. Idempotent.
   */
  async set(ctx: RequestContext, bucket: string, enabled: boolean, persistent: boolean): Promise<NotificationState> {
    validateBucketName(bucket);
    const current = await this.get(ctx, bucket);
    await withStore(this.pool, ctx, async (s) => {
      if (!s.notifications) {
        throw new errors.NotificationsUnsupported(ctx.tenant.driver === 'disk' ? 'the disk driver sees every write itself' : 'on AWS, wire SNS or EventBridge by hand (see the README)');
      }
      if (enabled) {
        const url = ctx.origin + (await this.ingest.pathFor(ctx.tenant.id));
        // Recorded first (topic to come: ''), so batch deletes go one by one from now on; then the
        // batches already running here finish before the bucket gets its notification.
        const marked = !current.enabled;
        if (marked) {
          await this.db
            .insertInto('bucket_notifications')
            .values({ tenant_id: ctx.tenant.id, bucket, topic_arn: '', created_at: new Date().toISOString() })
            .onConflict((oc) => oc.columns(['tenant_id', 'bucket']).doNothing())
            .execute();
        }
        await this.#drain(ctx.tenant.id, bucket);
        let topicArn: string;
        try {
          ({ topicArn } = await s.notifications.enable(ctx, bucket, url, persistent, current.topicArn ?? undefined));
        } catch (err) {
          if (marked) await this.db.deleteFrom('bucket_notifications').where('tenant_id', '=', ctx.tenant.id).where('bucket', '=', bucket).where('topic_arn', '=', '').execute();
          throw err;
        }
        await this.db.updateTable('bucket_notifications').set({ topic_arn: topicArn }).where('tenant_id', '=', ctx.tenant.id).where('bucket', '=', bucket).execute();
      } else if (current.topicArn) {
        await s.notifications.disable(ctx, bucket, current.topicArn);
        await this.db.deleteFrom('bucket_notifications').where('tenant_id', '=', ctx.tenant.id).where('bucket', '=', bucket).execute();
      }
    });
    return this.get(ctx, bucket);
  }
}
