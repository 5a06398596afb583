import { errors } from '../errors.js';
import type { RequestContext } from '../model/context.js';
import { type CorsRule, validateCors } from '../model/cors.js';
import { validateBucketName } from '../model/names.js';
import type { CorsRepo } from '../store/cors.js';
import type { BucketService } from './buckets.js';

/**
 * Buckets' CORS configurations, kept by the gateway on every driver: the S3 door answers browsers'
 * preflights and adds Access-Control-* headers from them. A preflight carries no key, so it finds the
 * rules by bucket name; a name two tenants both configured answers no rule (403), never another's.
 */
export class CorsService {
  constructor(
    private readonly repo: CorsRepo,
    private readonly buckets: Pick<BucketService, 'exists'>,
  ) {}

  async put(ctx: RequestContext, bucket: string, rules: CorsRule[]): Promise<void> {
    validateBucketName(bucket);
    validateCors(rules);
    if (!(await this.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
    await this.repo.put({ tenant_id: ctx.tenant.id, bucket, rules: JSON.stringify(rules), updated_at: new Date().toISOString() });
  }

  /** The bucket's rules, or undefined when it has none (a missing bucket is BucketNotFound). */
  async get(ctx: RequestContext, bucket: string): Promise<CorsRule[] | undefined> {
    validateBucketName(bucket);
    if (!(await this.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
    return this.rules(ctx.tenant.id, bucket);
  }

  async delete(ctx: RequestContext, bucket: string): Promise<void> {
    validateBucketName(bucket);
    if (!(await this.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
    await this.repo.delete(ctx.tenant.id, bucket);
  }

  /** The rules of a tenant's bucket, for a request that carries an Origin. */
  async rules(tenantId: string, bucket: string): Promise<CorsRule[] | undefined> {
    const row = await this.repo.get(tenantId, bucket);
    return row ? (JSON.parse(row.rules) as CorsRule[]) : undefined;
  }

  /** The rules for a preflight, found by the bucket's name alone. */
  async forPreflight(bucket: string): Promise<CorsRule[] | undefined> {
    const rows = await this.repo.byBucket(bucket);
    return rows.length === 1 ? (JSON.parse(rows[0].rules) as CorsRule[]) : undefined;
  }
}
