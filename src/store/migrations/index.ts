import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { tenantCascade } from './0006-tenant-cascade.js';
import { destinations } from './0016-destinations.js';

/** Portable across SQLite and PostgreSQL: text ids and timestamps, JSON kept as text. Never edit a shipped one. */
export function migrationsFor(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    ...migrations,
    '0006_tenant_cascade': tenantCascade(dialect),
    '0007_multipart_uploads': multipartUploads,
    '0008_s3_keys': s3Keys,
    '0009_tus_uploads': tusUploads(dialect),
    '0010_state_meta': stateMeta,
    '0011_event_trace': eventTrace,
    '0012_deliveries_open': deliveriesOpen(dialect),
    '0013_deliveries_tenant': deliveriesTenant(dialect),
    '0014_tus_creations': tusCreations,
    '0015_bucket_cors': bucketCors,
    '0016_destinations': destinations,
  };
}

/**
 * The CORS configuration of a tenant's bucket, as the S3 door answers browsers with it: kept by the
 * gateway (a preflight carries no key, so the door finds the bucket's rules by its name).
 */
const bucketCors: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('bucket_cors')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('bucket_cors_pk', ['tenant_id', 'bucket'])
      .execute();
    await db.schema.createIndex('bucket_cors_bucket').on('bucket_cors').column('bucket').execute();
  },
};

/** Multipart uploads the gateway started and has not seen completed or aborted (the janitor's list). */
const multipartUploads: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('multipart_uploads')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('upload_id', 'text', (c) => c.notNull())
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text')
      .addColumn('last_error', 'text')
      .addPrimaryKeyConstraint('multipart_uploads_pk', ['tenant_id', 'upload_id'])
      .execute();
    await db.schema.createIndex('multipart_uploads_due').on('multipart_uploads').columns(['state', 'next_attempt_at']).execute();
  },
};

/** S3 access keys of tenants (for the S3-protocol door): the secret sealed, since SigV4 needs it whole. */
const s3Keys: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('s3_keys')
      .addColumn('access_key_id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('s3_keys_tenant').on('s3_keys').column('tenant_id').execute();
  },
};

/**
 * Resumable (tus) uploads: the upload's target and progress, the multipart parts stored so far, and
 * the bytes received past the last part (less than one part), so any gateway process can resume it.
 */
function tusUploads(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tus_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('upload_id', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('received', 'bigint', (c) => c.notNull())
        .addColumn('part_size', 'bigint', (c) => c.notNull())
        .addColumn('tail', dialect === 'postgres' ? 'bytea' : 'blob')
        .addColumn('content_type', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('tus_metadata', 'text', (c) => c.notNull())
        .addColumn('create_only', 'integer', (c) => c.notNull())
        .addColumn('presigned', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('etag', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('lock_owner', 'text')
        .addColumn('lock_until', 'text')
        .execute();
      await db.schema.createIndex('tus_uploads_expiry').on('tus_uploads').column('expires_at').execute();
      await db.schema.createIndex('tus_uploads_tenant').on('tus_uploads').column('tenant_id').execute();
      await db.schema
        .createTable('tus_parts')
        .addColumn('upload', 'text', (c) => c.notNull().references('tus_uploads.id').onDelete('cascade'))
        .addColumn('part_number', 'integer', (c) => c.notNull())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('tus_parts_pk', ['upload', 'part_number'])
        .execute();
    },
  };
}

/** Facts about the state store itself: the master key's canary. */
const stateMeta: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('state_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};

/** The trace context of the write that caused an event, so its webhook deliveries join that trace. */
const eventTrace: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('events').addColumn('trace_parent', 'text').execute();
  },
};

/**
 * The dispatcher's claim walks deliveries still to send in next_attempt_at order. The index of 0002 has
 * status first, so `status in ('pending', 'failed') order by next_attempt_at` read and sorted every
 * open delivery on each claim (a profile of a 10,000-event burst: 3.1 s of 13.7 in SQLite), and
 * SQLite's planner kept choosing it over a partial index beside it. Nothing else used it: it is
 * replaced by one that holds only open deliveries, in the claim's order.
 */
function deliveriesOpen(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`drop index deliveries_due`.execute(db);
      if (dialect === 'sqlite') {
        // With the claim's other columns, so claimed rows (locked) are skipped in the index, not the table.
        await sql`create index deliveries_open on deliveries (next_attempt_at, locked_until, webhook_id, id, status) where status in ('pending', 'failed')`.execute(db);
        return;
      }
      // PostgreSQL: the claim's update (locked_until, locked_by) touches no indexed column, so it is a
      // HOT update that adds no index entry. Every finished delivery still leaves a dead entry until a
      // vacuum: deliveries is a queue table, vacuumed and analysed after 1% of it changed (not 20%).
      await sql`create index deliveries_open on deliveries (next_attempt_at) where status in ('pending', 'failed')`.execute(db);
      await sql`alter table deliveries set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02, fillfactor = 80)`.execute(db);
    },
  };
}

/**
 * The presigned tus creation URLs that have created their upload, kept until the URL expires: a URL
 * creates one upload, so a repeated creation answers that upload (a client retrying a lost answer) or,
 * once it is gone, 409, never a second one.
 */
const tusCreations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('tus_creations')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('upload', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('tus_creations_pk', ['tenant_id', 'nonce'])
      .execute();
    await db.schema.createIndex('tus_creations_expiry').on('tus_creations').column('expires_at').execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_tenants': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('driver', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('api_keys_tenant').on('api_keys').column('tenant_id').execute();
    },
  },
  '0002_events': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint')
        .addColumn('etag', 'text')
        .addColumn('version_id', 'text')
        .addColumn('sequencer', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_tenant_id').on('events').columns(['tenant_id', 'id']).execute();
      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('filter', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhooks_tenant').on('webhooks').column('tenant_id').execute();
      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('locked_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('deliveries_webhook').on('deliveries').columns(['webhook_id', 'id']).execute();
    },
  },
  '0003_delivery_attempts': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('webhooks').addColumn('failing_since', 'text').execute();
      await db.schema.alterTable('deliveries').addColumn('locked_by', 'text').execute();
      await db.schema
        .createTable('delivery_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('response_excerpt', 'text')
        .execute();
      await db.schema.createIndex('delivery_attempts_delivery').on('delivery_attempts').columns(['delivery_id', 'id']).execute();
    },
  },
  '0004_native_events': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ingest_tokens')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('token_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('events').addColumn('dedup_key', 'text').execute();
      await db.schema
        .alterTable('events')
        .addColumn('matched', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('events_dedup').on('events').columns(['tenant_id', 'dedup_key', 'created_at']).execute();
    },
  },
  '0005_bucket_notifications': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bucket_notifications')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('bucket', 'text', (c) => c.notNull())
        .addColumn('topic_arn', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('bucket_notifications_pk', ['tenant_id', 'bucket'])
        .execute();
    },
  },
};

/**
 * A delivery goes with its tenant through its subscription (deliveries_webhook_fk, and the webhooks'
 * own cascade from tenants), so its direct key to the tenant and that key's index were a second path
 * to the same rows, kept up on every insert and on every finished delivery (a non-HOT update adds an
 * entry to each index). Without them PostgreSQL spent 0.110 ms of CPU per replayed event instead of
 * 0.116 (medians of 7 rounds, bench/results/ab-2026-12-05T02-25-51.json). SQLite keeps both: dropping a foreign key there
 * rebuilds the table, and its insert and update costs were not where its time went.
 */
function deliveriesTenant(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'sqlite') return;
      await sql`alter table deliveries drop constraint deliveries_tenant_fk`.execute(db);
      await sql`drop index deliveries_tenant`.execute(db);
    },
  };
}
