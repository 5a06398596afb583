import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { PRIVATE_FILE, privateDbFile, privateDir } from '../../../lib/private-files.js';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import type { ObjectStore, PresignRequest, PresignResult } from '../../../model/object-store.js';

import type { DiskFiles, MultipartHooks } from './rows.js';
import { DiskStore } from './store.js';
/**
 * The local-disk object store shared by every disk tenant: object bytes in files named by random ids,
 * keys and metadata in an SQLite index. A key is never a path, so no key can escape the data directory,
 * and keys like `a` and `a/b` coexist as they do in S3. Writes land in a temporary file first and become
 * visible in one index transaction: a failed or aborted upload leaves nothing.
 */
export class DiskBackend implements DiskFiles {
  readonly #db: SQLite.Database;
  readonly #blobs: string;
  readonly #tmp: string;

  constructor(dir: string) {
    this.#blobs = join(dir, 'blobs');
    this.#tmp = join(dir, 'tmp');
    privateDir(dir);
    privateDir(this.#blobs);
    // Left-over temporary files are uploads that never finished (a crash): they were never visible.
    rmSync(this.#tmp, { recursive: true, force: true });
    privateDir(this.#tmp);
    privateDbFile(join(dir, 'index.sqlite'));
    this.#db = new SQLite(join(dir, 'index.sqlite'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS buckets (tenant TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (tenant, name));
      CREATE TABLE IF NOT EXISTS objects (
        tenant TEXT NOT NULL, bucket TEXT NOT NULL, key BLOB NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,
        etag TEXT NOT NULL, content_type TEXT NOT NULL, metadata TEXT NOT NULL, last_modified TEXT NOT NULL,
        PRIMARY KEY (tenant, bucket, key)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS objects_blob ON objects (blob);
      CREATE TABLE IF NOT EXISTS uploads (
        upload_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, bucket TEXT NOT NULL, key BLOB NOT NULL,
        content_type TEXT NOT NULL, metadata TEXT NOT NULL, headers TEXT, initiated TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS uploads_key ON uploads (tenant, bucket, key, upload_id);
      CREATE TABLE IF NOT EXISTS parts (
        upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, blob TEXT NOT NULL, size INTEGER NOT NULL,
        etag TEXT NOT NULL, last_modified TEXT NOT NULL, PRIMARY KEY (upload_id, part_number)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS parts_blob ON parts (blob);
    `);
    // Indexes from before multipart uploads on disk: the part sizes column is added in place.
    const columns = this.#db.prepare('PRAGMA table_info(objects)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'part_sizes')) this.#db.exec('ALTER TABLE objects ADD COLUMN part_sizes TEXT');
    if (!columns.some((c) => c.name === 'headers')) this.#db.exec('ALTER TABLE objects ADD COLUMN headers TEXT');
    if (!columns.some((c) => c.name === 'tags')) this.#db.exec('ALTER TABLE objects ADD COLUMN tags TEXT');
  }

  forTenant(tenant: string, presign: (origin: string, req: PresignRequest) => PresignResult, hooks?: MultipartHooks): ObjectStore {
    return new DiskStore(this, tenant, presign, hooks);
  }

  close(): void {
    this.#db.close();
  }

  /**
   * Moves a deleted tenant's buckets and objects out of reach under another name (kept for an operator
   * to recover), so a new tenant given the same id starts empty. Returns the objects moved.
   */
  detachTenant(tenant: string, as: string): number {
    return this.#db.transaction(() => {
      this.#db.prepare('UPDATE buckets SET tenant = ? WHERE tenant = ?').run(as, tenant);
      this.#db.prepare('UPDATE uploads SET tenant = ? WHERE tenant = ?').run(as, tenant);
      return this.#db.prepare('UPDATE objects SET tenant = ? WHERE tenant = ?').run(as, tenant).changes;
    })();
  }

  /** Deletes a tenant's buckets and objects, index rows first (in one transaction), then their files. Returns the objects deleted. */
  async purgeTenant(tenant: string): Promise<number> {
    const blobs = this.#db.transaction(() => {
      const rows = this.#db.prepare('SELECT blob FROM objects WHERE tenant = ? UNION ALL SELECT p.blob FROM parts p JOIN uploads u USING (upload_id) WHERE u.tenant = ?').all(tenant, tenant) as {
        blob: string;
      }[];
      this.#db.prepare('DELETE FROM parts WHERE upload_id IN (SELECT upload_id FROM uploads WHERE tenant = ?)').run(tenant);
      this.#db.prepare('DELETE FROM uploads WHERE tenant = ?').run(tenant);
      this.#db.prepare('DELETE FROM objects WHERE tenant = ?').run(tenant);
      this.#db.prepare('DELETE FROM buckets WHERE tenant = ?').run(tenant);
      return rows.map((r) => r.blob);
    })();
    // A blob may be shared by no one else: each object has its own (copies write a new one).
    for (const blob of blobs) await unlink(this.blobPath(blob)).catch(() => {});
    return blobs.length;
  }

  /**
   * Deletes blob files that no object refers to (a crash between writing a blob and indexing it, or a
   * failed unlink after a delete). Only files older than `olderThanMs` are looked at, so a blob being
   * indexed right now is never taken. Returns how many were removed (at most `limit`).
   */
  async removeOrphanBlobs(olderThanMs: number, limit: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    // Parts of unfinished multipart uploads are referenced too.
    const referenced = this.#db.prepare('SELECT 1 FROM objects WHERE blob = ? UNION ALL SELECT 1 FROM parts WHERE blob = ? LIMIT 1');
    let removed = 0;
    for (const dir of await readdir(this.#blobs)) {
      for (const name of await readdir(join(this.#blobs, dir)).catch(() => [] as string[])) {
        if (removed >= limit) return removed;
        const path = join(this.#blobs, dir, name);
        const info = await stat(path).catch(() => undefined);
        if (!info || info.mtimeMs > cutoff || referenced.get(name, name)) continue;
        await unlink(path).catch(() => {});
        removed++;
      }
    }
    return removed;
  }

  get db(): SQLite.Database {
    return this.#db;
  }

  blobPath(blob: string): string {
    return join(this.#blobs, blob.slice(0, 2), blob);
  }

  tmpPath(): string {
    return join(this.#tmp, randomUUID());
  }

  /** Streams a body into a new blob file (not yet indexed); returns it with its MD5 and size. */
  async writeBlob(body: Readable, signal: AbortSignal | undefined): Promise<{ blob: string; etag: string; size: number }> {
    const tmp = this.tmpPath();
    const md5 = createHash('md5');
    let size = 0;
    try {
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            md5.update(chunk);
            size += chunk.length;
            cb(null, chunk);
          },
        }),
        createWriteStream(tmp, { flags: 'wx', mode: PRIVATE_FILE }),
        ...(signal ? [{ signal }] : []),
      );
      return { blob: await this.placeBlob(tmp), etag: md5.digest('hex'), size };
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  async placeBlob(tmp: string): Promise<string> {
    const blob = randomUUID().replaceAll('-', '');
    const path = this.blobPath(blob);
    await mkdir(join(this.#blobs, blob.slice(0, 2)), { recursive: true, mode: 0o700 });
    await rename(tmp, path);
    return blob;
  }
}
