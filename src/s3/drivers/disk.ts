import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import { errors, withHeaders } from '../../errors.js';
import type {
  BucketInfo,
  ByteRange,
  Conditions,
  DeleteManyResult,
  GetResult,
  HeadResult,
  ListOptions,
  ListResult,
  ObjectInfo,
  ObjectStore,
  OpContext,
  PresignRequest,
  PresignResult,
  PutOptions,
} from '../object-store.js';
import { formatRange, resolveRange } from '../ranges.js';

interface ObjectRow {
  key: Buffer;
  blob: string;
  size: number;
  etag: string;
  content_type: string;
  metadata: string;
  last_modified: string;
}

/** 0xFF never occurs in UTF-8, so prefix + 0xFF sorts after every key that starts with prefix. */
const HIGH = Buffer.from([0xff]);
const utf8 = (s: string) => Buffer.from(s, 'utf8');

/**
 * The local-disk object store shared by every disk tenant: object bytes in files named by random ids,
 * keys and metadata in an SQLite index. A key is never a path, so no key can escape the data directory,
 * and keys like `a` and `a/b` coexist as they do in S3. Writes land in a temporary file first and become
 * visible in one index transaction: a failed or aborted upload leaves nothing.
 */
export class DiskBackend {
  readonly #db: SQLite.Database;
  readonly #blobs: string;
  readonly #tmp: string;

  constructor(dir: string) {
    this.#blobs = join(dir, 'blobs');
    this.#tmp = join(dir, 'tmp');
    mkdirSync(this.#blobs, { recursive: true });
    // Left-over temporary files are uploads that never finished (a crash): they were never visible.
    rmSync(this.#tmp, { recursive: true, force: true });
    mkdirSync(this.#tmp, { recursive: true });
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
    `);
  }

  forTenant(tenant: string, presign: (origin: string, req: PresignRequest) => PresignResult): ObjectStore {
    return new DiskStore(this, tenant, presign);
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
      return this.#db.prepare('UPDATE objects SET tenant = ? WHERE tenant = ?').run(as, tenant).changes;
    })();
  }

  /** Deletes a tenant's buckets and objects, index rows first (in one transaction), then their files. Returns the objects deleted. */
  async purgeTenant(tenant: string): Promise<number> {
    const blobs = this.#db.transaction(() => {
      const rows = this.#db.prepare('SELECT blob FROM objects WHERE tenant = ?').all(tenant) as { blob: string }[];
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
    const referenced = this.#db.prepare('SELECT 1 FROM objects WHERE blob = ? LIMIT 1');
    let removed = 0;
    for (const dir of await readdir(this.#blobs)) {
      for (const name of await readdir(join(this.#blobs, dir)).catch(() => [] as string[])) {
        if (removed >= limit) return removed;
        const path = join(this.#blobs, dir, name);
        const info = await stat(path).catch(() => undefined);
        if (!info || info.mtimeMs > cutoff || referenced.get(name)) continue;
        await unlink(path).catch(() => {});
        removed++;
      }
    }
    return removed;
  }

  /** @internal */ get db() {
    return this.#db;
  }

  blobPath(blob: string): string {
    return join(this.#blobs, blob.slice(0, 2), blob);
  }

  tmpPath(): string {
    return join(this.#tmp, randomUUID());
  }

  async placeBlob(tmp: string): Promise<string> {
    const blob = randomUUID().replaceAll('-', '');
    const path = this.blobPath(blob);
    await mkdir(join(this.#blobs, blob.slice(0, 2)), { recursive: true });
    await rename(tmp, path);
    return blob;
  }
}

class DiskStore implements ObjectStore {
  constructor(
    private readonly backend: DiskBackend,
    private readonly tenant: string,
    private readonly signer: (origin: string, req: PresignRequest) => PresignResult,
  ) {}

  get #db() {
    return this.backend.db;
  }

  stats() {
    return { inUse: 0, free: 0, queued: 0 };
  }

  /** The local disk is always there. */
  async check(): Promise<void> {}

  async close(): Promise<void> {}

  #requireBucket(bucket: string) {
    const row = this.#db.prepare('SELECT 1 FROM buckets WHERE tenant = ? AND name = ?').get(this.tenant, bucket);
    if (!row) throw new errors.BucketNotFound(bucket);
  }

  /** Makes key point at a stored blob (inside the caller's transaction). */
  #upsert(bucket: string, key: string, o: Pick<ObjectRow, 'blob' | 'size' | 'etag' | 'content_type' | 'metadata'>) {
    this.#db
      .prepare(
        `INSERT INTO objects (tenant, bucket, key, blob, size, etag, content_type, metadata, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, bucket, key) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag,
           content_type = excluded.content_type, metadata = excluded.metadata, last_modified = excluded.last_modified`,
      )
      .run(this.tenant, bucket, utf8(key), o.blob, o.size, o.etag, o.content_type, o.metadata, new Date().toISOString());
  }

  #row(bucket: string, key: string): ObjectRow | undefined {
    return this.#db.prepare('SELECT * FROM objects WHERE tenant = ? AND bucket = ? AND key = ?').get(this.tenant, bucket, utf8(key)) as ObjectRow | undefined;
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const rows = this.#db.prepare('SELECT name, created_at FROM buckets WHERE tenant = ? ORDER BY name').all(this.tenant) as { name: string; created_at: string }[];
    return rows.map((r) => ({ name: r.name, createdAt: new Date(r.created_at) }));
  }

  async createBucket(_ctx: OpContext, bucket: string): Promise<'created' | 'exists'> {
    const res = this.#db.prepare('INSERT INTO buckets (tenant, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(this.tenant, bucket, new Date().toISOString());
    return res.changes === 1 ? 'created' : 'exists';
  }

  async bucketExists(_ctx: OpContext, bucket: string): Promise<boolean> {
    return Boolean(this.#db.prepare('SELECT 1 FROM buckets WHERE tenant = ? AND name = ?').get(this.tenant, bucket));
  }

  async deleteBucket(_ctx: OpContext, bucket: string): Promise<void> {
    this.#db.transaction(() => {
      this.#requireBucket(bucket);
      if (this.#db.prepare('SELECT 1 FROM objects WHERE tenant = ? AND bucket = ? LIMIT 1').get(this.tenant, bucket)) throw new errors.BucketNotEmpty(bucket);
      this.#db.prepare('DELETE FROM buckets WHERE tenant = ? AND name = ?').run(this.tenant, bucket);
    })();
  }

  async listObjects(_ctx: OpContext, bucket: string, opts: ListOptions): Promise<ListResult> {
    this.#requireBucket(bucket);
    const prefix = opts.prefix ?? '';
    const lo = utf8(prefix);
    const hi = prefix ? Buffer.concat([lo, HIGH]) : null;
    let after = opts.cursor !== undefined ? decodeCursor(opts.cursor) : opts.startAfter ? utf8(opts.startAfter) : null;
    const objects: ListResult['objects'] = [];
    const prefixes: string[] = [];
    const query = this.#db.prepare(
      `SELECT key, size, etag, last_modified FROM objects
       WHERE tenant = @tenant AND bucket = @bucket AND key >= @lo AND (@hi IS NULL OR key < @hi) AND (@after IS NULL OR key > @after)
       ORDER BY key LIMIT @n`,
    );
    const params = { tenant: this.tenant, bucket, lo, hi };
    fill: while (objects.length + prefixes.length < opts.limit) {
      const rows = query.all({ ...params, after, n: opts.limit - objects.length - prefixes.length }) as ObjectRow[];
      if (rows.length === 0) break;
      for (const row of rows) {
        const key = row.key.toString('utf8');
        const at = opts.delimiter ? key.indexOf(opts.delimiter, prefix.length) : -1;
        if (at >= 0) {
          // Everything under this common prefix collapses into it: skip past all of it.
          const common = key.slice(0, at + opts.delimiter!.length);
          prefixes.push(common);
          after = Buffer.concat([utf8(common), HIGH]);
          continue fill;
        }
        objects.push({ key, size: row.size, etag: row.etag, lastModified: new Date(row.last_modified) });
        after = row.key;
      }
    }
    const more = after !== null && query.get({ ...params, after, n: 1 }) !== undefined;
    return { objects, prefixes, nextCursor: more && after ? encodeCursor(after) : null };
  }

  async putObject(ctx: OpContext, bucket: string, key: string, body: Readable, opts: PutOptions): Promise<{ etag: string }> {
    this.#requireBucket(bucket);
    if (opts.createOnly && this.#row(bucket, key)) throw new errors.PreconditionFailed(`object '${key}' already exists (If-None-Match: *)`);
    const tmp = this.backend.tmpPath();
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
        createWriteStream(tmp, { flags: 'wx' }),
        { signal: ctx.signal },
      );
      const blob = await this.backend.placeBlob(tmp);
      const etag = md5.digest('hex');
      const old = this.#db.transaction(() => {
        const existing = this.#row(bucket, key);
        if (opts.createOnly && existing) throw new errors.PreconditionFailed(`object '${key}' already exists (If-None-Match: *)`);
        this.#requireBucket(bucket);
        this.#upsert(bucket, key, { blob, size, etag, content_type: opts.contentType ?? 'application/octet-stream', metadata: JSON.stringify(opts.metadata) });
        return existing?.blob;
      });
      let replaced: string | undefined;
      try {
        replaced = old();
      } catch (err) {
        await unlink(this.backend.blobPath(blob)).catch(() => {});
        throw err;
      }
      if (replaced) await unlink(this.backend.blobPath(replaced)).catch(() => {});
      return { etag };
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  #check(row: ObjectRow, c: Conditions | undefined): 304 | undefined {
    if (!c) return undefined;
    const lastModified = new Date(row.last_modified);
    const seconds = Math.floor(lastModified.getTime() / 1000);
    if (c.ifMatch && !etagMatches(c.ifMatch, row.etag)) throw new errors.PreconditionFailed('If-Match does not match the object\'s ETag');
    if (!c.ifMatch && c.ifUnmodifiedSince && seconds > Math.floor(c.ifUnmodifiedSince.getTime() / 1000)) {
      throw new errors.PreconditionFailed('the object was modified after If-Unmodified-Since');
    }
    if (c.ifNoneMatch && etagMatches(c.ifNoneMatch, row.etag)) return 304;
    if (!c.ifNoneMatch && c.ifModifiedSince && seconds <= Math.floor(c.ifModifiedSince.getTime() / 1000)) return 304;
    return undefined;
  }

  async headObject(_ctx: OpContext, bucket: string, key: string, conditions?: Conditions): Promise<HeadResult> {
    const row = this.#find(bucket, key);
    const info = infoOf(row);
    if (this.#check(row, conditions) === 304) return { status: 304, info };
    return { status: 200, info };
  }

  #find(bucket: string, key: string): ObjectRow {
    const row = this.#row(bucket, key);
    if (row) return row;
    this.#requireBucket(bucket);
    throw new errors.ObjectNotFound(key, bucket);
  }

  async getObject(ctx: OpContext, bucket: string, key: string, opts: { range?: ByteRange; conditions?: Conditions }): Promise<GetResult> {
    // The file is opened before its row can be replaced: an overwrite unlinks the old file, whose open
    // handle still reads the old bytes. A lost race (unlinked between lookup and open) is retried once.
    for (let attempt = 0; ; attempt++) {
      const row = this.#find(bucket, key);
      const info = infoOf(row);
      if (this.#check(row, opts.conditions) === 304) return { status: 304, info };
      let span: { start: number; end: number } | undefined;
      if (opts.range) {
        span = resolveRange(opts.range, row.size);
        if (!span) {
          throw withHeaders(new errors.RangeNotSatisfiable(formatRange(opts.range), row.size), { 'content-range': `bytes */${row.size}` });
        }
      }
      let handle;
      try {
        handle = await open(this.backend.blobPath(row.blob), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt === 0) continue;
        throw err;
      }
      const body = handle.createReadStream({ start: span?.start ?? 0, ...(span && { end: span.end }), signal: ctx.signal });
      if (span) {
        return { status: 206, info, body, contentLength: span.end - span.start + 1, range: { ...span, total: row.size } };
      }
      return { status: 200, info, body, contentLength: row.size };
    }
  }

  async deleteObject(_ctx: OpContext, bucket: string, key: string): Promise<void> {
    const blob = this.#db.transaction(() => {
      this.#requireBucket(bucket);
      const row = this.#row(bucket, key);
      if (row) this.#db.prepare('DELETE FROM objects WHERE tenant = ? AND bucket = ? AND key = ?').run(this.tenant, bucket, utf8(key));
      return row?.blob;
    })();
    if (blob) await unlink(this.backend.blobPath(blob)).catch(() => {});
  }

  async deleteObjects(ctx: OpContext, bucket: string, keys: string[]): Promise<DeleteManyResult> {
    this.#requireBucket(bucket);
    const result: DeleteManyResult = { deleted: [], errors: [] };
    for (const key of keys) {
      await this.deleteObject(ctx, bucket, key);
      result.deleted.push(key);
    }
    return result;
  }

  async copyObject(_ctx: OpContext, src: { bucket: string; key: string }, dst: { bucket: string; key: string }): Promise<{ etag: string }> {
    const row = this.#find(src.bucket, src.key);
    this.#requireBucket(dst.bucket);
    const tmp = this.backend.tmpPath();
    try {
      await copyFile(this.backend.blobPath(row.blob), tmp);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new errors.ObjectNotFound(src.key, src.bucket);
      throw err;
    }
    const blob = await this.backend.placeBlob(tmp);
    const old = this.#db.transaction(() => {
      this.#requireBucket(dst.bucket);
      const existing = this.#row(dst.bucket, dst.key);
      this.#upsert(dst.bucket, dst.key, { ...row, blob });
      return existing?.blob;
    })();
    if (old) await unlink(this.backend.blobPath(old)).catch(() => {});
    return { etag: row.etag };
  }

  async presign(ctx: OpContext, req: PresignRequest): Promise<PresignResult> {
    if (!ctx.origin) throw new Error('presigning for the disk driver needs the origin of the gateway');
    return this.signer(ctx.origin, req);
  }
}

function infoOf(row: ObjectRow): ObjectInfo {
  return {
    key: row.key.toString('utf8'),
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    contentType: row.content_type,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
  };
}

/** If-Match / If-None-Match lists: `*`, or quoted (possibly weak) ETags separated by commas. */
function etagMatches(header: string, etag: string): boolean {
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return v === '*' || v === etag;
  });
}

function encodeCursor(after: Buffer): string {
  return 'd' + after.toString('base64url');
}

function decodeCursor(cursor: string): Buffer {
  if (!cursor.startsWith('d') || cursor.length < 2 || !/^[A-Za-z0-9_-]+$/.test(cursor.slice(1))) throw new errors.InvalidCursor();
  return Buffer.from(cursor.slice(1), 'base64url');
}
