import { copyFile, open, unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { errors, withHeaders } from '../../../errors.js';
import type {
  BucketInfo,
  Conditions,
  DeleteManyResult,
  GetResult,
  HeadResult,
  ListOptions,
  ListResult,
  ObjectStore,
  OpContext,
  CopyOptions,
  ReadOptions,
  MultipartStore,
  PresignRequest,
  PresignResult,
  PutOptions,
} from '../../../model/object-store.js';
import { formatRange, resolveRange } from '../../ranges.js';

import { checkConditions, type DiskFiles, HIGH, headersJson, infoOf, type MultipartHooks, type ObjectRow, partOf, TenantIndex, utf8, encodeCursor, decodeCursor } from './rows.js';
import { DiskMultipart } from './multipart.js';
import { checkWrite } from '../../../model/preconditions.js';
import type { Tags } from '../../../model/tags.js';
/** One tenant's objects on the local disk (its buckets and keys in the shared index). */
export class DiskStore implements ObjectStore {
  readonly multipart: MultipartStore;

  readonly #index: TenantIndex;

  constructor(
    private readonly backend: DiskFiles,
    private readonly tenant: string,
    private readonly signer: (origin: string, req: PresignRequest) => PresignResult,
    private readonly hooks?: MultipartHooks,
  ) {
    this.#index = new TenantIndex(backend.db, tenant);
    this.multipart = new DiskMultipart(backend, tenant, this.#index, hooks);
  }

  get index(): TenantIndex {
    return this.#index;
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
      this.index.requireBucket(bucket);
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
    this.index.requireBucket(bucket);
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
    this.index.requireBucket(bucket);
    // Checked before the body is stored (a refused write costs no upload) and again when it is committed.
    checkWrite(opts.precondition, bucket, key, this.index.row(bucket, key)?.etag);
    const { blob, etag, size } = await this.backend.writeBlob(body, ctx.signal);
    const old = this.#db.transaction(() => {
      const existing = this.index.row(bucket, key);
      checkWrite(opts.precondition, bucket, key, existing?.etag);
      this.index.requireBucket(bucket);
      this.index.upsert(bucket, key, {
        blob,
        size,
        etag,
        content_type: opts.contentType ?? 'application/octet-stream',
        metadata: JSON.stringify(opts.metadata),
        headers: headersJson(opts.headers),
        tags: opts.tags && Object.keys(opts.tags).length > 0 ? JSON.stringify(opts.tags) : null,
      });
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

  async headObject(_ctx: OpContext, bucket: string, key: string, conditions?: Conditions, partNumber?: number): Promise<HeadResult> {
    const row = this.index.find(bucket, key);
    const info = infoOf(row);
    if (checkConditions(row, conditions) === 304) return { status: 304, info };
    if (partNumber === undefined) return { status: 200, info };
    const part = partOf(row, partNumber);
    if (part.end < part.start) return { status: 200, info };
    return { status: 206, info, range: { start: part.start, end: part.end, total: row.size }, ...(row.part_sizes && { partsCount: part.count }) };
  }

  async getObject(ctx: OpContext, bucket: string, key: string, opts: ReadOptions): Promise<GetResult> {
    // An object here has one version, null.
    if (opts.versionId !== undefined && opts.versionId !== 'null') throw new errors.VersionNotFound(opts.versionId, key);
    // The file is opened before its row can be replaced: an overwrite unlinks the old file, whose open
    // handle still reads the old bytes. A lost race (unlinked between lookup and open) is retried once.
    for (let attempt = 0; ; attempt++) {
      const row = this.index.find(bucket, key);
      const info = infoOf(row);
      if (checkConditions(row, opts.conditions) === 304) return { status: 304, info };
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
      let handle: FileHandle;
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

  async deleteObject(_ctx: OpContext, bucket: string, key: string): Promise<undefined> {
    const blob = this.#db.transaction(() => {
      this.index.requireBucket(bucket);
      const row = this.index.row(bucket, key);
      if (row) this.#db.prepare('DELETE FROM objects WHERE tenant = ? AND bucket = ? AND key = ?').run(this.tenant, bucket, utf8(key));
      return row?.blob;
    })();
    if (blob) await unlink(this.backend.blobPath(blob)).catch(() => {});
    return undefined;
  }

  async deleteObjects(ctx: OpContext, bucket: string, keys: string[]): Promise<DeleteManyResult> {
    this.index.requireBucket(bucket);
    const result: DeleteManyResult = { deleted: [], errors: [] };
    for (const key of keys) {
      await this.deleteObject(ctx, bucket, key);
      result.deleted.push(key);
    }
    return result;
  }

  async copyObject(_ctx: OpContext, src: { bucket: string; key: string }, dst: { bucket: string; key: string }, opts: CopyOptions = {}): Promise<{ etag: string; lastModified?: Date }> {
    const row = this.index.find(src.bucket, src.key);
    // A copy whose source condition fails is refused (412), never answered 304 as a read would be.
    if (opts.conditions && checkConditions(row, opts.conditions) === 304) throw new errors.PreconditionFailed('the copy source does not match x-amz-copy-source-if-none-match / if-modified-since');
    this.index.requireBucket(dst.bucket);
    const tmp = this.backend.tmpPath();
    try {
      await copyFile(this.backend.blobPath(row.blob), tmp);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new errors.ObjectNotFound(src.key, src.bucket);
      throw err;
    }
    const blob = await this.backend.placeBlob(tmp);
    const old = this.#db.transaction(() => {
      this.index.requireBucket(dst.bucket);
      const existing = this.index.row(dst.bucket, dst.key);
      this.index.upsert(dst.bucket, dst.key, {
        ...row,
        blob,
        ...(opts.replace && { content_type: opts.replace.contentType, metadata: JSON.stringify(opts.replace.metadata), headers: headersJson(opts.replace.headers) }),
      });
      return existing?.blob;
    })();
    if (old) await unlink(this.backend.blobPath(old)).catch(() => {});
    return { etag: row.etag, lastModified: new Date(this.index.row(dst.bucket, dst.key)?.last_modified ?? Date.now()) };
  }

  async getTags(_ctx: OpContext, bucket: string, key: string): Promise<Tags> {
    const row = this.index.find(bucket, key);
    return row.tags ? (JSON.parse(row.tags) as Tags) : {};
  }

  async putTags(_ctx: OpContext, bucket: string, key: string, tags: Tags): Promise<void> {
    this.index.requireBucket(bucket);
    if (!this.index.setTags(bucket, key, Object.keys(tags).length > 0 ? JSON.stringify(tags) : null)) throw new errors.ObjectNotFound(key, bucket);
  }

  async deleteTags(ctx: OpContext, bucket: string, key: string): Promise<void> {
    return this.putTags(ctx, bucket, key, {});
  }

  async presign(ctx: OpContext, req: PresignRequest): Promise<PresignResult> {
    if (!ctx.origin) throw new Error('presigning for the disk driver needs the origin of the gateway');
    return this.signer(ctx.origin, req);
  }
}
