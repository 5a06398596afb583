import type { Kysely } from 'kysely';
import { errors } from '../errors.js';
import type { TenantPool } from '../s3/client-pool.js';
import type { Database } from '../store/schema.js';
import { withStore, type RequestContext } from './context.js';
import type { IngestService } from './ingest.js';
import { validateBucketName } from './validate.js';

export interface NotificationState {
  bucket: string;
  enabled: boolean;
  topicArn: string | null;
}

/** Native notifications of a tenant's buckets, pointed at its ingest URL. */
export class NotificationService {
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
          await s.notifications.disable(ctx, row.bucket, row.topic_arn);
        });
        report.removed.push(row.bucket);
      } catch (err) {
        report.failed.push({ bucket: row.bucket, error: `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}` });
      }
    }
    return report;
  }

  /** Whether the gateway wired this bucket (RGW 16 aborts on a batch delete in such a bucket). */
  async wired(tenantId: string, bucket: string): Promise<boolean> {
    return Boolean(await this.db.selectFrom('bucket_notifications').select('bucket').where('tenant_id', '=', tenantId).where('bucket', '=', bucket).executeTakeFirst());
  }

  async get(ctx: RequestContext, bucket: string): Promise<NotificationState> {
    validateBucketName(bucket);
    if (!(await withStore(this.pool, ctx, (s) => s.bucketExists(ctx, bucket)))) throw new errors.BucketNotFound(bucket);
    const row = await this.db.selectFrom('bucket_notifications').selectAll().where('tenant_id', '=', ctx.tenant.id).where('bucket', '=', bucket).executeTakeFirst();
    return { bucket, enabled: Boolean(row), topicArn: row?.topic_arn ?? null };
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
        const { topicArn } = await s.notifications.enable(ctx, bucket, url, persistent, current.topicArn ?? undefined);
        const row = { tenant_id: ctx.tenant.id, bucket, topic_arn: topicArn, created_at: new Date().toISOString() };
        await this.db
          .insertInto('bucket_notifications')
          .values(row)
          .onConflict((oc) => oc.columns(['tenant_id', 'bucket']).doUpdateSet({ topic_arn: topicArn }))
          .execute();
      } else if (current.topicArn) {
        await s.notifications.disable(ctx, bucket, current.topicArn);
        await this.db.deleteFrom('bucket_notifications').where('tenant_id', '=', ctx.tenant.id).where('bucket', '=', bucket).execute();
      }
    });
    return this.get(ctx, bucket);
  }
}
