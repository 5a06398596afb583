import type { Kysely } from 'kysely';
import type { ApiKeyRow, Database, TenantRow } from './schema.js';

/** Database access for tenants and their API keys; no validation, no crypto. */
export class TenantRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(id: string): Promise<TenantRow | undefined> {
    return this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  list(): Promise<TenantRow[]> {
    return this.db.selectFrom('tenants').selectAll().orderBy('id').execute();
  }

  count(): Promise<number> {
    return this.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  }

  /** Inserts; false when the id is taken. */
  async insert(row: TenantRow, key?: ApiKeyRow): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .insertInto('tenants')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (key) await trx.insertInto('api_keys').values(key).execute();
      return true;
    });
  }

  /** Optimistic update: succeeds only when the stored version is still `expectedVersion`. */
  async update(row: TenantRow, expectedVersion: number): Promise<boolean> {
    const res = await this.db
      .updateTable('tenants')
      .set({ driver: row.driver, settings: row.settings, secrets: row.secrets, version: row.version, updated_at: row.updated_at })
      .where('id', '=', row.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** One statement: keys, webhooks, deliveries and their attempts, events, ingest token and wiring go with it (cascade). */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  async addKey(key: ApiKeyRow): Promise<void> {
    await this.db.insertInto('api_keys').values(key).execute();
  }

  async revokeKey(tenantId: string, keyId: string, at: string): Promise<boolean> {
    const res = await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', keyId).where('tenant_id', '=', tenantId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The tenant id owning a live key with this hash. */
  async tenantIdForKeyHash(hash: string): Promise<{ tenantId: string; keyId: string } | undefined> {
    const row = await this.db.selectFrom('api_keys').select(['tenant_id', 'id']).where('hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
    return row && { tenantId: row.tenant_id, keyId: row.id };
  }

  /** Key hashes of a tenant (to drop them from caches). */
  /** A tenant's API keys, oldest first: ids and dates (never a hash). */
  async listKeys(tenantId: string): Promise<{ id: string; created_at: string; revoked_at: string | null }[]> {
    return this.db.selectFrom('api_keys').select(['id', 'created_at', 'revoked_at']).where('tenant_id', '=', tenantId).orderBy('created_at').orderBy('id').execute();
  }

  async keyHashes(tenantId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('api_keys').select('hash').where('tenant_id', '=', tenantId).execute();
    return rows.map((r) => r.hash);
  }

  async keyHash(tenantId: string, keyId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('api_keys').select('hash').where('tenant_id', '=', tenantId).where('id', '=', keyId).executeTakeFirst();
    return row?.hash;
  }
}
