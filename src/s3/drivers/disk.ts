import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { PRIVATE_FILE, privateDbFile, privateDir } from '../../lib/private-files.js';
import { copyFile, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import { errors, withHeaders } from '../../errors.js';
import type {
  BucketInfo,
  Conditions,
  DeleteManyResult,
  GetResult,
  HeadResult,
  ListOptions,
  ListResult,
  ObjectInfo,
  ObjectStore,
  OpContext,
  CopyOptions,
  ContentHeaders,
  ReadOptions,
  MultipartStore,
  PartInfo,
  UploadInfo,
  UploadListOptions,
  UploadRef,
  PresignRequest,
  PresignResult,
  PutOptions,
} from '../object-store.js';
import { formatRange, resolveRange } from '../ranges.js';
import type { DriverHooks } from './s3.js';

interface ObjectRow {
  key: Buffer;
  blob: string;
  size: number;
  /** JSON array of the part sizes of an object completed from a multipart upload; null otherwise. */
  part_sizes: string | null;
  /** JSON of its content headers (ContentHeaders), or null. */
  headers: string | null;
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
      const rows = this.#db.prepare('SELECT blob FROM objects WHERE tenant = ? UNION ALL SELECT p.blob FROM parts p JOIN uploads u USING (upload_id) WHERE u.tenant = ?').all(tenant, tenant) as { blob: string }[];
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

  /** @internal */ get db() {
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

/** Records the uploads a driver starts and ends, for the janitor (DriverHooks.multipart). */
export type MultipartHooks = NonNullable<DriverHooks['multipart']>;

/** S3's smallest part (all but the last). */
const MIN_PART_SIZE = 5 * 1024 * 1024;

class DiskStore implements ObjectStore {
  readonly multipart: MultipartStore;

  constructor(
    private readonly backend: DiskBackend,
    private readonly tenant: string,
    private readonly signer: (origin: string, req: PresignRequest) => PresignResult,
    private readonly hooks?: MultipartHooks,
  ) {
    this.multipart = new DiskMultipart(backend, tenant, this, hooks);
  }

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
  #upsert(bucket: string, key: string, o: Pick<ObjectRow, 'blob' | 'size' | 'etag' | 'content_type' | 'metadata'> & { part_sizes?: string | null; headers?: string | null }) {
    this.#db
      .prepare(
        `INSERT INTO objects (tenant, bucket, key, blob, size, etag, content_type, metadata, last_modified, part_sizes, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, bucket, key) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag,
           content_type = excluded.content_type, metadata = excluded.metadata, last_modified = excluded.last_modified, part_sizes = excluded.part_sizes, headers = excluded.headers`,
      )
      .run(this.tenant, bucket, utf8(key), o.blob, o.size, o.etag, o.content_type, o.metadata, new Date().toISOString(), o.part_sizes ?? null, o.headers ?? null);
  }

  /** @internal */ row(bucket: string, key: string): ObjectRow | undefined {
    return this.#row(bucket, key);
  }

  /** @internal */ find(bucket: string, key: string, conditions?: Conditions): ObjectRow {
    const row = this.#find(bucket, key);
    if (conditions && this.#check(row, conditions) === 304) throw new errors.PreconditionFailed('the copy source does not match x-amz-copy-source-if-none-match / if-modified-since');
    return row;
  }

  /** @internal */ requireBucket(bucket: string): void {
    this.#requireBucket(bucket);
  }

  /** @internal */ upsert(bucket: string, key: string, o: Pick<ObjectRow, 'blob' | 'size' | 'etag' | 'content_type' | 'metadata' | 'part_sizes' | 'headers'>): void {
    this.#upsert(bucket, key, o);
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

  /** Unfinished multipart uploads of the bucket go with it (their parts would be left unreachable). */
  async deleteBucket(_ctx: OpContext, bucket: string): Promise<void> {
    const uploads = this.#db.transaction(() => {
      this.#requireBucket(bucket);
      if (this.#db.prepare('SELECT 1 FROM objects WHERE tenant = ? AND bucket = ? LIMIT 1').get(this.tenant, bucket)) throw new errors.BucketNotEmpty(bucket);
      const ids = (this.#db.prepare('SELECT upload_id FROM uploads WHERE tenant = ? AND bucket = ?').all(this.tenant, bucket) as { upload_id: string }[]).map((r) => r.upload_id);
      const blobs: string[] = [];
      for (const id of ids) {
        blobs.push(...(this.#db.prepare('SELECT blob FROM parts WHERE upload_id = ?').all(id) as { blob: string }[]).map((r) => r.blob));
        this.#db.prepare('DELETE FROM parts WHERE upload_id = ?').run(id);
        this.#db.prepare('DELETE FROM uploads WHERE upload_id = ?').run(id);
      }
      this.#db.prepare('DELETE FROM buckets WHERE tenant = ? AND name = ?').run(this.tenant, bucket);
      return { ids, blobs };
    })();
    for (const b of uploads.blobs) await unlink(this.backend.blobPath(b)).catch(() => {});
    for (const id of uploads.ids) await this.hooks?.ended(id);
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
    const { blob, etag, size } = await this.backend.writeBlob(body, ctx.signal);
    const old = this.#db.transaction(() => {
      const existing = this.#row(bucket, key);
      if (opts.createOnly && existing) throw new errors.PreconditionFailed(`object '${key}' already exists (If-None-Match: *)`);
      this.#requireBucket(bucket);
      this.#upsert(bucket, key, { blob, size, etag, content_type: opts.contentType ?? 'application/octet-stream', metadata: JSON.stringify(opts.metadata), headers: headersJson(opts.headers) });
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

  async headObject(_ctx: OpContext, bucket: string, key: string, conditions?: Conditions, partNumber?: number): Promise<HeadResult> {
    const row = this.#find(bucket, key);
    const info = infoOf(row);
    if (this.#check(row, conditions) === 304) return { status: 304, info };
    if (partNumber === undefined) return { status: 200, info };
    const part = partOf(row, partNumber);
    if (part.end < part.start) return { status: 200, info };
    return { status: 206, info, range: { start: part.start, end: part.end, total: row.size }, ...(row.part_sizes && { partsCount: part.count }) };
  }

  #find(bucket: string, key: string): ObjectRow {
    const row = this.#row(bucket, key);
    if (row) return row;
    this.#requireBucket(bucket);
    throw new errors.ObjectNotFound(key, bucket);
  }

  async getObject(ctx: OpContext, bucket: string, key: string, opts: ReadOptions): Promise<GetResult> {
    // The file is opened before its row can be replaced: an overwrite unlinks the old file, whose open
    // handle still reads the old bytes. A lost race (unlinked between lookup and open) is retried once.
    for (let attempt = 0; ; attempt++) {
      const row = this.#find(bucket, key);
      const info = infoOf(row);
      if (this.#check(row, opts.conditions) === 304) return { status: 304, info };
      let span: { start: number; end: number } | undefined;
      let partsCount: number | undefined;
      if (opts.partNumber !== undefined) {
        const part = partOf(row, opts.partNumber);
        // An empty object's one part is the whole (empty) object.
        if (part.end >= part.start) span = part;
        if (row.part_sizes) partsCount = part.count;
      } else if (opts.range) {
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
        return { status: 206, info, body, contentLength: span.end - span.start + 1, range: { start: span.start, end: span.end, total: row.size }, ...(partsCount !== undefined && { partsCount }) };
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

  async copyObject(_ctx: OpContext, src: { bucket: string; key: string }, dst: { bucket: string; key: string }, opts: CopyOptions = {}): Promise<{ etag: string; lastModified?: Date }> {
    const row = this.#find(src.bucket, src.key);
    // A copy whose source condition fails is refused (412), never answered 304 as a read would be.
    if (opts.conditions && this.#check(row, opts.conditions) === 304) throw new errors.PreconditionFailed('the copy source does not match x-amz-copy-source-if-none-match / if-modified-since');
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
      this.#upsert(dst.bucket, dst.key, { ...row, blob, ...(opts.replace && { content_type: opts.replace.contentType, metadata: JSON.stringify(opts.replace.metadata), headers: headersJson(opts.replace.headers) }) });
      return existing?.blob;
    })();
    if (old) await unlink(this.backend.blobPath(old)).catch(() => {});
    return { etag: row.etag, lastModified: new Date(this.#row(dst.bucket, dst.key)?.last_modified ?? Date.now()) };
  }

  async presign(ctx: OpContext, req: PresignRequest): Promise<PresignResult> {
    if (!ctx.origin) throw new Error('presigning for the disk driver needs the origin of the gateway');
    return this.signer(ctx.origin, req);
  }
}

function headersJson(h: ContentHeaders | undefined): string | null {
  return h && Object.values(h).some((v) => v !== undefined) ? JSON.stringify(h) : null;
}

/** The bytes of part n (1-based) of an object; an object not uploaded in parts is its own part 1. */
function partOf(row: ObjectRow, n: number): { start: number; end: number; count: number } {
  const sizes = row.part_sizes ? (JSON.parse(row.part_sizes) as number[]) : [row.size];
  if (n < 1 || n > sizes.length) throw new errors.InvalidPartNumber(n, row.key.toString('utf8'), sizes.length);
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[n - 1] - 1, count: sizes.length };
}

function infoOf(row: ObjectRow): ObjectInfo {
  return {
    key: row.key.toString('utf8'),
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    contentType: row.content_type,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    ...(row.headers && { headers: JSON.parse(row.headers) as ContentHeaders }),
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

interface UploadRow {
  upload_id: string;
  tenant: string;
  bucket: string;
  key: Buffer;
  content_type: string;
  metadata: string;
  headers: string | null;
  initiated: string;
}

interface PartRow {
  upload_id: string;
  part_number: number;
  blob: string;
  size: number;
  etag: string;
  last_modified: string;
}

/**
 * Multipart uploads on disk: each part is a blob of its own, indexed in `parts`; completing writes
 * the parts one after another into a new blob (streamed, so memory stays flat) and makes the key
 * point at it in one transaction, as a PUT does. The ETag is S3's: the MD5 of the parts' MD5s, -N.
 */
class DiskMultipart implements MultipartStore {
  constructor(
    private readonly backend: DiskBackend,
    private readonly tenant: string,
    private readonly store: DiskStore,
    private readonly hooks?: MultipartHooks,
  ) {}

  get #db() {
    return this.backend.db;
  }

  #upload(ref: UploadRef): UploadRow {
    const row = this.#db.prepare('SELECT * FROM uploads WHERE upload_id = ? AND tenant = ?').get(ref.uploadId, this.tenant) as UploadRow | undefined;
    if (!row || row.bucket !== ref.bucket || row.key.toString('utf8') !== ref.key) throw new errors.NoSuchUpload(ref.uploadId);
    return row;
  }

  async create(_ctx: OpContext, bucket: string, key: string, opts: { contentType?: string; metadata: Record<string, string>; headers?: ContentHeaders }): Promise<{ uploadId: string }> {
    this.store.requireBucket(bucket);
    const uploadId = randomUUID().replaceAll('-', '');
    this.#db
      .prepare('INSERT INTO uploads (upload_id, tenant, bucket, key, content_type, metadata, headers, initiated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(uploadId, this.tenant, bucket, utf8(key), opts.contentType ?? 'binary/octet-stream', JSON.stringify(opts.metadata), headersJson(opts.headers), new Date().toISOString());
    await this.hooks?.started(bucket, key, uploadId);
    return { uploadId };
  }

  /** Indexes a part's blob; the part it replaces (same number) has its blob removed. */
  async #putPart(ref: UploadRef, partNumber: number, written: { blob: string; etag: string; size: number }): Promise<PartRow> {
    const part: PartRow = { upload_id: ref.uploadId, part_number: partNumber, blob: written.blob, size: written.size, etag: written.etag, last_modified: new Date().toISOString() };
    let replaced: string | undefined;
    try {
      replaced = this.#db.transaction(() => {
        this.#upload(ref);
        const old = this.#db.prepare('SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?').get(ref.uploadId, partNumber) as { blob: string } | undefined;
        this.#db
          .prepare('INSERT INTO parts (upload_id, part_number, blob, size, etag, last_modified) VALUES (@upload_id, @part_number, @blob, @size, @etag, @last_modified) ON CONFLICT (upload_id, part_number) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag, last_modified = excluded.last_modified')
          .run(part);
        return old?.blob;
      })();
    } catch (err) {
      await unlink(this.backend.blobPath(written.blob)).catch(() => {});
      throw err;
    }
    if (replaced) await unlink(this.backend.blobPath(replaced)).catch(() => {});
    return part;
  }

  async uploadPart(ctx: OpContext, ref: UploadRef, partNumber: number, body: Readable, contentLength: number): Promise<{ etag: string }> {
    this.#upload(ref);
    const written = await this.backend.writeBlob(body, ctx.signal);
    if (written.size !== contentLength) {
      await unlink(this.backend.blobPath(written.blob)).catch(() => {});
      throw new errors.ClientClosed();
    }
    return { etag: (await this.#putPart(ref, partNumber, written)).etag };
  }

  async copyPart(ctx: OpContext, ref: UploadRef, partNumber: number, source: { bucket: string; key: string }, opts: { range?: { start: number; end: number }; conditions?: Conditions }): Promise<{ etag: string; lastModified: Date }> {
    this.#upload(ref);
    const row = this.store.find(source.bucket, source.key, opts.conditions);
    if (opts.range && opts.range.end >= row.size) {
      throw withHeaders(new errors.RangeNotSatisfiable(`bytes=${opts.range.start}-${opts.range.end}`, row.size), { 'content-range': `bytes */${row.size}` });
    }
    const body = createReadStream(this.backend.blobPath(row.blob), opts.range ? { start: opts.range.start, end: opts.range.end } : {});
    const part = await this.#putPart(ref, partNumber, await this.backend.writeBlob(body, ctx.signal));
    return { etag: part.etag, lastModified: new Date(part.last_modified) };
  }

  async complete(ctx: OpContext, ref: UploadRef, parts: { partNumber: number; etag: string }[]): Promise<{ etag: string }> {
    const upload = this.#upload(ref);
    for (let i = 1; i < parts.length; i++) if (parts[i].partNumber <= parts[i - 1].partNumber) throw new errors.InvalidPartOrder();
    const stored = new Map((this.#db.prepare('SELECT * FROM parts WHERE upload_id = ?').all(ref.uploadId) as PartRow[]).map((p) => [p.part_number, p]));
    const chosen = parts.map((p, i) => {
      const part = stored.get(p.partNumber);
      if (!part || part.etag !== p.etag) throw new errors.InvalidPart(`part ${p.partNumber}`);
      if (i < parts.length - 1 && part.size < MIN_PART_SIZE) throw new errors.PartTooSmall(`part ${p.partNumber} is ${part.size} bytes`);
      return part;
    });
    const tmp = this.backend.tmpPath();
    try {
      const out = createWriteStream(tmp, { flags: 'wx', mode: PRIVATE_FILE });
      for (const part of chosen) await pipeline(createReadStream(this.backend.blobPath(part.blob)), out, { end: false, signal: ctx.signal });
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    const blob = await this.backend.placeBlob(tmp);
    const etag = createHash('md5').update(Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')))).digest('hex') + `-${chosen.length}`;
    const size = chosen.reduce((n, p) => n + p.size, 0);
    let freed: string[];
    try {
      freed = this.#db.transaction(() => {
        this.#upload(ref);
        this.store.requireBucket(ref.bucket);
        const existing = this.store.row(ref.bucket, ref.key);
        this.store.upsert(ref.bucket, ref.key, { blob, size, etag, content_type: upload.content_type, metadata: upload.metadata, headers: upload.headers, part_sizes: JSON.stringify(chosen.map((p) => p.size)) });
        const partBlobs = (this.#db.prepare('SELECT blob FROM parts WHERE upload_id = ?').all(ref.uploadId) as { blob: string }[]).map((r) => r.blob);
        this.#db.prepare('DELETE FROM parts WHERE upload_id = ?').run(ref.uploadId);
        this.#db.prepare('DELETE FROM uploads WHERE upload_id = ?').run(ref.uploadId);
        return existing ? [...partBlobs, existing.blob] : partBlobs;
      })();
    } catch (err) {
      await unlink(this.backend.blobPath(blob)).catch(() => {});
      throw err;
    }
    for (const b of freed) await unlink(this.backend.blobPath(b)).catch(() => {});
    await this.hooks?.ended(ref.uploadId);
    return { etag };
  }

  async abort(_ctx: OpContext, ref: UploadRef): Promise<void> {
    const blobs = this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT upload_id FROM uploads WHERE upload_id = ? AND tenant = ?').get(ref.uploadId, this.tenant);
      if (!row) return undefined;
      const list = (this.#db.prepare('SELECT blob FROM parts WHERE upload_id = ?').all(ref.uploadId) as { blob: string }[]).map((r) => r.blob);
      this.#db.prepare('DELETE FROM parts WHERE upload_id = ?').run(ref.uploadId);
      this.#db.prepare('DELETE FROM uploads WHERE upload_id = ?').run(ref.uploadId);
      return list;
    })();
    for (const b of blobs ?? []) await unlink(this.backend.blobPath(b)).catch(() => {});
    await this.hooks?.ended(ref.uploadId);
    if (!blobs) throw new errors.NoSuchUpload(ref.uploadId);
  }

  async listParts(_ctx: OpContext, ref: UploadRef, opts: { marker: number; limit: number }): Promise<{ parts: PartInfo[]; truncated: boolean }> {
    this.#upload(ref);
    const rows = this.#db.prepare('SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?').all(ref.uploadId, opts.marker, opts.limit + 1) as PartRow[];
    return {
      parts: rows.slice(0, opts.limit).map((p) => ({ partNumber: p.part_number, etag: p.etag, size: p.size, lastModified: new Date(p.last_modified) })),
      truncated: rows.length > opts.limit,
    };
  }

  async listUploads(_ctx: OpContext, bucket: string, opts: UploadListOptions) {
    this.store.requireBucket(bucket);
    const prefix = opts.prefix ?? '';
    const rows = this.#db
      .prepare('SELECT upload_id, key, initiated FROM uploads WHERE tenant = ? AND bucket = ? ORDER BY key, upload_id')
      .all(this.tenant, bucket) as Pick<UploadRow, 'upload_id' | 'key' | 'initiated'>[];
    const uploads: UploadInfo[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    for (const r of rows) {
      const key = r.key.toString('utf8');
      if (!key.startsWith(prefix)) continue;
      if (opts.keyMarker !== undefined && (key < opts.keyMarker || (key === opts.keyMarker && (opts.uploadIdMarker === undefined || r.upload_id <= opts.uploadIdMarker)))) continue;
      const at = opts.delimiter ? key.indexOf(opts.delimiter, prefix.length) : -1;
      const common = at >= 0 ? key.slice(0, at + opts.delimiter!.length) : undefined;
      if (common !== undefined && prefixes.at(-1) === common) continue;
      if (uploads.length + prefixes.length >= opts.limit) {
        truncated = true;
        break;
      }
      if (common !== undefined) prefixes.push(common);
      else uploads.push({ key, uploadId: r.upload_id, initiated: new Date(r.initiated) });
    }
    const last = uploads.at(-1);
    return { uploads, prefixes, truncated, ...(truncated && last && { nextKeyMarker: last.key, nextUploadIdMarker: last.uploadId }) };
  }
}
