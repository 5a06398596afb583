import type { Kysely } from 'kysely';
import type { BucketCorsRow, Database } from './schema.js';

/** Buckets' CORS configurations (rules as JSON text). */
export class CorsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async put(row: BucketCorsRow): Promise<void> {
    await this.db
      .insertInto('bucket_cors')
      .values(row)
      .onConflict((oc) => oc.columns(['tenant_id', 'bucket']).doUpdateSet({ rules: row.rules, updated_at: row.updated_at }))
      .execute();
  }

  get(tenantId: string, bucket: string): Promise<BucketCorsRow | undefined> {
    return this.db.selectFrom('bucket_cors').selectAll().where('tenant_id', '=', tenantId).where('bucket', '=', bucket).executeTakeFirst();
  }

  /** At most two: the caller only needs to know whether one tenant alone has the name. */
  byBucket(bucket: string): Promise<BucketCorsRow[]> {
    return this.db.selectFrom('bucket_cors').selectAll().where('bucket', '=', bucket).limit(2).execute();
  }

  async delete(tenantId: string, bucket: string): Promise<void> {
    await this.db.deleteFrom('bucket_cors').where('tenant_id', '=', tenantId).where('bucket', '=', bucket).execute();
  }
}
