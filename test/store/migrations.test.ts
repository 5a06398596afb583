import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import t from 'tap';
import { openDb } from '../../src/store/db.js';
import { migrationsFor } from '../../src/store/migrations/index.js';
import { tempDir, tempPgDatabase } from '../helpers/app.js';

const now = new Date().toISOString();

/** Rows of a live tenant and of one deleted before foreign keys existed (its rows were left behind). */
async function seed(db: Kysely<any>) {
  await db.insertInto('tenants').values({ id: 'live', driver: 'disk', settings: '{"pool":{},"limits":{}}', secrets: null, version: 1, created_at: now, updated_at: now }).execute();
  for (const tenant of ['live', 'dead']) {
    const hook = {
      id: `wh_${tenant}`,
      tenant_id: tenant,
      url: 'http://127.0.0.1/h',
      events: '["*"]',
      filter: '{}',
      description: null,
      enabled: 1,
      disabled_reason: null,
      secret: 's',
      previous_secret: null,
      previous_secret_until: null,
      created_at: now,
      updated_at: now,
    };
    await db.insertInto('webhooks').values(hook).execute();
    await db
      .insertInto('events')
      .values({
        id: `evt_${tenant}`,
        tenant_id: tenant,
        type: 's3:ObjectCreated:Put',
        bucket: 'b',
        key: 'k',
        size: 1,
        etag: 'e',
        version_id: null,
        sequencer: null,
        source: 'gateway',
        created_at: now,
      })
      .execute();
    await db
      .insertInto('deliveries')
      .values({
        id: `dlv_${tenant}`,
        webhook_id: hook.id,
        tenant_id: tenant,
        event_id: `evt_${tenant}`,
        status: 'failed',
        attempts: 1,
        next_attempt_at: now,
        last_status: 500,
        last_error: null,
        locked_until: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto('delivery_attempts')
      .values({ id: `att_${tenant}`, delivery_id: `dlv_${tenant}`, at: now, status_code: 500, duration_ms: 1, error: null, response_excerpt: null })
      .execute();
    await db
      .insertInto('ingest_tokens')
      .values({ tenant_id: tenant, token_hash: `h_${tenant}`, token_sealed: 's', created_at: now })
      .execute();
    await db.insertInto('bucket_notifications').values({ tenant_id: tenant, bucket: 'b', topic_arn: 'arn', created_at: now }).execute();
  }
}

const TABLES = ['webhooks', 'events', 'deliveries', 'delivery_attempts', 'ingest_tokens', 'bucket_notifications'];

async function rowsOf(db: Kysely<any>) {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = (await sql<{ v: string }>`select ${sql.ref(table === 'delivery_attempts' ? 'delivery_id' : 'tenant_id')} as v from ${sql.table(table)}`.execute(db)).rows;
    out[table] = rows.map((r) => r.v).sort();
  }
  return out;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  t.test(`the cascade migration keeps live rows, removes orphans and cascades from then on (${dialect})`, async (t) => {
    const dataDir = tempDir(t);
    const databaseUrl = dialect === 'postgres' ? await tempPgDatabase(t) : undefined;
    let old: Kysely<any>;
    if (databaseUrl) {
      old = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) });
    } else {
      mkdirSync(dataDir, { recursive: true });
      old = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(join(dataDir, 's3gate.sqlite')) }) });
    }
    // The state store as the previous release left it: migrations up to 0005.
    const migrator = new Migrator({ db: old, provider: { getMigrations: async () => migrationsFor(dialect) } });
    const res = await migrator.migrateTo('0005_bucket_notifications');
    t.error(res.error);
    await seed(old);
    await old.destroy();

    const db = await openDb({ databaseUrl, dataDir });
    t.teardown(() => db.close());
    const after = await rowsOf(db.kysely);
    for (const table of TABLES) t.same(after[table], [table === 'delivery_attempts' ? 'dlv_live' : 'live'], `${table}: the live tenant's row stays, the orphan is gone`);

    await db.kysely.deleteFrom('tenants').where('id', '=', 'live').execute();
    const empty = await rowsOf(db.kysely);
    for (const table of TABLES) t.same(empty[table], [], `${table}: cascaded`);
    const orphan = db.kysely
      .insertInto('webhooks')
      .values({
        id: 'wh_x',
        tenant_id: 'nobody',
        url: 'u',
        events: '[]',
        filter: '{}',
        description: null,
        enabled: 1,
        disabled_reason: null,
        secret: 's',
        previous_secret: null,
        previous_secret_until: null,
        created_at: now,
        updated_at: now,
        failing_since: null,
        kind: 'webhook',
        format: 'json',
        destination: '{}',
        credentials: null,
      })
      .execute();
    await t.rejects(orphan, 'a row of a tenant that does not exist is refused by the database');
  });
}

const latest = Object.keys(migrationsFor('sqlite')).sort().at(-1)!;

for (const dialect of ['sqlite', 'postgres'] as const) {
  t.test(`the schema version is recorded; a binary older than the schema refuses to start (${dialect})`, async (t) => {
    const dataDir = tempDir(t);
    const databaseUrl = dialect === 'postgres' ? await tempPgDatabase(t) : undefined;
    const db = await openDb({ databaseUrl, dataDir });
    t.equal(db.schemaVersion, latest);
    // What a newer release would leave: a migration this binary does not know.
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', ${new Date().toISOString()})`.execute(db.kysely);
    await db.close();
    const err = await openDb({ databaseUrl, dataDir }).then(
      (d) => (d.close(), undefined),
      (e: Error) => e,
    );
    t.equal(err?.name, 'ConfigError', 'refused at start, before anything is read or written');
    t.match(err?.message, /schema is newer than this s3gate.*9999_from_the_future.*restore the backup/);
  });
}

t.test('PostgreSQL: a newer binary migrates forward; two processes starting at once migrate once', async (t) => {
  const databaseUrl = await tempPgDatabase(t);
  const old = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl, max: 1 }) }) });
  t.error((await new Migrator({ db: old, provider: { getMigrations: async () => migrationsFor('postgres') } }).migrateTo('0007_multipart_uploads')).error);
  await old.destroy();
  // Four processes' worth of openDb at once on a store three migrations behind.
  const dbs = await Promise.all([1, 2, 3, 4].map(() => openDb({ databaseUrl, dataDir: tempDir(t) })));
  t.teardown(() => Promise.all(dbs.map((d) => d.close())));
  for (const d of dbs) t.equal(d.schemaVersion, latest);
  const names = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(dbs[0].kysely)).rows.map((r) => r.name);
  t.same(names, Object.keys(migrationsFor('postgres')).sort(), 'every migration applied exactly once');
  await dbs[0].kysely.selectFrom('tus_uploads').select('id').execute();
  await dbs[1].kysely.selectFrom('state_meta').select('key').execute();
});
