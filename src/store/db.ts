import { privateDbFile, privateDir } from '../lib/private-files.js';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { ConfigError } from '../config.js';
import { migrationsFor } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** The last migration applied: the store's schema version. */
  schemaVersion: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** postgres://… or undefined for SQLite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** An idle pooled connection that failed (PostgreSQL restarted, an administrator ended it). */
  onIdleError?: (err: Error) => void;
}

class StaticMigrations implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect);
  }
}

/** Statements kept compiled, by SQL text: the hot queries (key lookups, event inserts) are few. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 with its statements kept, least recently used out: Kysely prepares every query
 * again, which cost about a tenth of a millisecond each (measured on the S3 door's key lookup). A
 * statement still being iterated is not handed out twice; a new one is prepared for that call.
 */
function withStatementCache(db: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(source: string) {
      const cached = cache.get(source);
      if (cached && !cached.busy) {
        cache.delete(source);
        cache.set(source, cached);
        return cached;
      }
      const stmt = db.prepare(source);
      cache.set(source, stmt);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return stmt;
    },
    close: () => db.close(),
  };
}

/** Names of the migrations the store has applied (none for a new store). */
async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name);
}

/**
 * Opens the state store and brings its schema up to date. A store whose schema is newer than this
 * binary (migrations it does not know) is refused, never used: an older binary could corrupt it.
 */
export async function openDb(opts: DbOptions): Promise<Db> {
  const { kysely, dialect } = await connectDb(opts);
  const { unknown } = await schemaState(kysely, dialect);
  if (unknown.length > 0) {
    await kysely.destroy();
    throw new ConfigError(
      `the state store's schema is newer than this s3gate: it has migrations this version does not know (${unknown.join(', ')}). ` +
        'Run the s3gate version that upgraded it (or a newer one), or restore the backup made before the upgrade',
    );
  }
  // Kysely holds its migration lock (a row locked FOR UPDATE on PostgreSQL) for the run, so processes
  // starting at once migrate once; on PostgreSQL every pending migration runs in one transaction.
  const migrator = new Migrator({ db: kysely, provider: new StaticMigrations(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await kysely.destroy();
    throw new Error(`state store migration failed: ${(error as Error).message}`, { cause: error });
  }
  return {
    kysely,
    dialect,
    schemaVersion: Object.keys(migrationsFor(dialect)).sort().at(-1)!,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}

/** The store's migrations against this binary's: those it lacks (pending) and those this binary does not know. */
export async function schemaState(kysely: Kysely<Database>, dialect: Dialect): Promise<{ applied: string[]; pending: string[]; unknown: string[] }> {
  const known = migrationsFor(dialect);
  const applied = (await appliedMigrations(kysely)).sort();
  return {
    applied,
    pending: Object.keys(known)
      .filter((m) => !applied.includes(m))
      .sort(),
    unknown: applied.filter((name) => !(name in known)),
  };
}

/** A connection to the state store, schema untouched (the doctor reads through it). */
export async function connectDb(opts: DbOptions): Promise<{ kysely: Kysely<Database>; dialect: Dialect }> {
  let kysely: Kysely<Database>;
  let dialect: Dialect;
  if (opts.databaseUrl) {
    dialect = 'postgres';
    // Loaded only when used: the SQLite default does not pay for the PostgreSQL driver.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // Without a listener, an idle client's error (PostgreSQL restarted, the connection terminated by
    // an administrator) is thrown and ends the process; the pool replaces the client on next use.
    pool.on('error', (err) => opts.onIdleError?.(err));
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    privateDir(opts.dataDir);
    const file = join(opts.dataDir, 's3gate.sqlite');
    privateDbFile(file);
    const sqlite = new SQLite(file);
    // WAL lets readers run beside the one writer; busy_timeout covers a second process on the same file.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    // NORMAL with WAL: a commit survives a crash of the process (kill -9), not necessarily a power
    // loss; FULL fsyncs every commit, which halved event throughput. PostgreSQL for the stronger kind.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  return { kysely, dialect };
}
