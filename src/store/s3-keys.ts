import type { Kysely } from 'kysely';
import type { Database, S3KeyRow } from './schema.js';

/** S3 access keys of tenants; no crypto here. */
export class S3KeyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: S3KeyRow): Promise<void> {
    await this.db.insertInto('s3_keys').values(row).execute();
  }

  list(tenantId: string): Promise<S3KeyRow[]> {
    return this.db.selectFrom('s3_keys').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
  }

  /** A live key by its id. */
  live(accessKeyId: string): Promise<S3KeyRow | undefined> {
    return this.db.selectFrom('s3_keys').selectAll().where('access_key_id', '=', accessKeyId).where('revoked_at', 'is', null).executeTakeFirst();
  }

  async revoke(tenantId: string, accessKeyId: string, at: string): Promise<boolean> {
    const res = await this.db
      .updateTable('s3_keys')
      .set({ revoked_at: at })
      .where('access_key_id', '=', accessKeyId)
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
