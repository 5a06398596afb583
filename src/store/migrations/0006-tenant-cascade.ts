import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Tables that hold a tenant's rows, each removed with its tenant by the database itself. */
const TENANT_TABLES = ['webhooks', 'events', 'deliveries', 'ingest_tokens', 'bucket_notifications'] as const;

/**
 * Every row of a tenant refers to it with ON DELETE CASCADE, so deleting the tenant row removes all of
 * them in the same transaction; a delivery goes with its subscription, an attempt with its delivery.
 * (A delivery does not go with its event: retention drops old events while a delivery is pending.)
 * Rows left behind by tenants deleted before this migration are removed by it.
 */
export function tenantCascade(dialect: 'sqlite' | 'postgres'): Migration {
  return { up: dialect === 'postgres' ? postgresUp : sqliteUp };
}

async function removeOrphans(db: Kysely<any>): Promise<void> {
  for (const table of TENANT_TABLES) await sql`delete from ${sql.table(table)} where tenant_id not in (select id from tenants)`.execute(db);
  await sql`delete from deliveries where webhook_id not in (select id from webhooks)`.execute(db);
  await sql`delete from delivery_attempts where delivery_id not in (select id from deliveries)`.execute(db);
}

async function postgresUp(db: Kysely<any>): Promise<void> {
  await removeOrphans(db);
  for (const table of TENANT_TABLES) {
    await sql`alter table ${sql.table(table)} add constraint ${sql.ref(`${table}_tenant_fk`)} foreign key (tenant_id) references tenants (id) on delete cascade`.execute(db);
  }
  await sql`alter table deliveries add constraint deliveries_webhook_fk foreign key (webhook_id) references webhooks (id) on delete cascade`.execute(db);
  await sql`alter table delivery_attempts add constraint delivery_attempts_delivery_fk foreign key (delivery_id) references deliveries (id) on delete cascade`.execute(db);
  // A cascade finds the rows to delete by these columns.
  await db.schema.createIndex('deliveries_tenant').on('deliveries').column('tenant_id').execute();
}

/**
 * SQLite cannot add a constraint to a table: each table is built again with its foreign keys and its
 * rows copied, in one transaction, with foreign keys off while the tables are swapped (SQLite's
 * documented procedure for schema changes).
 */
async function sqliteUp(db: Kysely<any>): Promise<void> {
  await sql`pragma foreign_keys = off`.execute(db);
  await sql`begin`.execute(db);
  try {
    await removeOrphans(db);
    const tenantFk = 'not null references tenants (id) on delete cascade';
    await rebuild(
      db,
      'webhooks',
      `id text primary key, tenant_id text ${tenantFk}, url text not null, events text not null, filter text not null, description text, enabled integer not null, disabled_reason text, secret text not null, previous_secret text, previous_secret_until text, created_at text not null, updated_at text not null, failing_since text`,
      ['create index webhooks_tenant on webhooks (tenant_id)'],
    );
    await rebuild(
      db,
      'events',
      `id text primary key, tenant_id text ${tenantFk}, type text not null, bucket text not null, key text not null, size bigint, etag text, version_id text, sequencer text, source text not null, created_at text not null, dedup_key text, matched integer not null default 0`,
      ['create index events_tenant_id on events (tenant_id, id)', 'create index events_dedup on events (tenant_id, dedup_key, created_at)'],
    );
    await rebuild(
      db,
      'deliveries',
      `id text primary key, webhook_id text not null references webhooks (id) on delete cascade, tenant_id text ${tenantFk}, event_id text not null, status text not null, attempts integer not null, next_attempt_at text, last_status integer, last_error text, locked_until text, created_at text not null, updated_at text not null, locked_by text`,
      [
        'create index deliveries_due on deliveries (status, next_attempt_at)',
        'create index deliveries_webhook on deliveries (webhook_id, id)',
        'create index deliveries_tenant on deliveries (tenant_id)',
      ],
    );
    await rebuild(
      db,
      'delivery_attempts',
      'id text primary key, delivery_id text not null references deliveries (id) on delete cascade, at text not null, status_code integer, duration_ms integer not null, error text, response_excerpt text',
      ['create index delivery_attempts_delivery on delivery_attempts (delivery_id, id)'],
    );
    await rebuild(db, 'ingest_tokens', `tenant_id text primary key ${tenantFk.replace('not null ', '')}, token_hash text not null unique, token_sealed text not null, created_at text not null`, []);
    await rebuild(
      db,
      'bucket_notifications',
      `tenant_id text ${tenantFk}, bucket text not null, topic_arn text not null, created_at text not null, constraint bucket_notifications_pk primary key (tenant_id, bucket)`,
      [],
    );
    const broken = await sql<{ table: string }>`pragma foreign_key_check`.execute(db);
    if (broken.rows.length > 0) throw new Error(`foreign key check failed after the rebuild: ${JSON.stringify(broken.rows.slice(0, 5))}`);
    await sql`commit`.execute(db);
  } catch (err) {
    await sql`rollback`.execute(db);
    throw err;
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function rebuild(db: Kysely<any>, table: string, columns: string, indexes: string[]): Promise<void> {
  const next = `${table}_next`;
  await sql.raw(`create table ${next} (${columns})`).execute(db);
  const names = (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)).rows.map((r) => `"${r.name}"`).join(', ');
  await sql.raw(`insert into ${next} (${names}) select ${names} from ${table}`).execute(db);
  await sql.raw(`drop table ${table}`).execute(db);
  await sql.raw(`alter table ${next} rename to ${table}`).execute(db);
  for (const index of indexes) await sql.raw(index).execute(db);
}
