// What a resumable (tus) upload is made of: its target, its lease, its view for the faces, how its
// parts are sized and its bytes hashed. The service that drives it is tus.ts.
import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { TusUploadRow } from '../store/schema.js';

export const MiB = 1024 * 1024;
/** S3's smallest part (all but the last), and its most parts. */
export const MIN_PART = 5 * MiB;
export const MAX_PARTS = 10_000;
/** Parts streamed straight from a body of known length: at least this, so a large PATCH is not cut too fine. */
export const STREAM_PART = 16 * MiB;
/** The checksums of tus's checksum extension the gateway verifies. */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256', 'md5'] as const;
/** How long completing an upload may take once every byte is in, whether or not the client waits. */
export const COMPLETE_TIMEOUT_MS = 10 * 60_000;

export interface TusTarget {
  bucket: string;
  key: string;
  contentType?: string;
  metadata: Record<string, string>;
  createOnly: boolean;
  /** Upload-Metadata as sent, served back on HEAD. */
  tusMetadata: Record<string, string | null>;
}

/** One request's hold on an upload (see TusRepo): renewed while held; `lost` fires if it is taken away. */
export interface Lease {
  readonly owner: string;
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export interface TusOptions {
  /** An unfinished upload is aborted and removed this long after its creation. */
  expiresMs: number;
  /** A writer's lease: renewed every third of it; a writer that died frees its upload after this. */
  lockTtlMs: number;
  log: FastifyBaseLogger;
}

/** The smallest part size that lets 10,000 parts hold `size` bytes: 5 MiB up to 48.8 GiB. */
export function partSizeFor(size: number): number {
  return Math.max(MIN_PART, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/** S3's ETag of an object completed from these parts: the MD5 of their MD5s, and their count. */
export function multipartEtag(etags: string[]): string {
  const md5 = createHash('md5');
  for (const e of etags) md5.update(Buffer.from(e.replace(/-\d+$/, ''), 'hex'));
  return `${md5.digest('hex')}-${etags.length}`;
}

/** `head` then `rest`, as one stream; a failure of `rest` fails it. */
export function prefixed(head: Buffer | null, rest: Readable): Readable {
  if (!head || head.length === 0) return rest;
  return Readable.from(
    (async function* () {
      yield head;
      yield* rest;
    })(),
    { objectMode: false },
  );
}

/** `source` as it passes through `hash`; a failure of `source` fails it. */
export function hashing(source: Readable, hash: Hash): Readable {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  source.on('error', (err) => t.destroy(err));
  return source.pipe(t);
}

/** A resumable upload as the faces see it. */
export interface TusUpload {
  id: string;
  bucket: string;
  key: string;
  /** Upload-Length. */
  size: number;
  /** Upload-Offset. */
  offset: number;
  /** Upload-Metadata as the client sent it. */
  metadata: Record<string, string | null>;
  createdAt: string;
  expiresAt: string;
  /** Created through a presigned URL: its upload URL is signed too. */
  presigned: boolean;
  /** The object is stored. */
  done: boolean;
}

export const viewOf = (row: TusUploadRow): TusUpload => ({
  id: row.id,
  bucket: row.bucket,
  key: row.key,
  size: row.size,
  offset: row.received,
  metadata: JSON.parse(row.tus_metadata) as Record<string, string | null>,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  presigned: Boolean(row.presigned),
  done: row.state === 'done',
});
