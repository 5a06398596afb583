import { createReadStream, createWriteStream } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { PRIVATE_FILE } from '../../../lib/private-files.js';
import { unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errors, withHeaders } from '../../../errors.js';
import type { Conditions, OpContext, ContentHeaders, MultipartStore, PartInfo, UploadInfo, UploadListOptions, UploadRef } from '../../../model/object-store.js';

import { checkWrite, type WritePrecondition } from '../../../model/preconditions.js';
import { type DiskFiles, headersJson, type MultipartHooks, type TenantIndex, utf8, MIN_PART_SIZE } from './rows.js';
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
export class DiskMultipart implements MultipartStore {
  constructor(
    private readonly backend: DiskFiles,
    private readonly tenant: string,
    private readonly index: TenantIndex,
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
    this.index.requireBucket(bucket);
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
          .prepare(
            'INSERT INTO parts (upload_id, part_number, blob, size, etag, last_modified) VALUES (@upload_id, @part_number, @blob, @size, @etag, @last_modified) ON CONFLICT (upload_id, part_number) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag, last_modified = excluded.last_modified',
          )
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

  async copyPart(
    ctx: OpContext,
    ref: UploadRef,
    partNumber: number,
    source: { bucket: string; key: string },
    opts: { range?: { start: number; end: number }; conditions?: Conditions },
  ): Promise<{ etag: string; lastModified: Date }> {
    this.#upload(ref);
    const row = this.index.source(source.bucket, source.key, opts.conditions);
    if (opts.range && opts.range.end >= row.size) {
      throw withHeaders(new errors.RangeNotSatisfiable(`bytes=${opts.range.start}-${opts.range.end}`, row.size), { 'content-range': `bytes */${row.size}` });
    }
    const body = createReadStream(this.backend.blobPath(row.blob), opts.range ? { start: opts.range.start, end: opts.range.end } : {});
    const part = await this.#putPart(ref, partNumber, await this.backend.writeBlob(body, ctx.signal));
    return { etag: part.etag, lastModified: new Date(part.last_modified) };
  }

  async complete(ctx: OpContext, ref: UploadRef, parts: { partNumber: number; etag: string }[], precondition?: WritePrecondition): Promise<{ etag: string }> {
    const upload = this.#upload(ref);
    checkWrite(precondition, ref.bucket, ref.key, this.index.row(ref.bucket, ref.key)?.etag);
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
    const etag =
      createHash('md5')
        .update(Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex'))))
        .digest('hex') + `-${chosen.length}`;
    const size = chosen.reduce((n, p) => n + p.size, 0);
    let freed: string[];
    try {
      freed = this.#db.transaction(() => {
        this.#upload(ref);
        this.index.requireBucket(ref.bucket);
        const existing = this.index.row(ref.bucket, ref.key);
        checkWrite(precondition, ref.bucket, ref.key, existing?.etag);
        this.index.upsert(ref.bucket, ref.key, {
          blob,
          size,
          etag,
          content_type: upload.content_type,
          metadata: upload.metadata,
          headers: upload.headers,
          part_sizes: JSON.stringify(chosen.map((p) => p.size)),
        });
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
    this.index.requireBucket(bucket);
    const prefix = opts.prefix ?? '';
    const rows = this.#db.prepare('SELECT upload_id, key, initiated FROM uploads WHERE tenant = ? AND bucket = ? ORDER BY key, upload_id').all(this.tenant, bucket) as Pick<
      UploadRow,
      'upload_id' | 'key' | 'initiated'
    >[];
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
