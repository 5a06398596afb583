import type SQLite from 'better-sqlite3';
import { errors } from '../../../errors.js';
import type { Conditions, ObjectInfo, ContentHeaders, DriverHooks } from '../../../model/object-store.js';
import type { Readable } from 'node:stream';
import { etagMatches } from '../../../model/preconditions.js';

/** A row of the index's objects table. */
export interface ObjectRow {
  key: Buffer;
  blob: string;
  size: number;
  /** JSON array of the part sizes of an object completed from a multipart upload; null otherwise. */
  part_sizes: string | null;
  /** JSON of its content headers (ContentHeaders), or null. */
  headers: string | null;
  /** JSON of its tags (Tags), or null. */
  tags: string | null;
  etag: string;
  content_type: string;
  metadata: string;
  last_modified: string;
}

/** 0xFF never occurs in UTF-8, so prefix + 0xFF sorts after every key that starts with prefix. */
export const HIGH = Buffer.from([0xff]);
export const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** The blob files and the index every disk tenant shares (DiskBackend): what a tenant's store uses of them. */
export interface DiskFiles {
  readonly db: SQLite.Database;
  blobPath(blob: string): string;
  tmpPath(): string;
  /** Streams a body into a new blob file (not yet indexed); returns it with its MD5 and size. */
  writeBlob(body: Readable, signal: AbortSignal | undefined): Promise<{ blob: string; etag: string; size: number }>;
  /** Moves a finished temporary file into place as a new blob; returns its name. */
  placeBlob(tmp: string): Promise<string>;
}

/** Records the uploads a driver starts and ends, for the janitor (DriverHooks.multipart). */
export type MultipartHooks = NonNullable<DriverHooks['multipart']>;

/** S3's smallest part (all but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/** Whether a read's conditions let it through: PreconditionFailed, 304, or undefined to read. */
export function checkConditions(row: ObjectRow, c: Conditions | undefined): 304 | undefined {
  if (!c) return undefined;
  const lastModified = new Date(row.last_modified);
  const seconds = Math.floor(lastModified.getTime() / 1000);
  if (c.ifMatch && !etagMatches(c.ifMatch, row.etag)) throw new errors.PreconditionFailed("If-Match does not match the object's ETag");
  if (!c.ifMatch && c.ifUnmodifiedSince && seconds > Math.floor(c.ifUnmodifiedSince.getTime() / 1000)) {
    throw new errors.PreconditionFailed('the object was modified after If-Unmodified-Since');
  }
  if (c.ifNoneMatch && etagMatches(c.ifNoneMatch, row.etag)) return 304;
  if (!c.ifNoneMatch && c.ifModifiedSince && seconds <= Math.floor(c.ifModifiedSince.getTime() / 1000)) return 304;
  return undefined;
}

/** One tenant's rows of the index (buckets and objects): what the object store and its multipart uploads share. */
export class TenantIndex {
  constructor(
    private readonly db: SQLite.Database,
    private readonly tenant: string,
  ) {}

  get #db() {
    return this.db;
  }

  requireBucket(bucket: string): void {
    const row = this.#db.prepare('SELECT 1 FROM buckets WHERE tenant = ? AND name = ?').get(this.tenant, bucket);
    if (!row) throw new errors.BucketNotFound(bucket);
  }

  /** Makes key point at a stored blob (inside the caller's transaction). */
  upsert(bucket: string, key: string, o: Pick<ObjectRow, 'blob' | 'size' | 'etag' | 'content_type' | 'metadata'> & { part_sizes?: string | null; headers?: string | null; tags?: string | null }) {
    this.#db
      .prepare(
        `INSERT INTO objects (tenant, bucket, key, blob, size, etag, content_type, metadata, last_modified, part_sizes, headers, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, bucket, key) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag,
           content_type = excluded.content_type, metadata = excluded.metadata, last_modified = excluded.last_modified, part_sizes = excluded.part_sizes,
           headers = excluded.headers, tags = excluded.tags`,
      )
      .run(this.tenant, bucket, utf8(key), o.blob, o.size, o.etag, o.content_type, o.metadata, new Date().toISOString(), o.part_sizes ?? null, o.headers ?? null, o.tags ?? null);
  }

  /** Sets an object's tags (null: none); false when the object is absent. */
  setTags(bucket: string, key: string, tags: string | null): boolean {
    return this.#db.prepare('UPDATE objects SET tags = ? WHERE tenant = ? AND bucket = ? AND key = ?').run(tags, this.tenant, bucket, utf8(key)).changes === 1;
  }

  /** A copy source: its row, once its x-amz-copy-source-if-* conditions hold. */
  source(bucket: string, key: string, conditions?: Conditions): ObjectRow {
    const row = this.find(bucket, key);
    if (conditions && checkConditions(row, conditions) === 304) throw new errors.PreconditionFailed('the copy source does not match x-amz-copy-source-if-none-match / if-modified-since');
    return row;
  }

  row(bucket: string, key: string): ObjectRow | undefined {
    return this.#db.prepare('SELECT * FROM objects WHERE tenant = ? AND bucket = ? AND key = ?').get(this.tenant, bucket, utf8(key)) as ObjectRow | undefined;
  }

  /** The object's row, or ObjectNotFound (BucketNotFound when the bucket is missing). */
  find(bucket: string, key: string): ObjectRow {
    const row = this.row(bucket, key);
    if (row) return row;
    this.requireBucket(bucket);
    throw new errors.ObjectNotFound(key, bucket);
  }
}

export function headersJson(h: ContentHeaders | undefined): string | null {
  return h && Object.values(h).some((v) => v !== undefined) ? JSON.stringify(h) : null;
}

/** The bytes of part n (1-based) of an object; an object not uploaded in parts is its own part 1. */
export function partOf(row: ObjectRow, n: number): { start: number; end: number; count: number } {
  const sizes = row.part_sizes ? (JSON.parse(row.part_sizes) as number[]) : [row.size];
  if (n < 1 || n > sizes.length) throw new errors.InvalidPartNumber(n, row.key.toString('utf8'), sizes.length);
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[n - 1] - 1, count: sizes.length };
}

const tagCount = (row: ObjectRow) => (row.tags ? Object.keys(JSON.parse(row.tags) as object).length : 0);

export function infoOf(row: ObjectRow): ObjectInfo {
  return {
    key: row.key.toString('utf8'),
    size: row.size,
    etag: row.etag,
    lastModified: new Date(row.last_modified),
    contentType: row.content_type,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    ...(row.headers && { headers: JSON.parse(row.headers) as ContentHeaders }),
    ...(tagCount(row) > 0 && { s3Headers: { 'x-amz-tagging-count': String(tagCount(row)) } }),
  };
}

export function encodeCursor(after: Buffer): string {
  return 'd' + after.toString('base64url');
}

export function decodeCursor(cursor: string): Buffer {
  if (!cursor.startsWith('d') || cursor.length < 2 || !/^[A-Za-z0-9_-]+$/.test(cursor.slice(1))) throw new errors.InvalidCursor();
  return Buffer.from(cursor.slice(1), 'base64url');
}
